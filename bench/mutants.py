"""Mutation testing of the graders: does every wrong answer fail?

    python bench/mutants.py [--unit UNIT] [--jobs N] [--list]

Each function of solutions/<unit>.py is mutated one small change at a time: an operator, a
comparison, a sign, a constant, an axis, keepdims, a reduction, a reduction's extent, a slice
bound or a range stop off by one, a call, a transpose or half of an expression dropped. Each
mutant is a submission folder holding that one module, and one `course grade --only UNIT` batch
grades them all. A mutant of an exercise is killed when that exercise loses points; a mutant of
a helper (`_asfloat`, `_train`, ...) when any exercise of the unit does. A survivor is either
listed in bench/mutants_equivalent.toml, with why no valid input tells it from the solution, or
a case its grader is missing: then this script exits 1. The cases are the public ones:
$COURSE_HIDDEN_SEED is left out (a hidden seed in instructor.toml would still add its cases).
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EQUIVALENT_FILE = ROOT / "bench" / "mutants_equivalent.toml"

BINARY_SWAPS = {
    ast.Add: (ast.Sub,),
    ast.Sub: (ast.Add,),
    ast.Mult: (ast.Div,),
    ast.Div: (ast.Mult,),
    ast.Pow: (ast.Mult,),
    ast.MatMult: (ast.Mult,),
    ast.FloorDiv: (ast.Div,),
    ast.Mod: (ast.FloorDiv,),
}
COMPARE_SWAPS = {
    ast.Gt: (ast.GtE, ast.Lt),
    ast.GtE: (ast.Gt, ast.LtE),
    ast.Lt: (ast.LtE, ast.Gt),
    ast.LtE: (ast.Lt, ast.GtE),
    ast.Eq: (ast.NotEq,),
    ast.NotEq: (ast.Eq,),
    ast.In: (ast.NotIn,),
    ast.NotIn: (ast.In,),
    ast.Is: (ast.IsNot,),
    ast.IsNot: (ast.Is,),
}
REDUCTIONS = ("sum", "mean", "max", "min")
OPPOSITES = {"max": "min", "min": "max", "maximum": "minimum", "minimum": "maximum"}
AXES = (0, 1, -1, None)
# Calls whose removal is no answer a learner would write, only a broken one: range(n) → n.
KEPT_CALLS = {"range", "len", "zip", "enumerate", "isinstance"}
MODULES = {"np", "math"}
ATOMS = (ast.Name, ast.Attribute, ast.Call, ast.Subscript, ast.Slice, ast.Tuple, ast.List)


@dataclasses.dataclass(frozen=True)
class Mutant:
    unit: str
    function: str
    change: str  # "x > 0 → x >= 0": with unit and function, the key of a note on it
    source: str  # the whole mutated module


# --- the mutations -------------------------------------------------------------------------


def mutations(node: ast.AST, flipped: set[int]):
    """The replacements of `node`, one mutant each; `flipped` holds the ids of the values a
    function returns or assigns, whose sign is mutated too."""
    if id(node) in flipped and not (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)):
        yield ast.UnaryOp(ast.USub(), node)  # a -(-x) would be x itself: that one loses its minus below
    if isinstance(node, ast.BinOp):
        for op in BINARY_SWAPS.get(type(node.op), ()):
            yield ast.BinOp(node.left, op(), node.right)
        yield node.left  # a transform dropped: x - x.max(...) → x, X @ w + b → X @ w
        yield node.right
    elif _number(node) is not None:
        value = _number(node)
        for other in sorted({0, 1, value - 1, value + 1, -value} - {value}):
            yield ast.Constant(other)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Not)):
        yield node.operand
    elif isinstance(node, ast.Compare) and len(node.ops) == 1:
        for op in COMPARE_SWAPS.get(type(node.ops[0]), ()):
            yield ast.Compare(node.left, [op()], node.comparators)
    elif isinstance(node, ast.BoolOp):
        yield ast.BoolOp(ast.Or() if isinstance(node.op, ast.And) else ast.And(), node.values)
    elif isinstance(node, ast.Call):
        yield from _call_mutations(node)
    elif isinstance(node, ast.Slice):
        for bound in ("lower", "upper"):
            if getattr(node, bound) is not None:
                for op in (ast.Add, ast.Sub):
                    yield _replace(node, **{bound: ast.BinOp(getattr(node, bound), op(), ast.Constant(1))})
    elif isinstance(node, ast.Attribute) and node.attr == "T":
        yield node.value


def _call_mutations(call: ast.Call):
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    others = [r for r in REDUCTIONS if r != name] if isinstance(func, ast.Attribute) and name in REDUCTIONS else []
    for other in others or ([OPPOSITES[name]] if name in OPPOSITES else []):
        renamed = _replace(func, attr=other) if isinstance(func, ast.Attribute) else ast.Name(other, ast.Load())
        yield _replace(call, func=renamed)
    for i, keyword in enumerate(call.keywords):
        number = _number(keyword.value)  # a name (axis=axis) stays a node, unequal to every literal
        literal = number if number is not None else getattr(keyword.value, "value", keyword.value)
        if keyword.arg == "axis":
            for axis in AXES:
                if literal is not axis and literal != axis:
                    yield _with_keyword(call, i, axis)
        elif keyword.arg == "keepdims" and isinstance(literal, bool):
            yield _with_keyword(call, i, not literal)
    if name in REDUCTIONS and call.keywords:
        yield _replace(call, keywords=[])  # over the whole array: x - x.max() for x - x.max(axis=a, keepdims=True)
    if name == "range":
        stop = 0 if len(call.args) == 1 else 1
        for op in (ast.Sub, ast.Add):
            args = list(call.args)
            args[stop] = ast.BinOp(args[stop], op(), ast.Constant(1))
            yield _replace(call, args=args)
    elif name in KEPT_CALLS or name.endswith("Error"):
        return
    elif isinstance(func, ast.Attribute) and _root(func.value) not in MODULES:
        yield func.value  # a method dropped: x.astype(dtype) → x, x.copy() → x
    elif call.args and not isinstance(call.args[0], ast.Starred):
        yield call.args[0]  # a function dropped: np.asarray(x) → x, step(z) → z


def _number(node: ast.AST) -> int | float | None:
    """The value of a numeric literal, -1 included (it is -(1) to ast); None for anything else."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _number(node.operand)
        return None if value is None else -value
    return node.value if isinstance(node, ast.Constant) and type(node.value) in (int, float) else None


def _root(node: ast.AST) -> str:
    while isinstance(node, ast.Attribute):
        node = node.value
    return getattr(node, "id", "")


def _replace(node: ast.AST, **fields) -> ast.AST:
    copy = type(node)(**{name: getattr(node, name) for name in node._fields})
    for name, value in fields.items():
        setattr(copy, name, value)
    return copy


def _with_keyword(call: ast.Call, i: int, value) -> ast.Call:
    keywords = list(call.keywords)
    keywords[i] = ast.keyword(keywords[i].arg, ast.Constant(value))
    return _replace(call, keywords=keywords)


def _signed_values(function: ast.AST) -> set[int]:
    """The ids of the values `function` returns or assigns (each element of a tuple on its own)."""
    values = [n.value for n in ast.walk(function) if isinstance(n, (ast.Return, ast.Assign)) and n.value is not None]
    return {id(e) for v in values for e in (v.elts if isinstance(v, ast.Tuple) else [v])}


def _mutable_nodes(node: ast.AST, outer: tuple = ()):
    """(node, its enclosing expressions, innermost first) for every node of a function but its
    docstring and what it raises (an error's message is no answer)."""
    body = getattr(node, "body", None)
    inside = (node, *outer) if isinstance(node, ast.expr) else () if isinstance(node, ast.stmt) else outer
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Raise):
            continue
        if (
            isinstance(body, list)
            and child is body[0]
            and isinstance(child, ast.Expr)
            and isinstance(child.value, ast.Constant)
            and isinstance(child.value.value, str)
        ):
            continue
        yield child, inside
        yield from _mutable_nodes(child, inside)


# --- mutants of a module ---------------------------------------------------------------------


class _Source:
    """A module's text, addressed as ast addresses it: line numbers and UTF-8 byte columns."""

    def __init__(self, text: str):
        self.data = text.encode()
        self.starts = [0]
        for line in self.data.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line))

    def span(self, node: ast.AST) -> tuple[int, int]:
        return (self.starts[node.lineno - 1] + node.col_offset, self.starts[node.end_lineno - 1] + node.end_col_offset)

    def text(self, begin: int, end: int) -> str:
        return self.data[begin:end].decode()


def _spliced(replacement: ast.AST) -> bytes:
    text = ast.unparse(replacement)
    if isinstance(replacement, ATOMS) or (isinstance(replacement, ast.Constant) and not text.startswith("-")):
        return text.encode()
    return f"({text})".encode()  # keeps the precedence of where it goes: c * (a - b), not c * a - b


def _change(source: _Source, node: ast.AST, outer: tuple, new: bytes) -> str:
    """The smallest enclosing expression that shows where, before and after: "1 / (1 + z) → 1 / (1 - z)"."""
    begin, end = source.span(node)
    contexts = [
        e for e in (node, *outer) if not isinstance(e, (ast.Slice, ast.Attribute)) and 12 <= len(ast.unparse(e)) <= 120
    ]
    c_begin, c_end = source.span(contexts[0]) if contexts else (begin, end)
    before = source.text(c_begin, c_end)
    after = source.text(c_begin, begin) + new.decode() + source.text(end, c_end)
    return " → ".join(_tidy(text) for text in (before, after))


def _tidy(expression: str) -> str:
    try:
        return ast.unparse(ast.parse(f"({expression})", mode="eval"))
    except SyntaxError:  # a slice's bounds, a keyword argument: as written
        return " ".join(expression.split())


def mutants_of(unit: str) -> list[Mutant]:
    text = (ROOT / "solutions" / f"{unit}.py").read_text(encoding="utf-8")
    source = _Source(text)
    found: list[Mutant] = []
    for function in (n for n in ast.parse(text).body if isinstance(n, ast.FunctionDef)):
        flipped = _signed_values(function)
        # the 1 of -1 is mutated as part of -1: -1 → 0, not -1 → -0
        inside_literals = {
            id(n.operand) for n in ast.walk(function) if isinstance(n, ast.UnaryOp) and _number(n) is not None
        }
        seen = {ast.dump(ast.parse(text))}  # one mutant per program, however it is spelled
        for node, outer in _mutable_nodes(function):
            if not hasattr(node, "end_col_offset") or id(node) in inside_literals:
                continue
            begin, end = source.span(node)
            for replacement in mutations(node, flipped):
                new = _spliced(replacement)
                mutated = (source.data[:begin] + new + source.data[end:]).decode()
                program = ast.dump(ast.parse(mutated))
                if program in seen:
                    continue
                seen.add(program)
                change = _change(source, node, outer, new)
                repeats = sum(m.function == function.name and m.change.split(" #")[0] == change for m in found)
                found.append(Mutant(unit, function.name, change + (f" #{repeats + 1}" if repeats else ""), mutated))
    return found


# --- grading them ----------------------------------------------------------------------------


def course_units() -> dict[str, list[str]]:
    """{unit: its exercises' function names}, from course.toml."""
    data = tomllib.loads((ROOT / "course.toml").read_text(encoding="utf-8"))
    return {unit["name"]: [e["id"].split(".", 1)[1] for e in unit["exercises"]] for unit in data["units"]}


def grade(unit: str, mutants: list[Mutant], jobs: int) -> dict[Mutant, bool]:
    """{mutant: killed}, from one `course grade` batch. The solution is graded with them: a
    solution that fails would make every mutant look killed."""
    exercises = course_units()[unit]
    with tempfile.TemporaryDirectory(prefix="mutants-") as work:
        work = Path(work)
        folders = {"solution": (ROOT / "solutions" / f"{unit}.py").read_text(encoding="utf-8")}
        folders.update({f"m{i:04d}": m.source for i, m in enumerate(mutants)})
        for name, source in folders.items():
            (work / name).mkdir()
            (work / name / f"{unit}.py").write_text(source, encoding="utf-8")
        out = work / "records.json"
        options = f"--only {unit} --format json --device cpu --jobs {jobs} --allow-weak-sandbox".split()
        command = [sys.executable, "-m", "graders", "grade", *(str(work / name) for name in folders), *options]
        env = {k: v for k, v in os.environ.items() if k != "COURSE_HIDDEN_SEED"}  # the public cases
        run = subprocess.run(
            [*command, "--out", str(out)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            check=False,
        )
        if run.returncode != 0:
            raise SystemExit(f"course grade failed ({run.returncode}):\n{run.stdout[-3000:]}{run.stderr[-3000:]}")
        records = json.loads(out.read_text(encoding="utf-8"))
    passed = {
        r["submission"]: {e["id"].split(".", 1)[1] for e in r["exercises"] if e["status"] == "passed"}
        for r in (records if isinstance(records, list) else [records])
    }
    if passed["solution"] != set(exercises):
        raise SystemExit(f"solutions/{unit}.py itself fails {sorted(set(exercises) - passed['solution'])}")
    return {
        m: not ({m.function} if m.function in exercises else set(exercises)) <= passed[f"m{i:04d}"]
        for i, m in enumerate(mutants)
    }


def equivalent_notes() -> dict[tuple[str, str, str], str]:
    """{(unit, function, change): why it is equivalent}, from bench/mutants_equivalent.toml."""
    notes = tomllib.loads(EQUIVALENT_FILE.read_text(encoding="utf-8")).get("equivalent", [])
    return {(n["unit"], n["function"], change): n["why"] for n in notes for change in n["changes"]}


@dataclasses.dataclass
class Tally:
    unit: str
    generated: int = 0
    killed: int = 0
    equivalent: int = 0
    surviving: list[Mutant] = dataclasses.field(default_factory=list)
    seconds: float = 0.0

    @property
    def kill_rate(self) -> float:
        judged = self.generated - self.equivalent
        return 100.0 * self.killed / judged if judged else 100.0


def tally(unit: str, jobs: int, notes: dict) -> Tally:
    started = time.perf_counter()
    mutants = mutants_of(unit)
    killed = grade(unit, mutants, jobs)
    result = Tally(unit, generated=len(mutants))
    for mutant in mutants:
        note = notes.get((mutant.unit, mutant.function, mutant.change))
        if killed[mutant]:
            result.killed += 1
            if note:
                print(
                    f"stale note: {unit}.{mutant.function}: {mutant.change} is killed, so not equivalent",
                    file=sys.stderr,
                )
        elif note:
            result.equivalent += 1
        else:
            result.surviving.append(mutant)
    result.seconds = time.perf_counter() - started
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--unit", action="append", help="only this unit (repeatable; default: every unit)")
    parser.add_argument("--jobs", type=int, default=2, help="submissions graded at once (default: 2)")
    parser.add_argument("--list", action="store_true", help="print the mutants, grade nothing")
    args = parser.parse_args(argv)
    units = args.unit or list(course_units())
    if args.list:
        for unit in units:
            for m in mutants_of(unit):
                print(f"{unit}.{m.function}: {m.change}")
        return 0
    notes = equivalent_notes()
    print(
        f"{'unit':<18} {'mutants':>7} {'killed':>7} {'equivalent':>10} {'surviving':>9} {'kill rate':>9} {'seconds':>7}"
    )
    tallies = []
    for unit in units:
        t = tally(unit, args.jobs, notes)
        tallies.append(t)
        print(
            f"{t.unit:<18} {t.generated:>7} {t.killed:>7} {t.equivalent:>10} {len(t.surviving):>9} "
            f"{t.kill_rate:>8.1f}% {t.seconds:>7.0f}",
            flush=True,
        )
    survivors = [m for t in tallies for m in t.surviving]
    for m in survivors:
        print(f"SURVIVED {m.unit}.{m.function}: {m.change}")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())

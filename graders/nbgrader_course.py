"""The course as an nbgrader course directory, generated from the one source: stubs, solutions,
course.toml and the graders. Nothing here is a second copy to keep in sync.

Per unit, `source/<unit>/<unit>.ipynb` holds an introduction (English and Korean), the stub's
module-level code, and per exercise a solution cell (the stub's signature and docstring, the
solution's body between `### BEGIN SOLUTION` / `### END SOLUTION`, so generate_assignment leaves
a stub) and an autograded test cell worth the exercise's points that calls graders.notebook.check.
"""
from __future__ import annotations

import ast
import json
import textwrap
from pathlib import Path

from graders.course import Course, Exercise, Unit

CONFIG = '''c = get_config()  # noqa: F821  (nbgrader's config loader defines it)
c.CourseDirectory.course_id = "{course_id}"
# the test cells import torch for the references: allow them time on a slow machine
c.ExecutePreprocessor.timeout = 600
'''


def build(course: Course, out: Path, hidden_seed: str | None) -> list[Path]:
    """Write nbgrader_config.py and source/<unit>/<unit>.ipynb for every unit; return the notebooks."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "nbgrader_config.py").write_text(CONFIG.format(course_id=course_name(course)), encoding="utf-8")
    written = []
    for unit in course.units:
        path = out / "source" / unit.name / f"{unit.name}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(notebook(course, unit, hidden_seed), indent=1, ensure_ascii=False) + "\n",
                        encoding="utf-8")
        written.append(path)
    return written


def course_name(course: Course) -> str:
    return course.root.name or "course"


def notebook(course: Course, unit: Unit, hidden_seed: str | None) -> dict:
    stub_source = (course.root / "exercises" / f"{unit.name}.py").read_text(encoding="utf-8")
    solution_source = (course.root / "solutions" / f"{unit.name}.py").read_text(encoding="utf-8")
    stub, solution = ast.parse(stub_source), ast.parse(solution_source)
    cells = [_markdown(f"{unit.name}-intro", _intro(unit, stub)),
             _code(f"{unit.name}-setup", _setup(stub_source, stub))]
    for exercise in unit.exercises:
        grade_id = test_cell_id(exercise)
        cells.append(_markdown(f"{grade_id}-about", _about(exercise)))
        cells.append(_code(f"{grade_id}-answer", _answer(exercise, stub_source, stub, solution_source, solution),
                           solution=True))
        cells.append(_code(grade_id, _test(exercise, hidden_seed), points=exercise.points))
    return {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                         "language_info": {"name": "python"}, "course": {"unit": unit.name}}}


# --- cells, with the metadata nbgrader's schema version 3 asks for -------------------------------

def _nbgrader(grade_id: str, *, solution: bool = False, points: int | None = None, locked: bool = True) -> dict:
    meta = {"grade": points is not None, "grade_id": grade_id, "locked": locked and not solution,
            "schema_version": 3, "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _markdown(grade_id: str, text: str) -> dict:
    return {"cell_type": "markdown", "id": _cell_id(grade_id), "metadata": _nbgrader(grade_id), "source": text}


def _code(grade_id: str, text: str, *, solution: bool = False, points: int | None = None) -> dict:
    return {"cell_type": "code", "id": _cell_id(grade_id), "execution_count": None, "outputs": [],
            "metadata": _nbgrader(grade_id, solution=solution, points=points), "source": text}


def test_cell_id(exercise: Exercise) -> str:
    """The grade_id of an exercise's test cell: `unit-function` (nbgrader allows no dots)."""
    return f"{exercise.unit}-{exercise.function}"


def _cell_id(grade_id: str) -> str:
    return grade_id.replace("_", "-")[:64]


# --- what the cells say ------------------------------------------------------------------------

def _intro(unit: Unit, stub: ast.Module) -> str:
    listing = "\n".join(f"- `{ex.id}` — {ex.title['en']} · {ex.title['ko']} ({_points(ex)})" for ex in unit.exercises)
    return (f"# {unit.title['en']} · {unit.title['ko']}\n\n{ast.get_docstring(stub) or ''}\n\n{listing}\n\n"
            "Write each answer with NumPy in the cell below its description, then run the test cell after it. "
            "각 설명 아래 셀에 NumPy로 답을 쓰고, 그 아래의 테스트 셀을 실행하세요.")


def _about(exercise: Exercise) -> str:
    return f"## `{exercise.id}` — {exercise.title['en']} · {exercise.title['ko']} ({_points(exercise)})"


def _setup(source: str, stub: ast.Module) -> str:
    """The stub module's own top-level code (imports, the notes' constants), not its functions."""
    kept = [node for node in stub.body if not isinstance(node, ast.FunctionDef)
            and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]
    return "\n".join(ast.get_source_segment(source, node) for node in kept)


def _answer(exercise: Exercise, stub_source: str, stub: ast.Module, solution_source: str, solution: ast.Module) -> str:
    """The stub's signature and docstring, then the solution's body as nbgrader's solution region,
    with what it uses that the notebook defines only further down (private helpers, later
    exercises' functions) nested inside, since nbgrader runs each test cell in order."""
    stub_fn = _function(stub, exercise.function)
    solved = _function(solution, exercise.function)
    lines = stub_source.splitlines()
    head = lines[stub_fn.lineno - 1:stub_fn.body[0].end_lineno]  # def line(s) and docstring
    body_start = solved.body[1] if ast.get_docstring(solved) and len(solved.body) > 1 else solved.body[0]
    solution_lines = solution_source.splitlines()
    body = "\n".join(solution_lines[body_start.lineno - 1:solved.end_lineno])
    # what the notebook defines above this cell: earlier exercises' functions and the stub's constants
    functions = [n.name for n in stub.body if isinstance(n, ast.FunctionDef)]
    above = set(functions[:functions.index(exercise.function)]) | _assigned(stub)
    helpers = _helpers(solution, solution_source, solved, above)
    region = textwrap.indent(textwrap.dedent("\n\n".join([*helpers, textwrap.dedent(body)])), "    ")
    return "\n".join([*head, "    ### BEGIN SOLUTION", region, "    ### END SOLUTION"])


def _test(exercise: Exercise, hidden_seed: str | None) -> str:
    call = f'check("{exercise.id}", {exercise.function}'
    text = f"from graders.notebook import check\n\n{call})"
    if hidden_seed:
        text += f"\n### BEGIN HIDDEN TESTS\n{call}, hidden_seed={hidden_seed!r})\n### END HIDDEN TESTS"
    return text


def _function(module: ast.Module, name: str) -> ast.FunctionDef:
    return next(node for node in module.body if isinstance(node, ast.FunctionDef) and node.name == name)


def _assigned(module: ast.Module) -> set[str]:
    return {target.id for node in module.body if isinstance(node, ast.Assign)
            for target in node.targets if isinstance(target, ast.Name)}


def _helpers(solution: ast.Module, source: str, fn: ast.FunctionDef, provided: set[str]) -> list[str]:
    """Source of the solution's module-level definitions that `fn` uses, transitively, except
    what the notebook already provides above the cell."""
    definitions = {}
    for node in solution.body:
        if isinstance(node, ast.FunctionDef):
            definitions[node.name] = node
        elif isinstance(node, ast.Assign):
            definitions.update({t.id: node for t in node.targets if isinstance(t, ast.Name)})
    needed, todo = [], [fn]
    while todo:
        for name in sorted({n.id for n in ast.walk(todo.pop()) if isinstance(n, ast.Name)}):
            node = definitions.get(name)
            if node is not None and name not in provided and node is not fn and node not in needed:
                needed.append(node)
                todo.append(node)
    return [ast.get_source_segment(source, node) for node in sorted(needed, key=lambda n: n.lineno)]


def _points(exercise: Exercise) -> str:
    return f"{exercise.points} point{'s' if exercise.points != 1 else ''}"

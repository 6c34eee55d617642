"""The course as an nbgrader course directory, generated from the one source: stubs, solutions,
course.toml and the graders. Nothing here is a second copy to keep in sync.

Per unit, `source/<unit>/<unit>.ipynb` holds an install cell (it makes the grader importable in
a kernel that lacks it, as on Colab, and never touches the kernel's torch), an introduction
(English and Korean), the stub's module-level code, and per exercise a solution cell (the stub's
signature and docstring, the solution's body between `### BEGIN SOLUTION` / `### END SOLUTION`,
so generate_assignment leaves a stub) and an autograded test cell worth the exercise's points
that calls graders.notebook.check.
"""

from __future__ import annotations

import ast
import json
import textwrap
from pathlib import Path

from graders.course import Course, Exercise, Unit, torch_pin
from graders.engine import hidden_key
from graders.files import write_atomically

CONFIG = """c = get_config()  # noqa: F821  (nbgrader's config loader defines it)
c.CourseDirectory.course_id = "{course_id}"
# the test cells import torch for the references: allow them time on a slow machine
c.ExecutePreprocessor.timeout = 600
"""


def build(course: Course, out: Path, hidden_seed: str | None, install_from: str | None = None) -> list[Path]:
    """Write nbgrader_config.py and source/<unit>/<unit>.ipynb for every unit; return the notebooks.
    `install_from`: what the install cell gives pip where the grader is not importable (the
    instructor's repository as git+https://..., or a wheel's URL)."""
    out.mkdir(parents=True, exist_ok=True)
    # each file replaced whole: a link planted at one of these paths is replaced, not written through
    write_atomically(out / "nbgrader_config.py", CONFIG.format(course_id=course_name(course)))
    written = []
    for unit in course.units:
        path = out / "source" / unit.name / f"{unit.name}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(
            path, json.dumps(notebook(course, unit, hidden_seed, install_from), indent=1, ensure_ascii=False) + "\n"
        )
        written.append(path)
    return written


def course_name(course: Course) -> str:
    return course.root.name or "course"


def notebook(course: Course, unit: Unit, hidden_seed: str | None, install_from: str | None = None) -> dict:
    stub_source = (course.root / "exercises" / f"{unit.name}.py").read_text(encoding="utf-8")
    solution_source = (course.root / "solutions" / f"{unit.name}.py").read_text(encoding="utf-8")
    stub, solution = ast.parse(stub_source), ast.parse(solution_source)
    cells = [
        _code(unit.name + INSTALL_CELL, install_cell(install_from, _torch_build(course))),
        _markdown(f"{unit.name}-intro", _intro(unit, stub)),
        _code(f"{unit.name}-setup", _setup(stub_source, stub)),
    ]
    for exercise in unit.exercises:
        grade_id = test_cell_id(exercise)
        cells.append(_markdown(f"{grade_id}-about", _about(exercise)))
        cells.append(
            _code(f"{grade_id}-answer", _answer(exercise, stub_source, stub, solution_source, solution), solution=True)
        )
        cells.append(_code(grade_id, _test(exercise, hidden_seed), points=exercise.points))
    return {
        "cells": cells,
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
            "course": {"unit": unit.name},
        },
    }


# --- cells, with the metadata nbgrader's schema version 3 asks for -------------------------------


def _nbgrader(grade_id: str, *, solution: bool = False, points: int | None = None, locked: bool = True) -> dict:
    meta = {
        "grade": points is not None,
        "grade_id": grade_id,
        "locked": locked and not solution,
        "schema_version": 3,
        "solution": solution,
        "task": False,
    }
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _markdown(grade_id: str, text: str) -> dict:
    return {"cell_type": "markdown", "id": _cell_id(grade_id), "metadata": _nbgrader(grade_id), "source": text}


def _code(grade_id: str, text: str, *, solution: bool = False, points: int | None = None) -> dict:
    return {
        "cell_type": "code",
        "id": _cell_id(grade_id),
        "execution_count": None,
        "outputs": [],
        "metadata": _nbgrader(grade_id, solution=solution, points=points),
        "source": text,
    }


def test_cell_id(exercise: Exercise) -> str:
    """The grade_id of an exercise's test cell: `unit-function` (nbgrader allows no dots)."""
    return f"{exercise.unit}-{exercise.function}"


def _cell_id(grade_id: str) -> str:
    return grade_id.replace("_", "-")[:64]


# --- what the cells say ------------------------------------------------------------------------

INSTALL = """# Setup: run this cell first. It makes the course's grader importable here (Colab, or a Jupyter
# without the course) and does nothing where it already is. It never installs or replaces torch.
# 설정: 이 셀을 먼저 실행하세요. 채점기를 이 커널에서 쓸 수 있게 하며, torch는 건드리지 않습니다.
import importlib, importlib.metadata, importlib.util, subprocess, sys

COURSE = {source!r}
if importlib.util.find_spec("graders") is None:
    if importlib.util.find_spec("torch") is None:
        raise RuntimeError("This kernel has no PyTorch, which the grader needs. Colab has it; elsewhere install "
                           "its CPU build first: pip install {torch} --index-url https://download.pytorch.org/whl/cpu")
    if not COURSE:
        raise RuntimeError("The grader is not installed in this kernel, and this notebook does not say where it "
                           "comes from: ask your instructor, or run `pip install -e .` in your copy of the course.")
    # --no-deps, then the course's own requirements except torch: the kernel's torch stays as it is
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", COURSE], check=True)
    importlib.invalidate_caches()
    needs = [r for r in importlib.metadata.requires("dl-basics-course") or []
             if "extra ==" not in r and not r.replace(" ", "").startswith("torch")]
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *needs], check=True)
    importlib.invalidate_caches()
from graders.notebook import check  # noqa: E402,F401
print("The grader is ready. 채점기가 준비되었습니다.")"""


INSTALL_CELL = "-install"  # the end of the install cell's grade_id: `course grade` leaves the cell out


def _torch_build(course: Course) -> str:
    """What the install cell's message tells a kernel without torch to install: the build
    pyproject.toml names, or (a course folder without the project's pyproject.toml) torch from
    the same CPU index."""
    try:
        return torch_pin(course.root)
    except FileNotFoundError:
        return "torch"


def install_cell(install_from: str | None, torch: str) -> str:
    """The first cell of every notebook: the grader made importable where it is not, from
    `install_from` (or, without one, a message that says where to get it)."""
    return INSTALL.format(source=install_from or "", torch=torch)


def _intro(unit: Unit, stub: ast.Module) -> str:
    listing = "\n".join(f"- `{ex.id}` — {ex.title['en']} · {ex.title['ko']} ({_points(ex)})" for ex in unit.exercises)
    return (
        f"# {unit.title['en']} · {unit.title['ko']}\n\n{ast.get_docstring(stub) or ''}\n\n{listing}\n\n"
        "Write each answer with NumPy in the cell below its description, then run the test cell after it. "
        "각 설명 아래 셀에 NumPy로 답을 쓰고, 그 아래의 테스트 셀을 실행하세요."
    )


def _about(exercise: Exercise) -> str:
    return f"## `{exercise.id}` — {exercise.title['en']} · {exercise.title['ko']} ({_points(exercise)})"


def _setup(source: str, stub: ast.Module) -> str:
    """The stub module's own top-level code (imports, the notes' constants), not its functions."""
    kept = [
        node
        for node in stub.body
        if not isinstance(node, ast.FunctionDef)
        and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
    ]
    return "\n".join(ast.get_source_segment(source, node) for node in kept)


def _answer(exercise: Exercise, stub_source: str, stub: ast.Module, solution_source: str, solution: ast.Module) -> str:
    """The stub's signature and docstring, then the solution's body as nbgrader's solution region,
    with what it uses that the notebook defines only further down (private helpers, later
    exercises' functions) nested inside, since nbgrader runs each test cell in order."""
    stub_fn = _function(stub, exercise.function)
    solved = _function(solution, exercise.function)
    lines = stub_source.splitlines()
    head = lines[stub_fn.lineno - 1 : stub_fn.body[0].end_lineno]  # def line(s) and docstring
    body_start = solved.body[1] if ast.get_docstring(solved) and len(solved.body) > 1 else solved.body[0]
    solution_lines = solution_source.splitlines()
    body = "\n".join(solution_lines[body_start.lineno - 1 : solved.end_lineno])
    # what the notebook defines above this cell: earlier exercises' functions and the stub's constants
    functions = [n.name for n in stub.body if isinstance(n, ast.FunctionDef)]
    above = set(functions[: functions.index(exercise.function)]) | _assigned(stub)
    helpers = _helpers(solution, solution_source, solved, above)
    region = textwrap.indent(textwrap.dedent("\n\n".join([*helpers, textwrap.dedent(body)])), "    ")
    return "\n".join([*head, "    ### BEGIN SOLUTION", region, "    ### END SOLUTION"])


def _test(exercise: Exercise, hidden_seed: str | None) -> str:
    """The exercise's check, and with a seed its hidden cases' check. nbgrader's feedback shows
    learners the hidden one too: it holds the exercise's own key, never the seed; at autograde
    check() draws from it the learner's own hidden cases, as `course grade` does."""
    call = f'check("{exercise.id}", {exercise.function}'
    text = f"from graders.notebook import check\n\n{call})"
    if hidden_seed:
        key = hidden_key(hidden_seed, exercise.id)
        text += f'\n### BEGIN HIDDEN TESTS\n{call}, hidden_key="{key}")\n### END HIDDEN TESTS'
    return text


def _function(module: ast.Module, name: str) -> ast.FunctionDef:
    return next(node for node in module.body if isinstance(node, ast.FunctionDef) and node.name == name)


def _assigned(module: ast.Module) -> set[str]:
    return {
        target.id
        for node in module.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


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

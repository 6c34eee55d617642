"""The course as nbgrader assignments, autograded by the real nbgrader: the exported points
equal what `course grade` gives the same notebooks, exercise by exercise.

Two learners: one hands in the solutions; the other, in each unit, a realistic mistake, one
exercise left as the release's stub, and the rest solved. About a minute here: 14 kernels, none
of which imports torch (the references are cached first). A third learner with every exercise a
stub cost 7 more kernels, for what one stub per notebook shows as well: each test cell is made
from the same template.
"""

from __future__ import annotations

import ast
import builtins
import copy
import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from graders.course import load
from tests.conftest import ROOT
from tests.test_units import WRONG

pytest.importorskip("nbgrader")
BIN = Path(sys.executable).parent
# nbgrader runs `alembic` and Jupyter's kernels by name: the venv's, also when it is not activated
ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
COURSE = load(ROOT)
SECRET = "nbgrader-test-secret"
STUBBED = {unit.name: unit.exercises[-1].id for unit in COURSE.units}  # carol leaves it as the release has it
LEARNERS = ("alice", "carol")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(BIN / args[0]), *args[1:]], cwd=cwd, capture_output=True, encoding="utf-8", timeout=900, env=ENV
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def self_contained(source: str) -> bool:
    """Uses nothing but NumPy, builtins and its own names: it can stand in a notebook cell."""
    tree = ast.parse(source)
    defined = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    defined |= {a.arg for n in ast.walk(tree) if isinstance(n, ast.arguments) for a in n.args + n.kwonlyargs}
    defined |= {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return used <= defined | {"np"} | set(dir(builtins))


def wrong_answer(unit: str) -> tuple[str, str] | None:
    """(exercise id, source) of the unit's first wrong answer that can stand in a cell, but not
    for the exercise left as a stub."""
    return next(
        (
            (ex, src)
            for ex, src, _ in WRONG
            if ex.startswith(unit + ".") and ex != STUBBED[unit] and self_contained(src)
        ),
        None,
    )


def answer_cell(exercise_id: str) -> str:
    return exercise_id.replace(".", "-") + "-answer"


def with_answers(notebook: dict, answers: dict[str, str]) -> dict:
    """The notebook with these answer cells' sources, by grade id, in place of its own."""
    notebook = copy.deepcopy(notebook)
    for cell in notebook["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id", "")
        cell["source"] = answers.get(grade_id, cell["source"])
    return notebook


def with_mistakes(notebook: dict, unit: str) -> dict:
    """The source notebook (the solutions) with one realistic wrong answer in place of one."""
    wrong = wrong_answer(unit)
    return with_answers(notebook, {answer_cell(wrong[0]): wrong[1]} if wrong else {})


def with_a_stub(notebook: dict, release: dict, unit: str) -> dict:
    """The notebook with the release's stub in place of the unit's last exercise's answer."""
    stubs = {cell["metadata"].get("nbgrader", {}).get("grade_id"): cell["source"] for cell in release["cells"]}
    return with_answers(notebook, {answer_cell(STUBBED[unit]): stubs[answer_cell(STUBBED[unit])]})


@pytest.fixture(scope="module")
def nbgrader_course(tmp_path_factory):
    where = tmp_path_factory.mktemp("nbgrader")
    seed_file = tmp_path_factory.mktemp("instructor") / "hidden-seed"
    seed_file.write_text(SECRET + "\n", encoding="utf-8")
    built = subprocess.run(
        [
            str(BIN / "course"),
            "--root",
            str(ROOT),
            "notebooks",
            "--out",
            str(where),
            "--hidden-seed-file",
            str(seed_file),
        ],
        capture_output=True,
        encoding="utf-8",
    )
    assert built.returncode == 0, built.stderr
    # "*": nbgrader reads an assignment id as a glob, so one run does every unit (an nbgrader
    # start-up costs 5 s here, on top of the work)
    run("nbgrader", "generate_assignment", "*", "--force", cwd=where)
    folders = {learner: where / "as_handed_in" / learner for learner in LEARNERS}
    for unit in COURSE.units:
        name = f"{unit.name}.ipynb"
        source = json.loads((where / "source" / unit.name / name).read_text(encoding="utf-8"))
        release = json.loads((where / "release" / unit.name / name).read_text(encoding="utf-8"))
        carols = with_a_stub(with_mistakes(source, unit.name), release, unit.name)
        for learner, notebook in zip(LEARNERS, (source, carols), strict=True):
            for target in (where / "submitted" / learner / unit.name / name, folders[learner] / name):
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(json.dumps(notebook), encoding="utf-8")
    # `course grade` first: it leaves each learner's hidden references in the reference cache
    # (the tests' own, which nbgrader's kernels inherit), so no kernel imports torch to compute them
    graded = subprocess.run(
        [
            str(BIN / "course"),
            "--root",
            str(ROOT),
            "grade",
            *map(str, folders.values()),
            "--format",
            "json",
            "--device",
            "cpu",
            "--hidden-seed-file",
            str(seed_file),
        ],
        capture_output=True,
        encoding="utf-8",
    )
    assert graded.returncode == 0, graded.stderr
    run("nbgrader", "autograde", "*", "--force", cwd=where)
    run("nbgrader", "export", cwd=where)
    return {"where": where, "ours": {r["submission"]: r for r in json.loads(graded.stdout)}}


def nbgrader_points(where: Path) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    points = {}
    with Gradebook(f"sqlite:///{where / 'gradebook.db'}") as gradebook:
        for learner in LEARNERS:
            for unit in COURSE.units:
                for ex in unit.exercises:
                    grade = gradebook.find_grade(f"{ex.unit}-{ex.function}", unit.name, unit.name, learner)
                    points.setdefault(learner, {})[ex.id] = grade.score
    return points


def test_nbgrader_points_equal_course_grade_exercise_by_exercise(nbgrader_course):
    theirs = nbgrader_points(nbgrader_course["where"])
    for learner in LEARNERS:
        ours = {ex["id"]: ex["score"] for ex in nbgrader_course["ours"][learner]["exercises"]}
        assert theirs[learner] == ours, learner


def test_the_learners_score_as_they_should(nbgrader_course):
    ours = nbgrader_course["ours"]
    full = sum(ex.points for ex in COURSE.exercises)
    assert ours["alice"]["score"] == full
    assert 0 < ours["carol"]["score"] < full
    carols = {ex["id"]: ex for ex in ours["carol"]["exercises"]}
    assert {carols[stubbed]["status"] for stubbed in STUBBED.values()} == {"not-implemented"}
    wrong = [found[0] for unit in COURSE.units if (found := wrong_answer(unit.name))]
    assert len(wrong) >= 5 and {carols[ex]["status"] for ex in wrong} <= {"failed", "error"}
    with open(nbgrader_course["where"] / "grades.csv", newline="", encoding="utf-8") as table:
        exported = {}
        for row in csv.DictReader(table):
            exported[row["student_id"]] = exported.get(row["student_id"], 0) + float(row["score"])
    assert exported == {learner: ours[learner]["score"] for learner in LEARNERS}


def test_the_release_has_stubs_and_no_solutions_or_hidden_tests(nbgrader_course):
    for unit in COURSE.units:
        text = (nbgrader_course["where"] / "release" / unit.name / f"{unit.name}.ipynb").read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text and SECRET not in text
        assert "raise NotImplementedError()" in text
        first = json.loads(text)["cells"][0]  # the install cell, kept as it was built, locked
        assert "".join(first["source"]).startswith("# Setup: run this cell first.")
        assert first["metadata"]["nbgrader"]["locked"]


def test_the_seed_is_in_no_file_of_the_nbgrader_course(nbgrader_course):
    """Not in the source notebooks, nbgrader's database or the autograded notebooks, whose hidden
    test cells nbgrader's feedback shows learners: those hold each exercise's key only."""
    for path in nbgrader_course["where"].rglob("*"):
        assert not path.is_file() or SECRET.encode() not in path.read_bytes(), path


def test_a_test_cell_writes_nothing_to_stderr(nbgrader_course):
    """nbgrader gives 0 points to a test cell that writes to stderr; ours never does, even when the
    learner's answer makes NumPy warn (carol's, alice's extreme inputs)."""
    for learner in LEARNERS:
        for notebook in (nbgrader_course["where"] / "autograded" / learner).glob("*/*.ipynb"):
            for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
                if cell["metadata"].get("nbgrader", {}).get("grade"):
                    assert not [o for o in cell.get("outputs", []) if o.get("name") == "stderr"], (
                        notebook,
                        cell["source"],
                    )


def test_a_hidden_test_cell_at_autograde_meets_the_students_own_cases(nbgrader_course):
    """At autograde a hidden test cell draws nbgrader's student's own cases, and says which: the
    variant `course grade` records for that learner and exercise (alice's cells all pass; the
    others' may fail before their hidden check)."""
    seen = set()
    for learner in LEARNERS:
        ours = {ex["id"]: ex["variant"] for ex in nbgrader_course["ours"][learner]["exercises"]}
        told = {}
        for notebook in (nbgrader_course["where"] / "autograded" / learner).glob("*/*.ipynb"):
            for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
                for output in cell.get("outputs", []):
                    text = "".join(output.get("text", [])) + output.get("evalue", "")  # text: a str or lines
                    told.update(re.findall(r"([\w.]+) \[hidden cases (\w+)\]", text))
        assert told.items() <= ours.items() and (learner != "alice" or told == ours), learner
        seen |= set(ours.values())
    assert len(seen) == len(LEARNERS) * len(COURSE.exercises)  # no two learners, nor exercises, share cases


def test_course_check_reads_a_notebook(nbgrader_course):
    notebook = nbgrader_course["where"] / "release" / "losses" / "losses.ipynb"
    checked = subprocess.run(
        [str(BIN / "course"), "--root", str(ROOT), "check", str(notebook), "--device", "cpu"],
        capture_output=True,
        encoding="utf-8",
    )
    assert checked.returncode == 1 and "0/6 exercises" in checked.stdout


def test_nothing_is_left_in_the_course_tree(nbgrader_course):
    assert not (ROOT / "nbgrader").exists()
    shutil.rmtree(nbgrader_course["where"] / "autograded", ignore_errors=True)

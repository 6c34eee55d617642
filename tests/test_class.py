"""A whole class graded in parallel into a gradebook: folders, zips, notebooks, broken and
unreadable submissions; a batch killed midway resumes and grades every learner exactly once."""

from __future__ import annotations

import ast
import csv
import io
import json
import re
import shutil
import signal
import sqlite3
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from graders.course import load
from tests.conftest import ROOT
from tests.helpers import course_argv, run_course
from tests.test_units import WRONG
from tests.test_watch import Screen

DATA = load(ROOT)
POINTS = {ex.id: ex.points for ex in DATA.exercises}
UNIT_POINTS = {unit.name: sum(ex.points for ex in unit.exercises) for unit in DATA.units}
FULL = sum(POINTS.values())


def notebook(module_source: str, unit: str | None = None) -> str:
    """A Jupyter notebook as a learner would have it: a markdown cell, a magic, one cell per def."""
    tree = ast.parse(module_source)
    lines = module_source.splitlines()
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# My answers\n"]},
        {
            "cell_type": "code",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": ["%matplotlib inline\n", "import numpy as np\n"],
        },
    ]
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.Assign)):
            text = "\n".join(lines[node.lineno - 1 : node.end_lineno])
            cells.append(
                {
                    "cell_type": "code",
                    "metadata": {},
                    "execution_count": None,
                    "outputs": [],
                    "source": text.splitlines(keepends=True),
                }
            )
    metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    if unit:
        metadata["course"] = {"unit": unit}
    return json.dumps({"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5})


def used_elsewhere(exercise: str) -> bool:
    """Whether another solution calls this exercise's function (a wrong one would cost both)."""
    unit, function = exercise.split(".")
    tree = ast.parse((ROOT / "solutions" / f"{unit}.py").read_text(encoding="utf-8"))
    return any(
        isinstance(node, ast.Name) and node.id == function
        for fn in tree.body
        if isinstance(fn, ast.FunctionDef) and fn.name != function
        for node in ast.walk(fn)
    )


def solution_folder(where: Path, name: str) -> Path:
    folder = where / name
    shutil.copytree(ROOT / "solutions", folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def zipped(folder: Path, nested: bool) -> Path:
    archive = folder.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w") as z:
        for module in sorted(folder.glob("*.py")):
            z.write(module, f"{folder.name}/{module.name}" if nested else module.name)
        z.writestr("__MACOSX/._junk.py", "garbage")
    shutil.rmtree(folder)
    return archive


def make_class(where: Path) -> dict[Path, int]:
    """40+ submissions and the score each must get."""
    expected: dict[Path, int] = {}
    for i in range(10):
        expected[solution_folder(where, f"correct{i:02d}")] = FULL
    for i, (exercise, source, _) in enumerate([w for w in WRONG if not used_elsewhere(w[0])][::5][:10]):
        folder = solution_folder(where, f"partly{i:02d}")
        unit = exercise.split(".")[0]
        with open(folder / f"{unit}.py", "a", encoding="utf-8") as module:
            module.write("\n\n" + source + "\n")
        expected[folder] = FULL - POINTS[exercise]
    for name, unit, text in [
        ("broken_syntax", "losses", "def oops(:\n"),
        ("broken_torch", "activations", "import torch\n"),
        ("broken_exit", "tensors", "import os\nos._exit(3)\n"),
    ]:
        folder = solution_folder(where, name)
        with open(folder / f"{unit}.py", "a", encoding="utf-8") as module:
            module.write("\n" + text)
        expected[folder] = FULL - UNIT_POINTS[unit]
    missing = solution_folder(where, "missing_unit")
    (missing / "optimizers.py").unlink()
    expected[missing] = FULL - UNIT_POINTS["optimizers"]
    for i in range(8):
        folder = solution_folder(where, f"zipped{i:02d}")
        if i % 2:
            (folder / "perceptron.py").unlink()
        expected[zipped(folder, nested=i < 4)] = FULL - (UNIT_POINTS["perceptron"] if i % 2 else 0)
    for i, unit in enumerate(["activations", "losses", "xor_mlp", "tensors"]):
        path = where / f"notebook{i:02d}.ipynb"
        path.write_text(
            notebook((ROOT / "solutions" / f"{unit}.py").read_text(encoding="utf-8"), unit if i % 2 else None),
            encoding="utf-8",
        )
        expected[path] = UNIT_POINTS[unit]
    for i in range(2):
        folder = where / f"notebooks{i:02d}"
        folder.mkdir()
        for unit in UNIT_POINTS:
            (folder / f"{unit}.ipynb").write_text(
                notebook((ROOT / "solutions" / f"{unit}.py").read_text(encoding="utf-8")), encoding="utf-8"
            )
        expected[folder] = FULL
    (where / "not_a_zip.zip").write_bytes(b"this is not a zip file")
    expected[where / "not_a_zip.zip"] = 0
    (where / "not_a_notebook.ipynb").write_text("{ broken json", encoding="utf-8")
    expected[where / "not_a_notebook.ipynb"] = 0
    return expected


def rows(gradebook: Path) -> list[tuple]:
    if not gradebook.exists():
        return []
    with sqlite3.connect(gradebook) as db:
        try:
            return db.execute("SELECT learner, score FROM submissions").fetchall()
        except sqlite3.OperationalError:  # the schema is not there yet
            return []


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    where = tmp_path_factory.mktemp("class")
    expected = make_class(where)
    gradebook = where / "gradebook.sqlite"
    args = ("grade", *expected, "--jobs", "2", "--gradebook", gradebook, "--device", "cpu", "--format", "json")
    batch = subprocess.Popen(course_argv(*args, root=ROOT), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while len(rows(gradebook)) < 8 and batch.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    batch.send_signal(signal.SIGKILL)
    batch.wait()
    killed_with = len(rows(gradebook))
    resumed = run_course(*args, root=ROOT)
    return {
        "expected": expected,
        "gradebook": gradebook,
        "killed_with": killed_with,
        "resumed": resumed,
        "where": where,
    }


def test_the_class_is_large_and_mixed(graded_class):
    expected = graded_class["expected"]
    assert len(expected) >= 40
    assert {p.suffix for p in expected} == {"", ".zip", ".ipynb"}


def test_the_batch_was_killed_midway(graded_class):
    assert 0 < graded_class["killed_with"] < len(graded_class["expected"])


def test_after_the_rerun_every_learner_is_graded_exactly_once_with_the_right_score(graded_class):
    assert graded_class["resumed"].returncode == 0, graded_class["resumed"].stderr
    stored = rows(graded_class["gradebook"])
    learners = [learner for learner, _ in stored]
    assert len(learners) == len(set(learners)) == len(graded_class["expected"])
    want = {(p.name if p.is_dir() else p.stem): score for p, score in graded_class["expected"].items()}
    assert dict(stored) == want
    with sqlite3.connect(graded_class["gradebook"]) as db:
        per_learner = db.execute("SELECT learner, COUNT(*), SUM(score) FROM results GROUP BY learner").fetchall()
    assert {learner: (n, total) for learner, n, total in per_learner} == {
        learner: (len(DATA.exercises), score) for learner, score in want.items()
    }


def test_the_json_of_the_rerun_covers_the_whole_class(graded_class):
    records = json.loads(graded_class["resumed"].stdout)
    assert [r["submission"] for r in records] == [p.name if p.is_dir() else p.stem for p in graded_class["expected"]]


def test_an_unreadable_submission_gets_one_clear_error(graded_class):
    records = {r["submission"]: r for r in json.loads(graded_class["resumed"].stdout)}
    for learner, says in [
        ("not_a_zip", "is not a readable zip file"),
        ("not_a_notebook", "is not a readable Jupyter notebook"),
    ]:
        assert {ex["status"] for ex in records[learner]["exercises"]} == {"error"}
        assert says in records[learner]["exercises"][0]["message"]


def test_a_rerun_skips_what_the_gradebook_holds_unless_regrade(graded_class):
    expected = graded_class["expected"]
    some = [p for p in expected if p.name.startswith("correct")][:3]
    before = dict(sqlite3.connect(graded_class["gradebook"]).execute("SELECT learner, graded_at FROM submissions"))
    time.sleep(1.1)  # graded_at has one-second resolution
    assert (
        run_course("grade", *some, "--gradebook", graded_class["gradebook"], "--device", "cpu", root=ROOT).returncode
        == 0
    )
    after = dict(sqlite3.connect(graded_class["gradebook"]).execute("SELECT learner, graded_at FROM submissions"))
    assert after == before
    assert (
        run_course(
            "grade", *some, "--gradebook", graded_class["gradebook"], "--regrade", "--device", "cpu", root=ROOT
        ).returncode
        == 0
    )
    again = dict(sqlite3.connect(graded_class["gradebook"]).execute("SELECT learner, graded_at FROM submissions"))
    assert {k for k in again if again[k] != before[k]} == {p.name for p in some}


def test_the_csv_export_has_every_learner_once_with_the_gradebook_score(graded_class):
    export = run_course("export", "--gradebook", graded_class["gradebook"], "--format", "csv", root=ROOT)
    assert export.returncode == 0, export.stderr
    table = list(csv.DictReader(io.StringIO(export.stdout)))
    want = {(p.name if p.is_dir() else p.stem): score for p, score in graded_class["expected"].items()}
    assert {row["learner"]: int(row["total"]) for row in table} == want
    assert len(table) == len(want)
    assert all(sum(int(row[ex.id]) for ex in DATA.exercises) == int(row["total"]) for row in table)


def test_reports_and_summary_export(graded_class, tmp_path):
    assert (
        run_course(
            "export",
            "--gradebook",
            graded_class["gradebook"],
            "--format",
            "html",
            "--out",
            tmp_path / "html",
            root=ROOT,
        ).returncode
        == 0
    )
    assert len(list((tmp_path / "html").glob("*.html"))) == len(graded_class["expected"])
    summary = run_course("export", "--gradebook", graded_class["gradebook"], "--format", "summary", root=ROOT)
    assert summary.returncode == 0 and "data:image/png;base64," in summary.stdout


def test_only_one_unit_grades_its_notebooks_and_keeps_the_other_units_records(tmp_path):
    """A unit's notebook is graded on that unit alone; the gradebook keeps what the learner
    scored on the other units, and the totals add up both."""
    gradebook = tmp_path / "gradebook.sqlite"
    folder = solution_folder(tmp_path, "ada")
    assert run_course("grade", folder, "--gradebook", gradebook, "--device", "cpu", root=ROOT).returncode == 0
    handed_in = tmp_path / "nb" / "ada.ipynb"
    handed_in.parent.mkdir()
    wrong = next(source for exercise, source, _ in WRONG if exercise == "activations.relu")
    handed_in.write_text(
        notebook(
            (ROOT / "solutions" / "activations.py").read_text(encoding="utf-8") + "\n\n" + wrong, unit="activations"
        ),
        encoding="utf-8",
    )
    graded = run_course(
        "grade",
        handed_in,
        "--only",
        "activations",
        "--gradebook",
        gradebook,
        "--device",
        "cpu",
        "--format",
        "json",
        root=ROOT,
    )
    assert graded.returncode == 0, graded.stderr
    record = json.loads(graded.stdout)
    assert [ex["id"] for ex in record["exercises"]] == [ex.id for ex in DATA.select("activations")]
    assert record["max_score"] == UNIT_POINTS["activations"]
    failed = {ex["id"] for ex in record["exercises"] if ex["status"] != "passed"}
    assert "activations.relu" in failed
    lost = sum(POINTS[exercise] for exercise in failed)
    assert rows(gradebook) == [("ada", FULL - lost)]
    with sqlite3.connect(gradebook) as db:
        stored = db.execute("SELECT exercise FROM results WHERE learner = 'ada' ORDER BY position").fetchall()
    assert [exercise for (exercise,) in stored] == [ex.id for ex in DATA.exercises]


def test_only_names_what_it_cannot_find(tmp_path):
    done = run_course("grade", solution_folder(tmp_path, "ada"), "--only", "activation", "--device", "cpu", root=ROOT)
    assert done.returncode == 2
    assert "no unit activation; did you mean activations?" in done.stderr


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    """zed and bob pass every activation; amy's activations.py does not even parse. Given in
    an order that is not alphabetical."""
    where = tmp_path_factory.mktemp("three")
    folders = [solution_folder(where, name) for name in ("zed", "amy", "bob")]
    with open(folders[1] / "activations.py", "a", encoding="utf-8") as module:
        module.write("\ndef oops(:\n")
    return folders


def grade_three(three, *args) -> subprocess.CompletedProcess:
    return run_course("grade", *three, "--only", "activations", "--device", "cpu", *args, root=ROOT, timeout=600)


def test_a_batch_table_is_a_line_per_learner_in_the_order_given_and_the_class_total(three):
    done = grade_three(three, "--jobs", "3")
    assert done.returncode == 0, done.stderr
    cells = [re.split(r"\s*[│┃]\s*", line.strip("│┃ ")) for line in done.stdout.splitlines() if re.search("[│┃]", line)]
    points = UNIT_POINTS["activations"]
    count = len(DATA.select("activations"))
    assert cells == [
        ["learner", "points", "%", "passed"],
        ["zed", f"{points}/{points}", "100.0", f"{count}/{count}"],
        ["amy", f"0/{points}", "0.0", f"0/{count}"],
        ["bob", f"{points}/{points}", "100.0", f"{count}/{count}"],
        ["class total", f"{2 * points}/{3 * points}", "66.7", f"{2 * count}/{3 * count}"],
    ]


def test_details_add_each_learners_table_with_a_broken_unit_as_one_row(three):
    done = grade_three(three, "--details")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert (
        out.index("zed: 14/14 points")
        < out.index("amy: 0/14 points")
        < out.index("bob: 14/14 points")
        < out.index("class total")
    )
    amy = out[out.index("amy: 0/14 points") : out.index("bob: 14/14 points")]
    assert f"activations.py │ Activation functions ({len(DATA.select('activations'))} exercises) │ ! error" in amy
    assert "activations.sigmoid" not in amy and out.count("activations.sigmoid ") == 2


def test_fail_under_names_who_fell_short_on_stderr_and_keeps_json_clean(three):
    done = grade_three(three, "--format", "json", "--fail-under", "60")
    assert done.returncode == 1
    assert [record["submission"] for record in json.loads(done.stdout)] == ["zed", "amy", "bob"]
    assert done.stderr == (
        "--fail-under 60: 1 of 3 submissions scored under 60%:\n  amy: 0.0%, 60.0 percentage points short\n"
    )


@pytest.mark.parametrize("unit", list(UNIT_POINTS))
def test_a_module_that_does_not_parse_is_told_once_for_its_unit(unit, submit):
    from graders import report
    from graders.results import SubmissionResult

    records = list(submit(unit, "def oops(:\n").values())
    blocked = report.blocked_units(SubmissionResult("ada", records))
    assert list(blocked) == [unit] and len(blocked[unit]) == len(records)
    [told] = report.failures(SubmissionResult("ada", records))[:1]
    assert "could not be imported: SyntaxError" in told.plain and "Hint:" not in told.plain
    assert told.plain.rstrip().endswith(f"fix it first: its {len(records)} exercises wait on it.")


def test_a_batch_shows_its_progress_on_a_terminal_and_nowhere_else(tmp_path):
    folders = [solution_folder(tmp_path, f"learner{i}") for i in range(2)]
    argv = course_argv("grade", *folders, "--only", "activations", "--format", "json", "--device", "cpu", root=ROOT)
    piped = subprocess.run(argv, capture_output=True, encoding="utf-8", timeout=600)
    assert piped.returncode == 0 and piped.stderr == ""
    assert [r["score"] for r in json.loads(piped.stdout)] == [14, 14]
    screen = Screen(argv, tmp_path)
    try:
        screen.wait_for(r"grading.*2/2", 60)
    finally:
        screen.close()

"""An instructor's term end to end, through the installed `course` command, on a class of 35:
release is tested elsewhere (test_release); here the class is collected with its submission
times, graded with deadlines and an extension, checked for copies, one score is set by hand
and kept on a regrade, and the grades go to the LMS with the raw score, the penalty and the
final one."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import sqlite3
import subprocess

import pytest

from tests.conftest import ROOT
from tests.helpers import run_course
from tests.test_lms_exports import roster_rows, write_roster
from tests.test_similarity import COPIER, build_class, scores

INSTRUCTOR = """\
[deadlines]
due = "2026-12-10T23:59:00+09:00"
[deadlines.late]
percent = 10
per = "day"
cap = 50
grace_minutes = 15
[deadlines.extensions]
honest01 = "2026-12-13T23:59:00+09:00"
"""
ON_TIME = "2026-12-10T20:00:00+09:00"
LATE = "2026-12-12T09:00:00+09:00"  # 1 day 9 h late: two started days, 20% off
COMMITTED = "2026-12-11T01:00:00+09:00"  # 1 h late, by git's clock


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    where = tmp_path_factory.mktemp("term")
    root = where / "course"
    root.mkdir()
    shutil.copy(ROOT / "course.toml", root)
    for folder in ("exercises", "solutions"):
        shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__"))
    (root / "instructor.toml").write_text(INSTRUCTOR, encoding="utf-8")
    (where / "class").mkdir()
    submissions, honest = build_class(where / "class")
    # the late learner did the whole unit: a penalty, and an override, with points to take
    shutil.copy(ROOT / "solutions" / "activations.py", where / "class" / "honest00" / "activations.py")
    commit(where / "class" / "original", COMMITTED)
    learners = [path.name for path in submissions]
    with open(where / "times.csv", "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["learner", "submitted_at"])
        for name in learners:
            if name != "original":  # its time is its last commit's
                writer.writerow([name, LATE if name in ("honest00", "honest01") else ON_TIME])
    write_roster(where / "roster.csv", roster_rows([name for name in learners if name != "empty"] + ["ghost"]))
    return {"where": where, "root": root, "submissions": submissions, "honest": honest}


def commit(folder, when: str) -> None:
    env = {**os.environ, "GIT_COMMITTER_DATE": when, "GIT_AUTHOR_DATE": when, "GIT_CONFIG_GLOBAL": os.devnull}
    for args in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.name=L", "-c", "user.email=l@example.edu", "commit", "-qm", "done"],
    ):
        subprocess.run(["git", *args], cwd=folder, env=env, check=True)


def grade(term, *extra) -> tuple[dict, str]:
    out = term["where"] / "results.json"
    run = run_course(
        "grade",
        *term["submissions"],
        "--gradebook",
        term["where"] / "class.sqlite",
        "--only",
        "activations",
        "--submitted-at",
        term["where"] / "times.csv",
        "--device",
        "cpu",
        "--jobs",
        "2",
        "--format",
        "json",
        "--out",
        out,
        *extra,
        root=term["root"],
    )
    assert run.returncode == 0, run.stderr
    return {r["submission"]: r for r in json.loads(out.read_text(encoding="utf-8"))}, run.stderr


def test_a_term_from_grading_to_the_lms(term):
    where, root = term["where"], term["root"]
    results, _ = grade(term)
    assert len(results) >= 30

    # late, and late with an extension: the penalty is of the score, by unit, and says what for
    late, extended = results["honest00"], results["honest01"]
    assert late["score"] == 14 and late["penalty"] == round(late["score"] * 0.2, 2)
    assert late["final"] == round(late["score"] - late["penalty"], 2)
    assert late["late"] == "activations: 1 day 9 h late, 20% off" and late["submitted_from"] == "times.csv"
    assert extended["penalty"] == 0 and extended["late"] == "" and extended["submitted_at"] == LATE
    assert results["original"]["submitted_from"] == "git: last commit"
    assert results["original"]["penalty"] == round(results["original"]["score"] * 0.1, 2)
    assert all(r["penalty"] == 0 for name, r in results.items() if name not in ("honest00", "original"))

    # the copied pair, and the renamed copy, stand out
    run = run_course("similarity", *term["submissions"], "--out", where / "similarity.html", root=root)
    assert run.returncode == 0, run.stderr
    assert set(scores((where / "similarity.html").read_text(encoding="utf-8"))) == {
        frozenset({"own", COPIER}),
        frozenset({"original", "renamer"}),
    }

    # a score set by hand: recorded with who and why, kept on a regrade, which says so
    passed = next(e for e in results["honest00"]["exercises"] if e["status"] == "passed")
    exercise, points = passed["id"], passed["max_score"]
    run = run_course(
        "override",
        "honest00",
        exercise,
        "--score",
        "0",
        "--reason",
        "copied from the board",
        "--by",
        "prof",
        "--gradebook",
        where / "class.sqlite",
        root=root,
    )
    assert run.returncode == 0, run.stderr
    assert f"honest00: {exercise} 0/{points} set by prof" in run.stdout
    results, said = grade(term, "--regrade")
    overridden = next(e for e in results["honest00"]["exercises"] if e["id"] == exercise)
    assert overridden["score"] == 0 and f"copied from the board (graded {points}/{points})" in overridden["override"]
    assert f"honest00: {exercise} keeps the score set by hand" in said
    assert results["honest00"]["score"] == late["score"] - points
    assert results["honest00"]["penalty"] == round((late["score"] - points) * 0.2, 2)

    run = run_course("history", "honest00", "--gradebook", where / "class.sqlite", root=root)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert [line.split()[2] for line in lines[1:4]] == ["graded", "override", "graded"]
    assert lines[2].endswith(f"override  {exercise} set to 0 by prof: copied from the board")
    assert lines[4] == (
        f"Now: {results['honest00']['score']}/14 − {results['honest00']['penalty']:g} late = "
        f"{results['honest00']['final']:g} points (activations: 1 day 9 h late, 20% off)"
    )

    # every export shows the raw score, the penalty and the final score
    run = run_course("export", "--gradebook", where / "class.sqlite", root=root)
    rows = {row["learner"]: row for row in csv.DictReader(io.StringIO(run.stdout))}
    row = rows["honest00"]
    assert (float(row["total"]), float(row["late_penalty"]), float(row["final"])) == (
        results["honest00"]["score"],
        results["honest00"]["penalty"],
        results["honest00"]["final"],
    )
    assert row[exercise] == "0"
    run = run_course(
        "export", "--gradebook", where / "class.sqlite", "--format", "markdown", "--learner", "honest00", root=root
    )
    assert f"− {results['honest00']['penalty']:g} late (activations: 1 day 9 h late, 20% off)" in run.stdout
    assert "## Scores set by your instructor" in run.stdout

    # the LMS gets the final score; who it can have no row for is named
    run = run_course(
        "export",
        "--gradebook",
        where / "class.sqlite",
        "--format",
        "canvas",
        "--roster",
        where / "roster.csv",
        root=root,
    )
    assert run.returncode == 0, run.stderr
    canvas = {row["SIS Login ID"]: row for row in csv.DictReader(io.StringIO(run.stdout))}
    learners = [path.name for path in term["submissions"] if path.name != "empty"]
    honest00 = canvas[f"user{learners.index('honest00')}"]
    assert float(honest00["course total"]) == results["honest00"]["final"]
    assert "in " in run.stderr and "ghost" in run.stderr and "not in" in run.stderr and "empty" in run.stderr
    run = run_course(
        "export",
        "--gradebook",
        where / "class.sqlite",
        "--format",
        "moodle",
        "--per-unit",
        "--roster",
        where / "roster.csv",
        root=root,
    )
    moodle = {row["Email address"]: row for row in csv.DictReader(io.StringIO(run.stdout))}
    honest00 = moodle[f"user{learners.index('honest00')}@example.edu"]
    assert float(honest00["activations"]) == results["honest00"]["final"] and honest00["tensors"] == ""


def test_gradescopes_due_date_stands_in_where_instructor_toml_has_none(term, tmp_path):
    """Inside Gradescope: the submission's time and the assignment's due date from its metadata."""
    root = tmp_path / "course"
    shutil.copytree(term["root"], root)
    (root / "instructor.toml").write_text(
        INSTRUCTOR.replace('due = "2026-12-10T23:59:00+09:00"\n', ""), encoding="utf-8"
    )
    metadata = tmp_path / "submission_metadata.json"
    metadata.write_text(
        json.dumps(
            {
                "created_at": "2026-12-11T10:30:00.000000-08:00",
                "assignment": {"due_date": "2026-12-10T23:59:00.000000-08:00"},
            }
        ),
        encoding="utf-8",
    )
    run = run_course(
        "grade",
        ROOT / "solutions",
        "--only",
        "activations",
        "--format",
        "gradescope",
        "--submission-metadata",
        metadata,
        "--device",
        "cpu",
        root=root,
    )
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["extra_data"]["submitted_from"] == "Gradescope submission_metadata.json"
    assert (data["extra_data"]["penalty"], data["score"]) == (1.4, 12.6)  # 10 h 31 min late: 10% of 14


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["honest00", "activations.rleu", "--score", "1"],
            "no exercise 'activations.rleu' in this course; did you mean activations.relu?",
        ),
        (["honest00", "activations.relu", "--score", "3"], "--score 3: activations.relu is worth 0 to 1 points"),
        (["honset00", "activations.relu", "--score", "1"], "has no learner 'honset00'; did you mean honest00?"),
        (["honest00", "activations.relu"], "give --score N to set a score, or --remove"),
        (["honest02", "activations.relu", "--remove"], "honest02 has no override of activations.relu to remove"),
    ],
)
def test_a_wrong_override_names_the_problem_and_changes_nothing(term, args, message):
    gradebook = term["where"] / "class.sqlite"
    if not gradebook.exists():
        grade(term)
    before = dump(gradebook)
    run = run_course("override", *args, "--reason", "why", "--gradebook", gradebook, root=term["root"])
    assert run.returncode == 2 and message in " ".join(run.stderr.split()), run.stderr
    assert dump(gradebook) == before


def dump(gradebook) -> list[str]:
    with contextlib.closing(sqlite3.connect(gradebook)) as db:
        return list(db.iterdump())

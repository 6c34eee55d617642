"""LMS grade files from a graded class: Canvas's and Moodle's import CSVs, read back against the
column layouts each system documents (see graders/lms.py), with a roster that misses a learner
and lists one who handed nothing in."""

from __future__ import annotations

import ast
import csv
import io
import shutil

import pytest

from graders.cli import main
from graders.lms import TOTAL
from tests.conftest import ROOT
from tests.helpers import run_course
from tests.test_class import DATA, POINTS, UNIT_POINTS, used_elsewhere

FULL = sum(POINTS.values())
ACTIVATIONS = UNIT_POINTS["activations"]
EVIL = '=HYPERLINK("http://evil.example","click")'
UNROSTERED = "stranger"  # graded, not in the roster
GHOST = "ghost"  # in the roster, never graded
CANVAS_IDS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def stub_of(function: str) -> str:
    source = (ROOT / "exercises" / "activations.py").read_text(encoding="utf-8")
    node = next(n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == function)
    return ast.get_source_segment(source, node)


def make_class(where) -> dict[str, int]:
    """32 submissions, copies of solutions/ and exercises/ mixed, and each one's activations score."""
    stubbable = [ex for ex in DATA.select("activations") if not used_elsewhere(ex.id)]
    expected = {}
    for i in range(32):
        name = f"learner{i:02d}"
        kind = i % 4
        shutil.copytree(
            ROOT / ("solutions" if kind in (0, 2) else "exercises"),
            where / name,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        if kind == 2:  # a solution with one function left as its stub
            exercise = stubbable[i % len(stubbable)]
            with open(where / name / "activations.py", "a", encoding="utf-8") as module:
                module.write("\n\n" + stub_of(exercise.function) + "\n")
            expected[name] = ACTIVATIONS - exercise.points
        elif kind == 3:  # the stubs, with the solved activations unit
            shutil.copy(ROOT / "solutions" / "activations.py", where / name / "activations.py")
            expected[name] = ACTIVATIONS
        else:
            expected[name] = ACTIVATIONS if kind == 0 else 0
    shutil.move(where / "learner31", where / UNROSTERED)
    expected[UNROSTERED] = expected.pop("learner31")
    return expected


def roster_rows(learners: list[str]) -> list[dict[str, str]]:
    rows = [
        {
            "learner": name,
            "name": EVIL if n == 0 else f"Learner {n}",
            "lms_id": str(1000 + n),
            "sis_id": f"S{n:04d}",
            "login": f"user{n}",
            "email": f"user{n}@example.edu",
            "section": "AB"[n % 2],
        }
        for n, name in enumerate(learners)
    ]
    return rows


def write_roster(path, rows, columns=("section", "email", "login", "sis_id", "lms_id", "name", "learner")) -> None:
    """Columns out of order, capitalised, and a BOM, as Excel saves CSV UTF-8."""
    with open(path, "w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow([c.upper() if c == "lms_id" else c for c in columns])
        writer.writerows([[row[c] for c in columns] for row in rows])


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    where = tmp_path_factory.mktemp("lms")
    submissions = where / "class"
    submissions.mkdir()
    expected = make_class(submissions)
    gradebook = where / "class.sqlite"
    done = run_course(
        "grade",
        *sorted(submissions.iterdir()),
        "--gradebook",
        gradebook,
        "--only",
        "activations",
        "--device",
        "cpu",
        "--jobs",
        "2",
        "--format",
        "json",
        root=ROOT,
    )
    assert done.returncode == 0, done.stderr
    roster = roster_rows([name for name in expected if name != UNROSTERED] + [GHOST])
    write_roster(where / "roster.csv", roster)
    return {"where": where, "gradebook": gradebook, "expected": expected, "roster": roster}


def export(graded, capsys, *args) -> tuple[int, str, str]:
    code = main(["--root", str(ROOT), "export", "--gradebook", str(graded["gradebook"]), *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def graded_rows(graded) -> list[dict[str, str]]:
    return [row for row in graded["roster"] if row["learner"] in graded["expected"]]


def test_the_class_is_large_and_mixed(graded):
    assert len(graded["expected"]) >= 30
    assert len(set(graded["expected"].values())) >= 3


def test_canvas_file_has_canvas_columns_points_possible_and_a_row_per_rostered_learner(graded, capsys):
    out = graded["where"] / "canvas.csv"
    roster = graded["where"] / "roster.csv"
    code, stdout, err = export(graded, capsys, "--format", "canvas", "--roster", roster, "--out", out)
    assert code == 0 and stdout == ""
    table = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert table[0] == [*CANVAS_IDS, TOTAL]
    assert table[1] == ["Points Possible", "", "", "", "", str(FULL)]
    want = [
        [
            row["name"],
            row["lms_id"],
            row["sis_id"],
            row["login"],
            row["section"],
            str(graded["expected"][row["learner"]]),
        ]
        for row in graded_rows(graded)
    ]
    want[0][0] = "'" + EVIL  # a name a spreadsheet would run as a formula is text
    assert table[2:] == want
    lines = err.splitlines()
    assert f"not in {roster}, so no row: {UNROSTERED}" in lines
    assert f"in {roster} but not graded, so no row: {GHOST}" in lines
    assert lines[-1] == f"wrote {out} (canvas, {len(want)} learners; left out: 1 not in the roster, 1 not graded)"
    assert len(lines) == 3


def test_canvas_per_unit_has_a_column_per_unit_and_leaves_ungraded_units_empty(graded, capsys):
    code, stdout, _ = export(
        graded, capsys, "--format", "canvas", "--roster", graded["where"] / "roster.csv", "--per-unit"
    )
    assert code == 0
    table = list(csv.reader(io.StringIO(stdout)))
    units = [unit.name for unit in DATA.units]
    assert table[0] == [*CANVAS_IDS, *units]
    assert table[1] == ["Points Possible", "", "", "", "", *(str(UNIT_POINTS[u]) for u in units)]
    column = units.index("activations")
    for row, entry in zip(table[2:], graded_rows(graded), strict=True):
        scores = row[len(CANVAS_IDS) :]
        assert scores[column] == str(graded["expected"][entry["learner"]])
        assert scores[:column] + scores[column + 1 :] == [""] * (len(units) - 1)  # graded --only activations


@pytest.mark.parametrize(
    "identifier, header", [("email", "Email address"), ("sis_id", "ID number"), ("login", "Username")]
)
def test_moodle_file_has_an_identifier_column_then_the_grade_items(graded, capsys, identifier, header):
    code, stdout, err = export(
        graded, capsys, "--format", "moodle", "--roster", graded["where"] / "roster.csv", "--moodle-id", identifier
    )
    assert code == 0
    table = list(csv.reader(io.StringIO(stdout)))
    assert table[0] == [header, TOTAL]
    assert table[1:] == [[row[identifier], str(graded["expected"][row["learner"]])] for row in graded_rows(graded)]
    assert f"so no row: {UNROSTERED}" in err and f"so no row: {GHOST}" in err


def test_moodle_per_unit_has_a_grade_item_per_unit(graded, capsys):
    code, stdout, _ = export(
        graded, capsys, "--format", "moodle", "--roster", graded["where"] / "roster.csv", "--per-unit"
    )
    assert code == 0
    assert next(csv.reader(io.StringIO(stdout))) == ["Email address", *(unit.name for unit in DATA.units)]


@pytest.mark.parametrize("fmt, column", [("canvas", "lms_id"), ("moodle", "email")])
def test_a_roster_row_with_an_empty_id_is_refused_by_line_and_learner(graded, capsys, tmp_path, fmt, column):
    roster = tmp_path / "roster.csv"
    rows = [dict(row) for row in graded["roster"]]
    rows[3][column] = ""
    write_roster(roster, rows)
    out = tmp_path / "lms.csv"
    code, _, stderr = export(graded, capsys, "--format", fmt, "--roster", roster, "--out", out)
    assert code == 2 and not out.exists()
    assert f"line 5 (learner {rows[3]['learner']!r}): {column} is empty; fill it in" in " ".join(stderr.split())


@pytest.mark.parametrize("fmt, column", [("canvas", "lms_id"), ("moodle", "email")])
def test_a_roster_without_a_needed_column_is_a_usage_error_naming_it(graded, capsys, tmp_path, fmt, column):
    roster = tmp_path / "roster.csv"
    write_roster(roster, graded["roster"], columns=("learner", "name", "sis_id", "login"))
    code, stdout, err = export(graded, capsys, "--format", fmt, "--roster", roster, "--out", tmp_path / "out.csv")
    assert code == 2 and stdout == ""
    assert f"has no '{column}' column: add it to the header row" in " ".join(err.split())
    assert not (tmp_path / "out.csv").exists()


def test_an_lms_format_without_a_roster_says_to_pass_one(graded, capsys):
    code, _, err = export(graded, capsys, "--format", "canvas")
    assert code == 2 and "--roster" in err

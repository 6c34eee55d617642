"""Grade files for a learning management system: Canvas's and Moodle's gradebook import CSVs.

The gradebook knows learners by their submissions' names; an LMS knows them by its own ids.
A roster CSV maps one to the other. Its header row names the columns (any order, any case; a
UTF-8 file with or without a BOM, as Excel saves it):

    learner  the submission's folder or file name, as the gradebook holds it (always required)
    name     the learner's name, Canvas's Student column (required for Canvas)
    lms_id   Canvas's user id, its ID column (required for Canvas)
    sis_id   the student number: Canvas's SIS User ID, Moodle's ID number
    login    Canvas's SIS Login ID, Moodle's username
    email    Moodle's email address
    section  Canvas's Section

The layouts follow each system's documentation:

- Canvas, "How do I import grades in the Gradebook?" (Canvas Instructor Guide,
  community.canvaslms.com) and the importer, canvas-lms lib/gradebook_importer.rb: a header
  row `Student,ID,SIS User ID,SIS Login ID,Section`, then one column per assignment, named
  `Name (id)` for an existing one or just `Name` for Canvas to create; a second row whose first
  cell holds "Points Possible" gives each assignment's maximum, its identity cells empty.
  Canvas matches a row to a student by ID, SIS User ID or SIS Login ID.
- Moodle, "Grade import" (docs.moodle.org/en/Grade_import): "Import grades: CSV file" takes a
  header row, one column that identifies the user (mapped in the form to username, ID number
  or email address) and one column per grade item, no row of maxima. The identifier's header
  is the one Moodle's own CSV export writes, so a round trip maps it without a hand.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from graders.course import Course, Unit
from graders.errors import UserError
from graders.exports import _cell
from graders.results import SubmissionResult
from graders.untrusted import printable

COLUMNS = ("learner", "name", "lms_id", "sis_id", "login", "email", "section")
CANVAS_NEEDS = ("learner", "name", "lms_id")
MOODLE_IDS = {"email": "Email address", "login": "Username", "sis_id": "ID number"}  # Moodle's export headers
TOTAL = "course total"  # the assignment's name without --per-unit: no "(digits)" Canvas would take for an id


@dataclass(frozen=True)
class Match:
    """Roster rows that have a submission, each with its result, in the roster's order; and
    the learners on one side only, whom the file cannot have a row for."""

    rows: list[tuple[dict[str, str], SubmissionResult]]
    not_in_roster: list[str]
    no_submission: list[str]


def final_score(result: SubmissionResult, unit: Unit | None = None) -> float | None:
    """The score an LMS is sent: the learner's exercise scores summed (overrides in place), less
    the late penalty (of one unit: its records' and its penalty; None where the gradebook has
    none of its records). Every LMS file takes its scores from here."""
    if unit is None:
        return result.final
    ids = {ex.id for ex in unit.exercises}
    records = [r for r in result.exercises if r.id in ids]
    return round(sum(r.score for r in records) - result.penalties.get(unit.name, 0), 2) if records else None


def read_roster(path: Path, needs: tuple[str, ...]) -> list[dict[str, str]]:
    """The roster's rows as {column: value}, every column of COLUMNS present ("" where the
    file has none); UserError where a column in `needs` is missing or empty in a row, or a
    learner is listed twice."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as file:
            reader = csv.reader(file)
            header = [name.strip().lower() for name in next(reader, [])]
            lines = [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]
    except OSError as err:
        raise UserError(f"--roster {path} cannot be read ({err.strerror})") from None
    except (UnicodeDecodeError, csv.Error) as err:
        raise UserError(f"--roster {path} is not a UTF-8 CSV file ({err}): save it as CSV UTF-8") from None
    for column in needs:
        if column not in header:
            raise UserError(
                f"--roster {path} has no {column!r} column: add it to the header row "
                f"(the columns: {', '.join(COLUMNS)}; see the README's LMS export)"
            )
    roster, seen = [], {}
    for number, row in lines:
        entry = dict.fromkeys(COLUMNS, "")
        entry.update((name, value.strip()) for name, value in zip(header, row, strict=False) if name in entry)
        entry["learner"] = printable(entry["learner"])  # as the gradebook names them
        empty = [column for column in needs if not entry[column]]
        if empty:  # the LMS could match the row to nobody, and would skip it without a word
            whose = f" (learner {entry['learner']!r})" if entry["learner"] else ""
            raise UserError(
                f"--roster {path}, line {number}{whose}: {' and '.join(empty)} is empty; fill it in from the "
                f"LMS's own gradebook export, or remove the row"
            )
        if entry["learner"] in seen:
            raise UserError(
                f"--roster {path} lists learner {entry['learner']!r} twice (lines "
                f"{seen[entry['learner']]} and {number}): keep one row per learner"
            )
        seen[entry["learner"]] = number
        roster.append(entry)
    return roster


def match(roster: list[dict[str, str]], results: list[SubmissionResult]) -> Match:
    by_learner = {r.submission: r for r in results}
    listed = {entry["learner"] for entry in roster}
    return Match(
        [(entry, by_learner[entry["learner"]]) for entry in roster if entry["learner"] in by_learner],
        [r.submission for r in results if r.submission not in listed],
        [entry["learner"] for entry in roster if entry["learner"] not in by_learner],
    )


def _items(course: Course, per_unit: bool) -> list[tuple[str, Unit | None, int]]:
    """(column name, unit or None for the total, points possible) of each grade column."""
    if per_unit:
        return [(unit.name, unit, sum(ex.points for ex in unit.exercises)) for unit in course.units]
    return [(TOTAL, None, sum(ex.points for ex in course.exercises))]


def _csv(rows: list[list[object]]) -> str:
    """Every cell neutralised against formula injection (exports._cell): names are the learners'."""
    out = io.StringIO()
    csv.writer(out).writerows([map(_cell, row) for row in rows])
    return out.getvalue()


def canvas_csv(course: Course, found: Match, per_unit: bool = False) -> str:
    items = _items(course, per_unit)
    rows = [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *(name for name, _, _ in items)],
        ["Points Possible", "", "", "", "", *(points for _, _, points in items)],
    ]
    rows += [
        [
            entry["name"],
            entry["lms_id"],
            entry["sis_id"],
            entry["login"],
            entry["section"],
            *(_blank(final_score(result, unit)) for _, unit, _ in items),
        ]
        for entry, result in found.rows
    ]
    return _csv(rows)


def moodle_csv(course: Course, found: Match, per_unit: bool = False, identifier: str = "email") -> str:
    items = _items(course, per_unit)
    rows = [[MOODLE_IDS[identifier], *(name for name, _, _ in items)]]
    rows += [
        [entry[identifier], *(_blank(final_score(result, unit)) for _, unit, _ in items)]
        for entry, result in found.rows
    ]
    return _csv(rows)


def _blank(score: float | None) -> float | str:
    """An empty cell changes nothing in either LMS, where a 0 would be a grade given."""
    return "" if score is None else score

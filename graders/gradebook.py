"""The class gradebook: SQLite, one transaction per submission, so a killed batch loses nothing.

A gradebook says it is one (PRAGMA application_id) and which version of the tables it holds
(PRAGMA user_version). A file that is anything else is refused and left exactly as it was; a
gradebook of an older version is brought up to date in place by a command that writes to it.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from graders.errors import UserError
from graders.results import ExerciseResult, SubmissionResult
from graders.untrusted import printable

APPLICATION_ID = 0x444C4742  # "DLGB"
# The tables of the first gradebooks (version 0, before gradebooks were marked), then what each
# version added. A new gradebook is made by all of them in order, an old one brought up to date
# by those it lacks: one history, so the two can never differ.
BASE = """
CREATE TABLE submissions (
    learner   TEXT PRIMARY KEY,
    source    TEXT NOT NULL,  -- what was handed in
    digest    TEXT NOT NULL,  -- of its modules; a changed submission is graded again
    score     INTEGER NOT NULL,
    max_score INTEGER NOT NULL,
    graded_at TEXT NOT NULL
);
CREATE TABLE results (
    learner   TEXT NOT NULL REFERENCES submissions(learner) ON DELETE CASCADE,
    position  INTEGER NOT NULL,  -- the exercise's place in course.toml
    exercise  TEXT NOT NULL,
    status    TEXT NOT NULL,
    score     INTEGER NOT NULL,
    max_score INTEGER NOT NULL,
    message   TEXT NOT NULL,
    mistake   TEXT,
    devices   TEXT NOT NULL,  -- JSON list
    seconds   REAL NOT NULL,
    PRIMARY KEY (learner, exercise)
);
"""
MIGRATIONS = {
    1: ["ALTER TABLE submissions ADD COLUMN sandbox TEXT NOT NULL DEFAULT ''"],  # what confined the code
    2: [
        "ALTER TABLE results ADD COLUMN variant TEXT NOT NULL DEFAULT ''",  # whose hidden cases
        "ALTER TABLE submissions ADD COLUMN submitted_at TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE submissions ADD COLUMN submitted_from TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE submissions ADD COLUMN penalties TEXT NOT NULL DEFAULT '{}'",  # JSON: unit -> points off
        "ALTER TABLE submissions ADD COLUMN late TEXT NOT NULL DEFAULT ''",  # what the penalty is for
        # every score an instructor set by hand, the latest of a (learner, exercise) standing;
        # a score of NULL takes the one before back. Not tied to submissions: a regrade keeps them.
        """CREATE TABLE overrides (
            learner  TEXT NOT NULL,
            exercise TEXT NOT NULL,
            score    REAL,
            reason   TEXT NOT NULL,
            by       TEXT NOT NULL,
            at       TEXT NOT NULL
        )""",
        # every grading, as it was recorded: a learner's history
        """CREATE TABLE gradings (
            learner   TEXT NOT NULL,
            at        TEXT NOT NULL,
            source    TEXT NOT NULL,
            score     INTEGER NOT NULL,
            max_score INTEGER NOT NULL,
            exercises INTEGER NOT NULL,
            passed    INTEGER NOT NULL,
            sandbox   TEXT NOT NULL
        )""",
    ],
}
VERSION = max(MIGRATIONS)
SQLITE_HEADER = b"SQLite format 3\0"
ANOTHER = "it is left as it is: give --gradebook another path"


class Gradebook:
    """`read_only`: for commands that only read it, which then work on a gradebook they may not
    change (mode 0444, a read-only folder or medium) and never change it."""

    def __init__(self, path: Path, read_only: bool = False):
        self.path = path
        try:
            version = self._open(read_only)
        except sqlite3.OperationalError as err:
            unwritable = not (os.access(path, os.W_OK) and os.access(path.absolute().parent, os.W_OK))
            if _primary(err) == sqlite3.SQLITE_READONLY or (_primary(err) == sqlite3.SQLITE_CANTOPEN and unwritable):
                # CANTOPEN: its WAL files cannot be made beside it (a read-only folder or file system)
                raise UserError(
                    f"{path} is read-only, and grading records each result in it: make it and its "
                    f"folder writable, or give --gradebook another path"
                ) from None
            raise UserError(f"{path} cannot be used as a gradebook ({err}); give --gradebook another path") from None
        except sqlite3.DatabaseError as err:
            raise UserError(f"{path} is not a usable gradebook ({err}); {ANOTHER}") from None
        except OSError as err:
            raise UserError(f"{path} cannot be read ({err.strerror}); give --gradebook another path") from None
        self.db.execute("PRAGMA foreign_keys = ON")
        self.version = version

    def _open(self, read_only: bool) -> int:
        """Open self.db; the version of its tables. Nothing is written to a file that exists
        until it has proved to be a gradebook."""
        new = not self.path.exists()
        if new and read_only:
            raise UserError(f"{self.path} does not exist; make it with `course grade ... --gradebook {self.path}`")
        if new:
            self.db = _connect(self.path, "mode=rwc")
        else:
            _refuse_a_file_that_is_not_sqlite(self.path)
            self.db = _open_to_read(self.path) if read_only else _connect(self.path, "mode=rw")
        try:
            if new:
                self.db.execute("PRAGMA journal_mode = WAL")
                self.db.executescript(
                    f"BEGIN; {BASE}{';'.join(_added_after(0))}; PRAGMA application_id = {APPLICATION_ID}; "
                    f"PRAGMA user_version = {VERSION}; COMMIT;"
                )
                return VERSION
            version = self._version()
            if not read_only:
                self._bring_up_to_date(version)
            return version
        except BaseException:
            self.db.close()  # a refused file keeps no connection, nor its WAL files, open
            raise

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc) -> None:
        self.db.close()

    def _version(self) -> int:
        """The version of the tables; UserError unless the file is a gradebook we can read."""
        application_id = self.db.execute("PRAGMA application_id").fetchone()[0]
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if application_id not in (0, APPLICATION_ID):
            raise UserError(
                f"{self.path} is another program's SQLite file (application_id "
                f"{application_id:#x}), not a gradebook; {ANOTHER}"
            )
        if application_id == APPLICATION_ID and version > VERSION:
            raise UserError(
                f"{self.path} was written by a newer version of the course (gradebook version "
                f"{version}; this one reads up to {VERSION}): grade and export with that version"
            )
        tables = _columns(self.db)
        if application_id == 0 and version == 0 and tables == _columns_of(0):
            return 0
        if application_id == APPLICATION_ID and tables == _columns_of(version):
            return version
        names = ", ".join(sorted(tables)) or "none"
        raise UserError(f"{self.path} is a SQLite file but not a gradebook (its tables: {names}); {ANOTHER}")

    def _bring_up_to_date(self, version: int) -> None:
        """Add what later versions added and mark the file as a gradebook of this one, all or
        nothing. Setting the version when it is already this one is the test that the file
        can be written: a read-only one fails here, not after its first submission is graded."""
        self.db.execute("PRAGMA journal_mode = WAL")
        with self._transaction():
            for statement in _added_after(version):
                self.db.execute(statement)
            self.db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self.db.execute(f"PRAGMA user_version = {VERSION}")

    def digest(self, learner: str) -> str | None:
        row = self.db.execute("SELECT digest FROM submissions WHERE learner = ?", (printable(learner),)).fetchone()
        return row[0] if row else None

    def record(self, result: SubmissionResult, source: str, digest: str, positions: dict[str, int]) -> None:
        """Replace the learner's records of these exercises with these, all or nothing; records
        of exercises not graded this time (another unit's) stay, and so do overrides. `positions`:
        each exercise's place in course.toml, the order reports list them in. The grading joins
        the learner's history."""
        now = _now()
        learner = result.submission  # printable, as every text of a record is
        with self._transaction():
            self.db.execute(
                "INSERT INTO submissions (learner, source, digest, score, max_score, graded_at, sandbox) "
                "VALUES (?, ?, ?, 0, 0, ?, ?) ON CONFLICT (learner) DO UPDATE SET "
                "source = excluded.source, digest = excluded.digest, graded_at = excluded.graded_at, "
                "sandbox = excluded.sandbox",
                (learner, _storable(source), digest, now, result.sandbox),
            )
            self.db.executemany(
                "DELETE FROM results WHERE learner = ? AND exercise = ?", [(learner, r.id) for r in result.exercises]
            )
            self.db.executemany(
                "INSERT INTO results (learner, position, exercise, status, score, max_score, message, mistake, "
                "devices, seconds, variant) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        learner,
                        positions[r.id],
                        r.id,
                        r.status,
                        r.score,
                        r.max_score,
                        r.message,
                        r.mistake,
                        json.dumps(r.devices),
                        r.seconds,
                        r.variant,
                    )
                    for r in result.exercises
                ],
            )
            self.db.execute(
                "UPDATE submissions SET score = (SELECT SUM(score) FROM results WHERE learner = ?1), "
                "max_score = (SELECT SUM(max_score) FROM results WHERE learner = ?1) WHERE learner = ?1",
                (learner,),
            )
            self.db.execute(
                "INSERT INTO gradings VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    learner,
                    now,
                    _storable(source),
                    result.score,
                    result.max_score,
                    len(result.exercises),
                    sum(r.passed for r in result.exercises),
                    result.sandbox,
                ),
            )

    def record_late(self, result: SubmissionResult) -> None:
        """The learner's submission time, where it came from, and the late penalty."""
        with self._transaction():
            self.db.execute(
                "UPDATE submissions SET submitted_at = ?, submitted_from = ?, penalties = ?, late = ? "
                "WHERE learner = ?",
                (
                    result.submitted_at,
                    _storable(result.submitted_from),
                    json.dumps(result.penalties),
                    result.late,
                    result.submission,
                ),
            )

    def results(self, learners: list[str] | None = None, exercises: set[str] | None = None) -> list[SubmissionResult]:
        """Every learner's records (or these learners', of these exercises), by learner, with
        the instructor's overrides in place of what grading gave."""
        columns = ", ".join(
            self._since(since, column, default)
            for since, column, default in (
                (2, "variant", "''"),
                (1, "sandbox", "''"),
                (2, "submitted_at", "''"),
                (2, "submitted_from", "''"),
                (2, "penalties", "'{}'"),
                (2, "late", "''"),
            )
        )
        rows = self.db.execute(
            "SELECT r.learner, exercise, status, r.score, r.max_score, message, mistake, devices, "
            f"seconds, {columns} FROM results AS r JOIN submissions AS s USING (learner) "
            "ORDER BY r.learner, position"
        ).fetchall()
        by_learner: dict[str, list[ExerciseResult]] = {}
        submissions: dict[str, tuple] = {}
        for (
            learner,
            exercise,
            status,
            score,
            max_score,
            message,
            mistake,
            devices,
            seconds,
            variant,
            sandbox,
            submitted_at,
            submitted_from,
            penalties,
            late,
        ) in rows:
            submissions[learner] = (sandbox, submitted_at, submitted_from, json.loads(penalties), late)
            if exercises is not None and exercise not in exercises:
                continue
            by_learner.setdefault(learner, []).append(
                ExerciseResult(
                    exercise, status, score, max_score, message, json.loads(devices), mistake, seconds, variant
                )
            )
        chosen = learners if learners is not None else sorted(by_learner)
        chosen = [printable(learner) for learner in chosen]  # as the records name them
        results = [
            SubmissionResult(learner, by_learner[learner], *submissions[learner])
            for learner in chosen
            if learner in by_learner
        ]
        for result in results:
            self.apply_overrides(result)
        return results

    def _since(self, version: int, column: str, default: str) -> str:
        """A column a gradebook has from this version on; its default in an older one, which a
        command that only reads it does not bring up to date."""
        return column if self.version >= version else default

    def apply_overrides(self, result: SubmissionResult) -> list[ExerciseResult]:
        """Put the instructor's scores in place of graded ones (once: a record read back from
        here has them already); the records overridden."""
        standing = self.overrides(result.submission)
        overridden = []
        for record in result.exercises:
            if record.id in standing and not record.override:
                score, reason, by, at = standing[record.id]
                record.override = (
                    f"{_points(score)}/{record.max_score} set by {by} on {at[:10]}: {reason} "
                    f"(graded {record.score}/{record.max_score})"
                )
                record.score = _points(score)
                overridden.append(record)
        return overridden

    def overrides(self, learner: str) -> dict[str, tuple[float, str, str, str]]:
        """The standing overrides of a learner, by exercise: (score, reason, by, at)."""
        if self.version < 2:
            return {}
        latest: dict[str, tuple] = {}
        for exercise, score, reason, by, at in self.db.execute(
            "SELECT exercise, score, reason, by, at FROM overrides WHERE learner = ? ORDER BY rowid",
            (printable(learner),),
        ):
            latest[exercise] = (score, reason, by, at)
        return {exercise: entry for exercise, entry in latest.items() if entry[0] is not None}

    def override(self, learner: str, exercise: str, score: float | None, reason: str, by: str) -> None:
        """Set a learner's score of an exercise by hand (None: take the standing one back)."""
        with self._transaction():
            self.db.execute(
                "INSERT INTO overrides VALUES (?, ?, ?, ?, ?, ?)",
                (printable(learner), exercise, score, printable(reason), printable(by), _now()),
            )

    def learners(self) -> list[str]:
        return [name for (name,) in self.db.execute("SELECT learner FROM submissions ORDER BY learner")]

    def history(self, learner: str) -> list[tuple[str, str, tuple]]:
        """(when, "graded" or "override", its row) for every grading and override of the
        learner, oldest first."""
        learner = printable(learner)
        if self.version < 2:
            return []
        events = [
            (row[0], "graded", row[1:])
            for row in self.db.execute(
                "SELECT at, source, score, max_score, exercises, passed, sandbox FROM gradings WHERE learner = ? "
                "ORDER BY rowid",
                (learner,),
            )
        ]
        events += [
            (row[0], "override", row[1:])
            for row in self.db.execute(
                "SELECT at, exercise, score, reason, by FROM overrides WHERE learner = ? ORDER BY rowid", (learner,)
            )
        ]
        return sorted(events, key=lambda event: event[0])  # stable: same-second events keep their order

    @contextlib.contextmanager
    def _transaction(self):
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")  # a history orders events within a second


def _points(score: float) -> int | float:
    """A score as the records hold it: whole points as an int."""
    return int(score) if float(score).is_integer() else score


def _storable(text: str) -> str:
    """A path as SQLite can hold it: a name that was not UTF-8 on disk (a lone surrogate here)
    keeps its bytes as `\\udcff`, distinct and readable, where storing it would fail. (A record's
    texts are printable already: graders.results.)"""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _refuse_a_file_that_is_not_sqlite(path: Path) -> None:
    """Before SQLite opens it: SQLite would turn an empty file into a database of its own."""
    if not path.is_file():
        raise UserError(f"{path} is not a file; give --gradebook the path of a gradebook, or a new one")
    with open(path, "rb") as file:
        header = file.read(len(SQLITE_HEADER))
    if not header:
        raise UserError(
            f"{path} is an empty file, not a gradebook: delete it (`course grade` creates the "
            f"gradebook), or give --gradebook another path"
        )
    if header != SQLITE_HEADER:
        raise UserError(f"{path} is not a gradebook (not even a SQLite file); {ANOTHER}")


def _connect(path: Path, mode: str) -> sqlite3.Connection:
    """`mode` as SQLite's URI gives it: mode=rw never creates a file, mode=rwc does."""
    return sqlite3.connect(
        f"{path.absolute().as_uri()}?{mode}", uri=True, isolation_level=None
    )  # transactions are explicit


def _open_to_read(path: Path) -> sqlite3.Connection:
    """Read-only; immutable where SQLite cannot make the WAL's shared-memory file beside it (a
    read-only folder), which also means that nobody can be writing to it."""
    db = _connect(path, "mode=ro")
    try:
        db.execute("PRAGMA user_version").fetchone()
    except sqlite3.OperationalError as err:
        if _primary(err) not in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN):
            raise
        db.close()
        db = _connect(path, "immutable=1")
    return db


def _primary(err: sqlite3.Error) -> int:
    """SQLite's primary error code: SQLITE_READONLY for SQLITE_READONLY_DIRECTORY and the like."""
    return err.sqlite_errorcode & 0xFF


def _columns(db: sqlite3.Connection) -> dict[str, set[str]]:
    tables = [
        name
        for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    ]
    return {
        table: {name for (name,) in db.execute("SELECT name FROM pragma_table_info(?)", (table,))} for table in tables
    }


@functools.cache
def _columns_of(version: int) -> dict[str, set[str]]:
    """The tables and columns of a gradebook of this version."""
    db = sqlite3.connect(":memory:")
    db.executescript(BASE + ";".join(statement for v in range(1, version + 1) for statement in MIGRATIONS[v]))
    columns = _columns(db)
    db.close()
    return columns


def _added_after(version: int) -> list[str]:
    return [statement for v in range(version + 1, VERSION + 1) for statement in MIGRATIONS[v]]

"""The class gradebook: SQLite, one transaction per submission, so a killed batch loses nothing."""
from __future__ import annotations

import contextlib
import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from graders.course import UserError
from graders.results import ExerciseResult, SubmissionResult

SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    learner   TEXT PRIMARY KEY,
    source    TEXT NOT NULL,  -- what was handed in
    digest    TEXT NOT NULL,  -- of its modules; a changed submission is graded again
    score     INTEGER NOT NULL,
    max_score INTEGER NOT NULL,
    graded_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS results (
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


class GradebookError(UserError):
    pass


class Gradebook:
    def __init__(self, path: Path):
        try:
            self.db = sqlite3.connect(path, isolation_level=None)  # transactions are explicit below
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.executescript(SCHEMA)
        except sqlite3.DatabaseError as err:
            raise GradebookError(f"{path} is not a usable gradebook ({err}); pass a new file to --gradebook") from None

    def __enter__(self) -> "Gradebook":
        return self

    def __exit__(self, *exc) -> None:
        self.db.close()

    def digest(self, learner: str) -> str | None:
        row = self.db.execute("SELECT digest FROM submissions WHERE learner = ?", (learner,)).fetchone()
        return row[0] if row else None

    def record(self, result: SubmissionResult, source: str, digest: str, positions: dict[str, int]) -> None:
        """Replace the learner's records of these exercises with these, all or nothing; records
        of exercises not graded this time (another unit's) stay. `positions`: each exercise's
        place in course.toml, the order reports list them in."""
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        learner = result.submission
        with self._transaction():
            self.db.execute("INSERT INTO submissions VALUES (?, ?, ?, 0, 0, ?) ON CONFLICT (learner) DO UPDATE SET "
                            "source = excluded.source, digest = excluded.digest, graded_at = excluded.graded_at",
                            (learner, source, digest, now))
            self.db.executemany("DELETE FROM results WHERE learner = ? AND exercise = ?",
                                [(learner, r.id) for r in result.exercises])
            self.db.executemany(
                "INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(learner, positions[r.id], r.id, r.status, r.score, r.max_score, r.message, r.mistake,
                  json.dumps(r.devices), r.seconds) for r in result.exercises])
            self.db.execute("UPDATE submissions SET score = (SELECT SUM(score) FROM results WHERE learner = ?1), "
                            "max_score = (SELECT SUM(max_score) FROM results WHERE learner = ?1) WHERE learner = ?1",
                            (learner,))

    def results(self, learners: list[str] | None = None, exercises: set[str] | None = None) -> list[SubmissionResult]:
        """Every learner's records (or these learners', of these exercises), by learner."""
        rows = self.db.execute("SELECT learner, exercise, status, score, max_score, message, mistake, devices, seconds "
                               "FROM results ORDER BY learner, position").fetchall()
        by_learner: dict[str, list[ExerciseResult]] = {}
        for learner, exercise, status, score, max_score, message, mistake, devices, seconds in rows:
            if exercises is not None and exercise not in exercises:
                continue
            by_learner.setdefault(learner, []).append(
                ExerciseResult(exercise, status, score, max_score, message, json.loads(devices), mistake, seconds))
        chosen = learners if learners is not None else sorted(by_learner)
        return [SubmissionResult(learner, by_learner[learner]) for learner in chosen if learner in by_learner]

    @contextlib.contextmanager
    def _transaction(self):
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

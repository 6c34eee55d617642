"""The gradebook file itself: what it accepts, what it refuses untouched, and what text it holds."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from graders.errors import UserError
from graders.gradebook import APPLICATION_ID, VERSION, Gradebook
from graders.results import ExerciseResult, SubmissionResult
from tests.conftest import ROOT
from tests.helpers import course_argv, run_course

POSITIONS = {"activations.sigmoid": 0, "activations.relu": 1}
SANDBOX = "seccomp-bpf + Landlock ABI 7"
# The gradebook as the course wrote it before gradebooks were marked (version 0), verbatim.
OLD_SCHEMA = """
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


def result(learner: str = "ada", message: str = "", sandbox: str = SANDBOX) -> SubmissionResult:
    return SubmissionResult(
        learner,
        [
            ExerciseResult("activations.sigmoid", "passed", 1, 1, devices=["cpu"]),
            ExerciseResult("activations.relu", "failed", 0, 2, message, ["cpu"], "clipped"),
        ],
        sandbox,
    )


def old_gradebook(path: Path) -> None:
    """A version-0 gradebook holding ada, written as that course's Gradebook wrote it."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.executescript(OLD_SCHEMA)
    db.execute("INSERT INTO submissions VALUES ('ada', 'class/ada', 'd1', 1, 3, '2024-01-01T00:00:00+00:00')")
    db.executemany(
        "INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            ("ada", 0, "activations.sigmoid", "passed", 1, 1, "", None, '["cpu"]', 0.1),
            ("ada", 1, "activations.relu", "failed", 0, 2, "no", "clipped", '["cpu"]', 0.2),
        ],
    )
    db.close()


def pragmas(path: Path) -> tuple[int, int]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return db.execute("PRAGMA application_id").fetchone()[0], db.execute("PRAGMA user_version").fetchone()[0]


@contextlib.contextmanager
def untouched(path: Path, sidecars: bool = False):
    """Asserts, on leaving, that the file's bytes are as they were and nothing was made beside it
    (but, with `sidecars`, SQLite's -wal and -shm files of a reader)."""

    def beside():
        return sorted(p.name for p in path.parent.iterdir() if not (sidecars and p.name.endswith(("-wal", "-shm"))))

    before, listed = path.read_bytes(), beside()
    yield
    assert path.read_bytes() == before
    assert beside() == listed


def test_a_new_gradebook_is_marked_and_holds_the_sandbox(tmp_path):
    path = tmp_path / "class.sqlite"
    with Gradebook(path) as gradebook:
        gradebook.record(result(), "class/ada", "d1", POSITIONS)
    assert pragmas(path) == (APPLICATION_ID, VERSION)
    with Gradebook(path, read_only=True) as gradebook:
        (ada,) = gradebook.results()
    assert (ada.submission, ada.sandbox, ada.score, ada.max_score) == ("ada", SANDBOX, 1, 3)
    assert ada.exercises == result().exercises


def test_an_old_gradebook_is_brought_up_to_date_in_place(tmp_path):
    path = tmp_path / "class.sqlite"
    old_gradebook(path)
    assert pragmas(path) == (0, 0)
    with Gradebook(path) as gradebook:
        assert gradebook.digest("ada") == "d1"
        (ada,) = gradebook.results()
        assert (ada.sandbox, ada.score, [r.message for r in ada.exercises]) == ("", 1, ["", "no"])
        gradebook.record(result("bob"), "class/bob", "d2", POSITIONS)
    assert pragmas(path) == (APPLICATION_ID, VERSION)
    with Gradebook(path) as gradebook:  # and opens again as a gradebook of this version
        assert [(r.submission, r.sandbox) for r in gradebook.results()] == [("ada", ""), ("bob", SANDBOX)]


def test_an_old_gradebook_is_read_without_being_changed(tmp_path):
    path = tmp_path / "class.sqlite"
    old_gradebook(path)
    with untouched(path, sidecars=True), Gradebook(path, read_only=True) as gradebook:
        (ada,) = gradebook.results(["ada"])
    assert (ada.sandbox, ada.score) == ("", 1)
    assert pragmas(path) == (0, 0)


def test_a_newer_gradebook_is_refused(tmp_path):
    path = tmp_path / "class.sqlite"
    Gradebook(path).db.close()
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute(f"PRAGMA user_version = {VERSION + 1}")
    for read_only in (False, True):
        with untouched(path, sidecars=True), pytest.raises(UserError, match="newer version of the course"):
            Gradebook(path, read_only)


def test_an_empty_file_is_refused_and_stays_empty(tmp_path):
    path = tmp_path / "class.sqlite"
    path.touch()
    for read_only in (False, True):
        with untouched(path), pytest.raises(UserError, match="is an empty file, not a gradebook: delete it"):
            Gradebook(path, read_only)
    assert path.stat().st_size == 0


def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path):
    path = tmp_path / "grades.csv"
    path.write_text("learner,score\nada,3\n", encoding="utf-8")
    for read_only in (False, True):
        with untouched(path), pytest.raises(UserError, match="not even a SQLite file"):
            Gradebook(path, read_only)


@pytest.mark.parametrize(
    "schema",
    [
        "CREATE TABLE photos (id INTEGER PRIMARY KEY, taken TEXT)",
        OLD_SCHEMA + "CREATE TABLE notes (text TEXT);",  # a gradebook's tables, and more
        "CREATE TABLE submissions (learner TEXT); CREATE TABLE results (learner TEXT)",  # the names only
        "",  # no tables at all
    ],
)
def test_a_sqlite_file_that_is_not_a_gradebook_is_refused_untouched(tmp_path, schema):
    path = tmp_path / "photos.db"
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.executescript(schema + ";PRAGMA user_version = 0")
    for read_only in (False, True):
        with untouched(path), pytest.raises(UserError, match="a SQLite file but not a gradebook"):
            Gradebook(path, read_only)


def test_another_programs_sqlite_file_is_refused_untouched(tmp_path):
    path = tmp_path / "other.db"
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.executescript(OLD_SCHEMA + "PRAGMA application_id = 1234;")
    for read_only in (False, True):
        with untouched(path), pytest.raises(UserError, match="another program's SQLite file"):
            Gradebook(path, read_only)


def test_export_of_a_file_that_is_not_a_gradebook_exits_2_and_says_why(tmp_path):
    path = tmp_path / "class.sqlite"
    path.touch()
    run = run_course("export", "--gradebook", path, root=ROOT)
    assert run.returncode == 2 and "empty file, not a gradebook" in " ".join(run.stderr.split())
    assert "Traceback" not in run.stderr and path.stat().st_size == 0


def test_text_sqlite_would_refuse_is_stored(tmp_path):
    """A learner named by a folder whose name is not UTF-8 (a lone surrogate in Python), a
    message quoting it, and a NUL: recorded, found again, so a re-run skips that learner
    instead of failing on it once more."""
    path = tmp_path / "class.sqlite"
    learner, message = "caf\udce9", "printed a\0b from caf\udce9/activations.py"
    with Gradebook(path) as gradebook:
        gradebook.record(result(learner, message), f"class/{learner}", "d1", POSITIONS)
    with Gradebook(path) as gradebook:
        assert gradebook.digest(learner) == "d1"
        (asked,) = gradebook.results([learner])
        (listed,) = gradebook.results()
        (source,) = gradebook.db.execute("SELECT source FROM submissions").fetchone()
    assert asked.submission == listed.submission == "caf\ufffd"  # every text of a record is printable
    assert asked.exercises[1].message == listed.exercises[1].message == "printed a\ufffdb from caf\ufffd/activations.py"
    assert source == "class/caf\\udce9"  # the path as handed in, its byte kept


def read_only(target: Path, *command: str) -> subprocess.CompletedProcess:
    """`command` where `target` (a file or a folder) cannot be written: by its mode, or for root,
    who may write whatever a mode says, by a read-only bind mount in a mount namespace of its own."""
    if os.geteuid() == 0:
        if not shutil.which("unshare"):
            pytest.skip("no unshare to make a read-only mount")
        script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'
        command = ("unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", str(target), *command)
    return subprocess.run(
        command, check=False, capture_output=True, encoding="utf-8", timeout=120, cwd=tempfile.gettempdir()
    )


@pytest.mark.parametrize("kind", ["file", "folder"])
def test_a_read_only_gradebook_is_exported_and_a_writer_told_why_not(kind):
    where = Path(tempfile.mkdtemp(prefix="gradebook-"))  # not under pytest's, which only its owner may enter
    try:
        where.chmod(0o777)  # a reader may make SQLite's -shm file here, as the gradebook's owner could
        path = where / "class.sqlite"
        with Gradebook(path) as gradebook:
            gradebook.record(result(), "class/ada", "d1", POSITIONS)
        path.chmod(0o444)
        if kind == "folder":
            where.chmod(0o555)
        target = where if kind == "folder" else path
        with untouched(path, sidecars=True):
            export = read_only(target, *course_argv("export", "--gradebook", path, "--format", "csv", root=ROOT))
            assert export.returncode == 0, export.stderr
            assert export.stdout.splitlines()[1].startswith("ada,")
            opened = "import sys, pathlib, graders.gradebook as g; g.Gradebook(pathlib.Path(sys.argv[1]))"
            grade = read_only(target, sys.executable, "-c", opened, str(path))
            assert grade.returncode == 1 and "UserError" in grade.stderr
            assert "class.sqlite is read-only, and grading records each result in it" in grade.stderr
    finally:
        where.chmod(0o755)
        shutil.rmtree(where)


@pytest.mark.parametrize("fmt", ["csv", "summary", "canvas", "moodle"])
def test_export_to_a_folder_that_does_not_exist_exits_2_and_says_which(tmp_path, fmt):
    path = tmp_path / "class.sqlite"
    with Gradebook(path) as gradebook:
        gradebook.record(result(), "class/ada", "d1", POSITIONS)
    out = tmp_path / "nowhere" / "grades.csv"
    run = run_course("export", "--gradebook", path, "--format", fmt, "--out", out, root=ROOT)
    said = " ".join(run.stderr.split())
    assert run.returncode == 2 and f"the folder {out.parent} does not exist" in said, run.stderr
    assert "Traceback" not in run.stderr and not out.parent.exists()

"""What many test files do alike: run the installed `course` command as a user does, and copy
the course somewhere to change it. (tests/conftest.py's fixtures are the real course loaded in
this process; COURSE, where a file defines it, is that same course loaded at import.)"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COURSE_COMMAND = Path(sys.executable).with_name("course")  # the installed entry point


def course_argv(*args, root: Path | None = None) -> list[str]:
    """The command line `course [--root ROOT] ARGS`, for a test that starts it itself: a Popen to
    interrupt, a pseudo-terminal, a wrapper in front of it."""
    return [str(COURSE_COMMAND), *(["--root", str(root)] if root else []), *map(str, args)]


def run_course(
    *args,
    root: Path | None = None,
    cwd: Path = ROOT,
    env: dict | None = None,
    stdin: str | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess:
    """`course [--root ROOT] ARGS` in `cwd`, its output captured as text. `env` adds to this
    process's environment; COLUMNS=250, or rich would wrap its tables at 80 columns off a terminal."""
    return subprocess.run(
        course_argv(*args, root=root),
        cwd=cwd,
        env={**os.environ, "COLUMNS": "250", **(env or {})},
        input=stdin,
        capture_output=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
    )


def copy_course(where: Path, folders: tuple[str, ...] = ("exercises", "solutions")) -> Path:
    """The course's course.toml and `folders` copied into `where` (made here), bytecode left out."""
    where.mkdir(parents=True)
    shutil.copy(ROOT / "course.toml", where)
    for folder in folders:
        shutil.copytree(ROOT / folder, where / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return where

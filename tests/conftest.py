"""Shared fixtures: the real course, its references computed once, and throwaway submissions."""

from __future__ import annotations

import itertools
import os
import pkgutil
import shutil
import textwrap

import pytest

import graders
from graders.course import load
from graders.engine import grade, prepare
from graders.results import ExerciseResult
from graders.sandbox.handle import Sandbox
from tests.helpers import ROOT

# Messages in English whatever the developer's locale (a Korean one makes `course` speak Korean),
# set before any test module copies the environment; the tests of Korean ask with --lang ko.
os.environ.pop("LC_ALL", None)
os.environ["LC_MESSAGES"] = "C"
# Every `course` the tests start fails where the course opens a text file without naming its
# encoding, as this process does under -X warn_default_encoding (pyproject's filterwarnings):
# on Windows it would be read as cp1252 or cp949. One entry per module: PYTHONWARNINGS names
# modules exactly (the last entry that matches wins). Other packages' own warnings are theirs,
# and silent: a kernel's stderr costs a notebook's test cell its points.
os.environ["PYTHONWARNDEFAULTENCODING"] = "1"
os.environ["PYTHONWARNINGS"] = ",".join(
    [
        "ignore::EncodingWarning",
        *(f"error::EncodingWarning:{module.name}" for module in pkgutil.walk_packages(graders.__path__, "graders.")),
    ]
)


@pytest.fixture(scope="session")
def course():
    return load(ROOT)


class _Prepared(dict):
    """CPU references, computed for an exercise the first time a test asks for it."""

    def __init__(self, course):
        super().__init__()
        self.course = course

    def __missing__(self, exercise_id: str):
        self[exercise_id] = prepare([self.course.exercise(exercise_id)], ["cpu"])[0]
        return self[exercise_id]


@pytest.fixture(scope="session")
def prepared(course):
    return _Prepared(course)


@pytest.fixture
def submit(tmp_path, course, prepared):
    """Grade `source` appended to the solution module of `unit`: later defs replace the solution's.

    Returns {exercise id: ExerciseResult} for the exercises of that unit (or `ids`).
    """
    counter = itertools.count()

    def run(
        unit: str, source: str = "", ids: list[str] | None = None, base: str = "solutions"
    ) -> dict[str, ExerciseResult]:
        folder = tmp_path / f"submission{next(counter)}"
        shutil.copytree(ROOT / base, folder)
        module = folder / f"{unit}.py"
        module.write_text(module.read_text(encoding="utf-8") + "\n\n" + textwrap.dedent(source), encoding="utf-8")
        chosen = ids or [ex.id for ex in course.exercises if ex.unit == unit]
        with Sandbox(folder, course.limits) as sandbox:
            result = grade([prepared[i] for i in chosen], sandbox, folder.name)
        return {r.id: r for r in result.exercises}

    return run


@pytest.fixture(scope="session", autouse=True)
def _own_reference_cache(tmp_path_factory):
    """The tests' reference cache is their own, never the user's ~/.cache (subprocesses inherit it)."""
    # one for every xdist worker of the run (their base folders share a parent): each reference
    # is then computed once, whichever worker asks first (cache.store replaces atomically)
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    (shared / "reference-cache").mkdir(exist_ok=True)
    os.environ["COURSE_CACHE_DIR"] = str(shared / "reference-cache")


# The slowest files, longest first (each file's total on 2 cores, --durations=0): marked slow,
# so that `pytest -m "not slow"` is a quick inner loop, and started first, so that the two xdist
# workers finish together instead of one waiting on the longest file at the end.
SLOW = [
    "test_release.py",
    "test_dask.py",
    "test_nbgrader.py",
    "test_backends.py",
    "test_plots.py",
    "test_integrity.py",
    "test_mutants.py",
    "test_class.py",
    "test_attacks.py",
    "test_colab.py",
    "test_cache.py",
    # shorter, but real Dask, a whole term, every learner's hidden references, a pseudo-terminal
    "test_interrupt.py",
    "test_term.py",
    "test_hidden_per_learner.py",
    "test_watch.py",
]


def pytest_ignore_collect(collection_path, config):
    """The inner loop, `-m "not slow"`, never imports a slow file only to deselect all of it: its
    imports alone (nbformat's schema checker, distributed, nbgrader) cost seconds in each worker."""
    if config.getoption("markexpr") == "not slow" and collection_path.name in SLOW:
        return True
    return None


def pytest_collection_modifyitems(config, items):
    rank = {name: place for place, name in enumerate(SLOW)}
    for item in items:
        if item.path.name in rank:
            item.add_marker(pytest.mark.slow)
    items.sort(key=lambda item: rank.get(item.path.name, len(SLOW)))  # stable: a file's own order stays

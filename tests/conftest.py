"""Shared fixtures: the real course, its references computed once, and throwaway submissions."""
from __future__ import annotations

import itertools
import shutil
import textwrap
from pathlib import Path

import pytest

from graders.course import load
from graders.engine import grade, prepare
from graders.results import ExerciseResult
from graders.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def course():
    return load(ROOT)


@pytest.fixture(scope="session")
def prepared(course):
    """CPU references for every exercise, computed once for the whole test session."""
    return {p.exercise.id: p for p in prepare(course.exercises, ["cpu"])}


@pytest.fixture
def submit(tmp_path, course, prepared):
    """Grade `source` appended to the solution module of `unit`: later defs replace the solution's.

    Returns {exercise id: ExerciseResult} for the exercises of that unit (or `ids`).
    """
    counter = itertools.count()

    def run(unit: str, source: str = "", ids: list[str] | None = None, base: str = "solutions") -> dict[str, ExerciseResult]:
        folder = tmp_path / f"submission{next(counter)}"
        shutil.copytree(ROOT / base, folder)
        module = folder / f"{unit}.py"
        module.write_text(module.read_text(encoding="utf-8") + "\n\n" + textwrap.dedent(source), encoding="utf-8")
        chosen = ids or [ex.id for ex in course.exercises if ex.unit == unit]
        with Sandbox(folder, course.limits) as sandbox:
            result = grade([prepared[i] for i in chosen], sandbox, folder.name)
        return {r.id: r for r in result.exercises}

    return run

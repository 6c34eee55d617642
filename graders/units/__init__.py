"""The grader registry: graders/units/<unit>.py holds GRADERS = {function name: Grader}, and may
hold FIGURES = {PNG name: draw(ctx)}, the unit's own pictures for `course plot` (graders.plots)."""

from __future__ import annotations

import importlib

from graders.course import Exercise
from graders.errors import UserError
from graders.spec import Grader


def graders_of(unit: str) -> dict[str, Grader]:
    return _module(unit).GRADERS


def figures_of(unit: str) -> dict:
    """The unit's own figures, by PNG name; none where it draws only expected-vs-got pictures."""
    return getattr(_module(unit), "FIGURES", {})


def _module(unit: str):
    try:
        module = importlib.import_module(f"graders.units.{unit}")
    except ModuleNotFoundError as err:
        if err.name != f"graders.units.{unit}":
            raise
        raise UserError(f"course.toml names unit {unit!r}, but graders/units/{unit}.py does not exist") from None
    return module


def grader_for(exercise: Exercise) -> Grader:
    graders = graders_of(exercise.unit)
    if exercise.function not in graders:
        raise UserError(f"{exercise.id} is in course.toml, but graders/units/{exercise.unit}.py has no grader for it")
    return graders[exercise.function]

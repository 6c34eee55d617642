"""The curriculum as data: course.toml, read once, and where the course lives on disk."""

from __future__ import annotations

import contextlib
import difflib
import os
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from graders.errors import UserError

COURSE_FILE = "course.toml"


@dataclass(frozen=True)
class Exercise:
    id: str
    unit: str
    function: str
    title: dict[str, str]
    points: int
    hints: tuple[dict[str, str], ...]


@dataclass(frozen=True)
class Unit:
    name: str
    title: dict[str, str]
    exercises: tuple[Exercise, ...]


@dataclass(frozen=True)
class Limits:
    call_seconds: float = 10.0  # one call of a learner function
    memory_mb: int = 2048  # the worker's address space
    submission_seconds: float = 60.0  # all calls of one submission together


@dataclass(frozen=True)
class Course:
    root: Path
    title: dict[str, str]
    units: tuple[Unit, ...]
    limits: Limits = field(default_factory=Limits)

    @property
    def exercises(self) -> tuple[Exercise, ...]:
        return tuple(ex for unit in self.units for ex in unit.exercises)

    def exercise(self, exercise_id: str) -> Exercise:
        for ex in self.exercises:
            if ex.id == exercise_id:
                return ex
        from graders.i18n import t

        raise UserError(t("unknown-exercise", id=exercise_id))

    def select(self, target: str | None) -> tuple[Exercise, ...]:
        """All exercises, one unit's (`losses`), or one exercise (`losses.mse`)."""
        if target is None:
            return self.exercises
        found = self.resolve(target)
        return found.exercises if isinstance(found, Unit) else (found,)

    def resolve(self, target: str) -> Unit | Exercise:
        """The unit or exercise a command line names: `losses`, `losses.mse`, or the unit's file
        as a shell completes it (`exercises/losses.py`, `./exercises/losses.py`, `losses.py`).
        Every command that takes an id comes here, so a typo is told the same way everywhere."""
        name = re.split(r"[\\/]", target)[-1].removesuffix(".py")  # Windows' shells complete with \
        for unit in self.units:
            if unit.name == name:
                return unit
            for ex in unit.exercises:
                if ex.id == name:
                    return ex
        from graders.i18n import t

        ids = [u.name for u in self.units] + [ex.id for ex in self.exercises]
        if close := difflib.get_close_matches(name, ids, n=1):
            raise UserError(
                t("did-you-mean.exercise", target=target, match=close[0])
                if "." in name
                else t("did-you-mean.unit", target=target, match=close[0])
            )
        raise UserError(t("unknown-target", target=target, units=", ".join(u.name for u in self.units)))


INSTRUCTOR_FILE = "instructor.toml"  # the instructor's secrets; never in a learner's copy


def hidden_seed(root: Path, seed_file: str | None = None) -> str | None:
    """The secret seed of hidden cases: the first line of `seed_file` (`-`: of stdin), else
    $COURSE_HIDDEN_SEED, else `hidden_seed` under [grading] in instructor.toml; None where there
    is none. Never the command line's: every user of the machine can read that."""
    if seed_file:
        return _first_line(seed_file)
    if os.environ.get("COURSE_HIDDEN_SEED"):
        return os.environ["COURSE_HIDDEN_SEED"]
    return _grading(root).get("hidden_seed")


HIDDEN_FEEDBACK = ("summary", "values")


def hidden_feedback(root: Path) -> str:
    """What a failed hidden case tells a learner: `hidden_feedback` under [grading] in
    instructor.toml, "summary" (its size and dtype, and that it failed) unless the instructor
    allows "values" (what was expected and what came back). Never its inputs."""
    told = _grading(root).get("hidden_feedback", HIDDEN_FEEDBACK[0])
    if told not in HIDDEN_FEEDBACK:
        raise UserError(f'{root / INSTRUCTOR_FILE}: hidden_feedback = {told!r}; write "summary" or "values"')
    return told


def _grading(root: Path) -> dict:
    """instructor.toml's [grading] table; empty where there is no instructor.toml."""
    path = root / INSTRUCTOR_FILE
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8")).get("grading", {})
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise UserError(f"{path} is not valid TOML ({err}); fix the line it names") from None


def _first_line(seed_file: str) -> str:
    """What --hidden-seed-file gives; an error never quotes what the file holds."""
    try:
        with contextlib.nullcontext(sys.stdin) if seed_file == "-" else open(seed_file, encoding="utf-8") as source:
            line = source.readline().rstrip("\r\n")
    except OSError as err:
        raise UserError(
            f"--hidden-seed-file {seed_file}: {err.strerror}; give the file that holds the secret"
        ) from None
    except UnicodeDecodeError:
        raise UserError(f"--hidden-seed-file {seed_file} is not UTF-8 text; write the secret as text") from None
    if not line:
        raise UserError(f"--hidden-seed-file {seed_file}: its first line is empty; write the secret there")
    return line


def torch_pin(course_root: Path) -> str:
    """`torch==X.Y.Z`: the build pyproject.toml's [tool.dl-course] names, which every install
    command puts first (an unpinned torch pulls GBs of CUDA)."""
    tool = tomllib.loads((course_root / "pyproject.toml").read_text(encoding="utf-8")).get("tool", {})
    version = str(tool.get("dl-course", {}).get("torch", ""))
    if not re.fullmatch(r"\d+(\.\d+)+", version):
        raise ValueError(
            'pyproject.toml must pin the torch build to install: [tool.dl-course] torch = "X.Y.Z"; '
            "an unpinned torch pulls GBs of CUDA"
        )
    return f"torch=={version}"


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above `start` that holds course.toml, as git finds a repository."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / COURSE_FILE).is_file():
            return folder
    raise UserError(
        f"no {COURSE_FILE} in {here} or any folder above it; run the command inside "
        f"your copy of the course, or pass --root PATH"
    )


def load(root: Path) -> Course:
    path = root / COURSE_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path} does not exist; pass --root to the folder that holds it") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise UserError(f"{path} is not valid TOML ({err}); fix the line it names") from None
    try:
        units = tuple(_unit(raw) for raw in data["units"])
        limits = Limits(**data.get("limits", {}))
        title = data["course"]["title"]
    except (KeyError, TypeError) as err:
        raise UserError(f"{path}: missing or malformed entry {err}; compare with the README's format") from None
    return Course(root=root, title=title, units=units, limits=limits)


def _unit(raw: dict) -> Unit:
    name = raw["name"]
    exercises = []
    for ex in raw["exercises"]:
        unit, _, function = ex["id"].partition(".")
        if unit != name or not function:
            raise UserError(f"exercise id {ex['id']!r} must be '{name}.<function>'")
        exercises.append(
            Exercise(
                id=ex["id"],
                unit=name,
                function=function,
                title=ex["title"],
                points=int(ex["points"]),
                hints=tuple(ex.get("hints", ())),
            )
        )
    return Unit(name=name, title=raw["title"], exercises=tuple(exercises))

"""How a grader is written: its cases, its PyTorch reference, and the mistakes it can name.

A unit's grader module (graders/units/<unit>.py) holds `GRADERS = {function: Grader(...)}`;
the engine does the rest. Everything here is data or a small pure function.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from graders.compare import compare


@dataclass(frozen=True)
class Case:
    """One call: `inputs` maps the contract's parameter names to values, passed in order.

    With `defaults`, no call: `inputs` are the contract's defaults of those parameters, and the
    function's signature must give the same. That is what a call leaving them out would take,
    told without the call: train's epochs=2000 would otherwise cost a 2000-epoch run."""

    inputs: Mapping[str, Any]
    label: str = ""
    hidden: bool = False  # drawn from the instructor's secret seed
    defaults: bool = False

    @property
    def args(self) -> tuple:
        return tuple(self.inputs.values())

    @property
    def sent(self) -> list | dict:
        """What the worker is sent for this case: the arguments, or the names whose defaults it reports."""
        return {"defaults": list(self.inputs)} if self.defaults else list(self.args)

    @property
    def dtype(self) -> np.dtype:
        """The inputs' float dtype, which picks the tolerance (Python floats are float64)."""
        for value in self.inputs.values():
            if isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind == "f":
                return value.dtype
        return np.dtype(np.float64)


@dataclass(frozen=True)
class Raises:
    """The expected answer is an exception of this class (or a subclass)."""

    error: str = "ValueError"


@dataclass(frozen=True)
class Attempt:
    """A learner's answer on one case, as the mistake tests see it (`expected` may be Raises)."""

    case: Case
    got: Any
    expected: Any
    warnings: tuple[str, ...]
    mutated: tuple[int, ...]
    error: str = ""  # "ZeroDivisionError: division by zero" when the call raised instead
    parts: tuple[str, ...] = ()  # the grader's, so that an answer is read as the grader reads it
    histories: tuple[str, ...] = ()

    def holds(self, value) -> bool:
        """The answer holds `value`'s numbers, in the form the grader accepts, whatever the dtype."""
        return (
            compare(value, self.got, self.case.dtype, check_dtype=False, parts=self.parts, histories=self.histories)
            is None
        )

    def is_right(self, value) -> bool:
        """`value` (a model's answer) is the right answer to this case."""
        return (
            compare(
                self.expected, value, self.case.dtype, check_dtype=False, parts=self.parts, histories=self.histories
            )
            is None
        )


@dataclass(frozen=True)
class Mistake:
    """A known mistake. The engine names it only where the expected outcome is a value, and
    then only as its kind says: a `form` mistake (a list for an array, float64 for float32,
    (1, 4) for (4,)) only when the answer holds the right numbers in the wrong form, any other
    only when the numbers differ, and its `test` holds, comparing the answer with its model.
    `form` None: either way (a transposed (n, 1) column holds its numbers, a (2, 3) matrix not)."""

    name: str  # short, shown as "Likely mistake: <name>"
    explain: str  # why it is wrong and what to do instead
    test: Callable[[Attempt], bool]
    form: bool | None = False


@dataclass(frozen=True)
class Grader:
    """An exercise's grader. `reference` gives the answer each case must match; where many
    answers are right (a gate's weights), `accept` instead judges the learner's answer itself
    against the task's fixed truth table, in NumPy, and returns what is wrong with it, or None.
    `reference` may still return Raises(...) for the cases that must raise."""

    cases: Callable[[np.random.Generator], list[Case]]
    reference: Callable[..., Any]  # (Ref, *args) -> tensors, in the answer's structure
    mistakes: tuple[Mistake, ...] = ()
    check_dtype: bool = True
    parts: tuple[str, ...] = ()  # names of a tuple answer's parts, for messages
    histories: tuple[str, ...] = ()  # the parts that are a training history: any 1-D sequence of numbers
    accept: Callable[..., str | None] | None = None  # (Case, answer) -> what is wrong


# --- tests for known mistakes ---------------------------------------------------------------


def _rerun(model: Callable, a: Attempt) -> tuple[Any, Exception | None]:
    """The model's answer to this case, or what it raised (a wrong model may refuse an input)."""
    try:
        with np.errstate(all="ignore"):
            value = model(*a.case.args)
    except Exception as err:
        return None, err
    return (tuple(value) if isinstance(value, (tuple, list)) else np.asarray(value)), None


def same_as(wrong: Callable) -> Callable[[Attempt], bool]:
    """The answer equals what the wrong implementation gives on this case, and that is wrong."""

    def test(a: Attempt) -> bool:
        value, error = _rerun(wrong, a)
        return error is None and not a.is_right(value) and a.holds(value)

    return test


def behaves_as(model: Callable, *signs: Callable[[Attempt], bool]) -> Callable[[Attempt], bool]:
    """The answer equals the model's, and shows one of its signs: a mistake that may give the
    right numbers on some cases, but warns (an overflow) while doing it."""

    def test(a: Attempt) -> bool:
        value, error = _rerun(model, a)
        return error is None and any(sign(a) for sign in signs) and a.holds(value)

    return test


def raises_as(model: Callable) -> Callable[[Attempt], bool]:
    """The call raised exactly what the model raises on this case (a re-run of the model)."""

    def test(a: Attempt) -> bool:
        error = _rerun(model, a)[1]
        return error is not None and a.error == f"{type(error).__name__}: {error}"

    return test


def transposed(a: Attempt) -> bool:
    """A matrix in the answer is the right one transposed."""

    def pairs(expected, got):
        if isinstance(expected, dict) and isinstance(got, dict):
            return [pair for k in expected.keys() & got.keys() for pair in pairs(expected[k], got[k])]
        if isinstance(expected, tuple) and isinstance(got, (tuple, list)):
            return [pair for e, g in zip(expected, got, strict=False) for pair in pairs(e, g)]
        return [(expected, got)] if isinstance(expected, np.ndarray) and isinstance(got, np.ndarray) else []

    def fits(e, g):
        return compare(e, g, a.case.dtype, check_dtype=False) is None

    return any(e.ndim == 2 and fits(e.T, g) and not fits(e, g) for e, g in pairs(a.expected, a.got))


def warned(text: str) -> Callable[[Attempt], bool]:
    return lambda a: any(text in w for w in a.warnings)


def mutated_input(a: Attempt) -> bool:
    return bool(a.mutated)


def in_place(advice: str) -> Mistake:
    """The mistake every unit can name: an input changed in place, the caller's array. `advice`
    is the unit's own example of how it happens and what to write instead; the name is the key
    of each exercise's Korean text (graders/locale/ko)."""
    return Mistake("changed the input in place", advice, mutated_input)


def any_of(*tests: Callable[[Attempt], bool]) -> Callable[[Attempt], bool]:
    return lambda a: any(t(a) for t in tests)


# --- NumPy helpers for graders' versions of right and wrong answers --------------------------


EXP_OVERFLOW = "overflow encountered in exp"  # NumPy's warning for np.exp of a large x


def as_floats(*arrays):
    """New arrays in the first one's float dtype (lists and ints give float64); None stays None."""
    first = np.asarray(arrays[0])
    dtype = first.dtype if first.dtype.kind == "f" else np.dtype(np.float64)
    return [None if a is None else np.array(a, dtype) for a in arrays]


def stable_sigmoid(z):
    """σ(z) for any finite z, without overflow (e^−|z| is at most 1)."""
    z = np.asarray(z, dtype=float)
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


# --- inputs ---------------------------------------------------------------------------------

FLOATS = (np.float32, np.float64)
PIECEWISE_BIG = 1e300  # the contract's range for piecewise-linear functions


def edge_values(dtype, big: float = 1e4) -> np.ndarray:
    """Zero, small and large magnitudes of both signs, up to ±big (or near the dtype's max)."""
    big = min(big, float(np.finfo(dtype).max) / 10)
    return np.array(
        [0.0, -0.0, 1e-3, -1e-3, 0.5, -0.5, 3.0, -3.0, 20.0, -20.0, 100.0, -100.0, 1000.0, -1000.0, big, -big],
        dtype=dtype,
    )


def random_array(rng: np.random.Generator, dtype, shape=None, scale: float = 5.0) -> np.ndarray:
    if shape is None:
        shape = tuple(rng.integers(1, 6, size=rng.integers(1, 4)))
    return (rng.standard_normal(shape) * scale).astype(dtype)


def elementwise_cases(rng: np.random.Generator, random: int = 4, big: float = 1e4, **more) -> list[Case]:
    """The edge and random inputs every element-wise function of `x` is checked on.

    `more` adds fixed inputs after x (e.g. negative_slope=0.2); `big` is the largest |x|.
    """
    cases = [Case({"x": 0.5, **more}, "a Python float"), Case({"x": [-2.0, 0.0, 2.0], **more}, "a Python list")]
    for dtype in FLOATS:
        name = np.dtype(dtype).name
        cases += [
            Case({"x": np.array(-1.5, dtype), **more}, f"0-d {name}"),
            Case({"x": edge_values(dtype, big), **more}, f"edge values {name}"),
            Case({"x": edge_values(dtype, big).reshape(2, 2, 4), **more}, f"3-D edge values {name}"),
        ]
        cases += [Case({"x": random_array(rng, dtype), **more}, f"random {name}") for _ in range(random)]
    return cases

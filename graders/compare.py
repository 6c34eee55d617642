"""One comparison for every grader: structure, shape, dtype, then values at the dtype's tolerance."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# torch.testing.assert_close's defaults, as the README promises them ("How grading works")
TOLERANCE = {np.dtype(np.float32): (1.3e-6, 1e-5), np.dtype(np.float64): (1e-7, 1e-7)}


def tolerance(dtype) -> tuple[float, float]:
    return TOLERANCE.get(np.dtype(dtype), TOLERANCE[np.dtype(np.float64)])


@dataclass(frozen=True)
class Mismatch:
    """The first way `got` differs from `expected`; `path` names the part (e.g. "total")."""

    kind: str  # type | length | keys | shape | dtype | value | tuple (of ints, wrong as a whole)
    path: str
    expected: object
    got: object
    index: tuple = ()  # value mismatches: the worst element
    worst_expected: float = 0.0
    worst_got: float = 0.0

    @property
    def abs_error(self) -> float:
        return abs(self.worst_got - self.worst_expected)

    @property
    def rel_error(self) -> float:
        return self.abs_error / abs(self.worst_expected) if self.worst_expected else float("inf")


def compare(
    expected,
    got,
    dtype,
    *,
    check_dtype: bool = True,
    parts: tuple[str, ...] = (),
    histories: tuple[str, ...] = (),
    path: str = "",
) -> Mismatch | None:
    """None when `got` matches `expected`; else the first Mismatch, worst element included.

    `dtype` picks the tolerance (the inputs' dtype). Arrays must keep the expected dtype when
    `check_dtype` is on; a scalar (0-d) answer may be a Python number or any NumPy scalar, as
    the contract allows, and is compared by value. The parts named in `histories` (a training
    history: losses, errors) may be any 1-D sequence of numbers, compared by value alone.
    """
    if path and path in histories:
        return _compare_history(np.asarray(expected), got, dtype, path)
    if _is_shape(expected):
        return _compare_shape(expected, got, path)
    if isinstance(expected, tuple):
        if not isinstance(got, (tuple, list)):
            return Mismatch("type", path, expected, got)
        if len(got) != len(expected):
            return Mismatch("length", path, expected, got)
        names = parts or tuple(f"[{i}]" for i in range(len(expected)))
        for name, e, g in zip(names, expected, got, strict=True):
            if found := compare(e, g, dtype, check_dtype=check_dtype, histories=histories, path=join(path, name)):
                return found
        return None
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return Mismatch("type", path, expected, got)
        if set(got) != set(expected):
            return Mismatch("keys", path, sorted(expected), sorted(got))
        for key in expected:
            if found := compare(
                expected[key], got[key], dtype, check_dtype=check_dtype, histories=histories, path=join(path, key)
            ):
                return found
        return None
    return _compare_array(np.asarray(expected), got, dtype, check_dtype, path)


def _compare_array(expected: np.ndarray, got, dtype, check_dtype: bool, path: str) -> Mismatch | None:
    number = isinstance(got, (bool, int, float))  # a Python float is a float64 scalar
    if not (isinstance(got, (np.ndarray, np.generic)) or (number and expected.ndim == 0)):
        return Mismatch("type", path, expected, got)
    got_arr = np.asarray(got)
    if got_arr.shape != expected.shape:
        return Mismatch("shape", path, expected, got_arr)
    if check_dtype and expected.ndim and got_arr.dtype != expected.dtype:
        return Mismatch("dtype", path, expected, got_arr)
    try:
        g = got_arr.astype(np.float64)
    except (TypeError, ValueError):
        return Mismatch("dtype", path, expected, got_arr)
    return _compare_values(expected, got_arr, g, dtype, path)


def _compare_history(expected: np.ndarray, got, dtype, path: str) -> Mismatch | None:
    """A list, tuple or 1-D array of Python or NumPy numbers: a history is its values, whatever holds them."""
    if isinstance(got, (str, bytes, dict)) or np.ndim(got) == 0:
        return Mismatch("type", path, expected, got)
    try:
        g = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return Mismatch("type", path, expected, got)
    if g.shape != expected.shape:
        return Mismatch("shape", path, expected, g)
    return _compare_values(expected, g, g, dtype, path)


def _compare_values(expected: np.ndarray, got_arr: np.ndarray, g: np.ndarray, dtype, path: str) -> Mismatch | None:
    """`g` (the answer `got_arr`, in float64) against `expected`, element by element."""
    e = expected.astype(np.float64)
    if (g == e).all():  # two answers in three, in a batch of right ones: a fifth of the full test's cost
        return None
    rtol, atol = tolerance(dtype)
    with np.errstate(invalid="ignore", over="ignore"):
        # np.isclose(g, e, rtol, atol, equal_nan=True), written out: it costs a tenth as much on
        # the small arrays most cases are, and grading a class makes tens of thousands of these
        excess = np.abs(g - e) - (atol + rtol * np.abs(e))
        close = (excess <= 0) | (g == e) | (np.isnan(g) & np.isnan(e))
    if close.all():
        return None
    excess = np.where(close, -np.inf, np.nan_to_num(excess, nan=np.inf))
    index = np.unravel_index(int(np.argmax(excess)), e.shape) if e.ndim else ()
    return Mismatch(
        "value",
        path,
        expected,
        got_arr,
        index=tuple(int(i) for i in index),
        worst_expected=float(e[index]),
        worst_got=float(g[index]),
    )


def only_form(expected, got, dtype, **strict) -> bool:
    """`got` fails the `strict` comparison yet holds the expected numbers in the same order:
    wrong only in its type, dtype, shape or container (a list for an array, float64 for float32,
    (1, 4) for (4,))."""
    return compare(expected, got, dtype, **strict) is not None and _same_numbers(expected, got, dtype)


def _same_numbers(expected, got, dtype) -> bool:
    if isinstance(expected, (tuple, dict)) and not _is_shape(expected):
        if isinstance(expected, dict):
            return (
                isinstance(got, dict)
                and set(got) == set(expected)
                and all(_same_numbers(expected[k], got[k], dtype) for k in expected)
            )
        return (
            isinstance(got, (tuple, list))
            and len(got) == len(expected)
            and all(_same_numbers(e, g, dtype) for e, g in zip(expected, got, strict=True))
        )
    try:
        e, g = np.asarray(expected, dtype=np.float64).ravel(), np.asarray(got, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        return False
    return e.shape == g.shape and _compare_values(e, g, g, dtype, "") is None


def _is_shape(value) -> bool:
    return isinstance(value, tuple) and all(isinstance(v, int) and not isinstance(v, bool) for v in value)


def _compare_shape(expected: tuple, got, path: str) -> Mismatch | None:
    """A tuple of ints (a shape) is right or wrong as a whole: "expected (2, 2), got (2, 1)"."""
    if not isinstance(got, tuple):
        return Mismatch("type", path, expected, got)
    numbers = []
    for value in got:
        array = np.asarray(value)
        if isinstance(value, bool) or array.ndim or array.dtype.kind not in "iu":
            return Mismatch("type", path, expected, got)
        numbers.append(int(array))
    return None if tuple(numbers) == expected else Mismatch("tuple", path, expected, tuple(numbers))


def join(path: str, name: str) -> str:
    """The path of a part of an answer: "w", "grads.W1", "[0]", "params[1]"."""
    if name.startswith("["):
        return f"{path}{name}"
    return f"{path}.{name}" if path else name

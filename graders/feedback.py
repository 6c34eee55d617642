"""Every learner-facing sentence about a failed case: input, expected, got, the likely mistake."""
from __future__ import annotations

import numpy as np

from graders.compare import Mismatch
from graders.sandbox import Outcome
from graders.spec import Case, Mistake
from graders.wire import Rng

SHOWN = 6  # values of an array shown in a message


def show(value) -> str:
    """A short, readable picture of a value: dtype, shape and the first few numbers."""
    if isinstance(value, np.ndarray):
        flat = value.ravel()
        numbers = ", ".join(_num(v) for v in flat[:SHOWN]) + (", …" if flat.size > SHOWN else "")
        if value.ndim == 0:
            return f"{numbers} ({value.dtype}, 0-d array)"
        return f"[{numbers}] ({value.dtype}, shape {value.shape})"
    if isinstance(value, list):
        return f"{value!r} (a Python list)"
    if isinstance(value, float):
        return f"{_num(value)} (a Python float)"
    if isinstance(value, tuple):
        return "(" + ", ".join(show(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, Rng):
        return f"np.random.default_rng({value.seed})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {show(v)}" for k, v in value.items()) + "}"
    return repr(value)


def _num(v) -> str:
    v = float(v)
    return f"{v:.6g}" if np.isfinite(v) else str(v)


def on_input(case: Case) -> str:
    inputs = "; ".join(f"{name} = {show(value)}" for name, value in case.inputs.items())
    hidden = " (a hidden case)" if case.hidden else ""
    return f"On input{hidden} {inputs}" if inputs else "Called with no arguments"


def mismatch(m: Mismatch) -> str:
    part = f"{m.path}: " if m.path else ""
    if m.kind == "type":
        return f"{part}expected {_kind_of(m.expected)}, got {_kind_of(m.got)}."
    if m.kind == "tuple":
        return f"{part}expected {m.expected}, got {m.got}."
    if m.kind == "length":
        return f"{part}expected a tuple of {len(m.expected)} values, got {len(m.got)}."
    if m.kind == "keys":
        return f"{part}expected keys {m.expected}, got {m.got}."
    if m.kind == "shape":
        return f"{part}expected shape {m.expected.shape}, got shape {m.got.shape}."
    if m.kind == "dtype":
        return (f"{part}expected dtype {m.expected.dtype}, got {m.got.dtype}: the answer keeps the input's "
                f"dtype (mixing in a float64 array or np.float64(...) turns float32 into float64).")
    where = f" at index {m.index}" if m.index else ""
    return (f"{part}expected {show(m.expected)}\n  got      {show(m.got)}\n"
            f"  worst{where}: expected {_num(m.worst_expected)}, got {_num(m.worst_got)} "
            f"(abs error {m.abs_error:.3g}, rel error {m.rel_error:.3g})")


def _kind_of(value) -> str:
    if isinstance(value, np.ndarray):
        return "a NumPy array" if value.ndim else "a number (or 0-d array)"
    if isinstance(value, tuple):
        return "a tuple of ints (a shape)" if value == () or all(isinstance(v, int) for v in value) else f"a tuple of {len(value)}"
    if isinstance(value, dict):
        return "a dict"
    if value is None:
        return "None (did you forget `return`?)"
    if isinstance(value, list):
        return "a Python list (wrap it in np.asarray)"
    return f"a {type(value).__name__}"


def warnings_raised(warnings: list[str]) -> str:
    return "NumPy warned: " + "; ".join(warnings) + ". Finite inputs must give no warnings."


def mutated(case: Case, indices: list[int]) -> str:
    names = [list(case.inputs)[i] for i in indices]
    return f"your function changed its input {', '.join(names)} in place; work on a copy or build a new array."


def should_raise(error: str, got) -> str:
    return f"expected {error} (this input is invalid), but your function returned {show(got)}; raise {error}(\"...\") with a short reason."


def unreadable(err: Exception) -> str:
    return f"your answer could not be checked ({type(err).__name__}: {err}); compare its type and shape with the docstring."


def likely(mistake: Mistake) -> str:
    return f"Likely mistake ({mistake.name}): {mistake.explain}"


def problem(outcome: Outcome, where_path: str) -> str:
    """Why a call produced no answer to compare."""
    at = f" ({outcome.where})" if outcome.where else ""
    if outcome.kind == "not-implemented":
        return f"not implemented yet: write it in {where_path} (`course hint` helps)."
    if outcome.kind == "missing":
        return f"{outcome.message}; keep the stub's function name and signature."
    if outcome.kind == "import-error":
        return f"{where_path} could not be imported: {outcome.type}: {outcome.message}{at}."
    if outcome.kind == "signature":
        return f"your function is defined as {outcome.message}, which cannot take these arguments; keep the stub's signature."
    if outcome.kind == "exception":
        return f"raised {outcome.type}: {outcome.message}{at}."
    if outcome.kind == "unsupported":
        return f"returned {outcome.message}; return NumPy arrays and numbers."
    if outcome.kind == "timeout":
        return f"{outcome.message} (an endless loop?)." if "budget" not in outcome.message else f"{outcome.message}."
    return f"{outcome.message}."


def printed(output: str) -> str:
    return f"Your function printed:\n{output.rstrip()}" if output.strip() else ""


def grader_bug(detail: str) -> str:
    return f"grader bug, not your mistake: {detail}. Please report it to the course staff."

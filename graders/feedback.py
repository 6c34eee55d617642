"""Every learner-facing sentence about a failed case: input, expected, got, the likely mistake."""

from __future__ import annotations

import builtins

import numpy as np

from graders.compare import Mismatch
from graders.i18n import mistake as translated
from graders.i18n import t
from graders.sandbox.handle import Outcome
from graders.sandbox.wire import Rng
from graders.spec import Case, Mistake

SHOWN = 6  # values of an array shown in a message


def show(value) -> str:
    """A short, readable picture of a value: dtype, shape and the first few numbers."""
    if isinstance(value, np.ndarray):
        flat = value.ravel()
        numbers = ", ".join(_num(v) for v in flat[:SHOWN]) + (", …" if flat.size > SHOWN else "")
        if value.ndim == 0:
            return t("show.scalar", numbers=numbers, dtype=value.dtype)
        return t("show.array", numbers=numbers, dtype=value.dtype, shape=value.shape)
    if isinstance(value, list):
        return t("show.list", value=repr(value))
    if isinstance(value, float):
        return t("show.float", value=_num(value))
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
    if case.defaults:
        return t("input.defaults")
    if case.hidden:  # its inputs are the instructor's secret: only the size of the largest, and the dtype
        shapes = [np.shape(value) for value in case.inputs.values() if not isinstance(value, (str, Rng))]
        return t("input.hidden", shape=max(shapes, key=np.prod, default=()), dtype=case.dtype)
    inputs = "; ".join(f"{name} = {show(value)}" for name, value in case.inputs.items())
    if not inputs:
        return t("input.none")
    return t("input", inputs=inputs)


def wrong_default(name: str, expected, got) -> str:
    return t("mismatch.default", name=name, expected=show(expected), got=show(got))


def mismatch(m: Mismatch) -> str:
    part = f"{m.path}: " if m.path else ""
    if m.kind == "type":
        return part + t("mismatch.type", expected=_kind_of(m.expected), got=_kind_of(m.got))
    if m.kind in ("tuple", "keys"):
        return part + t(f"mismatch.{m.kind}", expected=m.expected, got=m.got)
    if m.kind == "length":
        return part + t("mismatch.length", expected=len(m.expected), got=len(m.got))
    if m.kind == "shape":
        return part + t("mismatch.shape", expected=m.expected.shape, got=m.got.shape)
    if m.kind == "dtype":
        return part + t("mismatch.dtype", expected=m.expected.dtype, got=m.got.dtype)
    return part + t(
        "mismatch.value",
        expected=show(m.expected),
        got=show(m.got),
        where=t("mismatch.at", index=m.index) if m.index else "",
        worst_expected=_num(m.worst_expected),
        worst_got=_num(m.worst_got),
        abs_error=f"{m.abs_error:.3g}",
        rel_error=f"{m.rel_error:.3g}",
    )


def hidden_mismatch(m: Mismatch) -> str:
    """What is wrong, without a value: the part, and whether its values, shape, dtype or type."""
    part = f"{m.path}: " if m.path else ""
    kind = {"value": "value", "tuple": "value", "shape": "shape", "dtype": "dtype"}.get(m.kind, "type")
    return part + t(f"hidden.{kind}")


def hidden_raised(outcome: Outcome) -> str:
    """The exception's class, not its message (which may quote the input); a class of the
    learner's own making is named by its kind alone, since its name is the learner's too."""
    builtin = getattr(builtins, outcome.type, None)
    error = outcome.type if isinstance(builtin, type) and issubclass(builtin, BaseException) else "Exception"
    return t("hidden.raised", error=error)


def _kind_of(value) -> str:
    if isinstance(value, np.ndarray):
        return t("kind.array") if value.ndim else t("kind.number")
    if isinstance(value, tuple):
        return t("kind.shape") if all(isinstance(v, int) for v in value) else t("kind.tuple", n=len(value))
    if isinstance(value, dict):
        return t("kind.dict")
    if value is None:
        return t("kind.none")
    if isinstance(value, list):
        return t("kind.list")
    return t("kind.other", type=type(value).__name__)


def warnings_raised(warnings: list[str]) -> str:
    return t("warned", warnings="; ".join(warnings))


def mutated(case: Case, indices: list[int]) -> str:
    names = [list(case.inputs)[i] for i in indices]
    return t("mutated", names=", ".join(names))


def should_raise(error: str, got) -> str:
    return t("should-raise", error=error, got=show(got))


def unreadable(err: Exception) -> str:
    return t("unreadable", error=f"{type(err).__name__}: {err}")


def likely(unit: str, function: str, mistake: Mistake) -> str:
    name, explain = translated(unit, function, mistake.name, mistake.explain)
    return t("likely", name=name, explain=explain)


def problem(outcome: Outcome, where_path: str) -> str:
    """Why a call produced no answer to compare."""
    at = f" ({outcome.where})" if outcome.where else ""
    return t(f"problem.{outcome.kind}", path=where_path, message=outcome.message, type=outcome.type, at=at)


def printed(output: str) -> str:
    return t("printed", output=output.rstrip()) if output.strip() else ""


def grader_bug(detail: str) -> str:
    return t("grader-bug", detail=detail)

"""A case of defaults (spec.Case.defaults): the signature's defaults are checked without the
call that would take them (xor_mlp.train's epochs=2000), and the long run that replaced that
call still catches a loop that stops early."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from graders import i18n, notebook
from graders.sandbox.worker import Worker
from solutions.xor_mlp import train
from tests.conftest import ROOT

TRAIN = "xor_mlp.train"
HEAD = "def train(X, y, hidden=4, lr=1.0, epochs=2000, seed=0):"
BODY = inspect.getsource(train).split("\n", 1)[1]


def graded(submit, head: str = HEAD, body: str = BODY):
    return submit("xor_mlp", f"{head}\n{body}", ids=[TRAIN])[TRAIN]


def test_the_solutions_signature_passes(submit):
    assert graded(submit).status == "passed"


@pytest.mark.parametrize(
    "default, shown", [("epochs=1999", "1999"), ("epochs=None", "None"), ("epochs=2000.5", "2000.5")]
)
def test_a_wrong_default_is_told_as_the_signature(submit, default, shown):
    result = graded(submit, HEAD.replace("epochs=2000", default))
    assert result.status == "failed" and result.score == 0
    assert "On the defaults of the signature" in result.message
    assert f"epochs defaults to {shown}" in result.message and "the stub's signature says 2000" in result.message


def test_each_default_is_checked(submit):
    for name, wrong in [("hidden=4", "hidden=3"), ("lr=1.0", "lr=0.5"), ("seed=0", "seed=1")]:
        result = graded(submit, HEAD.replace(name, wrong))
        assert f"{wrong.split('=')[0]} defaults to" in result.message, result.message


def test_a_default_written_as_an_equal_number_passes(submit):
    assert graded(submit, HEAD.replace("lr=1.0", "lr=1").replace("epochs=2000", "epochs=2_000")).status == "passed"


def test_a_parameter_left_without_its_default_is_a_signature_error(submit):
    result = graded(submit, "def train(X, y, hidden, lr, epochs, seed):")
    assert result.status == "error"
    assert "your function is defined as train(X, y, hidden, lr, epochs, seed), which cannot take" in result.message


def test_an_extra_optional_parameter_is_no_mistake(submit):
    assert graded(submit, HEAD.replace("seed=0)", "seed=0, verbose=False)")).status == "passed"


def test_the_korean_message(submit):
    i18n.set_language("ko")
    try:
        result = graded(submit, HEAD.replace("epochs=2000", "epochs=1000"))
    finally:
        i18n.set_language("en")
    assert "시그니처의 기본값" in result.message and "epochs의 기본값이 1000입니다" in result.message


@pytest.mark.parametrize(
    "stop",
    ["if loss < 1e-3:\n            break", "if len(losses) > 1 and abs(losses[-2] - loss) < 1e-5:\n            break"],
)
def test_a_loop_that_stops_early_fails_the_long_run(submit, stop):
    """At a small loss, or where the loss stops changing: only the OR run gets there."""
    body = BODY.replace("        losses.append(loss)", f"        losses.append(loss)\n        {stop}")
    assert body != BODY
    result = graded(submit, body=body)
    assert result.status == "failed" and "y = [0, 1, 1, 1]" in result.message, result.message  # OR's


def test_the_worker_reports_defaults_without_calling():
    def f(x, a=1, *, b=2.5, c=None):
        raise AssertionError("called")

    worker = Worker(ROOT)
    assert worker.run(f, "f", {"defaults": ["a", "b", "c"]})["value"] == {"a": 1, "b": 2.5, "c": None}
    assert worker.run(f, "f", {"defaults": ["a", "x"]}) == {
        "ok": False,
        "kind": "signature",
        "message": "f(x, a=1, *, b=2.5, c=None)",
    }
    assert worker.run(max, "max", {"defaults": ["key"]})["kind"] == "signature"  # a builtin with no signature


def test_a_notebook_checks_defaults_too():
    notebook.check(TRAIN, train)

    def wrong(X, y, hidden=4, lr=1.0, epochs=500, seed=0):
        return train(X, y, hidden, lr, epochs, seed)

    with pytest.raises(AssertionError, match="epochs defaults to 500"):
        notebook.check(TRAIN, wrong)


def test_the_long_run_is_not_chaotic():
    """The OR run's parameters move by far less than the tolerance when its start is rounded
    differently, as another right implementation's would be: a learner is never failed by the
    order of their additions."""
    from graders.units.xor_mlp import OR_Y, XOR_X, _backprop

    def run(start_error: float):
        rng = np.random.default_rng(0)
        params = {
            "W1": rng.normal(0, 1, (2, 4)) * (1 + start_error),
            "b1": np.zeros(4),
            "W2": rng.normal(0, 1, (4, 1)),
            "b2": np.zeros(1),
        }
        for _ in range(200):
            grads = _backprop(XOR_X, OR_Y, **params)[1]
            params = {k: p - 20.0 * grads[k] for k, p in params.items()}
        return params

    a, b = run(0.0), run(1e-14)
    assert max(np.max(np.abs(a[k] - b[k]) / (1e-7 + 1e-7 * np.abs(a[k]))) for k in a) < 1e-3


@pytest.mark.parametrize(
    "reply", [[1, 2], None, {}, {"hidden": 4}, {"hidden": 4, "lr": 1.0, "epochs": [2000], "seed": 0}]
)
def test_a_reply_no_worker_sends_is_told_as_a_mismatch_never_a_crash(prepared, reply):
    """The learner's code can write to the worker's descriptors: a forged reply to a case of
    defaults is judged like any answer."""
    from graders.engine import _what_is_wrong

    graded = prepared[TRAIN]
    case = next(case for case in graded.cases if case.defaults)
    expected = graded.expected[graded.cases.index(case)]
    wrong, brief, _ = _what_is_wrong(graded.grader, case, expected, reply)
    assert wrong and brief

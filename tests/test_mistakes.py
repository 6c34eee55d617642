"""A mistake is named only when the answer fits it. The solutions' own answers, in another
container (a list, a tuple) or in float64, are right or wrong only in form, and never get a
mistake about their values (only, where the contract makes that form wrong, the mistake that
names the form); an answer to an invalid input, whatever it does instead of raising the
contract's exception, gets no mistake at all. A training history may be any sequence."""

from __future__ import annotations

import importlib.util
import inspect
import pickle

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graders.course import load
from graders.engine import grade
from graders.notebook import _InKernel
from graders.spec import Raises
from graders.units import grader_for
from tests.conftest import ROOT

COURSE = load(ROOT)
IDS = [ex.id for ex in COURSE.exercises]
HISTORIES = {ex.id: grader_for(ex).histories for ex in COURSE.exercises if grader_for(ex).histories}
# the mistakes that name a form, each where the contract makes that form wrong
NAMING = {
    "list": {f"tensors.{f}": ("a Python list, not an array",) for f in ("vector", "matrix", "tensor3")},
    "tuple": {},
    "float64": {
        **{
            f"gradient_descent.{f}": ("float64 answer for float32 inputs",) for f in ("batch_gd", "sgd", "minibatch_gd")
        },
        **{f"perceptron.{f}": ("float64 answer for float32 input",) for f in ("step", "perceptron")},
    },
}
SLOW = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _leaves(value, leaf):
    """`value` with `leaf` applied to every array and NumPy scalar, inside tuples, lists and dicts."""
    if isinstance(value, dict):
        return {k: _leaves(v, leaf) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(_leaves(v, leaf) for v in value)
    return leaf(value) if isinstance(value, (np.ndarray, np.generic)) else value


def _nested_tuple(value):
    return tuple(_nested_tuple(v) for v in value) if isinstance(value, list) else value


FORMS = {
    "list": lambda v: v.tolist(),
    "tuple": lambda v: _nested_tuple(v.tolist()),
    "float64": lambda v: v.astype(np.float64) if v.dtype.kind == "f" else v,
}


def _reformed(value, form: str, parts: frozenset | None):
    """The answer with the `parts` (indices or keys of a tuple or dict answer; all where None) in another form."""
    if isinstance(value, tuple) and parts is not None:
        return tuple(_leaves(v, FORMS[form]) if i in parts else v for i, v in enumerate(value))
    return _leaves(value, FORMS[form])


class _Solution:
    """The solution's function, computed once per case, its answer handed back as the test asks."""

    def __init__(self, exercise_id: str):
        unit, _, function = exercise_id.partition(".")
        spec = importlib.util.spec_from_file_location(f"solution_of_{unit}", ROOT / "solutions" / f"{unit}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        self.fn, self.answers = getattr(module, function), {}

    def __call__(self, *args):
        key = pickle.dumps(args)  # a Generator argument with its state
        if key not in self.answers:
            try:
                self.answers[key] = self.fn(*args)
            except ValueError as err:  # the contract's exception, raised again by the caller
                self.answers[key] = err
        return self.answers[key]


_SOLUTIONS: dict[str, _Solution] = {}


def solution(exercise_id: str) -> _Solution:
    return _SOLUTIONS.setdefault(exercise_id, _Solution(exercise_id))


def run(graded, answer):
    """Grade `answer`, a wrapper of the solution's function, with that function's signature: a
    case of defaults reads the defaults from it."""
    answer.__signature__ = inspect.signature(solution(graded.exercise.id).fn)
    return grade([graded], _InKernel(answer), "reformed").exercises[0]


@pytest.mark.parametrize("exercise_id", IDS)
def test_the_right_numbers_in_another_form_get_no_mistake(prepared, exercise_id):
    right, graded = solution(exercise_id), prepared[exercise_id]

    @SLOW
    @given(form=st.sampled_from(sorted(FORMS)), parts=st.none() | st.frozensets(st.integers(0, 3)))
    def check(form, parts):
        def answer(*args):
            value = right(*args)
            if isinstance(value, ValueError):
                raise value
            return _reformed(value, form, parts)

        result = run(graded, answer)
        assert result.status in ("passed", "failed"), result.message
        # a mistake about the form itself ("a Python list, not an array") is the one diagnosis that fits
        assert result.mistake in (None, *NAMING[form].get(exercise_id, ())), result.message

    check()


@pytest.mark.parametrize("exercise_id", sorted(HISTORIES))
@pytest.mark.parametrize("form", ["list", "tuple", "float64"])
def test_a_history_may_be_any_sequence_of_numbers(prepared, exercise_id, form):
    """The audit's six right answers that failed: losses and errors as a list of floats."""
    right = solution(exercise_id)
    where = prepared[exercise_id].grader.parts.index(HISTORIES[exercise_id][0])
    python_numbers = {
        "list": lambda v: [float(x) for x in v],
        "tuple": lambda v: tuple(v.tolist()),
        "float64": lambda v: np.asarray(v, np.float64),
    }[form]

    def answer(*args):
        value = right(*args)
        return tuple(python_numbers(v) if i == where else v for i, v in enumerate(value))

    result = run(prepared[exercise_id], answer)
    assert result.status == "passed", result.message


@pytest.mark.parametrize("exercise_id", IDS)
def test_an_invalid_input_answered_otherwise_gets_no_mistake(prepared, exercise_id):
    """Where the contract asks for ValueError: another exception, or any value, is told so, and
    no mistake (each models a wrong value for a valid input) is named."""
    if not any(isinstance(answers["cpu"], Raises) for answers in prepared[exercise_id].expected):
        pytest.skip("no case of this exercise expects an exception")
    right = solution(exercise_id)
    for instead in (
        TypeError,
        KeyError,
        np.zeros((4, 1)),
        (np.ones((4, 2)), np.ones((4, 1))),
        None,
        (np.array([1.0, 1.0]), -1.5),
    ):

        def answer(*args, instead=instead):
            value = right(*args)
            if not isinstance(value, ValueError):
                return value
            if isinstance(instead, type):
                raise instead("not the contract's exception")
            return instead

        result = run(prepared[exercise_id], answer)
        assert result.status in ("failed", "error") and result.mistake is None, result.message


def test_forward_answering_an_invalid_input_with_step_0_is_1_gets_no_mistake(prepared):
    """The audit's case: shapes not checked, and the step network with step(0) = 1 computed anyway."""
    right = solution("xor_mlp.forward")

    def forward(X, W1, b1, W2, b2, activation="step"):
        value = right(X, W1, b1, W2, b2, activation)
        if isinstance(value, ValueError) and activation != "step":
            raise value
        if not isinstance(value, ValueError):
            return value
        hidden = (np.asarray(X) @ np.asarray(W1) + b1 >= 0).astype(float)
        return hidden, (hidden @ np.asarray(W2) + b2 >= 0).astype(float)

    result = run(prepared["xor_mlp.forward"], forward)
    assert result.status == "failed" and "expected ValueError" in result.message
    assert result.mistake is None, result.message


def test_the_contracts_order_with_a_list_of_losses_is_not_another_order(prepared):
    """The audit's three wrong diagnoses: right sgd and minibatch runs told "sample order not
    from rng.permutation" because their losses were a list. Right, they pass; with w in float64
    as well they fail on its dtype alone, and no order is named."""
    for exercise_id in ("gradient_descent.sgd", "gradient_descent.minibatch_gd"):
        right = solution(exercise_id)

        def answer(*args, right=right):
            w, b, losses = right(*args)
            return w.astype(np.float64), b, [float(v) for v in losses]

        result = run(prepared[exercise_id], answer)
        assert result.status == "failed" and "expected dtype float32, got float64" in result.message
        assert result.mistake == "float64 answer for float32 inputs", result.message

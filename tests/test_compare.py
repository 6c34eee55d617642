"""Properties of the one comparison every grader uses, and of the solutions it is calibrated on."""

from __future__ import annotations

import importlib.util
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from graders.compare import compare, tolerance
from tests.conftest import ROOT

DTYPES = st.sampled_from([np.float32, np.float64])


@st.composite
def float_arrays(draw, max_abs=1e4):
    dtype = draw(DTYPES)
    values = st.floats(-max_abs, max_abs, allow_nan=False, width=32 if dtype == np.float32 else 64)
    return draw(arrays(dtype, array_shapes(min_dims=0, max_dims=3, max_side=5), elements=values))


@given(float_arrays())
def test_an_array_matches_itself(a):
    assert compare(a, a.copy(), a.dtype) is None


@given(float_arrays(), st.floats(2.0, 1e3))
def test_a_change_beyond_tolerance_is_caught_at_the_right_element(a, factor):
    rtol, atol = tolerance(a.dtype)
    got = a.copy()
    index = np.unravel_index(a.size // 2, a.shape) if a.ndim else ()
    step = factor * (atol + rtol * abs(float(a[index])))
    got[index] = a[index] + a.dtype.type(step)
    mismatch = compare(a, got, a.dtype)
    assert mismatch is not None and mismatch.kind == "value"
    assert mismatch.index == tuple(int(i) for i in index)


@given(float_arrays())
def test_a_change_within_tolerance_passes(a):
    rtol, atol = tolerance(a.dtype)
    got = (a.astype(np.float64) + 0.4 * (atol + rtol * np.abs(a))).astype(a.dtype)
    assert compare(a, got, a.dtype) is None


@given(float_arrays())
def test_shape_and_dtype_are_checked_before_values(a):
    other = np.float64 if a.dtype == np.float32 else np.float32
    assert compare(a, a.reshape(1, *a.shape), a.dtype).kind == "shape"
    if a.ndim:
        assert compare(a, a.astype(other), a.dtype).kind == "dtype"
        assert compare(a, a.tolist(), a.dtype).kind == "type"
    else:  # a scalar is compared by value, whatever its type
        assert compare(a, float(a), a.dtype) is None


def test_structure_is_compared_part_by_part():
    expected = (np.arange(3.0), np.float64(3.0))
    assert compare(expected, (np.arange(3.0), 3.0), np.float64, parts=("terms", "total")) is None
    found = compare(expected, (np.arange(3.0), 2.0), np.float64, parts=("terms", "total"))
    assert (found.kind, found.path) == ("value", "total")
    assert compare(expected, (np.arange(3.0),), np.float64).kind == "length"
    assert compare({"a": np.ones(2)}, {"b": np.ones(2)}, np.float64).kind == "keys"


def test_nan_where_a_number_was_expected_is_the_worst_element():
    found = compare(np.array([1.0, 2.0, 3.0]), np.array([1.5, np.nan, 3.0]), np.float64)
    assert found.index == (1,) and np.isnan(found.worst_got)


def _solutions(unit):
    spec = importlib.util.spec_from_file_location(f"solution_{unit}", ROOT / "solutions" / f"{unit}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ACT = _solutions("activations")
ELEMENTWISE = {
    "sigmoid": (ACT.sigmoid, torch.sigmoid),
    "tanh": (ACT.tanh, torch.tanh),
    "relu": (ACT.relu, torch.relu),
    "leaky_relu": (ACT.leaky_relu, torch.nn.functional.leaky_relu),
}


@pytest.mark.parametrize("name", ELEMENTWISE)
@settings(max_examples=60, deadline=None)
@given(x=float_arrays())
def test_solutions_match_torch_without_warnings_on_any_input(name, x):
    """Calibrates the tolerances: the reference answers pass on arbitrary inputs, not only the cases."""
    mine, theirs = ELEMENTWISE[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = mine(x)
    expected = theirs(torch.from_numpy(np.array(x))).numpy()
    assert compare(expected, np.asarray(got), x.dtype) is None


@settings(max_examples=60, deadline=None)
@given(x=float_arrays(), data=st.data())
def test_softmax_solution_matches_torch_along_any_axis(x, data):
    axis = data.draw(st.integers(-max(x.ndim, 1), max(x.ndim, 1) - 1)) if x.ndim else -1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = ACT.softmax(x, axis)
    expected = torch.softmax(torch.from_numpy(np.array(x)), dim=axis).numpy()
    assert compare(expected, np.asarray(got), x.dtype) is None

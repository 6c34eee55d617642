"""The shape rules of solutions/tensors.py agree with torch on random shapes: the same shape,
or ValueError exactly where torch refuses them."""

from __future__ import annotations

import importlib.util

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from graders.units import tensors as grader
from tests.conftest import ROOT

_spec = importlib.util.spec_from_file_location("solution_tensors", ROOT / "solutions" / "tensors.py")
tensors = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tensors)

ANY_SHAPE = st.lists(st.integers(0, 4), max_size=4).map(tuple)
# shapes that broadcast (or multiply) most of the time, and arbitrary pairs that mostly don't
BROADCAST_PAIRS = st.one_of(
    mutually_broadcastable_shapes(num_shapes=2, max_dims=4, min_side=0, max_side=4).map(lambda s: s.input_shapes),
    st.tuples(ANY_SHAPE, ANY_SHAPE),
)
MATMUL_PAIRS = st.one_of(
    mutually_broadcastable_shapes(signature="(m?,n),(n,p?)->(m?,p?)", max_dims=3, min_side=0, max_side=4).map(
        lambda s: s.input_shapes
    ),
    st.tuples(ANY_SHAPE, ANY_SHAPE),
)


def _torch_or_error(fn):
    try:
        return tuple(fn())
    except RuntimeError:
        return ValueError


def _ours_or_error(fn, a, b):
    try:
        return fn(a, b)
    except ValueError:
        return ValueError


# the solution, and the grader's own rules that tell a mistake's answer from the right one
BROADCAST_RULES = [tensors.broadcast_shape, grader._broadcast_rule]
MATMUL_RULES = [tensors.matmul_shape, grader._matmul_rule]


@settings(deadline=None)  # torch's first call is slow
@given(BROADCAST_PAIRS)
def test_broadcast_shape_agrees_with_torch(shapes):
    a, b = shapes
    expected = _torch_or_error(lambda: torch.broadcast_shapes(a, b))
    assert all(_ours_or_error(rule, a, b) == expected for rule in BROADCAST_RULES)


@settings(deadline=None)
@given(MATMUL_PAIRS)
def test_matmul_shape_agrees_with_torch_matmul(shapes):
    a, b = shapes
    expected = _torch_or_error(lambda: (torch.empty(a) @ torch.empty(b)).shape)
    assert all(_ours_or_error(rule, a, b) == expected for rule in MATMUL_RULES)


@pytest.mark.parametrize("a, b", [((4, 2), (2, 2)), ((3,), (3,)), ((), (3,))])
def test_the_notes_product_a_dot_product_and_a_0d_operand(a, b):
    assert _ours_or_error(tensors.matmul_shape, a, b) == _torch_or_error(
        lambda: (torch.empty(a) @ torch.empty(b)).shape
    )

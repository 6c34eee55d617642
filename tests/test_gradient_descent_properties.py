"""The gradient descent solutions agree with the torch.optim.SGD replay on random problems: any
n, d, batch_size (dividing n or not, larger than n or not), epochs and seed."""

from __future__ import annotations

import importlib.util

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from graders.compare import compare
from graders.reference import Ref, to_numpy
from graders.units.gradient_descent import PARTS, _gradient_reference, _train_reference
from tests.conftest import ROOT

_spec = importlib.util.spec_from_file_location("solution_gradient_descent", ROOT / "solutions" / "gradient_descent.py")
gd = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gd)

R = Ref("cpu")


def _problem(seed, n, d, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = X @ rng.standard_normal(d) + rng.standard_normal()
    return X.astype(dtype), y.astype(dtype), (rng.standard_normal(d) * 0.5).astype(dtype), float(rng.standard_normal())


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 12),
    d=st.integers(1, 4),
    batch_size=st.integers(1, 15),
    epochs=st.integers(0, 4),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_minibatch_solution_matches_the_torch_replay(seed, n, d, batch_size, epochs, dtype):
    X, y, w, b = _problem(seed, n, d, dtype)
    args = (X, y, w, b, 0.05, epochs, batch_size, seed)
    expected = to_numpy(_train_reference(R, *args))
    assert compare(expected, gd.minibatch_gd(*args), np.dtype(dtype), parts=PARTS) is None


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 12), d=st.integers(1, 4))
def test_gradient_solution_matches_autograd(seed, n, d):
    X, y, w, b = _problem(seed, n, d)
    assert (
        compare(to_numpy(_gradient_reference(R, X, y, w, b)), gd.mse_gradient(X, y, w, b), np.dtype(np.float64)) is None
    )


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 10), extra=st.integers(0, 5))
def test_one_batch_per_epoch_is_batch_gradient_descent(seed, n, extra):
    X, y, w, b = _problem(seed, n, 2)
    full = gd.batch_gd(X, y, w, b, 0.1, 3)
    assert compare(full, gd.minibatch_gd(X, y, w, b, 0.1, 3, n + extra, seed), np.dtype(np.float64)) is None

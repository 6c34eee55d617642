"""The optimizers unit's references are PyTorch's own behaviour: one step from a state set to
(m, v, t − 1) or (w, velocity) is the step a real run of torch.optim.Adam / SGD takes there, and
the dropout reference scales exactly as F.dropout does."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from graders.reference import Ref
from graders.sandbox.wire import Rng
from graders.units.optimizers import _adam_reference, _dropout_reference, _momentum_reference

R = Ref("cpu")
DTYPES = st.sampled_from([np.float32, np.float64])


def _run(opt_factory, w0, grads):
    """A real run: the (w, grad, state) before every step and the (w, state) after it."""
    p = torch.from_numpy(w0.copy()).requires_grad_()
    opt = opt_factory([p])
    trace = []
    for g in grads:
        before = (
            p.detach().numpy().copy(),
            {k: (v.clone() if torch.is_tensor(v) else v) for k, v in opt.state[p].items()},
        )
        p.grad = torch.from_numpy(g)
        opt.step()
        trace.append((before, p.detach().numpy().copy(), {k: v.clone() for k, v in opt.state[p].items()}))
    return trace


@settings(max_examples=25, deadline=None)
@given(
    dtype=DTYPES,
    seed=st.integers(0, 2**32 - 1),
    steps=st.integers(1, 12),
    lr=st.sampled_from([1e-3, 0.01, 0.1]),
    betas=st.sampled_from([(0.9, 0.999), (0.8, 0.99), (0.5, 0.9)]),
    eps=st.sampled_from([1e-8, 1e-6]),
)
def test_adam_reference_is_the_step_a_real_run_takes(dtype, seed, steps, lr, betas, eps):
    rng = np.random.default_rng(seed)
    w0 = rng.standard_normal(3).astype(dtype)
    grads = [rng.standard_normal(3).astype(dtype) for _ in range(steps)]
    trace = _run(lambda ps: torch.optim.Adam(ps, lr=lr, betas=betas, eps=eps), w0, grads)
    for t, ((w, state), w_after, state_after) in enumerate(trace, start=1):
        m = state["exp_avg"].numpy() if state else np.zeros_like(w)
        v = state["exp_avg_sq"].numpy() if state else np.zeros_like(w)
        got = _adam_reference(R, w, grads[t - 1], m, v, t, lr, betas, eps)
        assert torch.equal(got[0], torch.from_numpy(w_after))
        assert torch.equal(got[1], state_after["exp_avg"]) and torch.equal(got[2], state_after["exp_avg_sq"])


@settings(max_examples=25, deadline=None)
@given(
    dtype=DTYPES,
    seed=st.integers(0, 2**32 - 1),
    steps=st.integers(1, 8),
    lr=st.sampled_from([0.01, 0.1]),
    momentum=st.sampled_from([0.5, 0.9, 0.99]),
)
def test_momentum_reference_is_the_step_a_real_run_takes(dtype, seed, steps, lr, momentum):
    rng = np.random.default_rng(seed)
    w0 = rng.standard_normal(4).astype(dtype)
    grads = [rng.standard_normal(4).astype(dtype) for _ in range(steps)]
    trace = _run(lambda ps: torch.optim.SGD(ps, lr=lr, momentum=momentum), w0, grads)
    for k, ((w, state), w_after, state_after) in enumerate(trace):
        velocity = state["momentum_buffer"].numpy() if state else None  # None before the first step
        got_w, got_v = _momentum_reference(R, w, grads[k], velocity, lr, momentum)
        assert torch.equal(got_w, torch.from_numpy(w_after)) and torch.equal(got_v, state_after["momentum_buffer"])


@settings(max_examples=25, deadline=None)
@given(dtype=DTYPES, seed=st.integers(0, 1000), p=st.floats(0.05, 0.95))
def test_dropout_reference_scales_as_f_dropout(dtype, seed, p):
    x = (np.random.default_rng(seed).standard_normal((6, 7)) + 10).astype(dtype)  # no zeros: kept means nonzero
    ours = _dropout_reference(R, x, p, Rng(seed))
    theirs = torch.nn.functional.dropout(torch.from_numpy(x), p, training=True)
    both = (ours != 0) & (theirs != 0)
    assert torch.equal(ours[both], theirs[both])  # the same 1/(1 − p) factor, bit for bit
    assert torch.equal(ours[ours == 0], torch.zeros_like(ours[ours == 0]))
    for p_edge, training in ((0.0, True), (1.0, True), (p, False)):
        assert torch.equal(
            _dropout_reference(R, x, p_edge, Rng(seed), training),
            torch.nn.functional.dropout(torch.from_numpy(x), p_edge, training=training),
        )

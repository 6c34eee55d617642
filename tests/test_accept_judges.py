"""The graders that accept any of many right answers judge them in NumPy, against the task's truth
table, so that grading them never imports torch. Here torch judges the same answers: the two agree."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from graders.spec import Case
from graders.units import perceptron, xor_mlp

QUARTERS = st.integers(-16, 16).map(lambda k: k / 4)  # sums land exactly on 0 often: the step's edge
FLOATS = st.floats(-1e6, 1e6, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(
    w=st.tuples(st.one_of(QUARTERS, FLOATS), st.one_of(QUARTERS, FLOATS)),
    b=st.one_of(QUARTERS, FLOATS),
    gate=st.sampled_from(sorted(perceptron.TABLES)),
)
def test_a_gate_is_judged_as_a_torch_perceptron_judges_it(w, b, gate):
    z = torch.from_numpy(perceptron.TRUTH) @ torch.tensor(w, dtype=torch.float64) + b
    table = tuple(int(v) for v in torch.heaviside(z, torch.zeros((), dtype=z.dtype)).tolist())
    verdict = perceptron._judge_gate(Case({"name": gate}), (np.array(w), b))
    assert (verdict is None) == (table == perceptron.TABLES[gate]), verdict


@settings(max_examples=300, deadline=None)
@given(params=st.lists(st.floats(-30, 30, allow_nan=False), min_size=9, max_size=9))
def test_xor_weights_are_judged_as_a_torch_network_judges_them(params):
    W1, b1, W2, b2 = (
        np.array(params[:4]).reshape(2, 2),
        np.array(params[4:6]),
        np.array(params[6:8]).reshape(2, 1),
        np.array(params[8:]),
    )
    t = [torch.from_numpy(a) for a in (xor_mlp.XOR_X, W1, b1, W2, b2)]
    out = torch.sigmoid(torch.sigmoid(t[0] @ t[1] + t[2]) @ t[3] + t[4]).ravel().tolist()
    is_xor = all(o > 0.9 if y else o < 0.1 for o, y in zip(out, xor_mlp.XOR_Y.ravel(), strict=True))
    verdict = xor_mlp._accept_robust(Case({}), (W1, b1, W2, b2))
    assert (verdict is None) == is_xor, (verdict, out)


def test_judging_a_class_of_answers_never_imports_torch():
    code = (
        "import sys; from graders.spec import Case; from graders.units import perceptron, xor_mlp; "
        "perceptron._judge_gate(Case({'name': 'and'}), ([1.0, 1.0], -2.0)); "
        "xor_mlp._accept_robust(Case({}), xor_mlp.SEED); assert 'torch' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)

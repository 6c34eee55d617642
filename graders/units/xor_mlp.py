"""Unit 3, 다층 퍼셉트론: the XOR network's forward pass, the notes' table, weights that work
with sigmoid, backpropagation against autograd, and training against torch.optim.SGD.

What the notes' table hides, and these graders tell: its weights compute XOR only with the step
function and step(0) = 0. The output bias −1 puts the XOR-0 rows exactly on the decision boundary
(n1 + n2 − 1 = 0), so with sigmoid every output is above 0.5 (0.555, 0.614, 0.614, 0.555).
"""

from __future__ import annotations

import numpy as np

from graders.i18n import t
from graders.spec import (
    EXP_OVERFLOW,
    FLOATS,
    Case,
    Grader,
    Mistake,
    Raises,
    behaves_as,
    same_as,
    stable_sigmoid,
    transposed,
    warned,
)

SEED_W1 = np.array([[-2.0, 2.0], [-2.0, 2.0]])
SEED_B1 = np.array([3.0, -1.0])
SEED_W2 = np.array([[1.0], [1.0]])
SEED_B2 = np.array([-1.0])
SEED = (SEED_W1, SEED_B1, SEED_W2, SEED_B2)
NAMES = ("W1", "b1", "W2", "b2")
XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])
OR_Y = np.array([[0.0], [1.0], [1.0], [1.0]])
SEED_SIGMOID_OUT = "0.555, 0.614, 0.614, 0.555"


def _naive_sigmoid(model) -> Mistake:
    """The overflow, where the answer is what `model` (the network with 1 / (1 + exp(−z))) gives."""
    return Mistake(
        "naive sigmoid overflow",
        "1 / (1 + np.exp(-z)) overflows when a weighted sum is a large negative number. "
        "Use e = np.exp(-np.abs(z)): 1/(1+e) where z >= 0, e/(1+e) where z < 0.",
        behaves_as(model, warned(EXP_OVERFLOW)),
    )


# --- NumPy versions of the network, right and wrong, for naming mistakes ----------------------

ACTS = {
    "step": lambda z: (z > 0).astype(float),
    "sigmoid": stable_sigmoid,
    "step(0) = 1": lambda z: (z >= 0).astype(float),
    "linear": lambda z: z,
    "naive sigmoid": lambda z: 1 / (1 + np.exp(-z)),
}


def _forward(X, W1, b1, W2, b2, activation="step", *, out_act=None, layer=lambda X, W: X @ W):
    """The forward pass in NumPy; `out_act` and `layer` let a mistake change one part of it."""
    X, W1, b1, W2, b2 = (np.asarray(a, dtype=float) for a in (X, W1, b1, W2, b2))
    hidden = ACTS[activation](layer(X, W1) + b1)
    return hidden, ACTS[out_act or activation](hidden @ W2 + b2)


def _backprop(X, y, W1, b1, W2, b2, slip=None):
    """loss_and_grads in NumPy; `slip` names one known mistake to make on purpose."""
    X, y, W1, b1, W2, b2 = (np.asarray(a, dtype=float) for a in (X, y, W1, b1, W2, b2))
    sigmoid = ACTS["naive sigmoid"] if slip == "naive sigmoid" else stable_sigmoid
    z1 = X @ W1 + b1
    hidden = sigmoid(z1)
    z2 = hidden @ W2 + b2
    out = sigmoid(z2)
    loss = ((out - y) ** 2).sum() if slip == "summed" else ((out - y) ** 2).mean()
    d_out = {"no 2": (out - y) / y.size, "no 1/n": 2 * (out - y), "summed": 2 * (out - y), "tutorial": out - y}.get(
        slip, 2 * (out - y) / y.size
    )
    d_sig = (lambda z, s: z * (1 - z)) if slip == "dsig(z)" else (lambda z, s: s * (1 - s))
    d_z2 = d_out * d_sig(z2, out)
    d_z1 = (d_z2 @ W2.T) * d_sig(z1, hidden)
    if slip == "unsummed":
        return loss, {"W1": X.T @ d_z1, "b1": d_z1, "W2": hidden.T @ d_z2, "b2": d_z2}
    return loss, {"W1": X.T @ d_z1, "b1": d_z1.sum(0), "W2": hidden.T @ d_z2, "b2": d_z2.sum(0)}


def _train(X, y, hidden=4, lr=1.0, epochs=2000, seed=0, slip=None):
    """train in NumPy; `slip` names one known mistake in the start or the loop."""
    rng = np.random.default_rng(seed)
    draw = (
        (lambda shape: np.random.default_rng(seed).normal(0, 1, shape))
        if slip == "new rng"
        else (lambda shape: rng.normal(0, 1, shape))
    )
    if slip == "W2 first":
        W2 = draw((hidden, 1))
        W1 = draw((2, hidden))
        b1, b2 = np.zeros(hidden), np.zeros(1)
    elif slip == "random biases":
        W1, b1, W2, b2 = draw((2, hidden)), draw(hidden), draw((hidden, 1)), draw(1)
    else:
        W1, b1, W2, b2 = draw((2, hidden)), np.zeros(hidden), draw((hidden, 1)), np.zeros(1)
    params = dict(zip(NAMES, (W1, b1, W2, b2), strict=True))
    losses = []
    for _ in range(epochs):
        loss, grads = _backprop(X, y, **params)
        params = {k: p - lr * grads[k] for k, p in params.items()}
        losses.append(_backprop(X, y, **params)[0] if slip == "loss after" else loss)
    if slip == "one loss too many":
        losses.append(_backprop(X, y, **params)[0])
    return params, np.array(losses)


# --- torch references ------------------------------------------------------------------------


def _shapes_ok(X, W1, b1, W2, b2) -> bool:
    shapes = [np.shape(a) for a in (X, W1, b1, W2, b2)]
    h = shapes[1][-1] if len(shapes[1]) == 2 else -1
    return (
        len(shapes[0]) == 2
        and shapes[0][1] == 2
        and shapes[1] == (2, h)
        and shapes[2] == (h,)
        and shapes[3] == (h, 1)
        and shapes[4] == (1,)
    )


def _torch_forward(R, X, W1, b1, W2, b2, activation):
    """Tensors in, (hidden, out) tensors back; step is torch.heaviside(z, 0), so step(0) = 0."""
    act = R.torch.sigmoid if activation == "sigmoid" else lambda z: R.torch.heaviside(z, R.torch.zeros_like(z))
    hidden = act(X @ W1 + b1)
    return hidden, act(hidden @ W2 + b2)


def _forward_reference(R, X, W1, b1, W2, b2, activation="step"):
    if activation not in ("step", "sigmoid") or not _shapes_ok(X, W1, b1, W2, b2):
        return Raises("ValueError")
    return _torch_forward(R, *(R.t(a) for a in (X, W1, b1, W2, b2)), activation)


def _seed_table_reference(R, activation="step"):
    if activation not in ("step", "sigmoid"):
        return Raises("ValueError")
    X = R.t(XOR_X)
    hidden, out = _torch_forward(R, X, *(R.t(a) for a in SEED), activation)
    return R.torch.cat([X, hidden, out], dim=1)


def _loss_and_grads_reference(R, X, y, W1, b1, W2, b2):
    params = [R.t(a, grad=True) for a in (W1, b1, W2, b2)]
    out = _torch_forward(R, R.t(X), *params, "sigmoid")[1]
    loss = R.F.mse_loss(out, R.t(y))
    loss.backward()
    return loss, {name: p.grad for name, p in zip(NAMES, params, strict=True)}


def _train_reference(R, X, y, hidden=4, lr=1.0, epochs=2000, seed=0):
    rng = np.random.default_rng(seed)  # the start is drawn in NumPy, then handed to torch
    W1, W2 = rng.normal(0, 1, (2, hidden)), rng.normal(0, 1, (hidden, 1))
    params = [R.t(a.astype(np.asarray(X).dtype), grad=True) for a in (W1, np.zeros(hidden), W2, np.zeros(1))]
    opt = R.torch.optim.SGD(params, lr=lr)
    X, y = R.t(X), R.t(y)
    losses = []
    for _ in range(epochs):
        opt.zero_grad()
        loss = R.F.mse_loss(_torch_forward(R, X, *params, "sigmoid")[1], y)
        loss.backward()
        losses.append(loss.detach())  # before the step: the loss of the parameters being updated
        opt.step()
    stacked = R.torch.stack(losses) if losses else R.torch.zeros(0, dtype=X.dtype, device=X.device)
    return {name: p.detach() for name, p in zip(NAMES, params, strict=True)}, stacked


# --- cases -----------------------------------------------------------------------------------


def _quarters(rng, shape, dtype, top=8):
    """Multiples of 1/4: every weighted sum is exact in float32, so step never flips on rounding
    (and some sums are exactly 0, where step(0) = 0 matters)."""
    return (rng.integers(-top, top + 1, shape) / 4).astype(dtype)


def _weights(rng, h, dtype, make):
    return {"W1": make((2, h)), "b1": make((h,)), "W2": make((h, 1)), "b2": make((1,))}


def _seed_inputs(X, dtype):
    return {"X": np.asarray(X, dtype), **{k: a.astype(dtype) for k, a in zip(NAMES, SEED, strict=True)}}


def _forward_cases(rng):
    cases = [
        Case(
            _seed_inputs(XOR_X[[0, 3]], np.float64), "the notes' XOR-0 rows (0, 0), (1, 1), seed weights, default step"
        ),
        Case({**_seed_inputs(XOR_X, np.float64), "activation": "step"}, "the notes' table, step"),
        Case({**_seed_inputs(XOR_X, np.float64), "activation": "sigmoid"}, "the notes' table, sigmoid"),
        Case(
            {
                "X": [[0.0, 1.0], [1.0, 1.0], [0.5, -2.0]],
                "W1": [[1.0, -1.0, 0.5], [2.0, 0.0, -1.0]],
                "b1": [0.5, 0.0, -0.25],
                "W2": [[1.0], [-2.0], [0.5]],
                "b2": [0.25],
                "activation": "sigmoid",
            },
            "Python lists, h = 3, sigmoid",
        ),
    ]
    for dtype in FLOATS:
        name = np.dtype(dtype).name

        def quarters(shape, dtype=dtype):
            return _quarters(rng, shape, dtype)

        def normal(shape, dtype=dtype):
            return rng.normal(0, 2, shape).astype(dtype)

        cases.append(Case({**_seed_inputs(XOR_X, dtype), "activation": "sigmoid"}, f"the notes' table, sigmoid {name}"))
        for n, h in ((1, 1), (5, 3), (6, 4)):
            cases.append(
                Case(
                    {"X": quarters((n, 2)), **_weights(rng, h, dtype, quarters), "activation": "step"},
                    f"random n = {n}, h = {h}, step {name}",
                )
            )
        for n, h in ((3, 2), (6, 5)):
            cases.append(
                Case(
                    {"X": normal((n, 2)), **_weights(rng, h, dtype, normal), "activation": "sigmoid"},
                    f"random n = {n}, h = {h}, sigmoid {name}",
                )
            )

        def big(shape, dtype=dtype):
            return rng.normal(0, 300, shape).astype(dtype)

        cases.append(
            Case(
                {"X": normal((4, 2)), **_weights(rng, 3, dtype, big), "activation": "sigmoid"},
                f"weighted sums in the thousands, sigmoid {name}",
            )
        )
    cases.append(
        Case(
            {
                "X": np.zeros((0, 2)),
                **_weights(rng, 2, np.float64, lambda s: _quarters(rng, s, np.float64)),
                "activation": "step",
            },
            "no rows (n = 0)",
        )
    )
    return cases + _forward_raise_cases()


def _forward_raise_cases():
    seed = dict(zip(NAMES, SEED, strict=True))
    bad = [
        ({"activation": "relu"}, "activation 'relu'"),
        ({"activation": "Sigmoid"}, "activation 'Sigmoid' (names are lower case)"),
        ({"X": np.array([0.0, 1.0])}, "X of shape (2,), one sample without its row axis"),
        ({"X": np.ones((4, 3))}, "X of shape (4, 3)"),
        ({"W1": np.ones((3, 2))}, "W1 of shape (3, 2)"),
        ({"b1": np.array([[3.0, -1.0]])}, "b1 of shape (1, 2)"),
        ({"b1": np.array([3.0, -1.0, 0.0])}, "b1 of shape (3,)"),
        ({"W2": np.array([1.0, 1.0])}, "W2 of shape (2,)"),
        ({"W2": np.ones((2, 2))}, "W2 of shape (2, 2)"),
        ({"b2": np.array(-1.0)}, "b2 of shape () (0-d)"),
        ({"b2": np.array([[-1.0]])}, "b2 of shape (1, 1)"),
    ]
    return [Case({"X": XOR_X, **seed, "activation": "step", **change}, why) for change, why in bad]


def _loss_and_grads_cases(rng):
    cases = [
        Case(
            {
                "X": XOR_X.astype(dtype),
                "y": XOR_Y.astype(dtype),
                **{k: a.astype(dtype) for k, a in zip(NAMES, SEED, strict=True)},
            },
            f"XOR data, seed weights {np.dtype(dtype).name}",
        )
        for dtype in FLOATS
    ]
    for dtype in FLOATS:
        name = np.dtype(dtype).name
        for n, h, scale in ((1, 1, 1.0), (3, 2, 1.0), (5, 3, 1.0), (8, 4, 2.0), (6, 3, 200.0)):

            def normal(shape, scale=scale, dtype=dtype):
                return rng.normal(0, scale, shape).astype(dtype)

            cases.append(
                Case(
                    {
                        "X": rng.normal(0, 1, (n, 2)).astype(dtype),
                        "y": (rng.random((n, 1)) < 0.5).astype(dtype),
                        **_weights(rng, h, dtype, normal),
                    },
                    f"random n = {n}, h = {h}" + (", saturated sigmoids" if scale > 10 else "") + f" {name}",
                )
            )
    cases.append(
        Case(
            {
                "X": [[0.0, 1.0], [1.0, 0.5], [-1.0, 2.0]],
                "y": [[1.0], [0.0], [1.0]],
                "W1": [[0.5, -1.0], [1.5, 0.25]],
                "b1": [0.1, -0.2],
                "W2": [[1.0], [-0.5]],
                "b2": [0.3],
            },
            "Python lists, n = 3, h = 2",
        )
    )
    return cases


def _train_cases(rng):
    X6 = rng.normal(0, 1, (6, 2))
    y6 = (rng.random((6, 1)) < 0.5).astype(float)
    # A few epochs show every known mistake: the start, the update and which loss is recorded all
    # differ from the first update on (bench/mutants.py kills every mutant of train with them).
    return [
        # The defaults, read from the signature, first: a call that leaves them all out would cost 2000
        # epochs, a third of a whole course's grading, to tell epochs=2000 from 1999.
        Case({"hidden": 4, "lr": 1.0, "epochs": 2000, "seed": 0}, "the defaults", defaults=True),
        Case(
            {"X": XOR_X, "y": XOR_Y, "hidden": 3, "lr": 0.5, "epochs": 0, "seed": 1}, "XOR, epochs = 0: the start only"
        ),
        Case({"X": XOR_X, "y": XOR_Y, "hidden": 4, "lr": 1.0, "epochs": 1, "seed": 0}, "XOR, one epoch"),
        Case({"X": XOR_X, "y": XOR_Y, "hidden": 2, "lr": 0.5, "epochs": 5}, "XOR, 5 epochs, default seed"),
        Case({"X": X6, "y": y6, "hidden": 3, "lr": 0.5, "epochs": 5, "seed": 7}, "random data, 5 epochs"),
        # The one long run: the loss falls below 0.01 at epoch 33, 0.001 at 65, and ends at 0.0002, so a
        # loop that stops early (at a small loss, or where the loss stops changing) shows here only. OR,
        # not XOR: at this learning rate XOR's run is chaotic (a rounding at the start grows past the
        # tolerance), OR's is not (it grows to 1e-8 of it).
        Case(
            {"X": XOR_X, "y": OR_Y, "hidden": 4, "lr": 20.0, "epochs": 200, "seed": 0},
            "OR, lr = 20, 200 epochs: the loss falls to 0.0002",
        ),
        Case(
            {"X": XOR_X.tolist(), "y": XOR_Y.tolist(), "hidden": 2, "lr": 0.5, "epochs": 3, "seed": 5},
            "XOR, Python lists",
        ),
        Case(
            {
                "X": XOR_X.astype(np.float32),
                "y": XOR_Y.astype(np.float32),
                "hidden": 3,
                "lr": 0.5,
                "epochs": 3,
                "seed": 2,
            },
            "XOR, float32: the parameters and losses stay float32",
        ),
    ]


# --- judging answers that many weights can give ------------------------------------------------


def _as_params(got):
    """The learner's (W1, b1, W2, b2) as float64 arrays, or a sentence saying why they can't be."""
    if not isinstance(got, (tuple, list)) or len(got) != 4:
        return t("params.not-four")
    arrays = []
    for name, value, want in zip(NAMES, got, ((2, 2), (2,), (2, 1), (1,)), strict=False):
        try:
            a = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            return t("params.not-numbers", name=name)
        if a.shape != want:
            return t("params.shape", name=name, shape=a.shape, want=want)
        if not np.isfinite(a).all():
            return t("params.not-finite", name=name)
        arrays.append(a)
    return arrays


def _row(i) -> str:
    return f"({int(XOR_X[i, 0])}, {int(XOR_X[i, 1])})"


def _accept_robust(case, got):
    """The learner's weights through the sigmoid network, in NumPy: the reference is XOR's table,
    read with a margin far wider than NumPy's and torch's sigmoids differ (tests/test_accept_judges.py)."""
    params = _as_params(got)
    if isinstance(params, str):
        return params
    out = _forward(XOR_X, *params, "sigmoid")[1].ravel()
    fails = [
        f"{_row(i)} → {out[i]:.4f} ({'> 0.9' if XOR_Y[i, 0] else '< 0.1'})"
        for i in range(4)
        if not (out[i] > 0.9 if XOR_Y[i, 0] else out[i] < 0.1)
    ]
    if not fails:
        return None
    text = t("xor.not-xor", rows="; ".join(fails))
    if len(fails) < 4:
        text += t("xor.outputs", outputs=", ".join(f"{o:.4f}" for o in out))
    return text


def _scale(a, seed):
    """k > 0 where a = k·seed, else None."""
    k = float(np.sum(a * seed) / np.sum(seed * seed))
    return k if k > 0 and np.allclose(a, k * seed, rtol=1e-6, atol=1e-9) else None


def _is_seed(a) -> bool:
    params = _as_params(a.got)
    return not isinstance(params, str) and all(np.allclose(p, s) for p, s in zip(params, SEED, strict=False))


def _scaled_seed(a) -> bool:
    params = _as_params(a.got)
    if isinstance(params, str):
        return False

    def layer(W, b):
        return np.concatenate([W.ravel(), b])

    return (
        _scale(layer(*params[:2]), layer(SEED_W1, SEED_B1)) is not None
        and _scale(layer(*params[2:]), layer(SEED_W2, SEED_B2)) is not None
    )


def _xor_with_step_only(a) -> bool:
    params = _as_params(a.got)
    return not isinstance(params, str) and np.array_equal(_forward(XOR_X, *params, "step")[1], XOR_Y)


def _w2_a_row(a) -> bool:
    """W2 given as a row (1, h), and the network with it as the column (h, 1) is XOR."""
    if not (isinstance(a.got, (tuple, list)) and len(a.got) == 4 and np.shape(a.got[2]) == (1, 2)):
        return False
    params = _as_params((a.got[0], a.got[1], np.asarray(a.got[2]).T, a.got[3]))
    if isinstance(params, str):
        return False
    out = _forward(XOR_X, *params, "sigmoid")[1]
    return bool(np.all(np.where(XOR_Y == 1, out > 0.9, out < 0.1)))


def _seed_table(activation: str):
    """The notes' table with this activation (an ACTS key, "step(0) = 1" too) in both layers."""
    return np.hstack([XOR_X, *_forward(XOR_X, *SEED, activation)])


GRADERS = {
    "forward": Grader(
        cases=_forward_cases,
        reference=_forward_reference,
        parts=("hidden", "out"),
        mistakes=(
            _naive_sigmoid(
                lambda X, W1, b1, W2, b2, activation="step": _forward(
                    X, W1, b1, W2, b2, "naive sigmoid" if activation == "sigmoid" else activation
                )
            ),
            Mistake(
                "step(0) = 1",
                "the step function is 1 only where z > 0, so step(0) = 0 (torch.heaviside(z, 0)). It matters: with "
                "the notes' weights the XOR-0 rows (0, 0) and (1, 1) have output sum n1 + n2 − 1 = 0 exactly, "
                "and step(0) = 1 would call them 1.",
                same_as(
                    lambda X, W1, b1, W2, b2, activation="step": _forward(
                        X, W1, b1, W2, b2, "step(0) = 1" if activation == "step" else activation
                    )
                ),
            ),
            Mistake(
                "no activation in the output layer",
                "the output layer has its activation too: out = act(hidden @ W2 + b2), not the plain weighted sum.",
                same_as(
                    lambda X, W1, b1, W2, b2, activation="step": _forward(
                        X, W1, b1, W2, b2, activation, out_act="linear"
                    )
                ),
            ),
            Mistake(
                "W1 @ X instead of X @ W1",
                "rows of X are samples, so the hidden layer is X @ W1 + b1: (n, 2) @ (2, h) = (n, h), as the notes' "
                "(4×2)·(2×2) = 4×2.",
                same_as(
                    lambda X, W1, b1, W2, b2, activation="step": _forward(
                        X, W1, b1, W2, b2, activation, layer=lambda X, W: W @ X
                    )
                ),
            ),
            Mistake(
                "X @ W1.T (nn.Linear's layout)",
                "torch's nn.Linear stores its weight as (out, in) and computes x @ W.T; here W1 is (in, out) = (2, h): "
                "W1[i, j] joins input i to hidden node j, so the hidden layer is X @ W1 + b1.",
                same_as(
                    lambda X, W1, b1, W2, b2, activation="step": _forward(
                        X, W1, b1, W2, b2, activation, layer=lambda X, W: X @ np.asarray(W).T
                    )
                ),
            ),
            Mistake(
                "ignored the activation argument",
                "activation='sigmoid' asks for σ(z) in both layers; your answer is the step network's.",
                same_as(lambda X, W1, b1, W2, b2, activation="step": _forward(X, W1, b1, W2, b2, "step")),
            ),
            Mistake(
                "a boolean step",
                "z > 0 gives True/False; turn it into numbers of the inputs' dtype: (z > 0).astype(z.dtype).",
                lambda a: any(np.asarray(g).dtype == bool for g in a.got),
                form=True,
            ),
            Mistake(
                "a transposed result",
                "rows are samples: hidden is (n, h) and out is (n, 1). W1.T @ X.T gives the transpose (h, n); "
                "write X @ W1 + b1, then hidden @ W2 + b2.",
                transposed,
                form=None,
            ),
        ),
    ),
    "seed_table": Grader(
        cases=lambda rng: [
            Case({}, "the default activation (step)"),
            Case({"activation": "step"}, "step"),
            Case({"activation": "sigmoid"}, "sigmoid"),
            Case({"activation": "tanh"}, "activation 'tanh'"),
        ],
        reference=_seed_table_reference,
        mistakes=(
            Mistake(
                "missing the input columns",
                "the notes' table starts with the inputs: columns x1, x2, n1, n2, y_out, so 5 columns.",
                same_as(lambda activation="step": np.hstack(_forward(XOR_X, *SEED, activation))),
            ),
            Mistake(
                "step(0) = 1",
                "y_out is 1 on every row: the XOR-0 rows (0, 0) and (1, 1) have output sum n1 + n2 − 1 = 0 exactly "
                "(the output bias −1 puts them on the boundary), and step(0) must be 0. The notes' table is XOR only "
                "with step(0) = 0.",
                same_as(lambda activation="step": _seed_table("step(0) = 1" if activation == "step" else activation)),
            ),
            Mistake(
                "copied the notes' ≈ 0 / ≈ 1",
                f"the notes write σ(…) ≈ 1 or ≈ 0, but a sigmoid never gives 0 or 1: with sigmoid the outputs are "
                f"{SEED_SIGMOID_OUT}, all above 0.5, since σ(0) = 0.5 and the output bias −1 leaves the XOR-0 rows on "
                f"the boundary. Compute the table with forward(..., activation).",
                same_as(lambda activation="step": _seed_table("step")),
            ),
            Mistake(
                "rounded the hidden layer first",
                "the notes plug the rounded n1, n2 (1 or 0) into y_out; the network passes σ's actual values "
                "(0.953, 0.269, …) on to the output layer.",
                same_as(
                    lambda activation="step": (
                        _seed_table(activation)
                        if activation != "sigmoid"
                        else np.hstack(
                            [
                                XOR_X,
                                _forward(XOR_X, *SEED, "sigmoid")[0],
                                stable_sigmoid(_forward(XOR_X, *SEED, "step")[0] @ SEED_W2 + SEED_B2),
                            ]
                        )
                    )
                ),
            ),
            Mistake(
                "transposed table",
                "the table has one row per input, (4, 5): np.vstack of the columns x1, x2, n1, n2, y_out gives its "
                "transpose (5, 4). Stack them side by side with np.column_stack, or np.hstack of (4, 1) columns.",
                transposed,
                form=None,
            ),
        ),
    ),
    "robust_xor_params": Grader(
        cases=lambda rng: [Case({}, "the XOR inputs (0, 0), (0, 1), (1, 0), (1, 1) through a sigmoid network")],
        reference=lambda R: None,
        accept=_accept_robust,
        mistakes=(
            Mistake(
                "the seed weights",
                f"the notes' weights give XOR only with step(0) = 0. With sigmoid the outputs are {SEED_SIGMOID_OUT}: "
                f"all above 0.5, because the output bias −1 puts the XOR-0 rows on the boundary (n1 + n2 − 1 = 0, "
                f"σ(0) = 0.5) and σ(1) is only 0.73. Move the output bias and make the weights larger.",
                _is_seed,
            ),
            Mistake(
                "scaled the seed weights, boundary kept",
                "scaling sharpens every sigmoid, but on the XOR-0 rows n1 + n2 ≈ 1, so the output sum k·(n1 + n2 − 1) "
                "stays ≈ 0 and σ(0) = 0.5 at any scale k. Put the output bias halfway: n1 + n2 is 1 on the XOR-0 rows "
                "and 2 on the XOR-1 rows, so use b2 = −1.5 (times the scale).",
                _scaled_seed,
            ),
            Mistake(
                "XOR for step, too soft for sigmoid",
                "these weights compute XOR with the step function, but a sigmoid is soft (σ(0) = 0.5, σ(1) ≈ 0.73). "
                "Multiply every weight and bias by about 10, so every weighted sum is far from 0 (σ(±5) is within "
                "0.007 of 0 or 1).",
                _xor_with_step_only,
            ),
            Mistake(
                "W2 as a row",
                "W2 joins the h hidden nodes to the one output, so it is a column (h, 1) = (2, 1): "
                "np.array([[a], [b]]), not [[a, b]]. With your W2 as a column the network is XOR.",
                _w2_a_row,
            ),
        ),
    ),
    "loss_and_grads": Grader(
        cases=_loss_and_grads_cases,
        reference=_loss_and_grads_reference,
        parts=("loss", "grads"),
        mistakes=(
            _naive_sigmoid(lambda *args: _backprop(*args, slip="naive sigmoid")),
            Mistake(
                "bias gradient not summed over the batch",
                "a bias is added to every row of the batch, so its gradient is summed over the batch: d_z.sum(axis=0). "
                "Every gradient has its parameter's shape.",
                same_as(lambda *args: _backprop(*args, slip="unsummed")),
            ),
            Mistake(
                "loss summed, not averaged",
                "the MSE is the mean over all elements of (out − y)²: divide the loss, and so its derivative "
                "2(out − y), by y.size.",
                same_as(lambda *args: _backprop(*args, slip="summed")),
            ),
            Mistake(
                "missing factor 2 in the MSE derivative",
                "d/d out of mean((out − y)²) is 2(out − y)/n: the square brings down a 2 (F.mse_loss has no ½).",
                same_as(lambda *args: _backprop(*args, slip="no 2")),
            ),
            Mistake(
                "missing 1/n in the MSE derivative",
                "the loss is a mean over the n·1 elements of y, so its derivative is 2(out − y)/n, not 2(out − y).",
                same_as(lambda *args: _backprop(*args, slip="no 1/n")),
            ),
            Mistake(
                "(out − y) without 2/n",
                "the tutorials' error = out − y is the derivative of ½·Σ(out − y)²; this loss is mean((out − y)²), "
                "whose derivative is 2(out − y)/n.",
                same_as(lambda *args: _backprop(*args, slip="tutorial")),
            ),
            Mistake(
                "sigmoid derivative on the pre-activation",
                "σ'(z) = σ(z)(1 − σ(z)): x·(1 − x) is right only when x is already the sigmoid's output. Use "
                "out·(1 − out) and hidden·(1 − hidden), not z·(1 − z).",
                same_as(lambda *args: _backprop(*args, slip="dsig(z)")),
            ),
            Mistake(
                "a gradient transposed",
                "a weight's gradient is input.T @ delta: X.T @ d_z1 for W1 (2, h) and hidden.T @ d_z2 for W2 (h, 1). "
                "d_z.T @ input gives the transpose.",
                transposed,
                form=None,
            ),
        ),
    ),
    "train": Grader(
        cases=_train_cases,
        reference=_train_reference,
        parts=("params", "losses"),
        histories=("losses",),
        mistakes=(
            Mistake(
                "W2 drawn before W1",
                "the start depends on the order of the draws from one generator: W1 = rng.normal(0, 1, (2, hidden)) "
                "first, then W2 = rng.normal(0, 1, (hidden, 1)).",
                same_as(lambda *args: _train(*args, slip="W2 first")),
            ),
            Mistake(
                "a new generator per draw",
                "np.random.default_rng(seed) made again for W2 starts the same stream over, so W2 repeats W1's "
                "first numbers. Make rng once and draw both from it.",
                same_as(lambda *args: _train(*args, slip="new rng")),
            ),
            Mistake(
                "random biases",
                "the contract starts b1 and b2 at zero (np.zeros); only W1 and W2 are drawn from rng.",
                same_as(lambda *args: _train(*args, slip="random biases")),
            ),
            Mistake(
                "losses recorded after the update",
                "losses[e] is the loss before update e: losses[0] is the loss of the starting weights. Record the loss "
                "that loss_and_grads returns, then update.",
                same_as(lambda *args: _train(*args, slip="loss after")),
            ),
            Mistake(
                "one loss too many",
                "losses has exactly epochs entries, the loss before each update; "
                "don't add the loss after the last one.",
                same_as(lambda *args: _train(*args, slip="one loss too many")),
            ),
        ),
    ),
}


# --- `course plot xor_mlp`: decision boundaries over the plane around the four XOR points ------

OUTPUT_MAP = "RdBu_r"  # the network's output, 0 to 1


def _plot(ctx):
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    from graders import plots  # matplotlib: only when a figure is drawn

    ticks = np.arange(-40, 121) / 80  # [-0.5, 1.5] in steps of 1/80, 0 and 1 included exactly
    gx, gy = np.meshgrid(ticks, ticks)
    X = np.vstack([np.column_stack([gx.ravel(), gy.ravel()]), XOR_X])  # the grid, then the four XOR points
    fig, axes = plots.new_figure(2, 3, t("plot.xor"))
    for column, activation in enumerate(("step", "sigmoid")):
        reference = ctx.reference("forward", X, *SEED, activation)[1]
        yours = plots.answer_of(ctx.yours("forward", X, *SEED, activation), lambda v: v[1], shape=reference.shape)
        _boundary(axes[0, column], ticks, yours)
        plots.panel_title(axes[0, column], t("plot.xor-yours", activation=activation), reference, yours)
        _boundary(axes[1, column], ticks, reference)
        axes[1, column].set_title(t("plot.xor-reference", activation=activation), fontsize="medium")
    params, losses = ctx.reference("train", XOR_X, XOR_Y)
    reference = ctx.reference("forward", X, *(params[name] for name in NAMES), "sigmoid")[1]
    yours, note = _trained(ctx, ctx.yours("train", XOR_X, XOR_Y), X)
    _boundary(axes[0, 2], ticks, yours)
    plots.panel_title(axes[0, 2], t("plot.xor-trained", note=note), reference, yours)
    _boundary(axes[1, 2], ticks, reference)
    axes[1, 2].set_title(t("plot.xor-trained-reference", note=_final(losses)), fontsize="medium")
    fig.colorbar(ScalarMappable(Normalize(0, 1), OUTPUT_MAP), ax=axes, shrink=0.6, label=t("plot.output"))
    return fig


def _trained(ctx, outcome, X: np.ndarray) -> tuple[np.ndarray | str, str]:
    """The learner's trained network's outputs on X, computed by the torch forward: the picture
    shows what train() learned, whatever the learner's forward does."""
    from graders import plots  # matplotlib: only when a figure is drawn

    if outcome.kind != "ok":
        return plots.why_not(outcome), ""
    try:
        params, losses = outcome.value
        weights = [np.asarray(params[name], dtype=np.float64) for name in NAMES]
    except Exception:  # not (params, losses), or params without W1, b1, W2, b2
        return t("plot.not-params"), ""
    out = ctx.reference("forward", X, *weights, "sigmoid")
    if isinstance(out, Raises):  # the reference forward refuses parameters of the wrong shapes
        return t("plot.params-shapes"), ""
    return out[1], _final(losses)


def _final(losses) -> str:
    from graders import plots  # matplotlib: only when a figure is drawn

    values = plots.as_numbers(losses)
    return t("plot.final-loss", loss=f"{values.ravel()[-1]:.4f}") if values is not None and values.size else ""


def _boundary(ax, ticks: np.ndarray, out: np.ndarray | str) -> None:
    """The network's output on the grid as colour, its 0.5 contour, and the four XOR points."""
    from graders import plots  # matplotlib: only when a figure is drawn

    n = len(ticks)
    half = (ticks[1] - ticks[0]) / 2
    ax.set_xlim(ticks[0] - half, ticks[-1] + half)
    ax.set_ylim(ticks[0] - half, ticks[-1] + half)
    if isinstance(out, str):
        plots.say(ax, out)
    else:
        out = out.ravel()
        grid = np.ma.masked_invalid(out[: n * n].reshape(n, n))
        ax.imshow(grid, origin="lower", extent=(ticks[0] - half, ticks[-1] + half) * 2, vmin=0, vmax=1, cmap=OUTPUT_MAP)
        if grid.count() and grid.min() < 0.5 < grid.max():  # a contour needs both sides
            ax.contour(ticks, ticks, grid, levels=[0.5], colors="black", linewidths=1.5)
        for (x1, x2), value in zip(XOR_X, out[-4:], strict=False):
            ax.annotate(
                f"{value:.3f}",
                (x1, x2),
                xytext=(6, 6),
                textcoords="offset points",
                fontsize="small",
                bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "alpha": 0.8},
            )
    for target, marker in ((0, "o"), (1, "s")):
        rows = XOR_Y[:, 0] == target
        ax.scatter(
            XOR_X[rows, 0],
            XOR_X[rows, 1],
            marker=marker,
            s=70,
            facecolor="white" if target == 0 else "black",
            edgecolor="black",
            linewidths=1.5,
            zorder=3,
            label=f"XOR = {target}",
        )
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_aspect("equal")
    ax.legend(fontsize="small", loc="lower right")


FIGURES = {"xor_mlp": _plot}  # course plot xor_mlp: xor_mlp.png

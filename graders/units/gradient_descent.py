"""Unit 6, 경사 하강법: linear regression with MSE, trained by batch, stochastic and mini-batch
gradient descent. The references replay the contract's sample order with torch.autograd and
torch.optim.SGD; the losses array compares the runs epoch by epoch.

The wrong answers that `same_as` names come from one NumPy loop with knobs (`_descend`), so
each beginner's mistake is one setting, not a copy of the code.
"""

from __future__ import annotations

import itertools

import numpy as np

from graders.compare import tolerance
from graders.i18n import t
from graders.spec import FLOATS, Case, Grader, Mistake, as_floats, in_place, same_as

PARTS = ("w", "b", "losses")
SEARCHED_N = 5  # cases with at most this many samples are searched for other visiting orders


# --- the sample order: the contract's, shared by the torch reference and the wrong variants --


def _unpack(args):
    """Any of the three exercises' arguments as (X, y, w, b, lr, epochs, batch_size, seed):
    batch_gd is one batch of all n samples, sgd batches of one."""
    X, y, w, b, lr, epochs, *rest = args
    if len(rest) == 2:  # minibatch_gd
        batch_size, seed = rest
    elif rest:  # sgd
        batch_size, seed = 1, rest[0]
    else:  # batch_gd
        batch_size, seed = max(len(np.asarray(X)), 1), None
    return X, y, w, b, lr, epochs, batch_size, seed


def _orders(n, epochs, seed, kind="rng"):
    """Each epoch's visiting order. "rng": one rng = default_rng(seed), rng.permutation(n) every
    epoch (the contract); "none": 0..n−1; "reseed": a new default_rng(seed) every epoch."""
    if kind == "none" or seed is None:
        return [np.arange(n)] * epochs
    if kind == "reseed":
        return [np.random.default_rng(seed).permutation(n) for _ in range(epochs)]
    rng = np.random.default_rng(seed)
    return [rng.permutation(n) for _ in range(epochs)]


def _cut(order, batch_size, drop_last=False):
    stop = len(order) - len(order) % batch_size if drop_last else len(order)
    return [order[i : i + batch_size] for i in range(0, stop, batch_size)]


def _schedule(args, order="rng", drop_last=False):
    """The index arrays of every update, per epoch, for the exercise these arguments call."""
    X, _, _, _, _, epochs, batch_size, seed = _unpack(args)
    return [_cut(o, batch_size, drop_last) for o in _orders(len(np.asarray(X)), epochs, seed, order)]


# --- the PyTorch reference --------------------------------------------------------------------


def _replay(R, X, y, w, b, lr, schedule):
    torch, F = R.torch, R.F
    X, y = R.t(X), R.t(y)
    w = R.t(w).clone().requires_grad_()
    b = torch.tensor(b, dtype=X.dtype, device=X.device, requires_grad=True)
    opt = torch.optim.SGD([w, b], lr=lr)

    def full_loss():
        with torch.no_grad():
            return F.mse_loss(X @ w + b, y)

    losses = [full_loss()]
    for epoch in schedule:
        for idx in epoch:
            i = torch.as_tensor(idx, device=X.device)
            opt.zero_grad()
            F.mse_loss(X[i] @ w + b, y[i]).backward()
            opt.step()
        losses.append(full_loss())
    return w.detach(), b.detach(), torch.stack(losses)


def _train_reference(R, *args):
    return _replay(R, *args[:5], _schedule(args))


def _gradient_reference(R, X, y, w, b):
    X = R.t(X)
    w = R.t(w, grad=True)
    b = R.torch.tensor(b, dtype=X.dtype, device=X.device, requires_grad=True)
    loss = R.F.mse_loss(X @ w + b, R.t(y))
    return tuple(R.torch.autograd.grad(loss, (w, b)))


# --- the beginner's NumPy loop, with a knob per mistake ---------------------------------------


def _floats(X, y, w, b):
    X, y, w = as_floats(X, y, w)
    return X, y, w, X.dtype.type(b)


def _gradient(X, y, w, b, factor=2.0, mean=True, sign=1.0, with_b=True):
    X, y, w, b = _floats(X, y, w, b)
    err = sign * (X @ w + (b if with_b else 0) - y)
    scale = factor / (len(err) if mean else 1)
    return scale * (X.T @ err), scale * err.sum()


def _descend(X, y, w, b, lr, schedule, *, factor=2.0, mean=True, sequential=False, losses="full"):
    """Gradient descent along `schedule`; the knobs reproduce the mistakes:
    factor=1 (the 2 of the square forgotten), mean=False (summed over the batch),
    sequential (b's gradient from the already updated w), losses: "full" (the contract),
    "before" (no value after the last epoch), "after" (none before the first), "running"
    (the mean of the batch losses seen during each epoch)."""
    X, y, w, b = _floats(X, y, w, b)

    def mse():
        return np.mean((X @ w + b - y) ** 2)

    full, running = [mse()], []
    for epoch in schedule:
        seen = []
        for idx in epoch:
            seen.append(np.mean((X[idx] @ w + b - y[idx]) ** 2))
            grad_w, grad_b = _gradient(X[idx], y[idx], w, b, factor, mean)
            w = w - lr * grad_w
            if sequential:
                grad_b = _gradient(X[idx], y[idx], w, b, factor, mean)[1]
            b = b - lr * grad_b
        full.append(mse())
        running.append(np.mean(seen) if seen else full[-1])
    kept = {"full": full, "before": full[:-1], "after": full[1:], "running": running}[losses]
    return w, b, np.array(kept, dtype=X.dtype)


def _wrong(order="rng", drop_last=False, **knobs):
    """A wrong learner function (any of the three signatures) with these knobs."""

    def run(*args):
        with np.errstate(all="ignore"):
            return _descend(*args[:5], _schedule(args, order, drop_last), **knobs)

    return run


def _other_order(a) -> bool:
    """The answer is what some other visiting order gives (np.random.permutation, an unseeded
    rng, rng.shuffle of one index array every epoch, and for sgd rng.integers drawing samples with
    replacement). Searched epoch by epoch, keeping the states whose full-data loss matches the
    learner's losses, on cases of <= SEARCHED_N samples."""
    X, y, w, b, lr, epochs, batch_size, _ = _unpack(a.case.args)
    n = len(np.asarray(X))
    got_w, got_b, got_losses = a.got
    got_losses = np.asarray(got_losses, dtype=float)
    if a.is_right(a.got) or n > SEARCHED_N or got_losses.shape != (epochs + 1,):
        return False
    rtol, atol = tolerance(a.case.dtype)
    right_w, right_b = a.expected[:2]
    states = [_floats(X, y, w, b)[2:]]
    with_replacement = batch_size == 1 and n <= 4  # n^n sequences: 256 at most
    orders = list(itertools.product(range(n), repeat=n) if with_replacement else itertools.permutations(range(n)))
    for epoch in range(epochs):
        found = []
        for (w0, b0), perm in itertools.product(states, orders):
            with np.errstate(all="ignore"):
                w1, b1, losses = _descend(X, y, w0, b0, lr, [_cut(np.array(perm), batch_size)])
            same = any(np.allclose(w1, w2, rtol, atol) and np.isclose(b1, b2, rtol, atol) for w2, b2 in found)
            if np.isclose(losses[-1], got_losses[epoch + 1], rtol, atol) and not same:
                found.append((w1, b1))
        states = found[:20]
    # the contract's own order is among those searched: a run that ends where it ends is not "another order"
    return any(
        np.allclose(w1, got_w, rtol, atol)
        and np.isclose(b1, got_b, rtol, atol)
        and not (np.allclose(w1, right_w, rtol, atol) and np.isclose(b1, right_b, rtol, atol))
        for w1, b1 in states
    )


# --- mistakes ------------------------------------------------------------------------------------

IN_PLACE = in_place(
    "w -= lr * grad_w (or w[...] = ...) writes into the caller's array. Copy first, w = np.array(w), "
    "or build a new one each step: w = w - lr * grad_w."
)
NO_SHUFFLE = Mistake(
    "no shuffle",
    "you visited the samples in their stored order 0, 1, …, n−1. Each epoch visits them in the order "
    "rng.permutation(n), with rng = np.random.default_rng(seed) made once before the loop.",
    same_as(_wrong(order="none")),
)
NEW_RNG_EACH_EPOCH = Mistake(
    "a new rng each epoch",
    "np.random.default_rng(seed) made inside the epoch loop restarts the stream, so every epoch visits the samples "
    "in the same order. Make rng once, before the first epoch, and call rng.permutation(n) every epoch.",
    same_as(_wrong(order="reseed")),
)
OTHER_ORDER = Mistake(
    "sample order not from rng.permutation",
    "your updates follow another shuffled order than the one the contract fixes (np.random.permutation or "
    "np.random.shuffle use NumPy's global generator; rng.shuffle of the same index array reshuffles last epoch's "
    "order; rng.integers draws samples with replacement). Use rng = np.random.default_rng(seed) once and "
    "order = rng.permutation(n) at the start of every epoch.",
    _other_order,
)
DROPPED_LAST = Mistake(
    "dropped the last batch",
    "when batch_size does not divide n the last batch is smaller, and it still counts: cut order[i:i + batch_size] "
    "for i in range(0, n, batch_size). (With batch_size > n that one short batch is the whole epoch.)",
    same_as(_wrong(drop_last=True)),
)
SUMMED = Mistake(
    "summed instead of averaged gradients",
    "the loss is a mean over the batch, so its gradient is too: divide Xᵀ·err and Σ err by the batch's size "
    "(len(idx)), not by nothing.",
    same_as(_wrong(mean=False)),
)
NO_FACTOR_2 = Mistake(
    "missing factor 2",
    "d/dw mean(err²) = 2/n · Xᵀ·err: the 2 comes from the square. Without it you descend ½·MSE, with steps half "
    "as long as torch's.",
    same_as(_wrong(factor=1.0)),
)
SEQUENTIAL = Mistake(
    "b updated with the new w",
    "you recomputed the error after updating w, so grad_b belongs to another point. Compute grad_w and grad_b "
    "from the same (w, b), then update both.",
    same_as(_wrong(sequential=True)),
)
LOSSES = (
    Mistake(
        "losses missing the last value",
        "you record the loss before each epoch but not after the last one: losses has epochs + 1 values, the "
        "last one the MSE of the trained (w, b).",
        same_as(_wrong(losses="before")),
    ),
    Mistake(
        "losses after instead of before",
        "losses[0] is the MSE before any update; record it before the loop, then once after every epoch "
        "(epochs + 1 values).",
        same_as(_wrong(losses="after")),
    ),
    Mistake(
        "averaged batch losses",
        "the mean of the batch losses met during an epoch mixes many different (w, b). Record the MSE on all "
        "the data at the epoch's end, and once before the first epoch (epochs + 1 values).",
        same_as(_wrong(losses="running")),
    ),
)
FLOAT64 = Mistake(
    "float64 answer for float32 inputs",
    "your values are right, but with float32 inputs w stays float32. np.asarray(X, dtype=float), np.array(w, "
    "dtype=np.float64) or a float64 array mixed in makes float64: keep X's dtype (np.asarray(X) alone keeps it).",
    lambda a: a.case.dtype == np.float32 and np.asarray(a.got[0]).dtype == np.float64,
    form=True,
)


def _linear(X, w, b, with_b=True):
    X, _, w, b = _floats(X, 0.0, w, b)
    return X @ w + (b if with_b else 0)


# --- cases ---------------------------------------------------------------------------------------


def regression_problem(rng, dtype, n, d, lr, epochs, **more) -> dict:
    """A noisy linear regression problem and a starting point: X, y, w, b (a Python float), lr, epochs, more."""
    X = rng.standard_normal((n, d))
    y = X @ (rng.standard_normal(d) * 2) + rng.standard_normal() + 0.1 * rng.standard_normal(n)
    w = rng.standard_normal(d) * 0.5
    return {
        "X": X.astype(dtype),
        "y": y.astype(dtype),
        "w": w.astype(dtype),
        "b": round(float(rng.standard_normal()), 3),
        "lr": lr,
        "epochs": epochs,
        **more,
    }


def _label(dtype, text):
    return f"{text}, {np.dtype(dtype).name}"


def _predict_cases(rng):
    cases = [Case({"X": [[1.0, 2.0], [3.0, 4.0], [0.0, -1.0]], "w": [0.5, -1.0], "b": 0.25}, "Python lists")]
    for dtype in FLOATS:
        for n, d in ((6, 3), (1, 2), (5, 1)):
            p = regression_problem(rng, dtype, n, d, 0.0, 0)
            cases.append(Case({"X": p["X"], "w": p["w"], "b": p["b"]}, _label(dtype, f"n = {n}, d = {d}")))
    cases.append(Case({"X": np.ones((3, 2)), "w": np.zeros(2), "b": 0.0}, "w = 0, b = 0.0"))
    return cases


def _gradient_cases(rng):
    cases = [
        Case(
            {"X": [[1.0, 2.0], [3.0, 4.0], [0.0, -1.0]], "y": [1.0, 0.0, 2.0], "w": [0.5, -1.0], "b": 0.25},
            "Python lists",
        )
    ]
    for dtype in FLOATS:
        for n, d in ((8, 3), (1, 2), (5, 1), (20, 4)):
            p = regression_problem(rng, dtype, n, d, 0.0, 0)
            cases.append(Case({k: p[k] for k in ("X", "y", "w", "b")}, _label(dtype, f"n = {n}, d = {d}")))
    X = np.array([[1.0, 2.0], [3.0, -1.0]])
    cases.append(
        Case(
            {"X": X, "y": X @ np.array([0.5, 2.0]) + 1.0, "w": np.array([0.5, 2.0]), "b": 1.0},
            "a perfect fit: zero gradient",
        )
    )
    return cases


def _batch_cases(rng):
    f64, f32 = np.float64, np.float32
    cases = [
        Case(regression_problem(rng, f64, 6, 2, 0.1, 4), "6 samples, 4 epochs, float64"),
        Case(regression_problem(rng, f64, 20, 3, 0.05, 30), "20 samples, 30 epochs, float64"),
        Case(regression_problem(rng, f64, 1, 1, 0.1, 5), "a single sample, float64"),
        Case(regression_problem(rng, f64, 5, 2, 0.1, 0), "epochs = 0: only the starting loss"),
        Case(regression_problem(rng, f64, 5, 2, 0.0, 3), "lr = 0: nothing moves"),
        Case(
            {**regression_problem(rng, f64, 15, 2, 0.1, 20), "w": np.zeros(2), "b": 0.0}, "from w = 0, b = 0.0, float64"
        ),
        Case(
            {
                "X": [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]],
                "y": [1.0, 2.0, 3.5],
                "w": [0.0, 0.0],
                "b": 0.0,
                "lr": 0.1,
                "epochs": 5,
            },
            "Python lists",
        ),
        Case(regression_problem(rng, f32, 10, 2, 0.1, 5), "10 samples, 5 epochs, float32"),
        Case(regression_problem(rng, f32, 20, 3, 0.05, 10), "20 samples, 10 epochs, float32"),
    ]
    for _ in range(3):
        n, d = int(rng.integers(5, 30)), int(rng.integers(1, 5))
        cases.append(
            Case(
                regression_problem(rng, f64, n, d, float(rng.choice([0.01, 0.05, 0.1])), int(rng.integers(5, 25))),
                f"random {n} samples, {d} features, float64",
            )
        )
    cases.append(
        Case(
            {"X": [[0.0, 1.0], [1.0, 0.0]], "y": [1.0, 2.0], "w": [0.5, -0.5], "b": 0.0, "lr": 0.1, "epochs": 0},
            "Python lists, epochs = 0: w still comes back as an array",
        )
    )
    return cases


def _sgd_cases(rng):
    f64, f32 = np.float64, np.float32
    cases = [
        Case(regression_problem(rng, f64, 4, 2, 0.1, 3, seed=0), "4 samples, 3 epochs, float64"),
        Case(regression_problem(rng, f64, 10, 3, 0.05, 5, seed=42), "10 samples, 5 epochs, float64"),
        Case(regression_problem(rng, f64, 1, 2, 0.1, 4, seed=3), "a single sample, float64"),
        Case(regression_problem(rng, f64, 5, 2, 0.1, 0, seed=1), "epochs = 0: only the starting loss"),
        Case(regression_problem(rng, f32, 8, 2, 0.05, 3, seed=7), "8 samples, 3 epochs, float32"),
        Case(regression_problem(rng, f32, 12, 3, 0.02, 2, seed=11), "12 samples, 2 epochs, float32"),
    ]
    for _ in range(3):
        n, d = int(rng.integers(5, 20)), int(rng.integers(1, 4))
        cases.append(
            Case(
                regression_problem(rng, f64, n, d, 0.02, int(rng.integers(2, 8)), seed=int(rng.integers(1000))),
                f"random {n} samples, {d} features, float64",
            )
        )
    return cases


def _minibatch_cases(rng):
    f64, f32 = np.float64, np.float32

    def problem(dtype, n, d, lr, epochs, batch_size, seed):
        return regression_problem(rng, dtype, n, d, lr, epochs, batch_size=batch_size, seed=seed)

    cases = [
        Case(problem(f64, 5, 2, 0.1, 3, 2, 1), "5 samples in batches of 2 (the last has 1), 3 epochs, float64"),
        Case(problem(f64, 10, 3, 0.05, 6, 4, 42), "10 samples in batches of 4 (the last has 2), float64"),
        Case(problem(f64, 9, 2, 0.05, 4, 3, 5), "9 samples in batches of 3, float64"),
        Case(problem(f64, 8, 2, 0.1, 5, 8, 2), "batch_size = n: one batch per epoch, float64"),
        Case(problem(f64, 6, 2, 0.1, 5, 10, 3), "batch_size > n: one short batch per epoch, float64"),
        Case(problem(f64, 6, 2, 0.05, 3, 1, 4), "batch_size = 1: stochastic gradient descent, float64"),
        Case(problem(f64, 7, 2, 0.1, 0, 3, 0), "epochs = 0: only the starting loss"),
        Case(problem(f32, 10, 2, 0.05, 3, 3, 7), "10 samples in batches of 3, float32"),
        Case(problem(f32, 6, 3, 0.1, 3, 16, 8), "batch_size > n, float32"),
    ]
    for _ in range(3):
        n, d, bs = int(rng.integers(5, 25)), int(rng.integers(1, 4)), int(rng.integers(2, 7))
        cases.append(
            Case(
                problem(f64, n, d, 0.05, int(rng.integers(2, 10)), bs, int(rng.integers(1000))),
                f"random {n} samples in batches of {bs}, float64",
            )
        )
    return cases


# --- graders -------------------------------------------------------------------------------------

GRADERS = {
    "predict": Grader(
        cases=_predict_cases,
        reference=lambda R, X, w, b: R.t(X) @ R.t(w) + b,
        mistakes=(
            Mistake(
                "forgot b",
                "the prediction is X @ w + b: add the bias.",
                same_as(lambda X, w, b: _linear(X, w, b, with_b=False)),
            ),
            Mistake(
                "X * w is elementwise",
                "X * w multiplies each column by a weight but never adds them up; "
                "X @ w takes each row's dot product with w, giving shape (n,).",
                same_as(lambda X, w, b: _floats(X, 0.0, w, b)[0] * np.asarray(w) + b),
            ),
            Mistake(
                "a column instead of a vector",
                "X @ w.reshape(-1, 1) gives shape (n, 1); with w of shape (d,), "
                "X @ w + b already has the contract's shape (n,).",
                same_as(lambda X, w, b: _linear(X, w, b)[:, None]),
                form=True,
            ),
        ),
    ),
    "mse_gradient": Grader(
        cases=_gradient_cases,
        reference=_gradient_reference,
        parts=("grad_w", "grad_b"),
        mistakes=(
            Mistake(
                "missing factor 2",
                "d/dw mean(err²) = 2/n · Xᵀ·err and d/db = 2/n · Σ err: the 2 comes from "
                "the square. Without it you have the gradient of ½·MSE, not of the MSE autograd sees.",
                same_as(lambda X, y, w, b: _gradient(X, y, w, b, factor=1.0)),
            ),
            Mistake(
                "summed instead of averaged gradients",
                "the MSE is a mean, so divide by n: 2/n · Xᵀ·err, 2/n · Σ err.",
                same_as(lambda X, y, w, b: _gradient(X, y, w, b, mean=False)),
            ),
            Mistake(
                "error sign flipped",
                "with err = y − ŷ the gradient's sign is flipped, so each step w − lr·grad "
                "goes uphill. The gradient of mean((ŷ − y)²) uses err = ŷ − y = X @ w + b − y.",
                same_as(lambda X, y, w, b: _gradient(X, y, w, b, sign=-1.0)),
            ),
            Mistake(
                "forgot b",
                "the error is X @ w + b − y: the bias is part of the prediction.",
                same_as(lambda X, y, w, b: _gradient(X, y, w, b, with_b=False)),
            ),
        ),
    ),
    "batch_gd": Grader(
        cases=_batch_cases,
        reference=_train_reference,
        parts=PARTS,
        histories=("losses",),
        mistakes=(IN_PLACE, SUMMED, NO_FACTOR_2, SEQUENTIAL, *LOSSES, FLOAT64),
    ),
    "sgd": Grader(
        cases=_sgd_cases,
        reference=_train_reference,
        parts=PARTS,
        histories=("losses",),
        mistakes=(IN_PLACE, NO_SHUFFLE, NEW_RNG_EACH_EPOCH, OTHER_ORDER, NO_FACTOR_2, SEQUENTIAL, *LOSSES, FLOAT64),
    ),
    "minibatch_gd": Grader(
        cases=_minibatch_cases,
        reference=_train_reference,
        parts=PARTS,
        histories=("losses",),
        mistakes=(
            IN_PLACE,
            NO_SHUFFLE,
            NEW_RNG_EACH_EPOCH,
            DROPPED_LAST,
            SUMMED,
            OTHER_ORDER,
            NO_FACTOR_2,
            SEQUENTIAL,
            *LOSSES,
            FLOAT64,
        ),
    ),
}


# --- `course plot gradient_descent`: the three kinds on one problem ----------------------------

GD_SAMPLES, GD_FEATURES, GD_LR, GD_EPOCHS, GD_BATCH, GD_SEED = 40, 2, 0.05, 30, 8, 0


def _plot(ctx):
    from graders import plots  # matplotlib: only when a figure is drawn

    # the graders' own problem generator: a noisy linear regression and a starting (w, b)
    p = regression_problem(np.random.default_rng(GD_SEED), np.float64, GD_SAMPLES, GD_FEATURES, GD_LR, GD_EPOCHS)
    data = (p["X"], p["y"], p["w"], p["b"], p["lr"], p["epochs"])
    runs = (
        ("batch_gd", t("plot.gd-batch"), ()),
        ("sgd", t("plot.gd-sgd", samples=GD_SAMPLES), (GD_SEED,)),
        (
            "minibatch_gd",
            t("plot.gd-minibatch", updates=-(-GD_SAMPLES // GD_BATCH), batch=GD_BATCH),
            (GD_BATCH, GD_SEED),
        ),
    )
    fig, axes = plots.new_figure(
        1,
        3,
        t("plot.gd", samples=GD_SAMPLES, lr=GD_LR),
    )
    epochs = np.arange(GD_EPOCHS + 1)
    for ax, (function, title, more) in zip(axes[0], runs, strict=True):
        reference = ctx.reference(function, *data, *more)[2]
        yours = plots.answer_of(ctx.yours(function, *data, *more), lambda v: v[2], shape=reference.shape)
        plots.curve_panel(ax, epochs, reference, yours, f"{function}: {title}", xlabel=t("plot.epoch"), log=True)
    axes[0, 0].set_ylabel(t("plot.mse-log"))
    return fig


FIGURES = {"gradient_descent": _plot}  # course plot gradient_descent: gradient_descent.png

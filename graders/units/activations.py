"""Unit 4, 활성화 함수: each activation and its derivative against torch and autograd."""

from __future__ import annotations

import numpy as np

from graders.i18n import t
from graders.spec import (
    EXP_OVERFLOW,
    FLOATS,
    PIECEWISE_BIG,
    Case,
    Grader,
    Mistake,
    any_of,
    behaves_as,
    elementwise_cases,
    in_place,
    raises_as,
    random_array,
    same_as,
    stable_sigmoid,
    warned,
)


def _softmax(x, axis=-1):
    x = np.asarray(x)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


IN_PLACE = in_place(
    "x[x < 0] = ... writes into the caller's array. Build a new one instead: np.where(x > 0, x, <the value for x ≤ 0>)."
)


def _naive_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _exp_tanh(x):
    return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))


def _list_as_array(model) -> Mistake:
    """A Python list x met by arithmetic (−x) that only an array does element by element; `model`
    is the formula as a learner writes it, on x itself, and must raise what the answer raised."""
    return Mistake(
        "a Python list used as an array",
        "x may be a Python list, and −x, x * 2 or x ** 2 do not work element by element on a list "
        "(−[1.0] is a TypeError, [1.0] * 2 repeats it). Turn x into an array first: x = np.asarray(x).",
        raises_as(model),
    )


FAR_ROWS = [[0.0, 1.0, 2.0], [1000.0, 1001.0, 1002.0]]


def _exp_shifted(x, axis):
    """e^(x − max), the max along `axis` (None: of the whole array)."""
    x = np.asarray(x)
    return np.exp(x - x.max(axis=axis, keepdims=True))


def _global_shift(x, axis=-1):
    e = _exp_shifted(x, None)
    return e / e.sum(axis=axis, keepdims=True)


def _wrong_axis(a) -> bool:
    x, axis = a.case.args[0], (a.case.args[1] if len(a.case.args) > 1 else -1)
    others = [ax for ax in range(np.ndim(x)) if ax != axis % np.ndim(x)]
    return any(same_as(lambda x, *_, ax=ax: _softmax(x, ax))(a) for ax in others)


def _softmax_cases(rng: np.random.Generator) -> list[Case]:
    cases = [
        Case({"x": [1000.0, 1001.0]}, "the contract's [1000, 1001]"),
        Case({"x": [[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]]}, "a Python list, default axis"),
        # the whole array's max, not each row's, leaves the low row at exp(−1000) = 0: 0/0
        Case({"x": FAR_ROWS}, "rows 1000 apart, default axis"),
    ]
    for dtype in FLOATS:
        name = np.dtype(dtype).name
        cases.append(Case({"x": np.array([-1e4, 0.0, 1e4, 1e4], dtype)}, f"±1e4 {name}"))
        cases.append(Case({"x": random_array(rng, dtype, (3, 4))}, f"3x4 {name}, default axis"))
        for shape in ((3, 4), (2, 3, 4)):
            for axis in (*range(len(shape)), -1):
                x = random_array(rng, dtype, shape, scale=30.0)
                cases.append(Case({"x": x, "axis": axis}, f"{shape} {name}, axis={axis}"))
    return cases


def _softmax_backward_cases(rng: np.random.Generator) -> list[Case]:
    cases = [
        Case({"x": [1000.0, 1001.0, 999.0], "grad_out": [1.0, -2.0, 0.5]}, "large logits, Python lists"),
        Case({"x": FAR_ROWS, "grad_out": [[1.0, -2.0, 0.5], [0.5, 1.0, -1.0]]}, "rows 1000 apart, Python lists"),
    ]
    for dtype in FLOATS:
        name = np.dtype(dtype).name
        for shape in ((5,), (3, 4), (2, 3, 4)):
            for axis in (*range(len(shape)), -1):
                x, g = random_array(rng, dtype, shape), random_array(rng, dtype, shape, scale=1.0)
                cases.append(Case({"x": x, "grad_out": g, "axis": axis}, f"{shape} {name}, axis={axis}"))
    return cases


def _leaky_cases(rng: np.random.Generator) -> list[Case]:
    return [
        *elementwise_cases(rng, random=2, big=PIECEWISE_BIG),
        *elementwise_cases(rng, random=2, big=PIECEWISE_BIG, negative_slope=0.2),
        Case({"x": np.array([-3.0, 0.0, 3.0]), "negative_slope": 0.0}, "negative_slope = 0"),
        Case({"x": np.array([-3.0, 0.0, 3.0]), "negative_slope": 1.5}, "negative_slope > 1"),
    ]


GRADERS = {
    "sigmoid": Grader(
        cases=elementwise_cases,
        reference=lambda R, x: R.torch.sigmoid(R.t(x)),
        mistakes=(
            Mistake(
                "naive sigmoid overflow",
                "1 / (1 + np.exp(-x)) overflows for large negative x (exp(1000) is inf). "
                "Use e = np.exp(-np.abs(x)): 1/(1+e) where x >= 0, e/(1+e) where x < 0.",
                behaves_as(lambda x: _naive_sigmoid(np.asarray(x)), warned(EXP_OVERFLOW)),
            ),
            Mistake(
                "sign flipped",
                "you computed σ(−x) = 1/(1+e^x); σ(x) is 1/(1+e^−x).",
                same_as(lambda x: stable_sigmoid(-np.asarray(x, dtype=float))),
            ),
            _list_as_array(_naive_sigmoid),
        ),
    ),
    "tanh": Grader(
        cases=elementwise_cases,
        reference=lambda R, x: R.torch.tanh(R.t(x)),
        mistakes=(
            Mistake(
                "tanh from exponentials overflows",
                "(e^x − e^−x)/(e^x + e^−x) is inf/inf = nan for |x| ≳ 710 in float64 (≳ 89 in float32). Use np.tanh, "
                "or 2σ(2x) − 1 with a stable σ.",
                behaves_as(lambda x: _exp_tanh(np.asarray(x)), warned(EXP_OVERFLOW)),
            ),
            Mistake(
                "sigmoid instead of tanh",
                "tanh ranges over (−1, 1); σ ranges over (0, 1). tanh(x) = 2σ(2x) − 1.",
                same_as(stable_sigmoid),
            ),
            _list_as_array(_exp_tanh),
        ),
    ),
    "relu": Grader(
        cases=lambda rng: elementwise_cases(rng, big=PIECEWISE_BIG),
        reference=lambda R, x: R.torch.relu(R.t(x)),
        mistakes=(
            IN_PLACE,
            Mistake(
                "returned the derivative",
                "(x > 0) is ReLU's slope (0 or 1), not ReLU itself; ReLU keeps x where x > 0: np.maximum(x, 0).",
                same_as(lambda x: (np.asarray(x) > 0).astype(float)),
            ),
        ),
    ),
    "leaky_relu": Grader(
        cases=_leaky_cases,
        reference=lambda R, x, negative_slope=0.01: R.F.leaky_relu(R.t(x), negative_slope),
        mistakes=(
            IN_PLACE,
            Mistake(
                "ignored negative_slope",
                "the slope for x < 0 is the negative_slope argument, not always 0.01.",
                same_as(lambda x, negative_slope=0.01: np.where(np.asarray(x) > 0, x, 0.01 * np.asarray(x))),
            ),
            Mistake(
                "plain ReLU",
                "LeakyReLU returns negative_slope·x for x < 0, not 0: that small slope is the point of it.",
                same_as(lambda x, negative_slope=0.01: np.maximum(x, 0)),
            ),
            Mistake(
                "np.maximum(x, negative_slope·x)",
                "that trick holds only for negative_slope <= 1; choose by the sign of x: "
                "np.where(x > 0, x, negative_slope * x).",
                same_as(lambda x, negative_slope=0.01: np.maximum(x, negative_slope * np.asarray(x))),
            ),
        ),
    ),
    "softmax": Grader(
        cases=_softmax_cases,
        reference=lambda R, x, axis=-1: R.torch.softmax(R.t(x), dim=axis),
        mistakes=(
            Mistake(
                "softmax without the max shift",
                "np.exp(1000) overflows to inf and inf/inf is nan. Subtract x.max(axis=axis, keepdims=True) "
                "first: softmax(x − c) = softmax(x).",
                behaves_as(
                    lambda x, axis=-1: np.exp(np.asarray(x)) / np.exp(np.asarray(x)).sum(axis=axis, keepdims=True),
                    warned(EXP_OVERFLOW),
                ),
            ),
            Mistake(
                "softmax over the wrong axis",
                "the sums run along another axis than `axis`; pass axis=axis and keepdims=True to max and sum.",
                _wrong_axis,
            ),
            Mistake(
                "normalised over the whole array",
                "np.sum(e) without axis adds every element; each slice along `axis` must sum to 1.",
                any_of(
                    same_as(lambda x, axis=-1: _exp_shifted(x, None) / _exp_shifted(x, None).sum()),
                    same_as(lambda x, axis=-1: _exp_shifted(x, axis) / _exp_shifted(x, axis).sum()),
                ),
            ),
            Mistake(
                "shifted by the whole array's max",
                "x.max() without axis is the largest element of the whole array: a slice far below it becomes "
                "exp(−1000) = 0 everywhere, and 0/0 is nan. Shift each slice by its own max: "
                "x.max(axis=axis, keepdims=True).",
                same_as(_global_shift),
            ),
        ),
    ),
    "sigmoid_grad": Grader(
        cases=elementwise_cases,
        reference=lambda R, x: R.grad(R.torch.sigmoid, x),
        mistakes=(
            Mistake(
                "x·(1−x) as sigmoid's derivative",
                "σ'(x) = σ(x)(1 − σ(x)); x·(1 − x) is that only when x is already σ(x). Compute s = σ(x) first.",
                same_as(lambda x: np.asarray(x) * (1 - np.asarray(x))),
            ),
            Mistake(
                "naive sigmoid overflow",
                "the σ inside overflows for large negative x; use a stable σ.",
                behaves_as(
                    lambda x: _naive_sigmoid(np.asarray(x)) * (1 - _naive_sigmoid(np.asarray(x))), warned(EXP_OVERFLOW)
                ),
            ),
            Mistake(
                "returned σ(x)", "that is the forward value; the derivative is σ(x)(1 − σ(x)).", same_as(stable_sigmoid)
            ),
            _list_as_array(lambda x: _naive_sigmoid(x) * (1 - _naive_sigmoid(x))),
        ),
    ),
    "tanh_grad": Grader(
        cases=elementwise_cases,
        reference=lambda R, x: R.grad(R.torch.tanh, x),
        mistakes=(
            Mistake(
                "1−x² as tanh's derivative",
                "tanh'(x) = 1 − tanh(x)²; 1 − x² is that only when x is already tanh(x).",
                same_as(lambda x: 1 - np.asarray(x) ** 2),
            ),
            Mistake("forgot the square", "tanh'(x) = 1 − tanh(x)², squared.", same_as(lambda x: 1 - np.tanh(x))),
        ),
    ),
    "relu_grad": Grader(
        cases=lambda rng: elementwise_cases(rng, big=PIECEWISE_BIG),
        reference=lambda R, x: R.grad(R.torch.relu, x),
        mistakes=(
            Mistake(
                "slope 1 at x = 0",
                "PyTorch takes ReLU's slope at exactly 0 to be 0: use x > 0, not x >= 0.",
                same_as(lambda x: (np.asarray(x) >= 0).astype(float)),
            ),
            Mistake(
                "a boolean mask",
                "x > 0 gives True/False; turn it into numbers of x's dtype: (x > 0).astype(x.dtype).",
                lambda a: np.asarray(a.got).dtype == bool,
                form=True,
            ),
            Mistake(
                "returned ReLU itself",
                "the derivative is 1 where x > 0 and 0 elsewhere, not max(x, 0).",
                same_as(lambda x: np.maximum(x, 0)),
            ),
        ),
    ),
    "leaky_relu_grad": Grader(
        cases=_leaky_cases,
        reference=lambda R, x, negative_slope=0.01: R.grad(lambda t: R.F.leaky_relu(t, negative_slope), x),
        mistakes=(
            Mistake(
                "slope 1 at x = 0",
                "PyTorch takes the slope at exactly 0 to be negative_slope: 1 only where x > 0.",
                same_as(lambda x, s=0.01: np.where(np.asarray(x) >= 0, 1.0, s)),
            ),
            Mistake(
                "ignored negative_slope",
                "the slope for x ≤ 0 is the negative_slope argument, not always 0.01.",
                same_as(lambda x, s=0.01: np.where(np.asarray(x) > 0, 1.0, 0.01)),
            ),
        ),
    ),
    "softmax_backward": Grader(
        cases=_softmax_backward_cases,
        reference=lambda R, x, grad_out, axis=-1: R.grad(lambda t: R.torch.softmax(t, dim=axis), x, grad_out),
        mistakes=(
            Mistake(
                "diagonal-only softmax backward",
                "s·(1 − s)·g uses only the Jacobian's diagonal; every output depends on every input along axis. "
                "The vector–Jacobian product is s·(g − Σ(g·s)) with the sum along axis, keepdims=True.",
                same_as(lambda x, g, axis=-1: _softmax(x, axis) * (1 - _softmax(x, axis)) * np.asarray(g)),
            ),
            Mistake(
                "forgot the Σ(g·s) term",
                "s·g is only the first half; subtract s·Σ(g·s) along axis.",
                same_as(lambda x, g, axis=-1: _softmax(x, axis) * np.asarray(g)),
            ),
            Mistake(
                "softmax shifted by the whole array's max",
                "the softmax inside subtracts x.max() of the whole array: a slice far below it becomes 0/0 = nan. "
                "Shift each slice by its own max: x.max(axis=axis, keepdims=True).",
                same_as(
                    lambda x, g, axis=-1: (
                        _global_shift(x, axis)
                        * (np.asarray(g) - (np.asarray(g) * _global_shift(x, axis)).sum(axis=axis, keepdims=True))
                    )
                ),
            ),
            Mistake(
                "summed over the whole array",
                "Σ(g·s) runs along `axis` only (keepdims=True), not over every element.",
                same_as(
                    lambda x, g, axis=-1: (
                        _softmax(x, axis) * (np.asarray(g) - (np.asarray(g) * _softmax(x, axis)).sum())
                    )
                ),
            ),
        ),
    ),
}


# --- `course plot activations`: each function over its derivative, x in [-6, 6] -------------------

LEAKY_SLOPE = 0.1  # not the default 0.01, whose negative side would look flat at this scale
PLOTTED = (("sigmoid", ()), ("tanh", ()), ("relu", ()), ("leaky_relu", (LEAKY_SLOPE,)))


def _plot(ctx):
    from graders import plots  # matplotlib: only when a figure is drawn

    x = np.arange(-240, 241) / 40  # steps of 1/40, so x = 0 exactly, where the ReLUs' slopes jump
    fig, axes = plots.new_figure(
        2,
        4,
        t("plot.activations", slope=LEAKY_SLOPE),
    )
    for column, (name, extra) in enumerate(PLOTTED):
        for row, function in enumerate((name, f"{name}_grad")):
            arguments = f", {LEAKY_SLOPE}" if extra else ""
            yours = plots.answer_of(ctx.yours(function, x, *extra), shape=x.shape)
            plots.curve_panel(
                axes[row, column], x, ctx.reference(function, x, *extra), yours, f"{function}(x{arguments})"
            )
    return fig


FIGURES = {"activations": _plot}  # course plot activations: activations.png

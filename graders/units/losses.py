"""Unit 5, 손실 함수: MSE and the cross-entropies against torch.nn.functional, and the notes' CEE example."""

from __future__ import annotations

import numpy as np

from graders.spec import FLOATS, Case, Grader, Mistake, any_of, behaves_as, random_array, same_as, warned

SEED_Y = [1.0, 0.0, 1.0, 1.0]
SEED_P = [0.9, 0.2, 0.8, 0.95]
NOTES_TOTAL = -0.067  # "0.105 + 0 − 0.223 + 0.051 = −0.067": the third term subtracted

LOG_OF_ZERO = "divide by zero encountered in log"


def _missing_clamp(loss) -> Mistake:
    """log(0) unclamped, where the answer is what `loss` gives with each log unclamped (`log`)."""
    return Mistake(
        "missing log clamp",
        "log(0) is −inf, and 0·(−inf) is nan. Clamp every log below at −100 as PyTorch does: "
        "np.maximum(np.log(p), -100) inside np.errstate(divide='ignore').",
        behaves_as(lambda y, p: loss(y, p, log=np.log), warned(LOG_OF_ZERO)),
    )


def _missing_minus(loss) -> Mistake:
    return Mistake(
        "missing minus sign",
        "log p ≤ 0 for p ≤ 1, so Σ y·log p is ≤ 0: the cross-entropy is its negative, −Σ y·log p. "
        "A loss is never negative; keep the minus in front.",
        same_as(lambda y, p: -loss(y, p)),
    )


def _log(p):
    return np.maximum(np.log(np.asarray(p, dtype=float)), -100)


def _terms(y, p, log=_log):
    return -np.asarray(y, dtype=float) * log(np.asarray(p, dtype=float))


def _cross_entropy(y, p, log=_log):
    return _terms(y, p, log).sum(axis=-1).mean()


def _binary_cross_entropy(y, p, log=_log):
    y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    return (_terms(y, p, log) + _terms(1 - y, 1 - p, log)).mean()


def _labels(rng, dtype, shape) -> np.ndarray:
    return (rng.random(shape) < 0.5).astype(dtype)


def _onehot(rng, dtype, rows: int, classes: int) -> np.ndarray:
    return np.eye(classes, dtype=dtype)[rng.integers(0, classes, rows)]


def _probs(rng, dtype, rows: int, classes: int) -> np.ndarray:
    z = rng.standard_normal((rows, classes)) * 2
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return (e / e.sum(axis=-1, keepdims=True)).astype(dtype)


def _mse_cases(rng):
    cases = [Case({"y_true": [1.0, 2.0, 3.0], "y_pred": [1.5, 2.0, 2.0]}, "Python lists")]
    for dtype in FLOATS:
        name = np.dtype(dtype).name
        cases += [
            Case({"y_true": np.array(2.0, dtype), "y_pred": np.array(-1.0, dtype)}, f"0-d {name}"),
            Case(
                {"y_true": np.array([1e4, -1e4, 0.0], dtype), "y_pred": np.array([-1e4, 1e4, 0.0], dtype)},
                f"±1e4 {name}",
            ),
        ]
        for shape in ((8,), (4, 3), (2, 3, 4)):
            cases.append(
                Case(
                    {"y_true": random_array(rng, dtype, shape), "y_pred": random_array(rng, dtype, shape)},
                    f"random {shape} {name}",
                )
            )
    return cases


def _edge_probabilities(dtype) -> tuple[np.ndarray, np.ndarray]:
    """Every (y, p) with y in {0, 1} and p in {0, 1e-30, 0.5, 1}: p = 0 and 1 hit the clamp."""
    y, p = np.meshgrid([0.0, 1.0], [0.0, 1e-30, 0.5, 1.0])
    return y.ravel().astype(dtype), p.ravel().astype(dtype)


def _label_cases(rng):
    """(y, p) pairs for the element-wise losses: the notes' data, p = 0 and 1, 0-d, random 2-D."""
    cases = [Case({"y": SEED_Y, "p": SEED_P}, "the notes' example, Python lists")]
    for dtype in FLOATS:
        name = np.dtype(dtype).name
        y, p = _edge_probabilities(dtype)
        cases += [
            Case({"y": y, "p": p}, f"p = 0 and p = 1 {name}"),
            Case({"y": np.array(1.0, dtype), "p": np.array(0.25, dtype)}, f"0-d {name}"),
            Case({"y": _labels(rng, dtype, (3, 4)), "p": rng.random((3, 4)).astype(dtype)}, f"random 3x4 {name}"),
        ]
    return cases


def _cross_entropy_cases(rng):
    cases = [
        Case(
            {"y_onehot": [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], "probs": [[0.2, 0.7, 0.1], [0.0, 0.5, 0.5]]},
            "Python lists, a true class with p = 0",
        )
    ]
    for dtype in FLOATS:
        name = np.dtype(dtype).name
        cases += [
            Case({"y_onehot": np.eye(3, dtype=dtype), "probs": np.eye(3, dtype=dtype)}, f"perfect predictions {name}"),
            Case({"y_onehot": _onehot(rng, dtype, 5, 4), "probs": _probs(rng, dtype, 5, 4)}, f"random 5x4 {name}"),
            Case({"y_onehot": _onehot(rng, dtype, 1, 6), "probs": _probs(rng, dtype, 1, 6)}, f"one row {name}"),
        ]
    return cases


def _softmax_cross_entropy_cases(rng):
    cases = [
        Case(
            {"y_onehot": [[0.0, 1.0], [1.0, 0.0]], "logits": [[1000.0, 1001.0], [1000.0, 1001.0]]},
            "large logits, Python lists",
        )
    ]
    for dtype in FLOATS:
        name = np.dtype(dtype).name
        cases += [
            Case(
                {
                    "y_onehot": np.eye(3, dtype=dtype),
                    "logits": np.array([[1e4, 0, -1e4], [1e4, 0, -1e4], [0, 0, 0]], dtype),
                },
                f"±1e4 logits {name}",
            ),
            Case(
                {"y_onehot": _onehot(rng, dtype, 6, 5), "logits": random_array(rng, dtype, (6, 5))},
                f"random 6x5 {name}",
            ),
        ]
    return cases


def _naive_softmax(z):
    e = np.exp(np.asarray(z, dtype=float))
    return e / e.sum(axis=-1, keepdims=True)


def _log_softmax(z):
    z = np.asarray(z, dtype=float)
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def _seed_reference(R):
    terms = -(R.t(SEED_Y) * R.torch.log(R.t(SEED_P)).clamp(min=-100))
    return terms, terms.sum()


def _total(a) -> float:
    return float(np.asarray(a.got[1]))


GRADERS = {
    "mse": Grader(
        cases=_mse_cases,
        reference=lambda R, y_true, y_pred: R.F.mse_loss(R.t(y_pred), R.t(y_true)),
        check_dtype=False,
        mistakes=(
            Mistake(
                "MSE summed",
                "MSE is the mean of the squared errors, not their sum: np.mean, not np.sum.",
                same_as(lambda t, p: np.sum((np.asarray(p) - np.asarray(t)) ** 2)),
            ),
            Mistake(
                "half MSE",
                "½·mean is a convention for hand derivatives; F.mse_loss has no ½.",
                same_as(lambda t, p: 0.5 * np.mean((np.asarray(p) - np.asarray(t)) ** 2)),
            ),
            Mistake(
                "forgot to square",
                "each error is squared before the mean: (y_pred − y_true)².",
                same_as(lambda t, p: np.mean(np.abs(np.asarray(p) - np.asarray(t)))),
            ),
            Mistake(
                "RMSE",
                "that is the root of the MSE; leave out np.sqrt.",
                same_as(lambda t, p: np.sqrt(np.mean((np.asarray(p) - np.asarray(t)) ** 2))),
            ),
        ),
    ),
    "cee_terms": Grader(
        cases=_label_cases,
        reference=lambda R, y, p: -(R.t(y) * R.torch.log(R.t(p)).clamp(min=-100)),
        mistakes=(
            _missing_clamp(_terms),
            Mistake(
                "negative loss terms",
                "a loss term is never negative: log p ≤ 0 for p ≤ 1, so −y·log p ≥ 0. Keep the minus sign.",
                same_as(lambda y, p: -_terms(y, p)),
            ),
            Mistake(
                "log10 instead of ln",
                "cross-entropy uses the natural log: np.log, not np.log10.",
                same_as(lambda y, p: -np.asarray(y) * np.maximum(np.log10(np.asarray(p, dtype=float)), -100)),
            ),
        ),
    ),
    "seed_cee_example": Grader(
        cases=lambda rng: [Case({}, "the notes' example y = [1, 0, 1, 1], p = [0.9, 0.2, 0.8, 0.95]")],
        reference=_seed_reference,
        check_dtype=False,
        parts=("terms", "total"),
        mistakes=(
            Mistake(
                "the notes' sign slip",
                "the notes write 0.105 + 0 − 0.223 + 0.051 = −0.067: they subtract the third term. "
                "A loss term −y·log p is never negative, so the total is the plain sum "
                "0.1054 + 0 + 0.2231 + 0.0513 = 0.3798.",
                lambda a: abs(_total(a) - NOTES_TOTAL) < 1.5e-3,
            ),
            Mistake(
                "mean instead of sum",
                "the notes' Total Loss adds the four terms; it does not divide by 4.",
                lambda a: abs(_total(a) - float(np.mean(_terms(SEED_Y, SEED_P)))) < 1e-4,
            ),
            Mistake(
                "binary cross-entropy",
                "you also counted (1 − y)·log(1 − p) for the y = 0 sample; "
                "the notes' CEE is only −y·log p, so that term is 0.",
                lambda a: abs(_total(a) - 0.6029) < 1e-3,
            ),
            Mistake(
                "missing minus sign",
                "your terms and total are negative: y·log p without the minus. Each term is −y·log p ≥ 0, "
                "so the total is 0.3798.",
                same_as(lambda: (-_terms(SEED_Y, SEED_P), -_terms(SEED_Y, SEED_P).sum())),
            ),
        ),
    ),
    "cross_entropy": Grader(
        cases=_cross_entropy_cases,
        reference=lambda R, y_onehot, probs: R.F.nll_loss(
            R.torch.log(R.t(probs)).clamp(min=-100), R.t(y_onehot).argmax(-1)
        ),
        check_dtype=False,
        mistakes=(
            _missing_clamp(_cross_entropy),
            _missing_minus(_cross_entropy),
            Mistake(
                "summed over rows",
                "sum −y·log p over the classes of a row, then take the mean over rows.",
                same_as(lambda y, p: _terms(y, p).sum()),
            ),
            Mistake(
                "mean over all elements",
                "np.mean over the whole array also divides by the number of classes; "
                "sum over classes (axis=-1) first, then average over rows.",
                same_as(lambda y, p: _terms(y, p).mean()),
            ),
        ),
    ),
    "binary_cross_entropy": Grader(
        cases=_label_cases,
        reference=lambda R, y, p: R.F.binary_cross_entropy(R.t(p), R.t(y)),
        check_dtype=False,
        mistakes=(
            _missing_clamp(_binary_cross_entropy),
            _missing_minus(_binary_cross_entropy),
            Mistake(
                "forgot the (1 − y) term",
                "BCE is −[y·log p + (1 − y)·log(1 − p)]: the samples with y = 0 count too.",
                same_as(lambda y, p: _terms(y, p).mean()),
            ),
            Mistake(
                "summed instead of averaged",
                "F.binary_cross_entropy takes the mean over all elements.",
                same_as(
                    lambda y, p: (
                        _terms(y, p) + _terms(1 - np.asarray(y, dtype=float), 1 - np.asarray(p, dtype=float))
                    ).sum()
                ),
            ),
        ),
    ),
    "softmax_cross_entropy": Grader(
        cases=_softmax_cross_entropy_cases,
        reference=lambda R, y_onehot, logits: R.F.cross_entropy(R.t(logits), R.t(y_onehot)),
        check_dtype=False,
        mistakes=(
            Mistake(
                "softmax then log, unstable",
                "exp of large logits overflows, and log of an underflowed 0 is −inf. "
                "Use log-sum-exp: log softmax(z) = z − m − log Σ e^(z − m) with m = max(z).",
                any_of(
                    *(
                        behaves_as(
                            lambda y, z, softmax=softmax: _cross_entropy(y, softmax(z), log=np.log),
                            lambda a: any(LOG_OF_ZERO in w or "overflow" in w for w in a.warnings),
                        )
                        for softmax in (_naive_softmax, lambda z: np.exp(_log_softmax(z)))
                    )
                ),
            ),
            Mistake(
                "summed over rows",
                "take the mean over rows of −Σ y·log softmax(z).",
                same_as(lambda y, z: -(np.asarray(y) * _log_softmax(z)).sum()),
            ),
            _missing_minus(lambda y, z: -(np.asarray(y) * _log_softmax(z)).sum(axis=-1).mean()),
        ),
    ),
}

"""Unit 2, 퍼셉트론: the step function, one perceptron, logic-gate weights judged against the
gate's truth table, XOR from two layers, and Rosenblatt's rule replayed step by step in torch."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from graders.i18n import t
from graders.spec import FLOATS, PIECEWISE_BIG, Case, Grader, Mistake, Raises, elementwise_cases, in_place, same_as

TRUTH = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])  # the gates' four input rows
TABLES = {
    "and": (0, 0, 0, 1),
    "or": (0, 1, 1, 1),
    "nand": (1, 1, 1, 0),
    "nor": (1, 0, 0, 0),
    "xor": (0, 1, 1, 0),
    "xnor": (1, 0, 0, 1),
}


def _heaviside(R, t):
    return R.torch.heaviside(t, R.torch.zeros((), dtype=t.dtype, device=t.device))


def _step(z, at_zero: float = 0.0):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, np.where(z == 0, at_zero, 0.0))


def _rows(rows) -> str:
    return ", ".join(f"({int(r[0])}, {int(r[1])})" for r in rows)


def _num(v) -> str:
    return f"{float(v):g}"


FLOAT64_FOR_FLOAT32 = Mistake(
    "float64 answer for float32 input",
    "np.where(z > 0, 1.0, 0.0) is float64 whatever z (the input of step, or x·w + b) is; keep its dtype: "
    "(z > 0).astype(z.dtype).",
    lambda a: a.case.dtype == np.float32 and np.asarray(a.got).dtype == np.float64,
    form=True,
)
STEP_0_IS_1 = "step(0) = 1"


# --- step and perceptron --------------------------------------------------------------------


def _perceptron_cases(rng: np.random.Generator) -> list[Case]:
    w11 = np.array([1.0, 1.0])
    cases = [
        Case({"x": np.array([1.0, 1.0]), "w": np.array([0.5, 0.5]), "b": -0.7}, "one input, AND weights"),
        Case({"x": TRUTH, "w": w11, "b": -1.5}, "the truth table, AND weights"),
        Case({"x": TRUTH, "w": w11, "b": -2.0}, "x·w + b = 0 exactly at (1, 1)"),
        Case({"x": TRUTH, "w": w11, "b": -1.0}, "x·w + b = 0 exactly at (0, 1) and (1, 0)"),
        Case({"x": np.array([1.0, 0.0]), "w": w11, "b": -1.0}, "one input on the boundary"),
        Case({"x": [[0.0, 1.0], [1.0, 1.0]], "w": [1.0, 1.0], "b": -1.5}, "Python lists"),
        Case({"x": np.zeros((0, 2)), "w": w11, "b": 0.5}, "no inputs, shape (0, 2)"),
        Case({"x": TRUTH.astype(np.float32), "w": w11.astype(np.float32), "b": -1.0}, "boundary rows, float32"),
    ]
    for dtype in FLOATS:
        name = np.dtype(dtype).name
        for _ in range(3):
            # multiples of 1/4: every x·w + b is exact in float32 too, zeros included
            n = int(rng.integers(3, 9))
            x = (rng.integers(-8, 9, size=(n, 2)) / 4).astype(dtype)
            w = (rng.integers(-8, 9, size=2) / 4).astype(dtype)
            b = float(rng.integers(-8, 9) / 4)
            cases.append(Case({"x": x, "w": w, "b": b}, f"random {n}x2 {name}"))
    return cases


# --- gate_params ----------------------------------------------------------------------------


def _gate_answer(got) -> tuple[np.ndarray, float] | str:
    """(w, b) as numbers, or what is wrong with the answer's form."""
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        return t("gate.not-a-pair")
    w, b = got
    try:
        w, b = np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64)
    except (TypeError, ValueError):
        return t("gate.not-numbers")
    if w.shape != (2,):
        return t("gate.w-shape", shape=w.shape)
    if b.ndim != 0:
        return t("gate.b-shape", shape=b.shape)
    if not (np.isfinite(w).all() and np.isfinite(b)):
        return t("gate.not-finite")
    return w, float(b)


def _gate_outputs(got) -> tuple[int, ...]:
    w, b = _gate_answer(got)
    return tuple(int(v) for v in _step(TRUTH @ w + b))


def _judge_gate(case: Case, got) -> str | None:
    """Run the learner's (w, b) through a perceptron on the four rows; name the wrong rows.

    In NumPy: the reference is the gate's truth table, and with 0/1 inputs x·w + b is rounded
    once, exactly as torch rounds it (tests/test_accept_judges.py), so no torch is imported to judge."""
    name = case.inputs["name"]
    answer = _gate_answer(got)
    if isinstance(answer, str):
        return answer
    w, b = answer
    z = TRUTH @ w + b
    got_table = tuple(int(v) for v in _step(z))
    want = TABLES[name]
    if got_table == want:
        return None
    gate = name.upper()
    wrong = [row for row, g, w_ in zip(TRUTH, got_table, want, strict=True) if g != w_]
    text = t(
        "gate.wrong",
        w=f"[{_num(w[0])}, {_num(w[1])}]",
        b=_num(b),
        got=list(got_table),
        gate=gate,
        want=list(want),
        rows=_rows(wrong),
    )
    on_boundary = [row for row, zi, w_ in zip(TRUTH, z, want, strict=True) if w_ == 1 and zi == 0]
    if on_boundary:
        text += t("gate.on-boundary", rows=_rows(on_boundary))
    other = next((g for g, table in TABLES.items() if table == got_table), None)
    if other:
        text += t("gate.computes", other=other.upper())
    return text


def _on_the_boundary(a) -> bool:
    """Wrong, but right if step(0) were 1: the rows that should give 1 sit exactly on x·w + b = 0."""
    w, b = _gate_answer(a.got)
    table = TABLES[a.case.inputs["name"]]
    return _gate_outputs(a.got) != table and tuple(_step(TRUTH @ w + b, at_zero=1.0)) == table


def _negated_one(a) -> bool:
    """A NAND answer that is AND's weights with only w or only b negated: negating that one back gives AND."""
    w, b = _gate_answer(a.got)
    return a.case.inputs["name"] == "nand" and TABLES["and"] in (
        tuple(_step(TRUTH @ -w + b)),
        tuple(_step(TRUTH @ w - b)),
    )


def _another_gate(a) -> bool:
    outputs = _gate_outputs(a.got)
    return outputs != TABLES[a.case.inputs["name"]] and outputs in TABLES.values()


def _gate_cases(rng: np.random.Generator) -> list[Case]:
    return [
        Case({"name": "and"}, "AND"),
        Case({"name": "or"}, "OR"),
        Case({"name": "nand"}, "NAND"),
        Case({"name": "xor"}, "XOR: no single perceptron"),
        Case({"name": "nor"}, "a gate not in the list"),
        Case({"name": "xnor"}, "another gate not in the list"),
    ]


def _gate_reference(R, name):
    return None if name in ("and", "or", "nand") else Raises("ValueError")


# --- xor_gate -------------------------------------------------------------------------------


def _gate_of_rows(name: str):
    """The truth table of gate `name` applied to each row of x."""
    return lambda x: np.array(TABLES[name], dtype=float)[(2 * np.asarray(x)[:, 0] + np.asarray(x)[:, 1]).astype(int)]


def _xor_cases(rng: np.random.Generator) -> list[Case]:
    cases = [Case({"x": TRUTH}, "the truth table"), Case({"x": TRUTH.astype(np.float32)}, "the truth table, float32")]
    for dtype in FLOATS:
        n = int(rng.integers(5, 10))
        cases.append(Case({"x": rng.integers(0, 2, size=(n, 2)).astype(dtype)}, f"{n} random rows"))
    cases += [
        Case({"x": np.array([[1.0, 0.0]])}, "one row"),
        Case({"x": [[0.0, 0.0], [1.0, 1.0], [0.0, 1.0]]}, "a Python list"),
        Case({"x": np.zeros((0, 2))}, "no rows, shape (0, 2)"),
    ]
    return cases


def _xor_reference(R, x):
    t = R.t(x)
    return R.torch.logical_xor(t[:, 0] != 0, t[:, 1] != 0).to(t.dtype)


# --- train_perceptron -----------------------------------------------------------------------


def _rosenblatt(X, y, lr=0.1, epochs=20, *, at_zero=0.0, reverse=False, count_after=False, update_b=True, sign=1):
    """Rosenblatt's rule in NumPy, and its known mistakes as options."""
    X = np.asarray(X)
    X = X if X.dtype.kind == "f" else X.astype(np.float64)
    y = np.asarray(y, dtype=X.dtype)
    w, b = np.zeros(X.shape[1], X.dtype), X.dtype.type(0)
    order = range(len(X))[::-1] if reverse else range(len(X))
    errors = []
    for _ in range(epochs):
        wrong = 0
        for i in order:
            y_hat = X.dtype.type(_step(X[i] @ w + b, at_zero))
            delta = lr * sign * (y[i] - y_hat)
            w, b = w + delta * X[i], (b + delta if update_b else b)
            wrong += int(y_hat != y[i])
        if count_after:
            wrong = int(np.sum(_step(X @ w + b, at_zero) != y))
        errors.append(wrong)
    return w, b, np.array(errors)


def _robust(X, y, lr, epochs, dtype, margin: float = 1e-4) -> bool:
    """True when every x·w + b of the run is either exactly 0 in any order of summation, or
    clearly away from 0: then NumPy, torch CPU and CUDA all take the same steps."""
    X, y = np.asarray(X, dtype), np.asarray(y, dtype)
    w, b = np.zeros(X.shape[1], dtype), dtype(0)

    def exact(v):
        return Fraction(float(v))

    for _ in range(epochs):
        for xi, yi in zip(X, y, strict=True):
            terms = [exact(a) * exact(c) for a, c in zip(xi, w, strict=True)] + [exact(b)]
            total = sum(terms)
            if total == 0:
                partial = terms + [s + t for i, s in enumerate(terms) for t in terms[i + 1 :]]
                if any(exact(dtype(p)) != p for p in partial):
                    return False
            elif abs(total) <= margin * sum(abs(t) for t in terms):
                return False
            y_hat = dtype(xi @ w + b > 0)
            delta = dtype(lr) * (yi - y_hat)
            w, b = w + delta * xi, b + delta
    return True


def _separable(rng: np.random.Generator, dtype, d: int = 2):
    """Random linearly separable data (quarter-step coordinates, a margin around the true line)
    whose training run is robust for the lr and epochs drawn with it."""
    while True:
        n = int(rng.integers(6, 13))
        w_true, b_true = rng.standard_normal(d), float(rng.standard_normal())
        X = rng.integers(-8, 9, size=(3 * n, d)) / 4
        z = X @ w_true + b_true
        X, z = X[np.abs(z) > 0.3][:n], z[np.abs(z) > 0.3][:n]
        y = (z > 0).astype(float)
        lr, epochs = float(rng.choice([0.1, 0.25, 0.5, 1.0])), int(rng.choice([5, 10, 20]))
        if len(X) >= 4 and 0 < y.sum() < len(y) and _robust(X, y, lr, epochs, dtype):
            return X.astype(dtype), y.astype(dtype), lr, epochs


def _train_cases(rng: np.random.Generator) -> list[Case]:
    def table(gate, dtype=np.float64):
        return (TRUTH.astype(dtype), np.array(TABLES[gate], dtype))

    X, y = table("and")
    cases = [
        Case({"X": X, "y": y}, "AND, default lr and epochs: reaches 0 errors"),
        Case({"X": X, "y": table("or")[1]}, "OR, default lr and epochs: reaches 0 errors"),
        Case({"X": X, "y": table("xor")[1]}, "XOR, default lr and epochs: never 0 errors"),
        # lr = 0.1 is not exact in binary: NAND's run there turns on rounding, so lr = 0.5
        Case({"X": X, "y": table("nand")[1], "lr": 0.5}, "NAND, lr = 0.5"),
        Case({"X": X, "y": y, "lr": 1.0, "epochs": 5}, "AND, lr = 1, 5 epochs"),
        Case({"X": X, "y": table("xor")[1], "lr": 0.5, "epochs": 1}, "XOR, one epoch"),
        Case({"X": TRUTH.tolist(), "y": [float(v) for v in TABLES["or"]], "lr": 0.25, "epochs": 6}, "OR, Python lists"),
        Case({"X": table("and", np.float32)[0], "y": table("and", np.float32)[1]}, "AND, float32"),
        Case(
            {"X": table("xor", np.float32)[0], "y": table("xor", np.float32)[1], "lr": 0.25, "epochs": 10},
            "XOR, float32",
        ),
    ]
    for dtype in FLOATS:
        for _ in range(2):
            X, y, lr, epochs = _separable(rng, dtype)
            cases.append(
                Case(
                    {"X": X, "y": y, "lr": lr, "epochs": epochs},
                    f"random separable data, {len(X)} samples, {np.dtype(dtype).name}",
                )
            )
    X, y, lr, epochs = _separable(rng, np.float64, d=3)
    cases.append(Case({"X": X, "y": y, "lr": lr, "epochs": epochs}, "random separable data, 3 features"))
    return cases


def _train_reference(R, X, y, lr=0.1, epochs=20):
    """The same loop in torch, one sample at a time in the given order."""
    X, y = R.t(X), R.t(y)
    w = R.torch.zeros(X.shape[1], dtype=X.dtype, device=X.device)
    b = R.torch.zeros((), dtype=X.dtype, device=X.device)
    errors = []
    for _ in range(epochs):
        wrong = 0
        for xi, yi in zip(X, y, strict=True):
            y_hat = _heaviside(R, xi @ w + b)
            delta = lr * (yi - y_hat)
            w, b = w + delta * xi, b + delta
            wrong += int(y_hat != yi)
        errors.append(wrong)
    return w, b, R.torch.tensor(errors, dtype=R.torch.int64)


def _stopped_early(a) -> bool:
    """The right run, cut off after its first epoch without errors."""
    w, b, errors = a.expected
    stop = list(errors).index(0) + 1 if 0 in errors else len(errors)
    return stop < len(errors) and a.holds((w, b, errors[:stop]))


GRADERS = {
    "step": Grader(
        cases=lambda rng: [Case({"z": c.inputs["x"]}, c.label) for c in elementwise_cases(rng, big=PIECEWISE_BIG)],
        reference=lambda R, z: _heaviside(R, R.t(z)),
        mistakes=(
            Mistake(
                STEP_0_IS_1,
                "z >= 0 also fires at z = 0. This course, like torch.heaviside(z, 0), takes step(0) = 0: "
                "the signal flows only when z > 0.",
                same_as(lambda z: _step(z, at_zero=1.0)),
            ),
            Mistake(
                "a boolean answer",
                "z > 0 gives True/False; the step function outputs the numbers 1.0 and 0.0: (z > 0).astype(z.dtype).",
                lambda a: np.asarray(a.got).dtype == bool,
                form=True,
            ),
            FLOAT64_FOR_FLOAT32,
            in_place("z[z > 0] = 1 writes into the caller's array. Build a new one: (z > 0).astype(z.dtype)."),
        ),
    ),
    "perceptron": Grader(
        cases=_perceptron_cases,
        reference=lambda R, x, w, b: _heaviside(R, R.t(x) @ R.t(w) + b),
        mistakes=(
            Mistake(
                "returned the weighted sum",
                "x @ w + b is the weighted sum (전달함수); the perceptron passes it through the step function: "
                "step(x @ w + b).",
                same_as(lambda x, w, b: np.asarray(x) @ np.asarray(w) + b),
            ),
            Mistake(
                STEP_0_IS_1,
                "x·w + b = 0 must give 0 (step(0) = 0): fire only where the sum is > 0, not >= 0.",
                same_as(lambda x, w, b: _step(np.asarray(x) @ np.asarray(w) + b, at_zero=1.0)),
            ),
            Mistake(
                "forgot the bias",
                "the bias shifts the threshold: step(x @ w + b), not step(x @ w).",
                same_as(lambda x, w, b: _step(np.asarray(x) @ np.asarray(w))),
            ),
            Mistake(
                "summed over every row",
                "np.sum(x * w) adds the products of all rows into one number. Each row needs its own sum: "
                "x @ w gives one per row, shape (n,).",
                same_as(lambda x, w, b: _step(np.sum(np.asarray(x) * np.asarray(w)) + b)),
            ),
            FLOAT64_FOR_FLOAT32,
        ),
    ),
    "gate_params": Grader(
        cases=_gate_cases,
        reference=_gate_reference,
        accept=_judge_gate,
        mistakes=(
            Mistake(
                "on the boundary: needs step(0) = 1",
                "a row that should give 1 has x·w + b = 0 exactly, and step(0) = 0. With w = (1, 1), AND's "
                "b = −2 puts (1, 1) on the line; b = −1.5 puts the line strictly between the rows.",
                _on_the_boundary,
            ),
            Mistake(
                "negated only w or only b",
                "NAND is NOT AND: negate both w and b of an AND perceptron (0.5, 0.5, −0.7 becomes −0.5, −0.5, 0.7), "
                "so every x·w + b changes sign. Negating one of them leaves all four rows on one side.",
                _negated_one,
            ),
            Mistake(
                "another gate's weights",
                "with w = (1, 1), x·w is 0, 1 or 2 on the four rows, and b sets which of them clear 0: AND lets "
                "only 2 through (b = −1.5), OR lets 1 and 2 through (b = −0.5), NAND is AND with w and b negated.",
                _another_gate,
            ),
        ),
    ),
    "xor_gate": Grader(
        cases=_xor_cases,
        reference=_xor_reference,
        check_dtype=False,
        mistakes=(
            Mistake(
                "an (n, 1) answer",
                "the notes' output layer w2 is 2×1, so hidden @ w2 comes out (n, 1). Return one value per row, "
                "shape (n,): use a weight vector of shape (2,) or take [:, 0].",
                lambda a: np.shape(a.got) == (len(a.case.inputs["x"]), 1),
                form=True,
            ),
            Mistake(
                "OR instead of XOR",
                "OR also gives 1 at (1, 1); XOR gives 1 only when exactly one input is 1. Combine two layers: "
                "AND(NAND(x), OR(x)).",
                same_as(_gate_of_rows("or")),
            ),
            Mistake(
                "NAND instead of XOR",
                "NAND also gives 1 at (0, 0); XOR is 1 only where NAND and OR are both 1: AND(NAND(x), OR(x)).",
                same_as(_gate_of_rows("nand")),
            ),
            Mistake(
                "AND instead of XOR",
                "that is only the output layer; feed it the hidden layer's outputs NAND(x) and OR(x), not x itself.",
                same_as(_gate_of_rows("and")),
            ),
            Mistake(
                "XNOR: every output flipped",
                "you output 1 where the inputs are equal; XOR is 1 where they differ. Check which gates feed the "
                "output layer: AND(NAND(x), OR(x)).",
                same_as(_gate_of_rows("xnor")),
            ),
        ),
    ),
    "train_perceptron": Grader(
        cases=_train_cases,
        reference=_train_reference,
        check_dtype=False,
        parts=("w", "b", "errors"),
        histories=("errors",),
        mistakes=(
            Mistake(
                STEP_0_IS_1,
                "ŷ = step(x·w + b) with step(0) = 0: at the start w = 0 and b = 0, so z = 0 and ŷ must be 0. "
                "Use z > 0, not z >= 0.",
                same_as(lambda X, y, lr=0.1, epochs=20: _rosenblatt(X, y, lr, epochs, at_zero=1.0)),
            ),
            Mistake(
                "samples in another order",
                "Rosenblatt's rule here visits the samples in the given order, every epoch: no shuffling, no "
                "reversing. The order changes every update after the first mistake.",
                same_as(lambda X, y, lr=0.1, epochs=20: _rosenblatt(X, y, lr, epochs, reverse=True)),
            ),
            Mistake(
                "errors counted after the epoch",
                "errors[e] counts the samples misclassified while epoch e runs, each with the weights of that "
                "moment, not with the weights at the end of the epoch.",
                same_as(lambda X, y, lr=0.1, epochs=20: _rosenblatt(X, y, lr, epochs, count_after=True)),
            ),
            Mistake(
                "b not updated",
                "the bias learns too: b += lr·(y − ŷ), as if it were the weight of an input that is always 1.",
                same_as(lambda X, y, lr=0.1, epochs=20: _rosenblatt(X, y, lr, epochs, update_b=False)),
            ),
            Mistake(
                "update with the wrong sign",
                "the update is lr·(y − ŷ): when ŷ = 0 but y = 1 the weights must grow toward x. (ŷ − y) pushes the "
                "boundary the wrong way.",
                same_as(lambda X, y, lr=0.1, epochs=20: _rosenblatt(X, y, lr, epochs, sign=-1)),
            ),
            Mistake(
                "stopped at 0 errors",
                "run all `epochs` epochs; errors has one entry per epoch (the later ones are 0 once the data is "
                "separated). On XOR the errors never reach 0 at all: no single line separates XOR's rows.",
                _stopped_early,
            ),
        ),
    ),
}

"""The perceptron, logic gates and Rosenblatt's learning rule: reference answers.

퍼셉트론, 논리 게이트(AND, OR, NAND, XOR)와 퍼셉트론 학습 규칙의 참고 답안입니다.
"""

import numpy as np

# Weights with the boundary strictly between the rows, so no row has x·w + b = 0 exactly.
GATES = {
    "and": ([0.5, 0.5], -0.7),  # only 0.5 + 0.5 clears 0.7
    "or": ([0.5, 0.5], -0.2),  # a single 1 clears 0.2
    "nand": ([-0.5, -0.5], 0.7),  # AND with w and b negated: every z changes sign
}


def _asfloat(x):
    # Lists and ints become float64; float32 stays float32, as a torch tensor keeps its dtype.
    x = np.asarray(x)
    return x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float64)


def step(z):
    """1.0 where z > 0, else 0.0 (step(0) = 0); same shape and float dtype as z."""
    z = _asfloat(z)
    return (z > 0).astype(z.dtype)  # a new array of numbers, not a boolean mask


def perceptron(x, w, b):
    """step(x @ w + b): a 0-d result for x of shape (2,), shape (n,) for x of shape (n, 2)."""
    x = _asfloat(x)
    return step(x @ np.asarray(w, dtype=x.dtype) + b)


def gate_params(name):
    """(w, b) of a perceptron computing "and", "or" or "nand"; ValueError for any other name."""
    if name not in GATES:
        # XOR is not linearly separable: no single line splits its 1s from its 0s.
        raise ValueError(f"no single perceptron computes {name!r}; choose one of {sorted(GATES)}")
    w, b = GATES[name]
    return np.array(w), b


def xor_gate(x):
    """XOR of the rows of x (n, 2): AND(NAND(x), OR(x)), two layers of perceptrons."""
    x = _asfloat(x)
    hidden = np.stack(
        [perceptron(x, *gate_params("nand")), perceptron(x, *gate_params("or"))], axis=-1
    )  # the hidden layer, (n, 2)
    return perceptron(hidden, *gate_params("and"))  # one output per row, (n,)


def train_perceptron(X, y, lr=0.1, epochs=20):
    """Rosenblatt's rule from w = 0, b = 0, samples in the given order; returns (w, b, errors)."""
    X = _asfloat(X)
    y = np.asarray(y, dtype=X.dtype)
    w = np.zeros(X.shape[1], dtype=X.dtype)
    b = X.dtype.type(0)
    errors = np.zeros(epochs, dtype=np.int64)
    for epoch in range(epochs):
        for xi, yi in zip(X, y):
            y_hat = step(xi @ w + b)
            # A right answer gives y − ŷ = 0: only mistakes move the boundary.
            delta = lr * (yi - y_hat)
            w = w + delta * xi  # a new array: never change the caller's data
            b = b + delta
            errors[epoch] += y_hat != yi  # counted during the epoch, as each sample is seen
    return w, b, errors

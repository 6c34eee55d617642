"""Activation functions and their derivatives: reference answers.

활성화 함수와 그 도함수의 참고 답안입니다.
"""

import numpy as np


def _asfloat(x):
    # Lists and ints become float64; float32 stays float32, as a torch tensor keeps its dtype.
    x = np.asarray(x)
    return x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float64)


def sigmoid(x):
    """σ(x) = 1 / (1 + e^−x), elementwise; same shape and float dtype as x.

    Stable for any finite x: sigmoid(-1000) is 0.0 with no overflow warning.
    """
    x = _asfloat(x)
    # e^−|x| lies in (0, 1], so neither branch can overflow; underflow to 0 is the right answer.
    with np.errstate(under="ignore"):
        z = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + z), z / (1 + z))


def tanh(x):
    """tanh(x), elementwise, in (−1, 1); same shape and float dtype as x."""
    x = _asfloat(x)
    return np.tanh(x)  # NumPy's tanh saturates to ±1 without overflowing


def relu(x):
    """max(x, 0), elementwise; same shape and float dtype as x."""
    x = _asfloat(x)
    return np.maximum(x, 0)  # a new array: never x[x < 0] = 0, which would edit the caller's data


def leaky_relu(x, negative_slope=0.01):
    """x where x > 0, else negative_slope·x; same shape and float dtype as x."""
    x = _asfloat(x)
    return np.where(x > 0, x, negative_slope * x)


def softmax(x, axis=-1):
    """e^x / Σ e^x along `axis`; each slice along `axis` sums to 1. Same shape and dtype.

    Stable: softmax([1000, 1001]) is [0.2689, 0.7311], not nan.
    """
    x = _asfloat(x)
    # Shifting by the max changes nothing mathematically but keeps every exponent <= 0.
    with np.errstate(under="ignore"):
        e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def sigmoid_grad(x):
    """dσ/dx at x: σ(x)·(1 − σ(x)); same shape and float dtype as x."""
    s = sigmoid(x)
    return s * (1 - s)  # in terms of σ(x), not x: x·(1 − x) would be wrong


def tanh_grad(x):
    """d tanh/dx at x: 1 − tanh(x)²; same shape and float dtype as x."""
    t = tanh(x)
    return 1 - t * t


def relu_grad(x):
    """1 where x > 0, else 0 (0 at x = 0, as PyTorch's autograd); same shape and dtype."""
    x = _asfloat(x)
    return (x > 0).astype(x.dtype)


def leaky_relu_grad(x, negative_slope=0.01):
    """1 where x > 0, else negative_slope (negative_slope at x = 0, as PyTorch)."""
    x = _asfloat(x)
    return np.where(x > 0, 1, negative_slope).astype(x.dtype)


def softmax_backward(x, grad_out, axis=-1):
    """Vector–Jacobian product of softmax along `axis`: the gradient w.r.t. x given grad_out.

    With s = softmax(x), ds_i/dx_j = s_i(δ_ij − s_j), so the result is s·(g − Σ g·s).
    """
    s = softmax(x, axis)
    g = np.asarray(grad_out, dtype=s.dtype)
    # The Jacobian is not diagonal: every output depends on every input along `axis`.
    return s * (g - (g * s).sum(axis=axis, keepdims=True))

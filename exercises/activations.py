"""Unit 4: activation functions, the non-linearities between layers, and their derivatives.

Rules for every function here: x may be a Python float, a list, or a float32/float64 array
of any shape (0-d included). Return an array (or NumPy scalar) of x's shape and float dtype:
float32 stays float32, Python floats and lists give float64. Both are checked: a list, or a
float64 answer to float32 input, fails even with the right numbers. Never modify x in place. Use
NumPy only; the graders compare your answers with PyTorch.

활성화 함수(시그모이드, 하이퍼볼릭 탄젠트, ReLU, 리키 ReLU, 소프트맥스)와 역전파에 쓰이는 도함수를 NumPy로 구현합니다.
"""

import numpy as np


def sigmoid(x):
    """Sigmoid σ(x) = 1 / (1 + e^−x), elementwise; values in [0, 1].

    Must be stable: no NumPy warnings for |x| up to 1e4 in float32 or float64,
    so sigmoid(-1000.0) is 0.0 rather than an overflow.

    >>> sigmoid([0.0])
    array([0.5])
    """
    raise NotImplementedError("activations.sigmoid: write your answer here")


def tanh(x):
    """Hyperbolic tangent, elementwise; values in [−1, 1].

    No NumPy warnings for |x| up to 1e4: tanh(1e4) is 1.0.
    """
    raise NotImplementedError("activations.tanh: write your answer here")


def relu(x):
    """ReLU: x where x > 0, else 0, elementwise.

    Finite for |x| up to 1e300. Return a new array; x itself must not change.

    >>> relu([-1.0, 2.0])
    array([0., 2.])
    """
    raise NotImplementedError("activations.relu: write your answer here")


def leaky_relu(x, negative_slope=0.01):
    """Leaky ReLU: x where x > 0, else negative_slope · x, elementwise.

    Finite for |x| up to 1e300. Return a new array; x itself must not change.

    >>> leaky_relu([-100.0, 2.0])
    array([-1.,  2.])
    """
    raise NotImplementedError("activations.leaky_relu: write your answer here")


def softmax(x, axis=-1):
    """Softmax along `axis`: e^x divided by the sum of e^x over that axis.

    Same shape as x; every slice along `axis` is in [0, 1] and sums to 1.
    `axis` may be any valid axis of x (0, 1, −1, ...). Must be stable: no NumPy
    warnings for |x| up to 1e4, so softmax([1000.0, 1001.0]) is finite
    (about [0.269, 0.731]), not nan.

    >>> softmax([0.0, 0.0])
    array([0.5, 0.5])
    """
    raise NotImplementedError("activations.softmax: write your answer here")


def sigmoid_grad(x):
    """The derivative dσ/dx of the sigmoid, evaluated at x, elementwise.

    x is the sigmoid's input (not its output). No NumPy warnings for |x| up to 1e4.

    >>> sigmoid_grad([0.0])
    array([0.25])
    """
    raise NotImplementedError("activations.sigmoid_grad: write your answer here")


def tanh_grad(x):
    """The derivative d tanh/dx, evaluated at x, elementwise.

    x is tanh's input (not its output). No NumPy warnings for |x| up to 1e4.

    >>> tanh_grad([0.0])
    array([1.])
    """
    raise NotImplementedError("activations.tanh_grad: write your answer here")


def relu_grad(x):
    """The derivative of relu, evaluated at x, elementwise: 1.0 or 0.0.

    At x = 0 the derivative is undefined; use 0.0 there, as PyTorch's autograd does.
    """
    raise NotImplementedError("activations.relu_grad: write your answer here")


def leaky_relu_grad(x, negative_slope=0.01):
    """The derivative of leaky_relu, evaluated at x, elementwise: 1.0 or negative_slope.

    At x = 0 use negative_slope, as PyTorch's autograd does.
    """
    raise NotImplementedError("activations.leaky_relu_grad: write your answer here")


def softmax_backward(x, grad_out, axis=-1):
    """Backpropagation (역전파) through s = softmax(x, axis).

    grad_out has x's shape and holds dL/ds for some loss L; return dL/dx, an array of
    x's shape and float dtype (the vector–Jacobian product). Each slice along `axis`
    is independent of the others. Stable for |x| up to 1e4; never modify x or grad_out.
    """
    raise NotImplementedError("activations.softmax_backward: write your answer here")

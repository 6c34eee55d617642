"""Unit 6: gradient descent for linear regression with the mean squared error.

The model is ŷ = X @ w + b with X of shape (n, d), y of shape (n,), w of shape (d,) and
b a float. The loss is the MSE, mean((ŷ − y)²). Work in X's float dtype: float32 inputs
give float32 arrays (checked: a float64 w fails), lists and Python floats give float64; b
and a gradient's scalar may be any number. A history of losses may be a list, a tuple or a
1-D array: only its values are compared.
Never modify an input (w -= ... would change the caller's array). Use NumPy only; the
graders replay your training with torch.autograd and torch.optim.SGD.

배치 경사 하강법, 확률적 경사 하강법, 미니 배치 경사 하강법으로 선형 회귀의 가중치와 바이어스를 학습합니다.
"""

import numpy as np


def predict(X, w, b):
    """The linear model's predictions ŷ = X @ w + b.

    X: (n, d), w: (d,), b: a float. Returns an array of shape (n,) in X's float dtype.

    >>> predict([[1.0, 2.0]], [3.0, 4.0], 0.5)
    array([11.5])
    """
    raise NotImplementedError("gradient_descent.predict: write your answer here")


def mse_gradient(X, y, w, b):
    """The gradient of the mean squared error mean((X @ w + b − y)²) at (w, b).

    Returns (grad_w, grad_b): grad_w of shape (d,), grad_b a scalar, both in X's float dtype.
    Do not drop any constant: this is the gradient of the MSE itself, as autograd finds it.
    """
    raise NotImplementedError("gradient_descent.mse_gradient: write your answer here")


def batch_gd(X, y, w, b, lr, epochs):
    """Batch gradient descent (배치 경사 하강법): one update per epoch, using all n samples.

    Each update: (grad_w, grad_b) = mse_gradient on the samples, both from the same (w, b);
    then w ← w − lr·grad_w and b ← b − lr·grad_b.
    Returns (w, b, losses): the final w (d,) and b (a scalar of X's dtype), and losses,
    epochs + 1 numbers (a list or a 1-D array): the MSE on all the data before each epoch,
    and after the last.
    """
    raise NotImplementedError("gradient_descent.batch_gd: write your answer here")


def sgd(X, y, w, b, lr, epochs, seed):
    """Stochastic gradient descent (확률적 경사 하강법): one update per sample.

    Make rng = np.random.default_rng(seed) once, before the first epoch; each epoch visits the
    samples in the order rng.permutation(n), updating (w, b) with the gradient of that one
    sample's squared error. Returns (w, b, losses) as batch_gd does: losses has epochs + 1
    values, the MSE on all the data before each epoch and after the last.
    """
    raise NotImplementedError("gradient_descent.sgd: write your answer here")


def minibatch_gd(X, y, w, b, lr, epochs, batch_size, seed):
    """Mini-batch gradient descent (미니 배치 경사 하강법): one update per mini-batch.

    Same order as sgd (rng = np.random.default_rng(seed) made once; each epoch's order is
    rng.permutation(n)), cut into consecutive batches of batch_size samples; the last batch
    may be smaller and is kept. batch_size may be >= n (one batch per epoch). Each update uses
    the mean gradient over its batch (mse_gradient on that batch). Returns (w, b, losses) as
    batch_gd does: losses has epochs + 1 values.
    """
    raise NotImplementedError("gradient_descent.minibatch_gd: write your answer here")

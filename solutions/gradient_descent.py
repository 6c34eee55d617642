"""Batch, stochastic and mini-batch gradient descent for linear regression: reference answers.

배치 경사 하강법, 확률적 경사 하강법, 미니 배치 경사 하강법의 참고 답안입니다.
"""

import numpy as np


def _params(X, w, b):
    # Everything in X's float dtype (float32 stays float32). np.array copies w, so the updates
    # below never reach the caller's array.
    X = np.asarray(X)
    if not np.issubdtype(X.dtype, np.floating):
        X = X.astype(np.float64)
    return X, np.array(w, dtype=X.dtype), X.dtype.type(b)


def predict(X, w, b):
    """ŷ = X @ w + b: shape (n,), X's float dtype."""
    X, w, b = _params(X, w, b)
    return X @ w + b


def mse_gradient(X, y, w, b):
    """(grad_w, grad_b) of mean((X @ w + b − y)²): shapes (d,) and a scalar."""
    X, w, b = _params(X, w, b)
    err = predict(X, w, b) - np.asarray(y, dtype=X.dtype)
    # The 2 comes from the square, the 1/n from the mean: d/dw mean(err²) = 2/n · Xᵀ·err.
    return 2 / len(err) * (X.T @ err), 2 * np.mean(err)


def _mse(X, y, w, b):
    return np.mean((predict(X, w, b) - y) ** 2)


def _train(X, y, w, b, lr, epochs, batches):
    """The loop all three share; batches(n) gives one epoch's index arrays, one per update."""
    X, w, b = _params(X, w, b)
    y = np.asarray(y, dtype=X.dtype)
    losses = [_mse(X, y, w, b)]  # before the first epoch...
    for _ in range(epochs):
        for idx in batches(len(X)):
            grad_w, grad_b = mse_gradient(X[idx], y[idx], w, b)  # both from the same (w, b)
            w, b = w - lr * grad_w, b - lr * grad_b  # new arrays, never w -= ...
        losses.append(_mse(X, y, w, b))  # ...and after every epoch: epochs + 1 values
    return w, b, np.array(losses)


def batch_gd(X, y, w, b, lr, epochs):
    """배치 경사 하강법: one update per epoch, on all n samples. Returns (w, b, losses)."""
    return _train(X, y, w, b, lr, epochs, lambda n: [np.arange(n)])


def sgd(X, y, w, b, lr, epochs, seed):
    """확률적 경사 하강법: one update per sample, in the order rng.permutation(n) of each epoch."""
    return minibatch_gd(X, y, w, b, lr, epochs, 1, seed)  # a mini-batch of one sample


def minibatch_gd(X, y, w, b, lr, epochs, batch_size, seed):
    """미니 배치 경사 하강법: each epoch's permutation cut into batches; the last, smaller one kept."""
    rng = np.random.default_rng(seed)  # made once: every epoch draws a new permutation from it

    def batches(n):
        order = rng.permutation(n)
        return [order[i : i + batch_size] for i in range(0, n, batch_size)]

    return _train(X, y, w, b, lr, epochs, batches)

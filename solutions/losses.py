"""Loss functions: reference answers.

손실 함수(MSE, 교차 엔트로피 오차)의 참고 답안입니다.
"""

import numpy as np


def _asfloat(x):
    # Lists and ints become float64; float32 stays float32, as a torch tensor keeps its dtype.
    x = np.asarray(x)
    return x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float64)


def _log(p):
    # log 0 = −inf would make the loss inf (and 0·−inf nan); PyTorch clamps the log at −100.
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(p), -100)


def mse(y_true, y_pred):
    """Mean squared error: the mean over all elements of (y_pred − y_true)². A scalar."""
    y_pred = _asfloat(y_pred)
    y_true = np.asarray(y_true, dtype=y_pred.dtype)
    return np.mean((y_pred - y_true) ** 2)  # a mean, not a sum


def cee_terms(y, p):
    """Per-element cross-entropy terms −y·log p, the log clamped below at −100."""
    p = _asfloat(p)
    y = np.asarray(y, dtype=p.dtype)
    return -(y * _log(p))


def seed_cee_example():
    """(terms, total) for the notes' example y = [1, 0, 1, 1], p = [0.9, 0.2, 0.8, 0.95]."""
    terms = cee_terms([1.0, 0.0, 1.0, 1.0], [0.9, 0.2, 0.8, 0.95])
    # Every term −y·log p is >= 0, so they add up; the notes' "− 0.223" is a sign slip.
    return terms, terms.sum()


def cross_entropy(y_onehot, probs):
    """Mean over rows of −Σ y·log p (classes along the last axis), logs clamped at −100."""
    return cee_terms(y_onehot, probs).sum(axis=-1).mean()


def binary_cross_entropy(y, p):
    """Mean of −[y·log p + (1 − y)·log(1 − p)], each log clamped below at −100."""
    p = _asfloat(p)
    y = np.asarray(y, dtype=p.dtype)
    # The (1 − y) term is what makes a confident wrong "1" cost something when y = 0.
    return -np.mean(y * _log(p) + (1 - y) * _log(1 - p))


def softmax_cross_entropy(y_onehot, logits):
    """Mean over rows of −Σ y·log softmax(logits), classes along the last axis.

    Computed from the logits with log-sum-exp, so logits of ±1e4 stay finite.
    """
    z = _asfloat(logits)
    y = np.asarray(y_onehot, dtype=z.dtype)
    z = z - z.max(axis=-1, keepdims=True)
    # log softmax(z) = z − log Σ e^z; after the shift the sum is >= 1, so the log is safe.
    with np.errstate(under="ignore"):
        log_probs = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    return -(y * log_probs).sum(axis=-1).mean()

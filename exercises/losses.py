"""Unit 5: loss functions, which measure how far a prediction is from the true value.

Rules for every function here: inputs may be Python floats, lists, or float32/float64
arrays; targets (y) and predictions have the same shape. A loss is a single number: return
a Python float, a NumPy scalar or a 0-d array, in the inputs' float dtype (float32 stays
float32; Python floats and lists give float64). Every log is clamped below at −100, as
PyTorch does, so p = 0 and p = 1 give finite values with no NumPy warnings. Never modify
the inputs. Use NumPy only; the graders compare your answers with PyTorch.

손실 함수: 평균 제곱 오차(MSE)와 교차 엔트로피 오차(CEE)로 예측값과 실제값의 차이를 계산합니다.
"""

import numpy as np


def mse(y_true, y_pred):
    """Mean squared error (평균 제곱 오차): the mean over all elements of (y_pred − y_true)².

    >>> float(mse([1.0, 2.0], [1.0, 4.0]))
    2.0
    """
    raise NotImplementedError("losses.mse: write your answer here")


def cee_terms(y, p):
    """The notes' cross-entropy (CEE) terms, elementwise: −y · log p.

    y holds labels (0 or 1), p probabilities in [0, 1]; returns an array of their shape
    and float dtype. log p is clamped below at −100, so p = 0 gives a finite term, and
    y = 0 with p = 0 gives 0.
    """
    raise NotImplementedError("losses.cee_terms: write your answer here")


def seed_cee_example():
    """The notes' worked example (교차 엔트로피 오차): y = [1, 0, 1, 1], p = [0.9, 0.2, 0.8, 0.95].

    Return (terms, total): terms is a float64 array of shape (4,) holding each −y·log p,
    and total is the total loss of the four. Check the notes' arithmetic before trusting it.
    """
    raise NotImplementedError("losses.seed_cee_example: write your answer here")


def cross_entropy(y_onehot, probs):
    """Cross-entropy of one-hot labels and predicted probabilities, shapes (n, k).

    Rows are samples (axis 0), classes are the last axis. For each row take −Σ y·log p
    over the classes, then return the mean over the rows. Each log is clamped below at −100.
    """
    raise NotImplementedError("losses.cross_entropy: write your answer here")


def binary_cross_entropy(y, p):
    """Binary cross-entropy: the mean over all elements of −[y·log p + (1 − y)·log(1 − p)].

    y holds labels in [0, 1], p probabilities in [0, 1], any shape. Both logs are clamped
    below at −100, so p = 0 or p = 1 gives a finite loss.
    """
    raise NotImplementedError("losses.binary_cross_entropy: write your answer here")


def softmax_cross_entropy(y_onehot, logits):
    """Cross-entropy of one-hot labels and the softmax of raw scores (logits), shapes (n, k).

    Mathematically the mean over rows of −Σ y·log softmax(logits), classes along the last
    axis. Compute it stably from the logits: finite, with no NumPy warnings, for logits
    up to ±1e4.
    """
    raise NotImplementedError("losses.softmax_cross_entropy: write your answer here")

"""Unit 7: optimizers that adjust the step (momentum, Adam) and dropout.

Beyond the notes, which only name them. Arrays may be Python lists or float32/float64 arrays
of any shape (0-d included); w, grad, velocity, m and v share one shape. Return arrays of w's
(or x's) shape and float dtype: float32 stays float32, lists give float64. Never modify an
input in place. Use NumPy only; the graders compare with torch.optim.SGD, torch.optim.Adam
and F.dropout.

확률적 경사 하강법의 불안정한 변경 폭을 줄이려고 학습 속도와 운동량을 조정하는
옵티마이저(모멘텀, Adam)와, 과적합을 막으려고 일부 노드를 학습에서 제외하는
드롭아웃(dropout)을 구현합니다.
"""

import numpy as np


def momentum_step(w, grad, velocity, lr, momentum=0.9):
    """One step of gradient descent with momentum, as torch.optim.SGD(momentum=...) does it.

    velocity is None on the first step; then the new velocity is grad itself. Otherwise it
    is momentum · velocity + grad (no dampening). Then w moves by −lr · (new velocity).
    Returns (w, velocity): the new weights and the new velocity (PyTorch's momentum buffer),
    both of w's shape and dtype.

    >>> momentum_step([1.0], [2.0], None, 0.1)
    (array([0.8]), array([2.]))
    """
    raise NotImplementedError("optimizers.momentum_step: write your answer here")


def adam_step(w, grad, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    """One step of Adam, as torch.optim.Adam does it.

    m and v are the moving averages of the gradient and of its square (zeros of w's shape
    before the first step); t is this step's number, counting from 1. With (β1, β2) = betas:
    m ← β1·m + (1 − β1)·grad, v ← β2·v + (1 − β2)·grad², m̂ = m / (1 − β1^t),
    v̂ = v / (1 − β2^t), w ← w − lr · m̂ / (√v̂ + eps).
    Returns (w, m, v): the new weights and the new m and v (not m̂ and v̂), all of w's shape
    and dtype.
    """
    raise NotImplementedError("optimizers.adam_step: write your answer here")


def dropout(x, p, rng, training=True):
    """Inverted dropout: each element is dropped (set to 0) with probability p.

    When training: draw u = rng.random(x.shape) once, from the given generator rng; keep
    the elements where u >= p and multiply them by 1 / (1 − p); the others become 0.
    p = 0 keeps everything, p = 1 gives all zeros (with no division by zero).
    When training is False: draw nothing and return x's values unchanged.
    Returns an array of x's shape and float dtype.
    """
    raise NotImplementedError("optimizers.dropout: write your answer here")

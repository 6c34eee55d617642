"""Optimizers (momentum, Adam) and dropout: reference answers.

학습 속도와 운동량을 조정하는 옵티마이저(모멘텀, Adam)와 드롭아웃의 참고 답안입니다.
"""

import numpy as np


def _asfloat(x):
    # Lists and ints become float64; float32 stays float32, as a torch tensor keeps its dtype.
    x = np.asarray(x)
    return x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float64)


def momentum_step(w, grad, velocity, lr, momentum=0.9):
    """One SGD step with momentum, as torch.optim.SGD(momentum=...): returns (w, velocity)."""
    w = _asfloat(w)
    grad = np.array(grad, dtype=w.dtype)  # a copy: the velocity we return is ours, not the caller's grad
    # PyTorch's buffer: grad itself on the first step, then momentum·v + grad (no dampening).
    velocity = grad if velocity is None else momentum * np.asarray(velocity, dtype=w.dtype) + grad
    return w - lr * velocity, velocity  # the step uses the new velocity


def adam_step(w, grad, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    """One Adam step, as torch.optim.Adam: returns (w, m, v); t counts steps from 1."""
    w = _asfloat(w)
    grad = np.asarray(grad, dtype=w.dtype)
    beta1, beta2 = betas
    m = beta1 * np.asarray(m, dtype=w.dtype) + (1 - beta1) * grad  # moving average of the gradient
    v = beta2 * np.asarray(v, dtype=w.dtype) + (1 - beta2) * grad * grad  # ... and of its square
    # m and v start at zero, so early averages are too small; dividing by 1 − β^t undoes that.
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v  # eps outside the root, as PyTorch; raw m, v kept


def dropout(x, p, rng, training=True):
    """Inverted dropout: zero each element with probability p, scale the rest by 1/(1 − p)."""
    x = _asfloat(x)
    if not training:
        return x.copy()  # evaluation: every unit is used, and nothing is drawn or scaled
    keep = rng.random(x.shape) >= p  # one uniform number per element, from the rng we were given
    if p == 1:
        return np.zeros_like(x)  # everything dropped; 1/(1 − p) would divide by zero
    return x * keep / (1 - p)  # kept values grow so the expected output is x itself

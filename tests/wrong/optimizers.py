"""Realistic wrong answers for unit optimizers: (exercise id, the learner's function, the mistake named).

Each function is appended to the solution module, so it may use the solution's helpers.
"""

WRONG = [
    (
        "optimizers.momentum_step",
        "def momentum_step(w, grad, velocity, lr, momentum=0.9):\n    w, grad = np.asarray(w), np.asarray(grad)\n"
        "    if velocity is None:\n        velocity = np.zeros_like(w)\n"
        "    velocity = momentum * velocity - lr * grad\n"
        "    return w + velocity, velocity",
        "the other velocity convention",
    ),
    (
        "optimizers.momentum_step",
        "def momentum_step(w, grad, velocity, lr, momentum=0.9):\n    w, grad = np.asarray(w), np.asarray(grad)\n"
        "    if velocity is None:\n        velocity = grad\n    velocity = momentum * velocity + grad\n"
        "    return w - lr * velocity, velocity",
        "first step counted grad twice",
    ),
    (
        "optimizers.momentum_step",
        "def momentum_step(w, grad, velocity, lr, momentum=0.9):\n    w, grad = np.asarray(w), np.asarray(grad)\n"
        "    if velocity is None:\n        velocity = np.zeros_like(w)\n"
        "    velocity = momentum * velocity + (1 - momentum) * grad\n    return w - lr * velocity, velocity",
        "dampened the gradient",
    ),
    (
        "optimizers.momentum_step",
        "def momentum_step(w, grad, velocity, lr, momentum=0.9):\n    w, grad = np.asarray(w), np.asarray(grad)\n"
        "    if velocity is None:\n        return w - lr * grad, grad.copy()\n    velocity *= momentum\n"
        "    velocity += grad\n"
        "    return w - lr * velocity, velocity",
        "changed the input in place",
    ),
    (
        "optimizers.momentum_step",
        "def momentum_step(w, grad, velocity, lr, momentum=0.9):\n    w, grad = np.asarray(w), np.asarray(grad)\n"
        "    if velocity is None:\n        velocity = np.zeros_like(w)\n    w = w - lr * velocity\n"
        "    velocity = momentum * velocity + grad\n    return w, velocity",
        "stepped with the old velocity",
    ),
    (
        "optimizers.adam_step",
        "def adam_step(w, grad, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):\n"
        "    w, grad = np.asarray(w), np.asarray(grad)\n    b1, b2 = betas\n"
        "    m = b1 * np.asarray(m) + (1 - b1) * grad\n"
        "    v = b2 * np.asarray(v) + (1 - b2) * grad ** 2\n    return w - lr * m / (np.sqrt(v) + eps), m, v",
        "no bias correction",
    ),
    (
        "optimizers.adam_step",
        "def adam_step(w, grad, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):\n"
        "    w, grad = np.asarray(w), np.asarray(grad)\n    b1, b2 = betas\n"
        "    m = b1 * np.asarray(m) + (1 - b1) * grad\n"
        "    v = b2 * np.asarray(v) + (1 - b2) * grad ** 2\n    m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)\n"
        "    return w - lr * m_hat / np.sqrt(v_hat + eps), m, v",
        "eps inside the sqrt",
    ),
    (
        "optimizers.adam_step",
        "def adam_step(w, grad, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):\n"
        "    w, grad = np.asarray(w), np.asarray(grad)\n    b1, b2 = betas\n"
        "    m = b1 * np.asarray(m) + (1 - b1) * grad\n"
        "    v = b2 * np.asarray(v) + (1 - b2) * grad ** 2\n    t = t + 1\n"
        "    m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)\n"
        "    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v",
        "t counted from 0",
    ),
    (
        "optimizers.adam_step",
        "def adam_step(w, grad, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):\n"
        "    w, grad = np.asarray(w), np.asarray(grad)\n    b1, b2 = betas\n"
        "    m = b1 * np.asarray(m) + (1 - b1) * grad\n"
        "    v = b2 * np.asarray(v) + (1 - b2) * grad ** 2\n    m = m / (1 - b1 ** t)\n    v = v / (1 - b2 ** t)\n"
        "    return w - lr * m / (np.sqrt(v) + eps), m, v",
        "returned the bias-corrected moments",
    ),
    (
        "optimizers.adam_step",
        "def adam_step(w, grad, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):\n"
        "    w, grad = np.asarray(w), np.asarray(grad)\n    b1, b2 = betas\n    m = np.asarray(m)\n"
        "    v = np.asarray(v)\n"
        "    m *= b1\n    m += (1 - b1) * grad\n    v *= b2\n    v += (1 - b2) * grad ** 2\n"
        "    m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)\n"
        "    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v",
        "changed the input in place",
    ),
    (
        "optimizers.adam_step",
        "def adam_step(w, grad, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):\n"
        "    w, grad = np.asarray(w), np.asarray(grad)\n    b1, b2 = betas\n"
        "    m = (1 - b1) * np.asarray(m) + b1 * grad\n"
        "    v = (1 - b2) * np.asarray(v) + b2 * grad ** 2\n    m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)\n"
        "    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v",
        "β and 1 − β swapped",
    ),
    (
        "optimizers.adam_step",
        "def adam_step(w, grad, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):\n"
        "    w, grad = np.asarray(w), np.asarray(grad)\n    b1, b2 = betas\n"
        "    m = b1 * np.asarray(m) + (1 - b1) * grad\n"
        "    v = b2 * np.asarray(v) + (1 - b2) * grad ** 2\n    m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)\n"
        "    return w - lr * m_hat / np.sqrt(v_hat), m, v",
        "forgot eps",
    ),
    (
        "optimizers.dropout",
        "def dropout(x, p, rng, training=True):\n    x = np.asarray(x)\n    if not training:\n        return x\n"
        "    return x * (rng.random(x.shape) >= p)",
        "no 1/(1 − p) scaling",
    ),
    (
        "optimizers.dropout",
        "def dropout(x, p, rng, training=True):\n    x = np.asarray(x)\n    if not training:\n        return x\n"
        "    mask = rng.random(x.shape) < p\n    return x * mask / (1 - p)",
        "kept where u < p",
    ),
    (
        "optimizers.dropout",
        "def dropout(x, p, rng, training=True):\n    x = np.asarray(x)\n    if not training:\n        return x\n"
        "    mask = (rng.random(x.shape) < 1 - p) / (1 - p)\n    return x * mask.astype(x.dtype)",
        "kept where u < 1 − p",
    ),
    (
        "optimizers.dropout",
        "def dropout(x, p, rng, training=True):\n    x = np.asarray(x)\n    if not training:\n        return x\n"
        "    mask = np.random.rand(*x.shape) >= p\n    return x * mask / (1 - p)",
        "mask not drawn from rng",
    ),
    (
        "optimizers.dropout",
        "def dropout(x, p, rng, training=True):\n    x = np.asarray(x)\n    if not training:\n        return x\n"
        "    mask = rng.binomial(1, 1 - p, size=x.shape)\n    return x * mask.astype(x.dtype) / (1 - p)",
        "kept where u < 1 − p",
    ),
    (
        "optimizers.dropout",
        "def dropout(x, p, rng, training=True):\n    x = np.asarray(x)\n    if not training:\n        return x\n"
        "    u = np.random.default_rng().random(x.shape)\n    return x * (u >= p) / (1 - p)",
        "mask not drawn from rng",
    ),
    (
        "optimizers.dropout",
        "def dropout(x, p, rng, training=True):\n    x = np.asarray(x)\n    if p == 1:\n"
        "        return np.zeros_like(x)\n"
        "    if not training:\n        return x / (1 - p)\n    return x * (rng.random(x.shape) >= p) / (1 - p)",
        "scaled in eval mode",
    ),
    (
        "optimizers.dropout",
        "def dropout(x, p, rng, training=True):\n    x = np.asarray(x)\n    if p == 1:\n"
        "        return np.zeros_like(x)\n"
        "    return x * (rng.random(x.shape) >= p) / (1 - p)",
        "dropped in eval mode",
    ),
    (
        "optimizers.dropout",
        "def dropout(x, p, rng, training=True):\n    x = np.asarray(x)\n    if not training:\n        return x\n"
        "    return x * (rng.random(x.shape) >= p) / (1 - p)",
        "divided by zero at p = 1",
    ),
    (
        "optimizers.dropout",
        "def dropout(x, p, rng, training=True):\n    x = np.asarray(x)\n    if not training:\n        return x\n"
        "    scale = 1.0 / (1.0 - p)\n    return x * (rng.random(x.shape) >= p) * x.dtype.type(scale)",
        "divided by zero at p = 1",
    ),
    (
        "optimizers.dropout",
        "def dropout(x, p, rng, training=True):\n    x = np.asarray(x)\n    if not training:\n        return x\n"
        "    if p == 1:\n        return np.zeros_like(x)\n    x *= (rng.random(x.shape) >= p) / (1 - p)\n    return x",
        "changed the input in place",
    ),
]

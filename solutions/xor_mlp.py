"""The XOR multilayer perceptron: reference answers.

다층 퍼셉트론(은닉층 하나)으로 XOR 게이트를 계산하고, 역전파로 학습하는 참고 답안입니다.
"""

import numpy as np

# The notes' weights: n1 = x1·(−2) + x2·(−2) + 3, n2 = x1·2 + x2·2 − 1, y_out = n1 + n2 − 1.
SEED_W1 = np.array([[-2.0, 2.0], [-2.0, 2.0]])
SEED_B1 = np.array([3.0, -1.0])
SEED_W2 = np.array([[1.0], [1.0]])
SEED_B2 = np.array([-1.0])

_XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


def _asfloat(x):
    # Lists and ints become float64; float32 stays float32, as a torch tensor keeps its dtype.
    x = np.asarray(x)
    return x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float64)


def _step(z):
    return (z > 0).astype(z.dtype)  # strictly > 0: step(0) = 0, as torch.heaviside(z, 0)


def _sigmoid(z):
    # e^−|z| lies in (0, 1], so neither branch overflows, even for |z| = 1e4.
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


_ACTIVATIONS = {"step": _step, "sigmoid": _sigmoid}


def forward(X, W1, b1, W2, b2, activation="step"):
    """(hidden, out) = (act(X @ W1 + b1), act(hidden @ W2 + b2)); ValueError on bad shapes or names."""
    if activation not in _ACTIVATIONS:
        raise ValueError(f"activation must be 'step' or 'sigmoid', not {activation!r}")
    X, W1, b1, W2, b2 = (_asfloat(a) for a in (X, W1, b1, W2, b2))
    h = W1.shape[-1] if W1.ndim == 2 else -1
    # NumPy would broadcast a b1 of shape (1, h) or a b2 of shape () without complaint: check first.
    if not (
        X.ndim == 2
        and X.shape[1] == 2
        and W1.shape == (2, h)
        and b1.shape == (h,)
        and W2.shape == (h, 1)
        and b2.shape == (1,)
    ):
        raise ValueError(
            f"expected X (n, 2), W1 (2, h), b1 (h,), W2 (h, 1), b2 (1,); got X {X.shape}, "
            f"W1 {W1.shape}, b1 {b1.shape}, W2 {W2.shape}, b2 {b2.shape}"
        )
    act = _ACTIVATIONS[activation]
    hidden = act(X @ W1 + b1)  # rows are samples: (n, 2) @ (2, h) = (n, h)
    return hidden, act(hidden @ W2 + b2)  # the output layer has its activation too


def seed_table(activation="step"):
    """The notes' table as a (4, 5) array: x1, x2, n1, n2, y_out for the four inputs."""
    hidden, out = forward(_XOR_X, SEED_W1, SEED_B1, SEED_W2, SEED_B2, activation)
    return np.hstack([_XOR_X, hidden, out])


def robust_xor_params():
    """(W1, b1, W2, b2) whose sigmoid network gives < 0.1 on XOR-0 rows and > 0.9 on XOR-1 rows."""
    # n1 + n2 is 1 on the XOR-0 rows and 2 on the XOR-1 rows, so the output bias −1 sits exactly on
    # the XOR-0 rows (σ(0) = 0.5); −1.5 is halfway. Then ×10 pushes every weighted sum to ±5 or beyond.
    return 10 * SEED_W1, 10 * SEED_B1, 10 * SEED_W2, np.array([-15.0])


def loss_and_grads(X, y, W1, b1, W2, b2):
    """MSE of the sigmoid network and its gradients by backpropagation: (loss, {"W1", "b1", "W2", "b2"})."""
    X, y, W1, b1, W2, b2 = (_asfloat(a) for a in (X, y, W1, b1, W2, b2))
    # 순전파
    hidden = _sigmoid(X @ W1 + b1)
    out = _sigmoid(hidden @ W2 + b2)
    loss = np.mean((out - y) ** 2)
    # 역전파: the chain rule from the loss back to each parameter
    d_out = 2 * (out - y) / y.size  # d mean((out − y)²) / d out
    d_z2 = d_out * out * (1 - out)  # σ'(z) = σ(z)(1 − σ(z)), with σ(z) = out already computed
    d_hidden = d_z2 @ W2.T
    d_z1 = d_hidden * hidden * (1 - hidden)
    grads = {
        "W1": X.T @ d_z1,
        "b1": d_z1.sum(axis=0),  # b1 is added to every row, so its gradient sums the rows
        "W2": hidden.T @ d_z2,
        "b2": d_z2.sum(axis=0),
    }
    return loss, grads


def train(X, y, hidden=4, lr=1.0, epochs=2000, seed=0):
    """Full-batch gradient descent from a seeded start; (params, losses), losses[e] before update e."""
    X = _asfloat(X)
    rng = np.random.default_rng(seed)  # one generator: W1 takes the first draws, W2 the next
    params = {
        "W1": rng.normal(0, 1, (2, hidden)).astype(X.dtype),
        "b1": np.zeros(hidden, X.dtype),
        "W2": rng.normal(0, 1, (hidden, 1)).astype(X.dtype),
        "b2": np.zeros(1, X.dtype),
    }
    losses = []
    for _ in range(epochs):
        loss, grads = loss_and_grads(X, y, **params)
        losses.append(loss)  # the loss of the parameters this update starts from
        params = {k: p - lr * grads[k] for k, p in params.items()}  # new arrays, nothing in place
    return params, np.array(losses, dtype=X.dtype)

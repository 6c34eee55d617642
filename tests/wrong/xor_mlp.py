"""Realistic wrong answers for unit xor_mlp: (exercise id, the learner's function, the mistake named).

Each function is appended to the solution module, so it may use the solution's helpers.
"""

_CHECKED = (
    "    X, W1, b1, W2, b2 = (np.asarray(a) for a in (X, W1, b1, W2, b2))\n"
    "    if activation not in ('step', 'sigmoid'):\n        raise ValueError(activation)\n"
    "    h = W1.shape[-1]\n"
    "    if X.ndim != 2 or X.shape[1] != 2 or W1.shape != (2, h) "
    "or b1.shape != (h,) or W2.shape != (h, 1) or b2.shape != (1,):\n"
    "        raise ValueError('shapes')\n"
)


def _forward(body: str) -> str:
    return "def forward(X, W1, b1, W2, b2, activation='step'):\n" + _CHECKED + body


_SIGMOID_NAIVE = "    act = (lambda z: 1 / (1 + np.exp(-z))) if activation == 'sigmoid' else _step\n"
_BACKPROP = (
    "def loss_and_grads(X, y, W1, b1, W2, b2):\n"
    "    hidden = _sigmoid(X @ W1 + b1)\n    out = _sigmoid(hidden @ W2 + b2)\n"
    "    loss = np.mean((out - y) ** 2)\n"
)
_TRAIN_LOOP = (
    "    params = {'W1': W1, 'b1': b1, 'W2': W2, 'b2': b2}\n    losses = []\n"
    "    for _ in range(epochs):\n        loss, grads = loss_and_grads(X, y, **params)\n"
    "        losses.append(loss)\n"
    "        params = {k: p - lr * grads[k] for k, p in params.items()}\n"
    "    return params, np.array(losses)\n"
)

WRONG = [
    (
        "xor_mlp.forward",
        _forward(
            "    act = (lambda z: (z >= 0).astype(z.dtype)) if activation == 'step' else _sigmoid\n"
            "    hidden = act(X @ W1 + b1)\n    return hidden, act(hidden @ W2 + b2)"
        ),
        "step(0) = 1",
    ),
    (
        "xor_mlp.forward",
        _forward(
            "    act = _ACTIVATIONS[activation]\n    hidden = act(X @ W1 + b1)\n    return hidden, hidden @ W2 + b2"
        ),
        "no activation in the output layer",
    ),
    (
        "xor_mlp.forward",
        _forward(
            "    act = _ACTIVATIONS[activation]\n"
            "    hidden = act(W1 @ X + b1)\n    return hidden, act(hidden @ W2 + b2)"
        ),
        "W1 @ X instead of X @ W1",
    ),
    (
        "xor_mlp.forward",
        _forward(
            "    act = _ACTIVATIONS[activation]\n"
            "    hidden = act(X @ W1.T + b1)\n    return hidden, act(hidden @ W2 + b2)"
        ),
        "X @ W1.T (nn.Linear's layout)",
    ),
    (
        "xor_mlp.forward",
        _forward("    hidden = X @ W1 + b1 > 0\n    return hidden, hidden @ W2 + b2 > 0"),
        "a boolean step",
    ),
    (
        "xor_mlp.forward",
        "def forward(X, W1, b1, W2, b2, activation='step'):\n"
        "    X, W1, b1, W2, b2 = (np.asarray(a) for a in (X, W1, b1, W2, b2))\n"
        "    if activation not in ('step', 'sigmoid'):\n        raise ValueError(activation)\n"
        + _SIGMOID_NAIVE
        + "    hidden = act(X @ W1 + b1)\n    return hidden, act(hidden @ W2 + b2)",
        "naive sigmoid overflow",
    ),
    (
        "xor_mlp.forward",
        _forward(
            "    act = _ACTIVATIONS[activation]\n"
            "    hidden = act(W1.T @ X.T + b1[:, None])\n    return hidden, act(W2.T @ hidden + b2[:, None])"
        ),
        "a transposed result",
    ),
    (
        "xor_mlp.seed_table",
        "def seed_table(activation='step'):\n"
        "    hidden, out = forward(_XOR_X, SEED_W1, SEED_B1, SEED_W2, SEED_B2, activation)\n"
        "    return np.hstack([hidden, out])",
        "missing the input columns",
    ),
    (
        "xor_mlp.seed_table",
        "def seed_table(activation='step'):\n"
        "    if activation not in ('step', 'sigmoid'):\n        raise ValueError(activation)\n"
        "    # the notes' table, typed in\n"
        "    return np.array([[0, 0, 1, 0, 0], [0, 1, 1, 1, 1], [1, 0, 1, 1, 1], [1, 1, 0, 1, 0]], dtype=float)",
        "copied the notes' ≈ 0 / ≈ 1",
    ),
    (
        "xor_mlp.seed_table",
        "def seed_table(activation='step'):\n"
        "    if activation not in ('step', 'sigmoid'):\n        raise ValueError(activation)\n"
        "    act = (lambda z: (z >= 0).astype(float)) if activation == 'step' else _sigmoid\n"
        "    hidden = act(_XOR_X @ SEED_W1 + SEED_B1)\n    out = act(hidden @ SEED_W2 + SEED_B2)\n"
        "    return np.hstack([_XOR_X, hidden, out])",
        "step(0) = 1",
    ),
    (
        "xor_mlp.seed_table",
        "def seed_table(activation='step'):\n"
        "    hidden, out = forward(_XOR_X, SEED_W1, SEED_B1, SEED_W2, SEED_B2, activation)\n"
        "    if activation == 'sigmoid':  # as the notes: y_out from the rounded n1, n2\n"
        "        out = _sigmoid(np.round(hidden) @ SEED_W2 + SEED_B2)\n"
        "    return np.hstack([_XOR_X, hidden, out])",
        "rounded the hidden layer first",
    ),
    (
        "xor_mlp.seed_table",
        (
            "def seed_table(activation='step'):\n"
            "    hidden, out = forward(_XOR_X, SEED_W1, SEED_B1, SEED_W2, SEED_B2, activation)\n"
            "    return np.vstack([_XOR_X[:, 0], _XOR_X[:, 1], hidden[:, 0], hidden[:, 1], out[:, 0]])"
        ),
        "transposed table",
    ),
    (
        "xor_mlp.robust_xor_params",
        "def robust_xor_params():\n    return SEED_W1, SEED_B1, SEED_W2, SEED_B2",
        "the seed weights",
    ),
    (
        "xor_mlp.robust_xor_params",
        "def robust_xor_params():\n    return 10 * SEED_W1, 10 * SEED_B1, 10 * SEED_W2, 10 * SEED_B2",
        "scaled the seed weights, boundary kept",
    ),
    (
        "xor_mlp.robust_xor_params",
        "def robust_xor_params():\n    return 100 * SEED_W1, 100 * SEED_B1, SEED_W2, SEED_B2",
        "scaled the seed weights, boundary kept",
    ),
    (
        "xor_mlp.robust_xor_params",
        "def robust_xor_params():\n"
        "    # OR and AND in the hidden layer, then OR and not AND\n"
        "    return np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([-0.5, -1.5]), "
        "np.array([[1.0], [-1.0]]), np.array([-0.5])",
        "XOR for step, too soft for sigmoid",
    ),
    (
        "xor_mlp.robust_xor_params",
        (
            "def robust_xor_params():\n    # hidden OR and AND, out = OR and not AND\n"
            "    return np.array([[20.0, 20.0], [20.0, 20.0]]), np.array([-10.0, -30.0]), "
            "np.array([[20.0, -20.0]]), np.array([-10.0])"
        ),
        "W2 as a row",
    ),
    (
        "xor_mlp.loss_and_grads",
        _BACKPROP
        + "    d_z2 = 2 * (out - y) / y.size * out * (1 - out)\n    d_z1 = d_z2 @ W2.T * hidden * (1 - hidden)\n"
        "    return loss, {'W1': X.T @ d_z1, 'b1': d_z1, 'W2': hidden.T @ d_z2, 'b2': d_z2}",
        "bias gradient not summed over the batch",
    ),
    (
        "xor_mlp.loss_and_grads",
        _BACKPROP + "    d_z2 = (out - y) / y.size * out * (1 - out)\n    d_z1 = d_z2 @ W2.T * hidden * (1 - hidden)\n"
        "    return loss, {'W1': X.T @ d_z1, 'b1': d_z1.sum(0), 'W2': hidden.T @ d_z2, 'b2': d_z2.sum(0)}",
        "missing factor 2 in the MSE derivative",
    ),
    (
        "xor_mlp.loss_and_grads",
        _BACKPROP + "    d_z2 = 2 * (out - y) * out * (1 - out)\n    d_z1 = d_z2 @ W2.T * hidden * (1 - hidden)\n"
        "    return loss, {'W1': X.T @ d_z1, 'b1': d_z1.sum(0), 'W2': hidden.T @ d_z2, 'b2': d_z2.sum(0)}",
        "missing 1/n in the MSE derivative",
    ),
    (
        "xor_mlp.loss_and_grads",
        _BACKPROP
        + "    error = out - y\n    d_z2 = error * out * (1 - out)\n    d_z1 = d_z2.dot(W2.T) * hidden * (1 - hidden)\n"
        "    return loss, {'W1': X.T.dot(d_z1), 'b1': d_z1.sum(0), 'W2': hidden.T.dot(d_z2), 'b2': d_z2.sum(0)}",
        "(out − y) without 2/n",
    ),
    (
        "xor_mlp.loss_and_grads",
        "def loss_and_grads(X, y, W1, b1, W2, b2):\n"
        "    z1 = X @ W1 + b1\n    hidden = _sigmoid(z1)\n    z2 = hidden @ W2 + b2\n    out = _sigmoid(z2)\n"
        "    loss = np.mean((out - y) ** 2)\n"
        "    d_z2 = 2 * (out - y) / y.size * z2 * (1 - z2)\n    d_z1 = d_z2 @ W2.T * z1 * (1 - z1)\n"
        "    return loss, {'W1': X.T @ d_z1, 'b1': d_z1.sum(0), 'W2': hidden.T @ d_z2, 'b2': d_z2.sum(0)}",
        "sigmoid derivative on the pre-activation",
    ),
    (
        "xor_mlp.loss_and_grads",
        _BACKPROP
        + "    d_z2 = 2 * (out - y) / y.size * out * (1 - out)\n    d_z1 = d_z2 @ W2.T * hidden * (1 - hidden)\n"
        "    return loss, {'W1': d_z1.T @ X, 'b1': d_z1.sum(0), 'W2': hidden.T @ d_z2, 'b2': d_z2.sum(0)}",
        "a gradient transposed",
    ),
    (
        "xor_mlp.loss_and_grads",
        "def loss_and_grads(X, y, W1, b1, W2, b2):\n"
        "    sig = lambda z: 1 / (1 + np.exp(-z))\n"
        "    hidden = sig(X @ W1 + b1)\n    out = sig(hidden @ W2 + b2)\n    loss = np.mean((out - y) ** 2)\n"
        "    d_z2 = 2 * (out - y) / y.size * out * (1 - out)\n    d_z1 = d_z2 @ W2.T * hidden * (1 - hidden)\n"
        "    return loss, {'W1': X.T @ d_z1, 'b1': d_z1.sum(0), 'W2': hidden.T @ d_z2, 'b2': d_z2.sum(0)}",
        "naive sigmoid overflow",
    ),
    (
        "xor_mlp.train",
        "def train(X, y, hidden=4, lr=1.0, epochs=2000, seed=0):\n"
        "    rng = np.random.default_rng(seed)\n"
        "    W2 = rng.normal(0, 1, (hidden, 1))\n    W1 = rng.normal(0, 1, (2, hidden))\n"
        "    b1, b2 = np.zeros(hidden), np.zeros(1)\n" + _TRAIN_LOOP,
        "W2 drawn before W1",
    ),
    (
        "xor_mlp.train",
        "def train(X, y, hidden=4, lr=1.0, epochs=2000, seed=0):\n"
        "    W1 = np.random.default_rng(seed).normal(0, 1, (2, hidden))\n"
        "    W2 = np.random.default_rng(seed).normal(0, 1, (hidden, 1))\n"
        "    b1, b2 = np.zeros(hidden), np.zeros(1)\n" + _TRAIN_LOOP,
        "a new generator per draw",
    ),
    (
        "xor_mlp.train",
        "def train(X, y, hidden=4, lr=1.0, epochs=2000, seed=0):\n"
        "    rng = np.random.default_rng(seed)\n"
        "    W1 = rng.normal(0, 1, (2, hidden))\n    b1 = rng.normal(0, 1, hidden)\n"
        "    W2 = rng.normal(0, 1, (hidden, 1))\n    b2 = rng.normal(0, 1, 1)\n" + _TRAIN_LOOP,
        "random biases",
    ),
    (
        "xor_mlp.train",
        "def train(X, y, hidden=4, lr=1.0, epochs=2000, seed=0):\n"
        "    rng = np.random.default_rng(seed)\n"
        "    W1 = rng.normal(0, 1, (2, hidden))\n    W2 = rng.normal(0, 1, (hidden, 1))\n"
        "    b1, b2 = np.zeros(hidden), np.zeros(1)\n"
        "    losses = []\n    for _ in range(epochs):\n"
        "        _, g = loss_and_grads(X, y, W1, b1, W2, b2)\n"
        "        W1, b1, W2, b2 = W1 - lr * g['W1'], b1 - lr * g['b1'], W2 - lr * g['W2'], b2 - lr * g['b2']\n"
        "        losses.append(loss_and_grads(X, y, W1, b1, W2, b2)[0])\n"
        "    return {'W1': W1, 'b1': b1, 'W2': W2, 'b2': b2}, np.array(losses)",
        "losses recorded after the update",
    ),
    (
        "xor_mlp.train",
        "def train(X, y, hidden=4, lr=1.0, epochs=2000, seed=0):\n"
        "    rng = np.random.default_rng(seed)\n"
        "    params = {'W1': rng.normal(0, 1, (2, hidden)), 'b1': np.zeros(hidden),\n"
        "              'W2': rng.normal(0, 1, (hidden, 1)), 'b2': np.zeros(1)}\n"
        "    losses = []\n    for _ in range(epochs):\n"
        "        loss, grads = loss_and_grads(X, y, **params)\n        losses.append(loss)\n"
        "        params = {k: p - lr * grads[k] for k, p in params.items()}\n"
        "    losses.append(loss_and_grads(X, y, **params)[0])  # and the final loss\n"
        "    return params, np.array(losses)",
        "one loss too many",
    ),
]

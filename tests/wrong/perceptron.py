"""Realistic wrong answers for unit perceptron: (exercise id, the learner's function, the mistake named).

Each function is appended to the solution module, so it may use the solution's helpers.
"""

_TRAIN = """def train_perceptron(X, y, lr=0.1, epochs=20):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    w = np.zeros(X.shape[1])
    b = 0.0
    errors = []
    for epoch in range(epochs):
        count = 0
        for xi, yi in zip(X, y):
            y_hat = STEP
            UPDATE
            count += int(y_hat != yi)
        AFTER
    return w, b, np.array(errors)
"""


def _train(
    step="1.0 if xi @ w + b > 0 else 0.0",
    update="w = w + lr * (yi - y_hat) * xi\n            b = b + lr * (yi - y_hat)",
    after="errors.append(count)",
    samples="zip(X, y)",
) -> str:
    return (
        _TRAIN.replace("STEP", step)
        .replace("UPDATE", update)
        .replace("AFTER", after)
        .replace("zip(X, y):", f"{samples}:")
    )


WRONG = [
    ("perceptron.step", "def step(z):\n    z = np.asarray(z)\n    return (z >= 0).astype(z.dtype)", "step(0) = 1"),
    ("perceptron.step", "def step(z):\n    return np.asarray(z) > 0", "a boolean answer"),
    (
        "perceptron.step",
        "def step(z):\n    return np.where(np.asarray(z) > 0, 1.0, 0.0)",
        "float64 answer for float32 input",
    ),
    (
        "perceptron.step",
        "def step(z):\n    z = np.asarray(z)\n    z[z > 0] = 1\n    z[z <= 0] = 0\n    return z",
        "changed the input in place",
    ),
    (
        "perceptron.perceptron",
        "def perceptron(x, w, b):\n    z = np.asarray(x) @ np.asarray(w) + b\n    return (z >= 0).astype(z.dtype)",
        "step(0) = 1",
    ),
    (
        "perceptron.perceptron",
        "def perceptron(x, w, b):\n    return step(np.sum(np.asarray(x) * w) + b)",
        "summed over every row",
    ),
    (
        "perceptron.perceptron",
        "def perceptron(x, w, b):\n    return step(np.asarray(x) @ np.asarray(w))",
        "forgot the bias",
    ),
    (
        "perceptron.perceptron",
        "def perceptron(x, w, b):\n    return np.asarray(x) @ np.asarray(w) + b",
        "returned the weighted sum",
    ),
    (
        "perceptron.gate_params",
        "def gate_params(name):\n    w = np.array([1.0, 1.0])\n    if name == 'and':\n"
        "        return w, -2.0\n    if name == 'or':\n        return w, -1.0\n    if name == 'nand':\n"
        "        return -w, 2.0\n"
        "    raise ValueError(name)",
        "on the boundary: needs step(0) = 1",
    ),
    (
        "perceptron.gate_params",
        "def gate_params(name):\n    table = {'and': ([0.5, 0.5], -0.2), 'or': ([0.5, 0.5], -0.7),\n"
        "             'nand': ([-0.5, -0.5], 0.7)}\n    if name not in table:\n        raise ValueError(name)\n"
        "    w, b = table[name]\n    return np.array(w), b",
        "another gate's weights",
    ),
    (
        "perceptron.gate_params",
        "def gate_params(name):\n    w, b = np.array([0.5, 0.5]), -0.7\n    if name == 'and':\n"
        "        return w, b\n    if name == 'or':\n        return w, -0.2\n    if name == 'nand':\n"
        "        return -w, b\n"
        "    raise ValueError(name)",
        "negated only w or only b",
    ),
    ("perceptron.xor_gate", "def xor_gate(x):\n    return perceptron(x, *gate_params('or'))", "OR instead of XOR"),
    (
        "perceptron.xor_gate",
        "def xor_gate(x):\n"
        "    h = np.stack([perceptron(x, *gate_params('nand')), perceptron(x, *gate_params('or'))], axis=-1)\n"
        "    return step(h @ np.array([[1.0], [1.0]]) - 1.5)",
        "an (n, 1) answer",
    ),
    ("perceptron.xor_gate", "def xor_gate(x):\n    return perceptron(x, *gate_params('nand'))", "NAND instead of XOR"),
    (
        "perceptron.xor_gate",
        "def xor_gate(x):\n    nor = perceptron(x, np.array([-0.5, -0.5]), 0.2)\n"
        "    h = np.stack([perceptron(x, *gate_params('and')), nor], axis=-1)\n"
        "    return perceptron(h, *gate_params('or'))",
        "XNOR: every output flipped",
    ),
    ("perceptron.train_perceptron", _train(step="1.0 if xi @ w + b >= 0 else 0.0"), "step(0) = 1"),
    ("perceptron.train_perceptron", _train(samples="zip(X[::-1], y[::-1])"), "samples in another order"),
    (
        "perceptron.train_perceptron",
        _train(after="errors.append(int(np.sum((X @ w + b > 0) != y)))"),
        "errors counted after the epoch",
    ),
    ("perceptron.train_perceptron", _train(update="w = w + lr * (yi - y_hat) * xi"), "b not updated"),
    (
        "perceptron.train_perceptron",
        _train(update="w = w + lr * (y_hat - yi) * xi\n            b = b + lr * (y_hat - yi)"),
        "update with the wrong sign",
    ),
    (
        "perceptron.train_perceptron",
        _train(after="errors.append(count)\n        if count == 0:\n            break"),
        "stopped at 0 errors",
    ),
]

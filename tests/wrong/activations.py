"""Realistic wrong answers for unit activations: (exercise id, the learner's function, the mistake named).

Each function is appended to the solution module, so it may use the solution's helpers.
"""

WRONG = [
    ("activations.sigmoid", "def sigmoid(x):\n    return 1 / (1 + np.exp(-np.asarray(x)))", "naive sigmoid overflow"),
    (
        "activations.sigmoid",
        "def sigmoid(x):\n    x = np.asarray(x)\n    e = np.exp(-np.abs(x))\n"
        "    return np.where(x < 0, 1 / (1 + e), e / (1 + e))",
        "sign flipped",
    ),
    ("activations.sigmoid", "def sigmoid(x):\n    return 1 / (1 + np.exp(-x))", "a Python list used as an array"),
    (
        "activations.tanh",
        "def tanh(x):\n    x = np.asarray(x)\n    return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))",
        "tanh from exponentials overflows",
    ),
    ("activations.tanh", "def tanh(x):\n    return sigmoid(x)", "sigmoid instead of tanh"),
    (
        "activations.relu",
        "def relu(x):\n    x = np.asarray(x)\n    x[x < 0] = 0\n    return x",
        "changed the input in place",
    ),
    (
        "activations.relu",
        "def relu(x):\n    x = np.asarray(x)\n    return (x > 0).astype(x.dtype)",
        "returned the derivative",
    ),
    (
        "activations.leaky_relu",
        "def leaky_relu(x, negative_slope=0.01):\n    x = np.asarray(x)\n    return np.where(x > 0, x, 0.01 * x)",
        "ignored negative_slope",
    ),
    ("activations.leaky_relu", "def leaky_relu(x, negative_slope=0.01):\n    return np.maximum(x, 0)", "plain ReLU"),
    (
        "activations.leaky_relu",
        "def leaky_relu(x, negative_slope=0.01):\n    x = np.asarray(x)\n    x[x < 0] *= negative_slope\n    return x",
        "changed the input in place",
    ),
    (
        "activations.leaky_relu",
        "def leaky_relu(x, negative_slope=0.01):\n    x = np.asarray(x)\n    return np.maximum(x, negative_slope * x)",
        "np.maximum(x, negative_slope·x)",
    ),
    (
        "activations.softmax",
        "def softmax(x, axis=-1):\n    e = np.exp(np.asarray(x))\n    return e / e.sum(axis=axis, keepdims=True)",
        "softmax without the max shift",
    ),
    (
        "activations.softmax",
        "def softmax(x, axis=-1):\n    x = np.asarray(x)\n    e = np.exp(x - x.max(axis=0, keepdims=True))\n"
        "    return e / e.sum(axis=0, keepdims=True)",
        "softmax over the wrong axis",
    ),
    (
        "activations.softmax",
        "def softmax(x, axis=-1):\n    x = np.asarray(x)\n    e = np.exp(x - x.max())\n    return e / e.sum()",
        "normalised over the whole array",
    ),
    (
        "activations.softmax",
        (
            "def softmax(x, axis=-1):\n    x = np.asarray(x)\n"
            "    e = np.exp(x - x.max(axis=axis, keepdims=True))\n    return e / np.sum(e)"
        ),
        "normalised over the whole array",
    ),
    (
        "activations.softmax",
        (
            "def softmax(x, axis=-1):\n    x = np.asarray(x)\n    e = np.exp(x - x.max())\n"
            "    return e / e.sum(axis=axis, keepdims=True)"
        ),
        "shifted by the whole array's max",
    ),
    (
        "activations.sigmoid_grad",
        "def sigmoid_grad(x):\n    x = np.asarray(x)\n    return x * (1 - x)",
        "x·(1−x) as sigmoid's derivative",
    ),
    (
        "activations.sigmoid_grad",
        "def sigmoid_grad(x):\n    s = 1 / (1 + np.exp(-np.asarray(x)))\n    return s * (1 - s)",
        "naive sigmoid overflow",
    ),
    (
        "activations.tanh_grad",
        "def tanh_grad(x):\n    x = np.asarray(x)\n    return 1 - x ** 2",
        "1−x² as tanh's derivative",
    ),
    ("activations.tanh_grad", "def tanh_grad(x):\n    return 1 - np.tanh(x)", "forgot the square"),
    (
        "activations.relu_grad",
        "def relu_grad(x):\n    x = np.asarray(x)\n    return (x >= 0).astype(x.dtype)",
        "slope 1 at x = 0",
    ),
    ("activations.relu_grad", "def relu_grad(x):\n    return np.asarray(x) > 0", "a boolean mask"),
    (
        "activations.leaky_relu_grad",
        "def leaky_relu_grad(x, negative_slope=0.01):\n    x = np.asarray(x)\n"
        "    return np.where(x >= 0, 1.0, negative_slope).astype(x.dtype)",
        "slope 1 at x = 0",
    ),
    (
        "activations.leaky_relu_grad",
        "def leaky_relu_grad(x, negative_slope=0.01):\n    x = np.asarray(x)\n"
        "    return np.where(x > 0, 1.0, 0.01).astype(x.dtype)",
        "ignored negative_slope",
    ),
    (
        "activations.softmax_backward",
        "def softmax_backward(x, grad_out, axis=-1):\n    s = softmax(x, axis)\n"
        "    return s * (1 - s) * np.asarray(grad_out, dtype=s.dtype)",
        "diagonal-only softmax backward",
    ),
    (
        "activations.softmax_backward",
        "def softmax_backward(x, grad_out, axis=-1):\n    s = softmax(x, axis)\n"
        "    return s * np.asarray(grad_out, dtype=s.dtype)",
        "forgot the Σ(g·s) term",
    ),
    (
        "activations.softmax_backward",
        "def softmax_backward(x, grad_out, axis=-1):\n    s = softmax(x, axis)\n"
        "    g = np.asarray(grad_out, dtype=s.dtype)\n    return s * (g - (g * s).sum())",
        "summed over the whole array",
    ),
    (
        "activations.softmax_backward",
        (
            "def softmax_backward(x, grad_out, axis=-1):\n    x = np.asarray(x)\n"
            "    e = np.exp(x - x.max())\n    s = e / e.sum(axis=axis, keepdims=True)\n"
            "    g = np.asarray(grad_out, dtype=s.dtype)\n"
            "    return s * (g - (g * s).sum(axis=axis, keepdims=True))"
        ),
        "softmax shifted by the whole array's max",
    ),
]

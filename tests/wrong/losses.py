"""Realistic wrong answers for unit losses: (exercise id, the learner's function, the mistake named).

Each function is appended to the solution module, so it may use the solution's helpers.
"""

WRONG = [
    (
        "losses.mse",
        "def mse(y_true, y_pred):\n    return np.sum((np.asarray(y_pred) - np.asarray(y_true)) ** 2)",
        "MSE summed",
    ),
    (
        "losses.mse",
        "def mse(y_true, y_pred):\n    return 0.5 * np.mean((np.asarray(y_pred) - np.asarray(y_true)) ** 2)",
        "half MSE",
    ),
    (
        "losses.mse",
        "def mse(y_true, y_pred):\n    return np.mean(np.abs(np.asarray(y_pred) - np.asarray(y_true)))",
        "forgot to square",
    ),
    (
        "losses.cee_terms",
        "def cee_terms(y, p):\n    p = np.asarray(p)\n    return -np.asarray(y, dtype=p.dtype) * np.log(p)",
        "missing log clamp",
    ),
    (
        "losses.cee_terms",
        "def cee_terms(y, p):\n    p = np.asarray(p)\n    return np.asarray(y, dtype=p.dtype) * _log(p)",
        "negative loss terms",
    ),
    (
        "losses.cee_terms",
        "def cee_terms(y, p):\n    p = np.asarray(p)\n"
        "    with np.errstate(divide='ignore'):\n"
        "        return -np.asarray(y, dtype=p.dtype) * np.maximum(np.log10(p), -100)",
        "log10 instead of ln",
    ),
    (
        "losses.seed_cee_example",
        "def seed_cee_example():\n    t = cee_terms([1.0, 0.0, 1.0, 1.0], [0.9, 0.2, 0.8, 0.95])\n"
        "    return t, t[0] + t[1] - t[2] + t[3]",
        "the notes' sign slip",
    ),
    (
        "losses.seed_cee_example",
        "def seed_cee_example():\n    return np.array([0.105, 0.0, 0.223, 0.051]), -0.067",
        "the notes' sign slip",
    ),
    (
        "losses.seed_cee_example",
        "def seed_cee_example():\n    t = cee_terms([1.0, 0.0, 1.0, 1.0], [0.9, 0.2, 0.8, 0.95])\n"
        "    return t, t.mean()",
        "mean instead of sum",
    ),
    (
        "losses.cross_entropy",
        "def cross_entropy(y_onehot, probs):\n    return cee_terms(y_onehot, probs).sum()",
        "summed over rows",
    ),
    (
        "losses.cross_entropy",
        "def cross_entropy(y_onehot, probs):\n    return cee_terms(y_onehot, probs).mean()",
        "mean over all elements",
    ),
    (
        "losses.cross_entropy",
        "def cross_entropy(y_onehot, probs):\n    return -(np.asarray(y_onehot) * np.log(probs)).sum(axis=-1).mean()",
        "missing log clamp",
    ),
    (
        "losses.binary_cross_entropy",
        "def binary_cross_entropy(y, p):\n    return cee_terms(y, p).mean()",
        "forgot the (1 − y) term",
    ),
    (
        "losses.binary_cross_entropy",
        "def binary_cross_entropy(y, p):\n    y, p = np.asarray(y), np.asarray(p)\n"
        "    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))",
        "missing log clamp",
    ),
    (
        "losses.binary_cross_entropy",
        "def binary_cross_entropy(y, p):\n    p = np.asarray(p)\n    y = np.asarray(y, dtype=p.dtype)\n"
        "    return -np.sum(y * _log(p) + (1 - y) * _log(1 - p))",
        "summed instead of averaged",
    ),
    (
        "losses.softmax_cross_entropy",
        "def softmax_cross_entropy(y_onehot, logits):\n    e = np.exp(np.asarray(logits))\n"
        "    p = e / e.sum(axis=-1, keepdims=True)\n    return -(np.asarray(y_onehot) * np.log(p)).sum(axis=-1).mean()",
        "softmax then log, unstable",
    ),
    (
        "losses.softmax_cross_entropy",
        "def softmax_cross_entropy(y_onehot, logits):\n    z = np.asarray(logits)\n"
        "    z = z - z.max(axis=-1, keepdims=True)\n    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))\n"
        "    return -(np.asarray(y_onehot) * logp).sum()",
        "summed over rows",
    ),
    (
        "losses.seed_cee_example",
        (
            "def seed_cee_example():\n    y = np.array([1.0, 0.0, 1.0, 1.0])\n"
            "    terms = y * np.log(np.array([0.9, 0.2, 0.8, 0.95]))\n    return terms, terms.sum()"
        ),
        "missing minus sign",
    ),
    (
        "losses.cross_entropy",
        (
            "def cross_entropy(y_onehot, probs):\n    with np.errstate(divide='ignore'):\n"
            "        logp = np.maximum(np.log(np.asarray(probs)), -100)\n"
            "    return np.mean(np.sum(np.asarray(y_onehot) * logp, axis=-1))"
        ),
        "missing minus sign",
    ),
    (
        "losses.binary_cross_entropy",
        (
            "def binary_cross_entropy(y, p):\n    p = np.asarray(p)\n    y = np.asarray(y, dtype=p.dtype)\n"
            "    return np.mean(y * _log(p) + (1 - y) * _log(1 - p))"
        ),
        "missing minus sign",
    ),
    (
        "losses.softmax_cross_entropy",
        (
            "def softmax_cross_entropy(y_onehot, logits):\n    z = np.asarray(logits)\n"
            "    z = z - z.max(axis=-1, keepdims=True)\n"
            "    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))\n"
            "    return (np.asarray(y_onehot) * logp).sum(axis=-1).mean()"
        ),
        "missing minus sign",
    ),
]

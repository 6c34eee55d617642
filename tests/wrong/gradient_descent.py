"""Realistic wrong answers for unit gradient_descent: (exercise id, the learner's function, the mistake named).

Each function is appended to the solution module, so it may use the solution's helpers.
"""

WRONG = [
    ("gradient_descent.predict", "def predict(X, w, b):\n    return np.asarray(X) @ np.asarray(w)", "forgot b"),
    (
        "gradient_descent.predict",
        "def predict(X, w, b):\n    return np.asarray(X) * np.asarray(w) + b",
        "X * w is elementwise",
    ),
    (
        "gradient_descent.predict",
        "def predict(X, w, b):\n    return np.asarray(X) @ np.asarray(w).reshape(-1, 1) + b",
        "a column instead of a vector",
    ),
    (
        "gradient_descent.mse_gradient",
        "def mse_gradient(X, y, w, b):\n    X = np.asarray(X)\n"
        "    err = X @ np.asarray(w) + b - np.asarray(y)\n    return X.T @ err / len(y), np.mean(err)",
        "missing factor 2",
    ),
    (
        "gradient_descent.mse_gradient",
        "def mse_gradient(X, y, w, b):\n    X = np.asarray(X)\n"
        "    err = X @ np.asarray(w) + b - np.asarray(y)\n    return 2 * X.T @ err, 2 * np.sum(err)",
        "summed instead of averaged gradients",
    ),
    (
        "gradient_descent.mse_gradient",
        "def mse_gradient(X, y, w, b):\n    X = np.asarray(X)\n"
        "    err = np.asarray(y) - (X @ np.asarray(w) + b)\n    return 2 * X.T @ err / len(y), 2 * np.mean(err)",
        "error sign flipped",
    ),
    (
        "gradient_descent.mse_gradient",
        "def mse_gradient(X, y, w, b):\n    X = np.asarray(X)\n"
        "    err = X @ np.asarray(w) - np.asarray(y)\n    return 2 * X.T @ err / len(y), 2 * np.mean(err)",
        "forgot b",
    ),
    (
        "gradient_descent.batch_gd",
        "def batch_gd(X, y, w, b, lr, epochs):\n    X, y = np.asarray(X), np.asarray(y)\n"
        "    w = np.asarray(w)\n    losses = [np.mean((X @ w + b - y) ** 2)]\n    for _ in range(epochs):\n"
        "        grad_w, grad_b = mse_gradient(X, y, w, b)\n        w -= lr * grad_w\n        b -= lr * grad_b\n"
        "        losses.append(np.mean((X @ w + b - y) ** 2))\n    return w, b, np.array(losses)",
        "changed the input in place",
    ),
    (
        "gradient_descent.batch_gd",
        "def batch_gd(X, y, w, b, lr, epochs):\n    X, y = np.asarray(X), np.asarray(y)\n"
        "    losses = [np.mean((X @ w + b - y) ** 2)]\n    for _ in range(epochs):\n        err = X @ w + b - y\n"
        "        w = w - lr * 2 * X.T @ err\n        b = b - lr * 2 * np.sum(err)\n"
        "        losses.append(np.mean((X @ w + b - y) ** 2))\n    return w, b, np.array(losses)",
        "summed instead of averaged gradients",
    ),
    (
        "gradient_descent.batch_gd",
        "def batch_gd(X, y, w, b, lr, epochs):\n    X, y = np.asarray(X), np.asarray(y)\n"
        "    losses = [np.mean((X @ w + b - y) ** 2)]\n    for _ in range(epochs):\n        err = X @ w + b - y\n"
        "        w = w - lr * X.T @ err / len(y)\n        b = b - lr * np.mean(err)\n"
        "        losses.append(np.mean((X @ w + b - y) ** 2))\n    return w, b, np.array(losses)",
        "missing factor 2",
    ),
    (
        "gradient_descent.batch_gd",
        "def batch_gd(X, y, w, b, lr, epochs):\n    X, y = np.asarray(X), np.asarray(y)\n"
        "    losses = [np.mean((X @ w + b - y) ** 2)]\n    for _ in range(epochs):\n"
        "        w = w - lr * 2 * X.T @ (X @ w + b - y) / len(y)\n        b = b - lr * 2 * np.mean(X @ w + b - y)\n"
        "        losses.append(np.mean((X @ w + b - y) ** 2))\n    return w, b, np.array(losses)",
        "b updated with the new w",
    ),
    (
        "gradient_descent.batch_gd",
        "def batch_gd(X, y, w, b, lr, epochs):\n    losses = []\n    for _ in range(epochs):\n"
        "        grad_w, grad_b = mse_gradient(X, y, w, b)\n        w = w - lr * grad_w\n        b = b - lr * grad_b\n"
        "        losses.append(np.mean((predict(X, w, b) - y) ** 2))\n    return w, b, np.array(losses)",
        "losses after instead of before",
    ),
    (
        "gradient_descent.batch_gd",
        "def batch_gd(X, y, w, b, lr, epochs):\n    losses = []\n    for _ in range(epochs):\n"
        "        losses.append(np.mean((predict(X, w, b) - y) ** 2))\n"
        "        grad_w, grad_b = mse_gradient(X, y, w, b)\n"
        "        w = w - lr * grad_w\n        b = b - lr * grad_b\n    return w, b, np.array(losses)",
        "losses missing the last value",
    ),
    (
        "gradient_descent.batch_gd",
        "def batch_gd(X, y, w, b, lr, epochs):\n"
        "    X, y, w = (np.asarray(a, dtype=float) for a in (X, y, w))\n"
        "    losses = [np.mean((X @ w + b - y) ** 2)]\n    for _ in range(epochs):\n"
        "        grad_w, grad_b = mse_gradient(X, y, w, b)\n        w = w - lr * grad_w\n        b = b - lr * grad_b\n"
        "        losses.append(np.mean((X @ w + b - y) ** 2))\n    return w, b, np.array(losses)",
        "float64 answer for float32 inputs",
    ),
    (
        "gradient_descent.sgd",
        "def sgd(X, y, w, b, lr, epochs, seed):\n    X, y = np.asarray(X), np.asarray(y)\n"
        "    losses = [np.mean((predict(X, w, b) - y) ** 2)]\n    for _ in range(epochs):\n"
        "        for i in range(len(X)):\n"
        "            grad_w, grad_b = mse_gradient(X[i:i+1], y[i:i+1], w, b)\n"
        "            w, b = w - lr * grad_w, b - lr * grad_b\n"
        "        losses.append(np.mean((predict(X, w, b) - y) ** 2))\n"
        "    return w, b, np.array(losses)",
        "no shuffle",
    ),
    (
        "gradient_descent.sgd",
        "def sgd(X, y, w, b, lr, epochs, seed):\n    X, y = np.asarray(X), np.asarray(y)\n"
        "    losses = [np.mean((predict(X, w, b) - y) ** 2)]\n    for _ in range(epochs):\n"
        "        rng = np.random.default_rng(seed)\n        for i in rng.permutation(len(X)):\n"
        "            grad_w, grad_b = mse_gradient(X[i:i+1], y[i:i+1], w, b)\n"
        "            w, b = w - lr * grad_w, b - lr * grad_b\n"
        "        losses.append(np.mean((predict(X, w, b) - y) ** 2))\n"
        "    return w, b, np.array(losses)",
        "a new rng each epoch",
    ),
    (
        "gradient_descent.sgd",
        "def sgd(X, y, w, b, lr, epochs, seed):\n    X, y = np.asarray(X), np.asarray(y)\n"
        "    np.random.seed(seed)\n    losses = [np.mean((predict(X, w, b) - y) ** 2)]\n    for _ in range(epochs):\n"
        "        for i in np.random.permutation(len(X)):\n"
        "            grad_w, grad_b = mse_gradient(X[i:i+1], y[i:i+1], w, b)\n"
        "            w, b = w - lr * grad_w, b - lr * grad_b\n"
        "        losses.append(np.mean((predict(X, w, b) - y) ** 2))\n"
        "    return w, b, np.array(losses)",
        "sample order not from rng.permutation",
    ),
    (
        "gradient_descent.sgd",
        "def sgd(X, y, w, b, lr, epochs, seed):\n    X, y = np.asarray(X), np.asarray(y)\n"
        "    rng = np.random.default_rng(seed)\n    idx = np.arange(len(X))\n"
        "    losses = [np.mean((predict(X, w, b) - y) ** 2)]\n    for _ in range(epochs):\n        rng.shuffle(idx)\n"
        "        for i in idx:\n            grad_w, grad_b = mse_gradient(X[i:i+1], y[i:i+1], w, b)\n"
        "            w, b = w - lr * grad_w, b - lr * grad_b\n"
        "        losses.append(np.mean((predict(X, w, b) - y) ** 2))\n"
        "    return w, b, np.array(losses)",
        "sample order not from rng.permutation",
    ),
    (
        "gradient_descent.sgd",
        "def sgd(X, y, w, b, lr, epochs, seed):\n    X, y = np.asarray(X), np.asarray(y)\n"
        "    rng = np.random.default_rng(seed)\n    losses = [np.mean((predict(X, w, b) - y) ** 2)]\n"
        "    for _ in range(epochs):\n        for _ in range(len(X)):\n            i = rng.integers(len(X))\n"
        "            grad_w, grad_b = mse_gradient(X[i:i+1], y[i:i+1], w, b)\n"
        "            w, b = w - lr * grad_w, b - lr * grad_b\n"
        "        losses.append(np.mean((predict(X, w, b) - y) ** 2))\n"
        "    return w, b, np.array(losses)",
        "sample order not from rng.permutation",
    ),
    (
        "gradient_descent.sgd",
        "def sgd(X, y, w, b, lr, epochs, seed):\n    X, y = np.asarray(X), np.asarray(y)\n"
        "    rng = np.random.default_rng(seed)\n    losses = [np.mean((predict(X, w, b) - y) ** 2)]\n"
        "    for _ in range(epochs):\n        for i in rng.permutation(len(X)):\n"
        "            err = X[i] @ w + b - y[i]\n            w -= lr * 2 * err * X[i]\n            b -= lr * 2 * err\n"
        "        losses.append(np.mean((predict(X, w, b) - y) ** 2))\n    return w, b, np.array(losses)",
        "changed the input in place",
    ),
    (
        "gradient_descent.sgd",
        "def sgd(X, y, w, b, lr, epochs, seed):\n    X, y = np.asarray(X), np.asarray(y)\n"
        "    rng = np.random.default_rng(seed)\n    losses = [np.mean((predict(X, w, b) - y) ** 2)]\n"
        "    for _ in range(epochs):\n        for i in rng.permutation(len(X)):\n"
        "            err = X[i] @ w + b - y[i]\n            w = w - lr * err * X[i]\n            b = b - lr * err\n"
        "        losses.append(np.mean((predict(X, w, b) - y) ** 2))\n    return w, b, np.array(losses)",
        "missing factor 2",
    ),
    (
        "gradient_descent.minibatch_gd",
        "def minibatch_gd(X, y, w, b, lr, epochs, batch_size, seed):\n"
        "    X, y = np.asarray(X), np.asarray(y)\n    rng = np.random.default_rng(seed)\n    n = len(X)\n"
        "    losses = [np.mean((predict(X, w, b) - y) ** 2)]\n    for _ in range(epochs):\n"
        "        order = rng.permutation(n)\n"
        "        for k in range(n // batch_size):\n            idx = order[k * batch_size:(k + 1) * batch_size]\n"
        "            grad_w, grad_b = mse_gradient(X[idx], y[idx], w, b)\n"
        "            w, b = w - lr * grad_w, b - lr * grad_b\n"
        "        losses.append(np.mean((predict(X, w, b) - y) ** 2))\n    return w, b, np.array(losses)",
        "dropped the last batch",
    ),
    (
        "gradient_descent.minibatch_gd",
        "def minibatch_gd(X, y, w, b, lr, epochs, batch_size, seed):\n"
        "    X, y = np.asarray(X), np.asarray(y)\n    rng = np.random.default_rng(seed)\n    n = len(X)\n"
        "    losses = [np.mean((predict(X, w, b) - y) ** 2)]\n    for _ in range(epochs):\n"
        "        order = rng.permutation(n)\n"
        "        for i in range(0, n, batch_size):\n            idx = order[i:i + batch_size]\n"
        "            err = predict(X[idx], w, b) - y[idx]\n            w = w - lr * 2 * X[idx].T @ err\n"
        "            b = b - lr * 2 * err.sum()\n        losses.append(np.mean((predict(X, w, b) - y) ** 2))\n"
        "    return w, b, np.array(losses)",
        "summed instead of averaged gradients",
    ),
    (
        "gradient_descent.minibatch_gd",
        "def minibatch_gd(X, y, w, b, lr, epochs, batch_size, seed):\n"
        "    X, y = np.asarray(X), np.asarray(y)\n    n = len(X)\n"
        "    losses = [np.mean((predict(X, w, b) - y) ** 2)]\n    for _ in range(epochs):\n"
        "        order = np.random.permutation(n)\n        for i in range(0, n, batch_size):\n"
        "            idx = order[i:i + batch_size]\n            grad_w, grad_b = mse_gradient(X[idx], y[idx], w, b)\n"
        "            w, b = w - lr * grad_w, b - lr * grad_b\n"
        "        losses.append(np.mean((predict(X, w, b) - y) ** 2))\n"
        "    return w, b, np.array(losses)",
        "sample order not from rng.permutation",
    ),
    (
        "gradient_descent.minibatch_gd",
        "def minibatch_gd(X, y, w, b, lr, epochs, batch_size, seed):\n"
        "    X, y = np.asarray(X), np.asarray(y)\n    n = len(X)\n"
        "    losses = [np.mean((predict(X, w, b) - y) ** 2)]\n    for _ in range(epochs):\n"
        "        for i in range(0, n, batch_size):\n            grad_w, grad_b = mse_gradient(X[i:i + batch_size], "
        "y[i:i + batch_size], w, b)\n            w, b = w - lr * grad_w, b - lr * grad_b\n"
        "        losses.append(np.mean((predict(X, w, b) - y) ** 2))\n    return w, b, np.array(losses)",
        "no shuffle",
    ),
    (
        "gradient_descent.minibatch_gd",
        "def minibatch_gd(X, y, w, b, lr, epochs, batch_size, seed):\n"
        "    X, y = np.asarray(X), np.asarray(y)\n    rng = np.random.default_rng(seed)\n    n = len(X)\n"
        "    losses = []\n"
        "    for _ in range(epochs):\n        order = rng.permutation(n)\n        batch_losses = []\n"
        "        for i in range(0, n, batch_size):\n            idx = order[i:i + batch_size]\n"
        "            batch_losses.append(np.mean((predict(X[idx], w, b) - y[idx]) ** 2))\n"
        "            grad_w, grad_b = mse_gradient(X[idx], y[idx], w, b)\n"
        "            w, b = w - lr * grad_w, b - lr * grad_b\n"
        "        losses.append(np.mean(batch_losses))\n    return w, b, np.array(losses)",
        "averaged batch losses",
    ),
]

"""Realistic wrong answers for unit tensors: (exercise id, the learner's function, the mistake named).

Each function is appended to the solution module, so it may use the solution's helpers.
"""

WRONG = [
    ("tensors.vector", "def vector():\n    return np.array([[1, 2, 3, 4]])", "a (1, 4) row matrix"),
    ("tensors.vector", "def vector():\n    return [1, 2, 3, 4]", "a Python list, not an array"),
    ("tensors.vector", "def vector():\n    return np.array([1, 2, 3, 4]).reshape(4, 1)", "a (4, 1) column matrix"),
    ("tensors.matrix", "def matrix():\n    return np.array([[1, 3], [2, 4], [1, 1]])", "transposed matrix"),
    ("tensors.matrix", "def matrix():\n    return [[1, 2, 1], [3, 4, 1]]", "a Python list, not an array"),
    ("tensors.matrix", "def matrix():\n    return np.array([1, 2, 1, 3, 4, 1])", "same numbers, another shape"),
    (
        "tensors.tensor3",
        "def tensor3():\n    return np.array([[1, 2, 0], [3, 4, 0], [5, 6, 1], [7, 8, 1]])",
        "same numbers, another shape",
    ),
    (
        "tensors.tensor3",
        "def tensor3():\n    m1 = np.array([[1, 2, 0], [3, 4, 0]])\n    m2 = np.array([[5, 6, 1], [7, 8, 1]])\n"
        "    return np.stack([m1, m2], axis=2)",
        "axes in another order",
    ),
    (
        "tensors.tensor3",
        "def tensor3():\n    return [[[1, 2, 0], [3, 4, 0]], [[5, 6, 1], [7, 8, 1]]]",
        "a Python list, not an array",
    ),
    (
        "tensors.describe",
        "def describe(x):\n    x = np.asarray(x)\n    return x.ndim, x.shape, len(x)",
        "len(x) as the size",
    ),
    (
        "tensors.describe",
        "def describe(x):\n    x = np.asarray(x)\n    return len(x), x.shape, x.size",
        "len(x) as ndim",
    ),
    (
        "tensors.describe",
        "def describe(x):\n    x = np.asarray(x)\n    return x.ndim, x.shape, sum(x.shape)",
        "added the lengths",
    ),
    (
        "tensors.broadcast_shape",
        "def broadcast_shape(a, b):\n    out = []\n    for x, y in zip(a, b):\n"
        "        if x == y or y == 1:\n            out.append(x)\n        elif x == 1:\n            out.append(y)\n"
        "        else:\n            raise ValueError('shapes do not broadcast')\n    return tuple(out)",
        "aligned from the left",
    ),
    (
        "tensors.broadcast_shape",
        "def broadcast_shape(a, b):\n    n = max(len(a), len(b))\n"
        "    a = tuple(a) + (1,) * (n - len(a))\n    b = tuple(b) + (1,) * (n - len(b))\n    out = []\n"
        "    for x, y in zip(a, b):\n        if x != y and x != 1 and y != 1:\n"
        "            raise ValueError('no broadcast')\n"
        "        out.append(max(x, y))\n    return tuple(out)",
        "aligned from the left",
    ),
    (
        "tensors.broadcast_shape",
        "def broadcast_shape(a, b):\n    return tuple(a) if len(a) >= len(b) else tuple(b)",
        "size-1 axes not stretched",
    ),
    (
        "tensors.broadcast_shape",
        "def broadcast_shape(a, b):\n    n = max(len(a), len(b))\n"
        "    a = (1,) * (n - len(a)) + tuple(a)\n    b = (1,) * (n - len(b)) + tuple(b)\n"
        "    return tuple(max(x, y) for x, y in zip(a, b))",
        "took the larger length",
    ),
    (
        "tensors.matmul_shape",
        "def matmul_shape(a, b):\n    a, b = tuple(a), tuple(b)\n    if len(a) == 1:\n        a = (1,) + a\n"
        "    if len(b) == 1:\n        b = b + (1,)\n    if a[-1] != b[-2]:\n"
        "        raise ValueError('inner lengths differ')\n"
        "    return broadcast_shape(a[:-2], b[:-2]) + (a[-2], b[-1])",
        "kept the promoted axis",
    ),
    (
        "tensors.matmul_shape",
        "def matmul_shape(a, b):\n    return np.dot(np.zeros(a), np.zeros(b)).shape",
        "np.dot's rule",
    ),
    (
        "tensors.matmul_shape",
        "def matmul_shape(a, b):\n    a, b = tuple(a), tuple(b)\n    if not a or not b:\n"
        "        raise ValueError('0-d')\n    a2 = (1,) + a if len(a) == 1 else a\n"
        "    b2 = b + (1,) if len(b) == 1 else b\n"
        "    if a2[-1] != b2[-2]:\n        raise ValueError('inner lengths differ')\n"
        "    rows = () if len(a) == 1 else (a2[-2],)\n    cols = () if len(b) == 1 else (b2[-1],)\n"
        "    return a2[:-2] + rows + cols",
        "no batch broadcasting",
    ),
    (
        "tensors.matmul_shape",
        "def matmul_shape(a, b):\n    if a[-1] != b[0]:\n        raise ValueError('inner lengths differ')\n"
        "    return (a[0], b[-1])",
        "the 2-D rule for every shape",
    ),
]

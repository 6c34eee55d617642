"""Vectors, matrices, tensors and shape rules: reference answers.

벡터, 행렬, 텐서와 shape 규칙의 참고 답안입니다.
"""

import numpy as np


def vector():
    """The notes' vector [1, 2, 3, 4], shape (4,): the notes' "(, 4)"."""
    return np.array([1, 2, 3, 4])  # one pair of brackets, one axis; [[...]] would be a (1, 4) matrix


def matrix():
    """The notes' matrix, shape (2, 3): a list of rows."""
    return np.array([[1, 2, 1], [3, 4, 1]])


def tensor3():
    """The notes' 3-D tensor, shape (2, 2, 3): a list of two 2×3 matrices."""
    return np.array([[[1, 2, 0], [3, 4, 0]], [[5, 6, 1], [7, 8, 1]]])


def describe(x):
    """(ndim, shape, size) of x, as (int, tuple of ints, int)."""
    x = np.asarray(x)  # a number or a list has no .shape; an array of it does
    return x.ndim, x.shape, x.size  # size multiplies the lengths: len(x) is only the first one


def broadcast_shape(a, b):
    """The broadcast shape of shapes a and b; ValueError when they don't broadcast."""
    a, b = tuple(a), tuple(b)
    n = max(len(a), len(b))
    # Shapes line up at their last axes: pad the shorter one with 1s on the left.
    a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    out = []
    for da, db in zip(a, b):
        if da == db or db == 1:
            out.append(da)
        elif da == 1:  # a length-1 axis stretches to the other length, 0 included
            out.append(db)
        else:
            raise ValueError(f"shapes {a} and {b} don't broadcast: lengths {da} and {db}")
    return tuple(out)


def matmul_shape(a, b):
    """The shape of A @ B for shapes a and b, as np.matmul; ValueError when incompatible."""
    a, b = tuple(a), tuple(b)
    if not a or not b:
        raise ValueError("matmul needs arrays with at least one axis")
    # A 1-D operand becomes a matrix for the product: a row on the left, a column on the right.
    a2 = (1,) + a if len(a) == 1 else a
    b2 = b + (1,) if len(b) == 1 else b
    if a2[-1] != b2[-2]:
        raise ValueError(f"inner lengths differ: {a} @ {b} needs {a2[-1]} == {b2[-2]}")
    batch = broadcast_shape(a2[:-2], b2[:-2])
    # ... and the promoted axis is dropped again from the result.
    rows = () if len(a) == 1 else (a2[-2],)
    cols = () if len(b) == 1 else (b2[-1],)
    return batch + rows + cols

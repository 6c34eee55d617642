"""Unit 1: vectors, matrices and tensors: NumPy arrays, their shapes, and the shape rules
of broadcasting and matrix multiplication.

A shape is a tuple of ints, one per axis: the length of the array along that axis. The
notes' vector [1, 2, 3, 4] has shape "(, 4)" in the notes; NumPy and PyTorch write it (4,).
Use NumPy only; the graders compare your answers with PyTorch.

벡터(1차원 배열), 행렬(2차원 배열), 텐서(3차원 배열)를 NumPy로 만들고, 각 축(axis)의 길이인 shape를 다룹니다.
"""

import numpy as np


def vector():
    """The notes' vector (벡터, a 1-D array): [1, 2, 3, 4].

    Return a NumPy array of shape (4,) (the notes write "(, 4)"); a list has no shape, so it
    fails. Only the values and the shape are checked, not the dtype.
    """
    raise NotImplementedError("tensors.vector: write your answer here")


def matrix():
    """The notes' matrix (행렬, a 2-D array): rows [1, 2, 1] and [3, 4, 1].

    Return a NumPy array (not a nested list) of shape (2, 3): 2 rows (axis 0), 3 columns
    (axis 1). Only the values and the shape are checked, not the dtype.
    """
    raise NotImplementedError("tensors.matrix: write your answer here")


def tensor3():
    """The notes' 3-D tensor (텐서): two 2×3 matrices, [[1, 2, 0], [3, 4, 0]] and
    [[5, 6, 1], [7, 8, 1]], one after the other along axis 0.

    Return a NumPy array (not a nested list) of shape (2, 2, 3). Only the values and the
    shape are checked, not the dtype.
    """
    raise NotImplementedError("tensors.tensor3: write your answer here")


def describe(x):
    """(ndim, shape, size) of x: the number of axes (an int), the shape (a tuple of ints,
    one length per axis) and the number of elements (an int, the product of the shape).

    x may be a Python number, a (nested) list or a NumPy array of any shape: a 0-d array
    has ndim 0, shape () and size 1; an empty array of shape (0, 3) has size 0.

    >>> describe(np.zeros((2, 3)))
    (2, (2, 3), 6)
    """
    raise NotImplementedError("tensors.describe: write your answer here")


def broadcast_shape(a, b):
    """The shape that arrays of shapes a and b broadcast to, as a tuple of ints.

    a and b are tuples of ints (() is the shape of a 0-d array). Shapes are compared
    from their last axes; two lengths match when they are equal or one of them is 1
    (it is stretched to the other length, 0 included). Raise ValueError when they don't
    broadcast.

    >>> broadcast_shape((2, 1), (3,))
    (2, 3)
    """
    raise NotImplementedError("tensors.broadcast_shape: write your answer here")


def matmul_shape(a, b):
    """The shape of A @ B for arrays A, B of shapes a and b (tuples of ints), as a tuple.

    As np.matmul and torch.matmul: (n, k) @ (k, m) is (n, m), as in the notes'
    (4×2)·(2×2) = 4×2. A 1-D operand is promoted to a matrix ((k,) → (1, k) on the left,
    (k, 1) on the right) and the added axis is removed from the result. Any axes before
    the last two are batch axes and broadcast like broadcast_shape. Raise ValueError
    when the inner lengths (the k's) differ, the batch axes don't broadcast, or a or b
    is () (matmul needs at least 1 axis).

    >>> matmul_shape((4, 2), (2, 2))
    (4, 2)
    """
    raise NotImplementedError("tensors.matmul_shape: write your answer here")

"""Unit 2: the perceptron, logic gates (AND, OR, NAND) and why XOR needs two layers.

A perceptron takes a weighted sum of its inputs plus a bias, z = x·w + b, and passes it
through the step function: it outputs 1 ("the signal flows") when z > 0 and 0 otherwise.
In this course step(0) = 0, as torch.heaviside(z, 0) gives. Never modify the inputs. Use
NumPy only; the graders compare your answers with PyTorch.

퍼셉트론은 다수의 신호를 입력받아 하나의 신호(1 또는 0)를 출력합니다. AND, OR 게이트는
선형적으로 분리되지만 XOR 게이트는 비선형적으로 분리되므로 다층 퍼셉트론이 필요합니다.
"""

import numpy as np


def step(z):
    """The step function, elementwise: 1.0 where z > 0, else 0.0 (so step(0) = 0).

    z may be a Python float, a list, or a float32/float64 array of any shape (0-d
    included), with |z| up to 1e300. Return an array of z's shape and float dtype
    (float32 stays float32; floats and lists give float64), holding 0.0 and 1.0, not
    True/False. Never modify z.

    >>> step([-1.0, 0.0, 2.0])
    array([0., 0., 1.])
    """
    raise NotImplementedError("perceptron.step: write your answer here")


def perceptron(x, w, b):
    """One perceptron: step(x @ w + b).

    x is one input of shape (2,) or a batch of inputs of shape (n, 2); w has shape (2,)
    (the 가중치, weights), b is a number (the bias). Returns step of the weighted sum
    (전달함수, 가중합): a 0-d array for x of shape (2,), shape (n,) for x of shape (n, 2),
    in x's float dtype.

    >>> perceptron(np.array([[0.0, 1.0], [1.0, 1.0]]), np.array([1.0, 1.0]), -1.5)
    array([0., 1.])
    """
    raise NotImplementedError("perceptron.perceptron: write your answer here")


def gate_params(name):
    """(w, b) of one perceptron that computes the gate `name`: "and", "or" or "nand".

    w is an array of shape (2,), b a number, such that perceptron(x, w, b) gives the gate's
    truth table on the inputs (0, 0), (0, 1), (1, 0), (1, 1), with step(0) = 0. Many (w, b)
    are right; the grader runs yours through a perceptron. Any other name (for example
    "xor", which no single perceptron can compute) raises ValueError.
    """
    raise NotImplementedError("perceptron.gate_params: write your answer here")


def xor_gate(x):
    """XOR of each row of x (shape (n, 2), values 0.0 or 1.0), built from two layers of
    perceptrons with the weights of your gate_params (a 다층 퍼셉트론): no single
    perceptron can compute XOR.

    Returns shape (n,), 1.0 where exactly one of the row's two inputs is 1, else 0.0.
    """
    raise NotImplementedError("perceptron.xor_gate: write your answer here")


def train_perceptron(X, y, lr=0.1, epochs=20):
    """Train one perceptron with Rosenblatt's rule; return (w, b, errors).

    X has shape (n, d) (d = 2 for the gates), y shape (n,) of 0.0/1.0 labels, both float.
    Start from w = zeros(d) and b = 0 in X's dtype. Each epoch visits the samples in the
    given order (no shuffling), and for each sample x_i, y_i:
        ŷ = step(x_i · w + b);   w += lr·(y_i − ŷ)·x_i;   b += lr·(y_i − ŷ)
    errors holds epochs counts (a list or a 1-D array): errors[e] counts the samples with
    ŷ ≠ y_i while epoch e ran. Run all the epochs, even after an epoch with no errors.
    w has shape (d,) and X's dtype; b is a number.
    """
    raise NotImplementedError("perceptron.train_perceptron: write your answer here")

"""Unit 3: the multilayer perceptron that computes XOR, forward and backward.

A single perceptron cannot separate XOR; a hidden layer between input and output can. Rows
are samples: X has shape (n, 2), W1 (2, h), b1 (h,), W2 (h, 1), b2 (1,), so the hidden layer
is X @ W1 + b1 with shape (n, h) and the output hidden @ W2 + b2 with shape (n, 1), as in the
notes' "(4×2)·(2×2) = 4×2". Arrays keep the inputs' float dtype (float32 stays float32;
Python floats and lists give float64). Never modify the inputs. Use NumPy only; the graders
compare your answers with PyTorch.

다층 퍼셉트론: 입력층과 출력층 사이에 은닉층을 두어 XOR 게이트를 계산하고(순전파), 역전파로 가중치를 학습합니다.
"""

import numpy as np

# The notes' weights: n1 = σ(x1·(−2) + x2·(−2) + 3), n2 = σ(x1·2 + x2·2 − 1), y_out = σ(n1·1 + n2·1 − 1).
SEED_W1 = np.array([[-2.0, 2.0], [-2.0, 2.0]])
SEED_B1 = np.array([3.0, -1.0])
SEED_W2 = np.array([[1.0], [1.0]])
SEED_B2 = np.array([-1.0])


def forward(X, W1, b1, W2, b2, activation="step"):
    """순전파 of the two-layer network: returns (hidden, out).

    hidden = act(X @ W1 + b1), shape (n, h); out = act(hidden @ W2 + b2), shape (n, 1):
    the activation is applied in both layers. activation is "step" (1.0 where z > 0, else
    0.0, so step(0) = 0) or "sigmoid" (stable: no NumPy warnings for |z| up to 1e4).
    Raises ValueError for any other activation name, and for any shapes other than
    X (n, 2), W1 (2, h), b1 (h,), W2 (h, 1), b2 (1,) (b1 of shape (1, h) or b2 of shape ()
    would broadcast in NumPy: check them yourself).
    """
    raise NotImplementedError("xor_mlp.forward: write your answer here")


def seed_table(activation="step"):
    """The notes' table, computed: a float64 array of shape (4, 5).

    One row per input (0, 0), (0, 1), (1, 0), (1, 1), in that order; columns x1, x2, n1, n2,
    y_out, where n1, n2 are the hidden layer and y_out the output of forward() with the
    SEED_* weights and the given activation. ValueError for an activation forward() refuses.
    """
    raise NotImplementedError("xor_mlp.seed_table: write your answer here")


def robust_xor_params():
    """Weights (W1, b1, W2, b2) of shapes (2, 2), (2,), (2, 1), (1,) for a **sigmoid** network.

    forward(X, W1, b1, W2, b2, "sigmoid") must give out < 0.1 on the XOR-0 rows (0, 0) and
    (1, 1), and out > 0.9 on the XOR-1 rows (0, 1) and (1, 0). Any such weights are right.
    """
    raise NotImplementedError("xor_mlp.robust_xor_params: write your answer here")


def loss_and_grads(X, y, W1, b1, W2, b2):
    """The loss and its gradients, by 역전파 (backpropagation) written by hand.

    X (n, 2), y (n, 1) of 0s and 1s, weights as in forward(). The network uses sigmoid in
    the hidden and the output layer; the loss is the MSE, the mean over all elements of
    (out − y)². Returns (loss, grads): loss a number, grads a dict with keys "W1", "b1",
    "W2", "b2", each the gradient of the loss with respect to that parameter, with the
    parameter's shape and float dtype.
    """
    raise NotImplementedError("xor_mlp.loss_and_grads: write your answer here")


def train(X, y, hidden=4, lr=1.0, epochs=2000, seed=0):
    """Batch gradient descent (배치 경사 하강법) of the sigmoid network with loss_and_grads.

    Start: rng = np.random.default_rng(seed), made once; W1 = rng.normal(0, 1, (2, hidden)),
    then W2 = rng.normal(0, 1, (hidden, 1)), in that order; b1 and b2 zeros of shapes
    (hidden,) and (1,). Each epoch does one update on all of X: p ← p − lr · grad.
    Returns (params, losses): params a dict with keys "W1", "b1", "W2", "b2" after the last
    update; losses epochs numbers (a list or a 1-D array), losses[e] the loss before update e.
    """
    raise NotImplementedError("xor_mlp.train: write your answer here")

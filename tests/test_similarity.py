"""`course similarity` end to end on a class built here: copies are found, renamed or not, with
their passages; honest work, the stub and the obvious one-liners are not."""

from __future__ import annotations

import html
import random
import re
import shutil
from pathlib import Path

from tests.conftest import ROOT
from tests.helpers import run_course

# Honest ways of writing each function: a learner takes one of each, so every way is shared by
# many learners, as the obvious code is in a real class.
VARIANTS = {
    "sigmoid": [
        (
            "def sigmoid(x):\n    x = np.asarray(x, dtype=float)\n"
            "    return np.where(x >= 0, 1 / (1 + np.exp(-np.abs(x))),"
            " np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))))\n"
        ),
        (
            "def sigmoid(x):\n    x = np.asarray(x)\n    if x.dtype.kind != 'f':\n        x = x.astype(np.float64)\n"
            "    e = np.exp(-np.abs(x))\n    return np.where(x < 0, e / (1 + e), 1 / (1 + e))\n"
        ),
        (
            "def sigmoid(x):\n    x = np.asarray(x, dtype=np.result_type(x, np.float64))\n"
            "    return 0.5 * (1 + np.tanh(0.5 * x))  # tanh never overflows\n"
        ),
    ],
    "tanh": [
        "def tanh(x):\n    return np.tanh(np.asarray(x, dtype=float))\n",
        (
            "def tanh(x):\n    arr = np.asarray(x)\n    if not np.issubdtype(arr.dtype, np.floating):\n"
            "        arr = arr.astype(float)\n    return np.tanh(arr)\n"
        ),
        "def tanh(x):\n    x = np.array(x, dtype=np.result_type(x, 1.0))\n    return 2 * sigmoid(2 * x) - 1\n",
    ],
    "relu": [
        "def relu(x):\n    return np.maximum(np.asarray(x, dtype=float), 0)\n",
        "def relu(x):\n    x = np.array(x, dtype=float)\n    x[x < 0] = 0\n    return x\n",
        "def relu(x):\n    x = np.asarray(x, dtype=float)\n    return np.where(x > 0, x, 0.0)\n",
    ],
    "leaky_relu": [
        (
            "def leaky_relu(x, negative_slope=0.01):\n    x = np.asarray(x, dtype=float)\n"
            "    return np.where(x > 0, x, negative_slope * x)\n"
        ),
        (
            "def leaky_relu(x, negative_slope=0.01):\n    out = np.array(x, dtype=float)\n"
            "    negative = out <= 0\n    out[negative] *= negative_slope\n    return out\n"
        ),
        (
            "def leaky_relu(x, negative_slope=0.01):\n    x = np.asarray(x, dtype=float)\n"
            "    return np.maximum(x, 0) + negative_slope * np.minimum(x, 0)\n"
        ),
    ],
    "softmax": [
        (
            "def softmax(x, axis=-1):\n    x = np.asarray(x, dtype=float)\n"
            "    e = np.exp(x - x.max(axis=axis, keepdims=True))\n"
            "    return e / e.sum(axis=axis, keepdims=True)\n"
        ),
        (
            "def softmax(x, axis=-1):\n    x = np.asarray(x, dtype=float)\n"
            "    shifted = x - np.max(x, axis, keepdims=True)\n"
            "    return np.exp(shifted) / np.sum(np.exp(shifted), axis, keepdims=True)\n"
        ),
        (
            "def softmax(x, axis=-1):\n    x = np.moveaxis(np.asarray(x, dtype=float), axis, -1)\n"
            "    z = np.exp(x - x.max(-1)[..., None])\n    return np.moveaxis(z / z.sum(-1)[..., None], -1, axis)\n"
        ),
    ],
    "sigmoid_grad": [
        "def sigmoid_grad(x):\n    s = sigmoid(x)\n    return s * (1 - s)\n",
        "def sigmoid_grad(x):\n    return sigmoid(x) * sigmoid(-np.asarray(x, dtype=float))\n",
        "def sigmoid_grad(x):\n    x = np.asarray(x, dtype=float)\n    e = np.exp(-np.abs(x))\n"
        "    return e / (1 + e) ** 2\n",
    ],
}

# A learner's own way: nobody else in the class writes it like this.
OWN = """import numpy as np


def _as_float_array(values):
    # copy, so that nothing the caller holds is ever changed
    array = np.array(values, copy=True)
    if array.dtype.kind != "f":
        array = array.astype(np.float64)
    return array


def sigmoid(x):
    array = _as_float_array(x)
    result = np.empty_like(array)
    positive = array >= 0
    result[positive] = 1.0 / (1.0 + np.exp(-array[positive]))
    exponent = np.exp(array[~positive])
    result[~positive] = exponent / (1.0 + exponent)
    return result


def softmax(x, axis=-1):
    array = _as_float_array(x)
    largest = np.amax(array, axis=axis, keepdims=True)
    exponent = np.exp(array - largest)
    total = np.add.reduce(exponent, axis=axis, keepdims=True)
    return exponent / total


def softmax_backward(x, grad_out, axis=-1):
    probabilities = softmax(x, axis)
    weighted = np.sum(grad_out * probabilities, axis=axis, keepdims=True)
    return probabilities * (grad_out - weighted)
"""

# Another learner's own way, which a classmate hands in with every name and comment changed.
ORIGINAL = """import numpy as np


def relu(x):
    values = np.asarray(x)
    values = values.astype(np.result_type(values.dtype, np.float64) if values.dtype.kind != "f" else values.dtype)
    clipped = values.copy()
    for index in np.ndindex(clipped.shape):
        if clipped[index] < 0:  # below zero: cut it off
            clipped[index] = 0
    return clipped


def relu_grad(x):
    values = np.asarray(x)
    slope = np.zeros(values.shape, dtype=np.result_type(values.dtype, np.float32))
    for index in np.ndindex(values.shape):
        slope[index] = 1.0 if values[index] > 0 else 0.0  # zero at zero, as autograd says
    return slope


def leaky_relu_grad(x, negative_slope=0.01):
    values = np.asarray(x)
    slope = np.full(values.shape, negative_slope, dtype=np.result_type(values.dtype, np.float32))
    for index in np.ndindex(values.shape):
        if values[index] > 0:
            slope[index] = 1.0
    return slope
"""
RENAMES = {"values": "arr", "clipped": "out", "index": "idx", "slope": "deriv"}

THRESHOLD = 50


def renamed(source: str) -> str:
    source = re.sub(r"#.*", "# my own note", source)
    return re.sub(r"\b(" + "|".join(RENAMES) + r")\b", lambda m: RENAMES[m.group(1)], source)


def filled_stub(one_liners: dict[str, str]) -> str:
    """The stub, with some of its functions answered in one line each."""
    stub = (ROOT / "exercises" / "activations.py").read_text(encoding="utf-8")
    for function, line in one_liners.items():
        stub = stub.replace(f'raise NotImplementedError("activations.{function}: write your answer here")', line)
    return stub


OBVIOUS = {"relu": "return np.maximum(0, x)", "tanh": "return np.tanh(x)", "sigmoid": "return 1 / (1 + np.exp(-x))"}
COPIER = "<script>alert(1)"


def hand_in(folder: Path, activations: str) -> Path:
    """A submission: its activations module, and the losses of solutions/, which every learner
    shares (so a unit nobody wrote for themselves shows no pairs)."""
    folder.mkdir()
    (folder / "activations.py").write_text(activations, encoding="utf-8")
    shutil.copy(ROOT / "solutions" / "losses.py", folder / "losses.py")
    return folder


def build_class(tmp_path: Path) -> tuple[list[Path], list[str]]:
    draw = random.Random(17)
    honest = []
    for number in range(26):
        chosen = [draw.choice(ways) for ways in VARIANTS.values()]
        honest.append(hand_in(tmp_path / f"honest{number:02}", "import numpy as np\n\n\n" + "\n\n".join(chosen)))
    special = [
        hand_in(tmp_path / "own", OWN),
        hand_in(tmp_path / COPIER, OWN),
        hand_in(tmp_path / "original", ORIGINAL),
        hand_in(tmp_path / "renamer", renamed(ORIGINAL)),
        hand_in(tmp_path / "obvious_a", filled_stub(OBVIOUS)),
        hand_in(tmp_path / "obvious_b", filled_stub(OBVIOUS)),
        hand_in(tmp_path / "stub_a", filled_stub({})),
        hand_in(tmp_path / "stub_b", filled_stub({})),
    ]
    unreadable = tmp_path / "empty"
    unreadable.mkdir()
    return [*honest, *special, unreadable], [path.name for path in honest]


def scores(page: str) -> dict[frozenset[str], int]:
    """The report's summary: the percent of each pair it lists, by its two learners."""
    rows = re.findall(
        r'<tr><td><a href="#pair\d+">(.*?)</a></td><td>(.*?)</td><td>activations</td><td>(\d+)%</td>', page
    )
    return {frozenset({html.unescape(a), html.unescape(b)}): int(percent) for a, b, percent in rows}


def test_copies_are_found_and_honest_work_is_not(tmp_path):
    (tmp_path / "class").mkdir()
    submissions, honest = build_class(tmp_path / "class")
    report = tmp_path / "similarity.html"
    run = run_course("similarity", *submissions, "--out", report, "--threshold", THRESHOLD)
    assert run.returncode == 0, run.stderr
    page = report.read_text(encoding="utf-8")

    flagged = scores(page)
    assert set(flagged) == {frozenset({"own", COPIER}), frozenset({"original", "renamer"})}
    assert all(percent >= THRESHOLD for percent in flagged.values())
    # the passages side by side: the copy's lines beside the original's, renamed
    assert html.escape("result[~positive] = exponent / (1.0 + exponent)") in page
    assert "slope[index] = 1.0 if values[index] &gt; 0 else 0.0" in page
    assert "deriv[idx] = 1.0 if arr[idx] &gt; 0 else 0.0" in page
    # the learner's name is text, never markup; the page loads nothing from anywhere
    assert "<script" not in page and "&lt;script&gt;alert(1)" in page
    assert not re.search(r"https?:|src=|<link", page)
    assert "empty" in page and "could not be read" in page
    table = run.stdout.splitlines()
    assert table[0].split() == ["learner", "A", "learner", "B", "unit", "similarity"]
    assert {tuple(sorted(line.split()[:2])) for line in table[1:3]} == {("original", "renamer"), (COPIER, "own")}

    run = run_course("similarity", *submissions, "--out", report, "--threshold", 0)
    assert run.returncode == 0, run.stderr
    every = scores(report.read_text(encoding="utf-8"))
    honest_pairs = {pair: percent for pair, percent in every.items() if pair <= set(honest)}
    assert max(honest_pairs.values(), default=0) < THRESHOLD
    assert every.get(frozenset({"obvious_a", "obvious_b"}), 0) < THRESHOLD
    assert all(every.get(frozenset({"stub_a", other}), 0) <= 5 for other in [*honest, "stub_b", "obvious_a", "own"])

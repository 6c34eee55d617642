"""Every exercise: the solution passes, the stub is not implemented, realistic wrong answers fail
with their named mistake. Wrong answers are appended to the solution module, replacing one function.
"""
from __future__ import annotations

import pytest

from tests.conftest import ROOT  # noqa: F401  (the fixtures live there)

WRONG = [
    # (exercise id, the learner's wrong function, the mistake the grader must name)
    ("activations.sigmoid", "def sigmoid(x):\n    return 1 / (1 + np.exp(-np.asarray(x)))", "naive sigmoid overflow"),
    ("activations.sigmoid", "def sigmoid(x):\n    x = np.asarray(x)\n    e = np.exp(-np.abs(x))\n"
     "    return np.where(x < 0, 1 / (1 + e), e / (1 + e))", "sign flipped"),
    ("activations.tanh", "def tanh(x):\n    x = np.asarray(x)\n    return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))",
     "tanh from exponentials overflows"),
    ("activations.tanh", "def tanh(x):\n    return sigmoid(x)", "sigmoid instead of tanh"),
    ("activations.relu", "def relu(x):\n    x = np.asarray(x)\n    x[x < 0] = 0\n    return x", "changed the input in place"),
    ("activations.relu", "def relu(x):\n    x = np.asarray(x)\n    return (x > 0).astype(x.dtype)", "returned the derivative"),
    ("activations.leaky_relu", "def leaky_relu(x, negative_slope=0.01):\n    x = np.asarray(x)\n"
     "    return np.where(x > 0, x, 0.01 * x)", "ignored negative_slope"),
    ("activations.leaky_relu", "def leaky_relu(x, negative_slope=0.01):\n    return np.maximum(x, 0)", "plain ReLU"),
    ("activations.leaky_relu", "def leaky_relu(x, negative_slope=0.01):\n    x = np.asarray(x)\n"
     "    x[x < 0] *= negative_slope\n    return x", "changed the input in place"),
    ("activations.leaky_relu", "def leaky_relu(x, negative_slope=0.01):\n    x = np.asarray(x)\n"
     "    return np.maximum(x, negative_slope * x)", "np.maximum(x, negative_slope·x)"),
    ("activations.softmax", "def softmax(x, axis=-1):\n    e = np.exp(np.asarray(x))\n"
     "    return e / e.sum(axis=axis, keepdims=True)", "softmax without the max shift"),
    ("activations.softmax", "def softmax(x, axis=-1):\n    x = np.asarray(x)\n    e = np.exp(x - x.max(axis=0, keepdims=True))\n"
     "    return e / e.sum(axis=0, keepdims=True)", "softmax over the wrong axis"),
    ("activations.softmax", "def softmax(x, axis=-1):\n    x = np.asarray(x)\n    e = np.exp(x - x.max())\n"
     "    return e / e.sum()", "normalised over the whole array"),
    ("activations.sigmoid_grad", "def sigmoid_grad(x):\n    x = np.asarray(x)\n    return x * (1 - x)",
     "x·(1−x) as sigmoid's derivative"),
    ("activations.sigmoid_grad", "def sigmoid_grad(x):\n    s = 1 / (1 + np.exp(-np.asarray(x)))\n    return s * (1 - s)",
     "naive sigmoid overflow"),
    ("activations.tanh_grad", "def tanh_grad(x):\n    x = np.asarray(x)\n    return 1 - x ** 2", "1−x² as tanh's derivative"),
    ("activations.tanh_grad", "def tanh_grad(x):\n    return 1 - np.tanh(x)", "forgot the square"),
    ("activations.relu_grad", "def relu_grad(x):\n    x = np.asarray(x)\n    return (x >= 0).astype(x.dtype)", "slope 1 at x = 0"),
    ("activations.relu_grad", "def relu_grad(x):\n    return np.asarray(x) > 0", "a boolean mask"),
    ("activations.leaky_relu_grad", "def leaky_relu_grad(x, negative_slope=0.01):\n    x = np.asarray(x)\n"
     "    return np.where(x >= 0, 1.0, negative_slope).astype(x.dtype)", "slope 1 at x = 0"),
    ("activations.leaky_relu_grad", "def leaky_relu_grad(x, negative_slope=0.01):\n    x = np.asarray(x)\n"
     "    return np.where(x > 0, 1.0, 0.01).astype(x.dtype)", "ignored negative_slope"),
    ("activations.softmax_backward", "def softmax_backward(x, grad_out, axis=-1):\n    s = softmax(x, axis)\n"
     "    return s * (1 - s) * np.asarray(grad_out, dtype=s.dtype)", "diagonal-only softmax backward"),
    ("activations.softmax_backward", "def softmax_backward(x, grad_out, axis=-1):\n    s = softmax(x, axis)\n"
     "    return s * np.asarray(grad_out, dtype=s.dtype)", "forgot the Σ(g·s) term"),
    ("activations.softmax_backward", "def softmax_backward(x, grad_out, axis=-1):\n    s = softmax(x, axis)\n"
     "    g = np.asarray(grad_out, dtype=s.dtype)\n    return s * (g - (g * s).sum())", "summed over the whole array"),
    ("losses.mse", "def mse(y_true, y_pred):\n    return np.sum((np.asarray(y_pred) - np.asarray(y_true)) ** 2)", "MSE summed"),
    ("losses.mse", "def mse(y_true, y_pred):\n    return 0.5 * np.mean((np.asarray(y_pred) - np.asarray(y_true)) ** 2)", "half MSE"),
    ("losses.mse", "def mse(y_true, y_pred):\n    return np.mean(np.abs(np.asarray(y_pred) - np.asarray(y_true)))", "forgot to square"),
    ("losses.cee_terms", "def cee_terms(y, p):\n    p = np.asarray(p)\n    return -np.asarray(y, dtype=p.dtype) * np.log(p)",
     "missing log clamp"),
    ("losses.cee_terms", "def cee_terms(y, p):\n    p = np.asarray(p)\n    return np.asarray(y, dtype=p.dtype) * _log(p)",
     "negative loss terms"),
    ("losses.cee_terms", "def cee_terms(y, p):\n    p = np.asarray(p)\n"
     "    with np.errstate(divide='ignore'):\n        return -np.asarray(y, dtype=p.dtype) * np.maximum(np.log10(p), -100)",
     "log10 instead of ln"),
    ("losses.seed_cee_example", "def seed_cee_example():\n    t = cee_terms([1.0, 0.0, 1.0, 1.0], [0.9, 0.2, 0.8, 0.95])\n"
     "    return t, t[0] + t[1] - t[2] + t[3]", "the notes' sign slip"),
    ("losses.seed_cee_example", "def seed_cee_example():\n    return np.array([0.105, 0.0, 0.223, 0.051]), -0.067",
     "the notes' sign slip"),
    ("losses.seed_cee_example", "def seed_cee_example():\n    t = cee_terms([1.0, 0.0, 1.0, 1.0], [0.9, 0.2, 0.8, 0.95])\n"
     "    return t, t.mean()", "mean instead of sum"),
    ("losses.cross_entropy", "def cross_entropy(y_onehot, probs):\n    return cee_terms(y_onehot, probs).sum()", "summed over rows"),
    ("losses.cross_entropy", "def cross_entropy(y_onehot, probs):\n    return cee_terms(y_onehot, probs).mean()",
     "mean over all elements"),
    ("losses.cross_entropy", "def cross_entropy(y_onehot, probs):\n"
     "    return -(np.asarray(y_onehot) * np.log(probs)).sum(axis=-1).mean()", "missing log clamp"),
    ("losses.binary_cross_entropy", "def binary_cross_entropy(y, p):\n    return cee_terms(y, p).mean()",
     "forgot the (1 − y) term"),
    ("losses.binary_cross_entropy", "def binary_cross_entropy(y, p):\n    y, p = np.asarray(y), np.asarray(p)\n"
     "    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))", "missing log clamp"),
    ("losses.binary_cross_entropy", "def binary_cross_entropy(y, p):\n    p = np.asarray(p)\n    y = np.asarray(y, dtype=p.dtype)\n"
     "    return -np.sum(y * _log(p) + (1 - y) * _log(1 - p))", "summed instead of averaged"),
    ("losses.softmax_cross_entropy", "def softmax_cross_entropy(y_onehot, logits):\n    e = np.exp(np.asarray(logits))\n"
     "    p = e / e.sum(axis=-1, keepdims=True)\n    return -(np.asarray(y_onehot) * np.log(p)).sum(axis=-1).mean()",
     "softmax then log, unstable"),
    ("losses.softmax_cross_entropy", "def softmax_cross_entropy(y_onehot, logits):\n    z = np.asarray(logits)\n"
     "    z = z - z.max(axis=-1, keepdims=True)\n    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))\n"
     "    return -(np.asarray(y_onehot) * logp).sum()", "summed over rows"),
]


def test_every_exercise_has_two_realistic_wrong_answers(course):
    for ex in course.exercises:
        assert sum(w[0] == ex.id for w in WRONG) >= 2, ex.id


@pytest.mark.parametrize("unit", ["activations", "losses"])
def test_solutions_pass_on_cpu(submit, unit):
    results = submit(unit)
    assert {r.status for r in results.values()} == {"passed"}, {i: r.message for i, r in results.items() if not r.passed}
    assert all(r.score == r.max_score > 0 for r in results.values())


@pytest.mark.parametrize("unit", ["activations", "losses"])
def test_stubs_are_not_implemented(submit, unit):
    results = submit(unit, base="exercises")
    for r in results.values():
        assert (r.status, r.score) == ("not-implemented", 0), r.id
        assert f"exercises/{unit}.py" not in r.message or "write it in" in r.message


@pytest.mark.parametrize("exercise_id, source, mistake", WRONG, ids=[f"{w[0]}:{w[2]}" for w in WRONG])
def test_wrong_answer_fails_with_its_named_mistake(submit, exercise_id, source, mistake):
    unit = exercise_id.split(".")[0]
    result = submit(unit, source, ids=[exercise_id])[exercise_id]
    assert result.status == "failed" and result.score == 0
    assert result.mistake == mistake, result.message
    assert f"Likely mistake ({mistake})" in result.message
    assert "On input" in result.message or "Called with no arguments" in result.message
    assert "Traceback" not in result.message


def test_naive_sigmoid_message_shows_input_expected_got_and_the_overflow(submit):
    source = WRONG[0][1]
    message = submit("activations", source, ids=["activations.sigmoid"])["activations.sigmoid"].message
    assert "x = [0, -0, 0.001" in message and "float32" in message
    assert "NumPy warned: RuntimeWarning: overflow encountered in exp" in message
    assert "np.exp(-np.abs(x))" in message


def test_notes_total_is_told_the_sign_slip_and_the_right_total(submit):
    source = "def seed_cee_example():\n    t = cee_terms([1.0, 0.0, 1.0, 1.0], [0.9, 0.2, 0.8, 0.95])\n    return t, -0.067"
    result = submit("losses", source, ids=["losses.seed_cee_example"])["losses.seed_cee_example"]
    assert result.mistake == "the notes' sign slip"
    assert "total: expected 0.379797" in result.message and "got      -0.067" in result.message
    assert "subtract the third term" in result.message and "never negative" in result.message
    assert "0.3798" in result.message


def test_value_mismatch_names_the_worst_element_with_its_errors(submit):
    source = "def relu(x):\n    x = np.asarray(x)\n    return np.maximum(x, 0) + (x > 2.5) * x.dtype.type(0.1)"
    message = submit("activations", source, ids=["activations.relu"])["activations.relu"].message
    assert "worst at index" in message and "abs error 0.1" in message and "rel error" in message


def test_float64_answer_for_float32_input_fails_on_dtype(submit):
    source = "def tanh(x):\n    return np.tanh(np.asarray(x, dtype=np.float64))"
    result = submit("activations", source, ids=["activations.tanh"])["activations.tanh"]
    assert result.status == "failed" and "expected dtype float32, got float64" in result.message


def test_an_exception_is_reported_with_the_learner_line_not_a_traceback(submit):
    source = "def relu(x):\n    return max(0, x)"  # fine for a float, a TypeError for a list
    result = submit("activations", source, ids=["activations.relu"])["activations.relu"]
    assert result.status == "error"
    assert "raised TypeError" in result.message and "activations.py line" in result.message
    assert "Traceback" not in result.message


def test_a_python_list_answer_is_told_to_return_an_array(submit):
    source = "def sigmoid(x):\n    return [float(v) for v in np.ravel(_sigmoid_ok(x))]\n" \
             "def _sigmoid_ok(x):\n    x = np.asarray(x, dtype=float)\n    e = np.exp(-np.abs(x))\n" \
             "    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))"
    result = submit("activations", source, ids=["activations.sigmoid"])["activations.sigmoid"]
    assert result.status == "failed" and "a Python list" in result.message

"""Every exercise: the solution passes, the stub is not implemented, realistic wrong answers fail
with their named mistake. Wrong answers are appended to the solution module, replacing one function.
"""

from __future__ import annotations

import ast
import doctest
import importlib
import importlib.util
import io
import re

import pytest

from tests.conftest import ROOT

WRONG = [
    entry
    for path in sorted((ROOT / "tests" / "wrong").glob("[!_]*.py"))
    for entry in importlib.import_module(f"tests.wrong.{path.stem}").WRONG
]
UNITS = sorted(path.stem for path in (ROOT / "exercises").glob("*.py"))


def test_every_exercise_has_two_realistic_wrong_answers(course):
    for ex in course.exercises:
        assert sum(w[0] == ex.id for w in WRONG) >= 2, ex.id


@pytest.mark.parametrize("unit", UNITS)
def test_solutions_pass_on_cpu(submit, unit):
    results = submit(unit)
    assert {r.status for r in results.values()} == {"passed"}, {
        i: r.message for i, r in results.items() if not r.passed
    }
    assert all(r.score == r.max_score > 0 for r in results.values())


@pytest.mark.parametrize("unit", UNITS)
def test_stubs_are_not_implemented(submit, unit):
    results = submit(unit, base="exercises")
    for r in results.values():
        assert (r.status, r.score) == ("not-implemented", 0), r.id
        # the file to write in, as the learner's folder names it (here the test's copy of exercises/)
        assert re.search(rf"write it in submission\d+/{unit}\.py", r.message), r.message


@pytest.mark.parametrize("exercise_id, source, mistake", WRONG, ids=[f"{w[0]}:{w[2]}" for w in WRONG])
def test_wrong_answer_fails_with_its_named_mistake(submit, exercise_id, source, mistake):
    unit = exercise_id.split(".")[0]
    result = submit(unit, source, ids=[exercise_id])[exercise_id]
    assert result.status in ("failed", "error") and result.score == 0  # error: the mistake raised
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
    source = (
        "def seed_cee_example():\n    t = cee_terms([1.0, 0.0, 1.0, 1.0], [0.9, 0.2, 0.8, 0.95])\n    return t, -0.067"
    )
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
    source = (
        "def sigmoid(x):\n    return [float(v) for v in np.ravel(_sigmoid_ok(x))]\n"
        "def _sigmoid_ok(x):\n    x = np.asarray(x, dtype=float)\n    e = np.exp(-np.abs(x))\n"
        "    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))"
    )
    result = submit("activations", source, ids=["activations.sigmoid"])["activations.sigmoid"]
    assert result.status == "failed" and "a Python list" in result.message


# Wrong activations that name no mistake of their own; each must still fail (an audit found one that passed).
UNNAMED_WRONG_ACTIVATIONS = {
    "activations.sigmoid": [
        "def sigmoid(x):\n    x = np.asarray(x)\n"
        "    return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))",
        "def sigmoid(x):\n    x = np.asarray(x)\n    return np.exp(x) / (1 + np.exp(x))",
        "def sigmoid(x):\n    return 1 / (1 + np.exp(-np.asarray(x, dtype=float)))",
    ],
    "activations.tanh": [
        "def tanh(x):\n    x = np.asarray(x)\n    return (1 - np.exp(-2 * x)) / (1 + np.exp(-2 * x))",
        "def tanh(x):\n    x = np.asarray(x)\n    return np.sinh(x) / np.cosh(x)",
    ],
    "activations.leaky_relu": [
        (
            "def leaky_relu(x, negative_slope=0.01):\n    x = np.asarray(x)\n"
            "    return np.where(x > 0, negative_slope * x, x)"
        )
    ],
    "activations.relu_grad": [
        "def relu_grad(x):\n    return np.heaviside(np.asarray(x), 0.5)",
        "def relu_grad(x):\n    x = np.asarray(x)\n    return (x > 0).astype(int)",
    ],
    "activations.softmax": [
        "def softmax(x, axis=-1):\n    x = np.asarray(x)\n    e = np.exp(x - x.max(axis=axis))\n"
        "    return e / e.sum(axis=axis)",
        (
            "def softmax(x, axis=-1):\n    x = np.asarray(x)\n    e = np.exp(x - x.max(axis=-1, keepdims=True))\n"
            "    return e / e.sum(axis=-1, keepdims=True)"
        ),
        (
            "def softmax(x, axis=-1):\n    x = np.asarray(x)\n    e = np.exp(x - x.max(axis=axis, keepdims=True))\n"
            "    return e / e.sum(axis=axis)"
        ),
    ],
    "activations.sigmoid_grad": [
        "def sigmoid_grad(x):\n    x = np.asarray(x)\n    return np.exp(-x) / (1 + np.exp(-x)) ** 2"
    ],
    "activations.tanh_grad": ["def tanh_grad(x):\n    return 1 / np.cosh(np.asarray(x)) ** 2"],
    "activations.leaky_relu_grad": [
        ("def leaky_relu_grad(x, negative_slope=0.01):\n    return np.where(np.asarray(x) > 0, 1.0, negative_slope)")
    ],
    "activations.softmax_backward": [
        (
            "def softmax_backward(x, grad_out, axis=-1):\n    s = softmax(x, axis)\n"
            "    g = np.asarray(grad_out, dtype=s.dtype)\n"
            "    return s * (g - (g * s).sum(axis=-1, keepdims=True))"
        ),
        (
            "def softmax_backward(x, grad_out, axis=-1):\n    s = softmax(x, axis)\n"
            "    g = np.asarray(grad_out, dtype=s.dtype)\n"
            "    return s * (g - (g * s).sum(axis=axis))"
        ),
    ],
}


@pytest.mark.parametrize(
    "exercise_id, source", [(ex, source) for ex, sources in UNNAMED_WRONG_ACTIVATIONS.items() for source in sources]
)
def test_a_wrong_activation_without_a_name_still_fails(submit, exercise_id, source):
    result = submit("activations", source, ids=[exercise_id])[exercise_id]
    assert result.status in ("failed", "error") and result.score == 0, source


def _stub_examples():
    """Each stub function's docstring that holds `>>>` examples, as (unit, function, docstring)."""
    for path in sorted((ROOT / "exercises").glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and ">>>" in (ast.get_docstring(node) or ""):
                yield path.stem, node.name, ast.get_docstring(node)


STUB_EXAMPLES = list(_stub_examples())


def test_the_stubs_show_examples():
    assert len(STUB_EXAMPLES) >= 10 and {unit for unit, _, _ in STUB_EXAMPLES} >= set(UNITS) - {"xor_mlp"}


@pytest.mark.parametrize("unit, function, docstring", STUB_EXAMPLES, ids=[f"{u}.{f}" for u, f, _ in STUB_EXAMPLES])
def test_a_stubs_examples_are_what_the_solution_gives(unit, function, docstring):
    """The `>>>` lines a learner reads in a stub, run against the solution: an example that
    shows a wrong answer, or an output NumPy no longer prints that way, fails here."""
    spec = importlib.util.spec_from_file_location(f"solution_{unit}", ROOT / "solutions" / f"{unit}.py")
    solution = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(solution)
    test = doctest.DocTestParser().get_doctest(docstring, vars(solution), f"{unit}.{function}", f"{unit}.py", 0)
    out = io.StringIO()
    result = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS).run(test, out=out.write)
    assert result.attempted and not result.failed, out.getvalue()

"""A hidden case never shows its inputs: `course grade` with a hidden seed tells its size and
dtype, and what was expected and what came back only where instructor.toml allows it
([grading] hidden_feedback = "values"; "summary" by default). A public case keeps its message."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from graders.course import hidden_feedback
from graders.engine import grade as grade_in_kernel
from graders.engine import prepare
from graders.errors import UserError
from graders.notebook import _InKernel
from tests.conftest import ROOT
from tests.helpers import run_course

SEED = "hidden feedback's own seed"
RELU = "activations.relu"
SECRET_PRINT = "the learner printed x:"


@pytest.fixture(scope="module")
def classroom(tmp_path_factory, course):
    """A course folder, and two submissions: relu memorised from the public cases (it prints,
    then fails, every hidden case), and relu wrong on a public case."""
    where = tmp_path_factory.mktemp("hidden-feedback")
    root = where / "course"
    root.mkdir()
    shutil.copy(ROOT / "course.toml", root / "course.toml")
    (public,) = prepare([course.exercise(RELU)], ["cpu"])
    table = [
        (np.asarray(case.inputs["x"]).tolist(), str(np.asarray(case.inputs["x"]).dtype), answers["cpu"].tolist())
        for case, answers in zip(public.cases, public.expected, strict=True)
    ]
    memorised = where / "memorised"
    shutil.copytree(ROOT / "solutions", memorised)
    with open(memorised / "activations.py", "a", encoding="utf-8") as module:
        module.write(
            f"\n\nTABLE = {table!r}\n\n\ndef relu(x):\n    x = np.asarray(x)\n"
            "    for inputs, dtype, answer in TABLE:\n"
            "        if str(x.dtype) == dtype and x.tolist() == inputs:\n"
            "            return np.asarray(answer, dtype=dtype)\n"
            f"    print({SECRET_PRINT!r}, x.tolist())\n"
            "    return -np.abs(x)\n"
        )
    wrong = where / "wrong"
    shutil.copytree(ROOT / "solutions", wrong)
    with open(wrong / "activations.py", "a", encoding="utf-8") as module:
        module.write("\n\ndef relu(x):\n    return np.abs(np.asarray(x))\n")
    (hidden,) = prepare([course.exercise(RELU)], ["cpu"], SEED, learner=memorised.name)  # the cases it is graded on
    failing = next(case for case in hidden.cases if case.hidden and np.any(np.asarray(case.inputs["x"]) > 0))
    return {"root": root, "submissions": [memorised, wrong], "hidden_x": np.asarray(failing.inputs["x"])}


def grade(classroom, told: str | None, lang: str) -> dict[str, str]:
    """Each submission's message for relu, graded with the hidden seed and `told` in instructor.toml."""
    instructor = classroom["root"] / "instructor.toml"
    instructor.unlink(missing_ok=True)
    if told:
        instructor.write_text(f'[grading]\nhidden_feedback = "{told}"\n', encoding="utf-8")
    run = run_course(
        "--lang",
        lang,
        "grade",
        *classroom["submissions"],
        *("--only", RELU, "--format", "json", "--device", "cpu"),
        root=classroom["root"],
        env={"COURSE_HIDDEN_SEED": SEED},
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    return {record["submission"]: record["exercises"][0]["message"] for record in json.loads(run.stdout)}


def shown(values: np.ndarray) -> list[str]:
    """How a message would write the first few of these values."""
    return [f"{float(v):.6g}" for v in values.ravel()[:4] if abs(float(v)) > 1e-3]


# how a message shows expected and got: "worst at index (0, 2): expected 13.4, got -13.4 (abs error ...)"
WORST = {"en": "worst", "ko": "가장 큰 차이"}


@pytest.mark.parametrize(
    "lang, says", [("en", "On a hidden case (largest input of shape"), ("ko", "숨겨진 사례(가장 큰 입력의 모양")]
)
def test_a_summary_tells_the_size_and_dtype_and_that_it_failed(classroom, lang, says):
    messages = grade(classroom, None, lang)
    hidden = messages["memorised"]
    assert says in hidden and ("float" in hidden)
    assert {"en": "your answer's values are wrong", "ko": "답의 값이 틀렸습니다"}[lang] in hidden
    assert WORST[lang] not in hidden and SECRET_PRINT not in hidden and "x = " not in hidden
    assert not any(value in hidden for value in shown(classroom["hidden_x"]))
    public = messages["wrong"]  # a public case: its input, expected and got, as ever
    assert {"en": "On input x = ", "ko": "입력 x = "}[lang] in public and WORST[lang] in public


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_values_show_expected_and_got_but_never_the_inputs(classroom, lang):
    hidden = grade(classroom, "values", lang)["memorised"]
    assert {"en": "On a hidden case", "ko": "숨겨진 사례"}[lang] in hidden and WORST[lang] in hidden
    assert SECRET_PRINT not in hidden and "x = " not in hidden


def test_hidden_feedback_is_summary_values_or_refused(tmp_path):
    assert hidden_feedback(tmp_path) == "summary"
    (tmp_path / "instructor.toml").write_text('[grading]\nhidden_feedback = "values"\n', encoding="utf-8")
    assert hidden_feedback(tmp_path) == "values"
    (tmp_path / "instructor.toml").write_text('[grading]\nhidden_feedback = "all"\n', encoding="utf-8")
    with pytest.raises(UserError, match='write "summary" or "values"'):
        hidden_feedback(tmp_path)


@pytest.mark.parametrize("error", [ValueError, type("Leak_13_4", (Exception,), {})])
def test_a_summary_quotes_neither_an_exception_message_nor_a_class_of_the_learners(course, error):
    """An exception's message, or a class the learner named, could carry a hidden input out."""
    (graded,) = prepare([course.exercise(RELU)], ["cpu"], SEED)
    public = [
        (str(np.asarray(case.inputs["x"]).dtype), np.asarray(case.inputs["x"]).tolist())
        for case in graded.cases
        if not case.hidden
    ]

    def relu(x):
        x = np.asarray(x)
        if (str(x.dtype), x.tolist()) not in public:
            raise error(f"{SECRET_PRINT} {x.tolist()}")
        return np.maximum(x, 0)

    (result,) = grade_in_kernel([graded], _InKernel(relu), "leaky").exercises
    said = "ValueError" if error is ValueError else "Exception"
    assert result.status == "error" and f"raised {said}." in result.message, result.message
    assert SECRET_PRINT not in result.message and "Leak" not in result.message

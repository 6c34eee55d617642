"""The instructor's hidden seed stays the instructor's: never on a command line, never in a
notebook; a notebook holds each exercise's own key, which draws that exercise's hidden cases
(a learner's own, with the learner's id) exactly as `course grade` draws them from the seed,
and no other exercise's."""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from graders import course as course_data
from graders.engine import hidden_key, prepare
from graders.errors import UserError
from graders.notebook import check
from graders.sandbox import wire
from tests.conftest import ROOT
from tests.helpers import run_course

SEED = "the instructor's own seed"
KEY_IN_CELL = re.compile(r'check\("([\w.]+)", \w+, hidden_key="([0-9a-f]{64})"\)')


def hidden(prepared) -> list[bytes]:
    """The hidden cases' inputs, as the engine encodes them."""
    return [wire.encode(dict(case.inputs)) for case in prepared.cases if case.hidden]


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("nbgrader")
    seed_file = out.parent / "seed.txt"
    seed_file.write_text(SEED + "\n", encoding="utf-8")
    built = run_course("notebooks", "--out", out, "--hidden-seed-file", seed_file)
    assert built.returncode == 0, built.stderr
    return out


def keys_in(notebooks: Path) -> dict[str, str]:
    keys = {}
    for path in (notebooks / "source").glob("*/*.ipynb"):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            keys.update(KEY_IN_CELL.findall("".join(cell["source"])))
    return keys


def test_the_notebooks_hold_each_exercises_key_and_never_the_seed(notebooks, course):
    for path in notebooks.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert SEED not in text and SEED.replace("'", "\\'") not in text, path
    keys = keys_in(notebooks)
    assert keys == {ex.id: hidden_key(SEED, ex.id) for ex in course.exercises}
    assert len(set(keys.values())) == len(keys)


@pytest.mark.parametrize("learner", [None, "alice"])
@pytest.mark.parametrize("exercise_id", ["activations.relu", "losses.mse", "gradient_descent.mse_gradient"])
def test_a_notebooks_key_draws_the_hidden_cases_course_grade_draws(notebooks, course, exercise_id, learner):
    exercise = course.exercise(exercise_id)
    key = keys_in(notebooks)[exercise_id]
    (graded,) = prepare([exercise], ["cpu"], SEED, learner=learner)
    (in_notebook,) = prepare([exercise], ["cpu"], hidden_keys={exercise_id: key}, learner=learner)
    assert hidden(graded) and hidden(in_notebook) == hidden(graded)
    assert in_notebook.inputs == graded.inputs and in_notebook.variant == graded.variant


def test_one_exercises_key_does_not_draw_anothers_hidden_cases(notebooks, course):
    keys = keys_in(notebooks)
    relu, leaky = course.exercise("activations.relu"), course.exercise("activations.leaky_relu")
    (graded,) = prepare([leaky], ["cpu"], SEED)
    (borrowed,) = prepare([leaky], ["cpu"], hidden_keys={leaky.id: keys[relu.id]})
    assert hidden(borrowed) != hidden(graded)


def test_a_notebooks_check_grades_the_hidden_cases_with_its_key(prepared):
    """relu answered by a table of the public cases' answers: it passes the public check and
    fails the hidden one."""
    public = prepared["activations.relu"]
    table = [
        (np.asarray(case.inputs["x"]).tolist(), str(np.asarray(case.inputs["x"]).dtype), answers["cpu"])
        for case, answers in zip(public.cases, public.expected, strict=True)
    ]

    def relu(x):
        x = np.asarray(x)
        known = (answer for inputs, dtype, answer in table if str(x.dtype) == dtype and x.tolist() == inputs)
        return next(known, np.zeros_like(x))

    check("activations.relu", relu)
    with pytest.raises(AssertionError, match="hidden case"):
        check("activations.relu", relu, hidden_key=hidden_key(SEED, "activations.relu"))


@pytest.mark.parametrize("command", [["grade", "solutions", "--device", "cpu"], ["notebooks", "--out", "nowhere"]])
def test_a_secret_on_the_command_line_is_refused_without_repeating_it(command):
    for given in (["--hidden-seed", SEED], [f"--hidden-seed={SEED}"]):
        run = run_course(*command, *given)
        assert run.returncode == 2
        said = " ".join(run.stderr.split())
        assert "every user of this machine can read a command line" in said and "--hidden-seed-file FILE" in said
        assert SEED not in run.stdout + run.stderr
    assert not (ROOT / "nowhere").exists()


def test_the_seed_file_gives_the_seed(tmp_path, monkeypatch):
    monkeypatch.delenv("COURSE_HIDDEN_SEED", raising=False)
    seed_file = tmp_path / "seed"
    seed_file.write_text(f"{SEED}\r\nthe second line is not read\n", encoding="utf-8")
    assert course_data.hidden_seed(tmp_path, str(seed_file)) == SEED
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{SEED}\n"))
    assert course_data.hidden_seed(tmp_path, "-") == SEED
    monkeypatch.setenv("COURSE_HIDDEN_SEED", "from the environment")
    assert course_data.hidden_seed(tmp_path, str(seed_file)) == SEED  # the file first
    assert course_data.hidden_seed(tmp_path) == "from the environment"


@pytest.mark.parametrize(
    "content, said", [(b"\n", "its first line is empty"), (None, "No such file"), (b"\xff\xfe", "is not UTF-8 text")]
)
def test_a_seed_file_without_a_seed_is_named_and_not_quoted(tmp_path, content, said):
    seed_file = tmp_path / "seed"
    if content is not None:
        seed_file.write_bytes(content)
    with pytest.raises(UserError, match=said):
        course_data.hidden_seed(tmp_path, str(seed_file))


def test_notebooks_read_the_seed_from_stdin(tmp_path):
    built = run_course("notebooks", "--out", tmp_path, "--hidden-seed-file", "-", stdin=SEED + "\n")
    assert built.returncode == 0, built.stderr
    assert keys_in(tmp_path)["losses.mse"] == hidden_key(SEED, "losses.mse")

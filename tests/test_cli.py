"""The installed `course` command, run as a learner or an instructor would: in a subprocess.

Each run costs a second or two (the torch import), so runs are few and shared where several
tests read one run's output. Course copies (course.toml, exercises/, solutions/) live in
tmp_path; the graders themselves are installed and need no copying.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from graders.course import load
from tests.conftest import ROOT
from tests.helpers import copy_course, run_course

COURSE_DATA = load(ROOT)
FIRST = COURSE_DATA.exercises[0]
ENV = dict(os.environ, COLUMNS="250")  # rich wraps at 80 columns when not on a terminal

EXERCISE_KEYS = [
    "id",
    "status",
    "score",
    "max_score",
    "message",
    "devices",
    "mistake",
    "seconds",
    "variant",
    "override",
]


def flat(text: str) -> str:
    """Whitespace-insensitive text, so a wrapped line still matches."""
    return " ".join(text.split())


def usage_error(run: subprocess.CompletedProcess) -> str:
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert "Traceback" not in run.stderr + run.stdout
    assert run.stderr.startswith("error: ")
    return flat(run.stderr)


def append(module: Path, source: str) -> None:
    """A later def replaces the stub's, as a learner's edit would."""
    module.write_text(module.read_text(encoding="utf-8") + "\n\n" + source, encoding="utf-8")


def check_schema(data: dict) -> None:
    assert list(data) == [
        "submission",
        "score",
        "max_score",
        "penalty",
        "penalties",
        "final",
        "late",
        "submitted_at",
        "submitted_from",
        "sandbox",
        "exercises",
    ]
    assert [ex["id"] for ex in data["exercises"]] == [ex.id for ex in COURSE_DATA.exercises]
    for ex in data["exercises"]:
        assert list(ex) == EXERCISE_KEYS
        assert isinstance(ex["score"], int) and isinstance(ex["max_score"], int)
        assert isinstance(ex["message"], str) and isinstance(ex["seconds"], float)
        assert ex["mistake"] is None or isinstance(ex["mistake"], str)
    assert data["max_score"] == sum(ex.points for ex in COURSE_DATA.exercises)
    assert data["score"] == sum(ex["score"] for ex in data["exercises"])


# --- grade -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def solutions_json():
    run = run_course("grade", "solutions", "--format", "json", "--device", "cpu")
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_grade_json_has_the_documented_schema(solutions_json):
    check_schema(solutions_json)
    assert solutions_json["submission"] == "solutions"


def test_grade_gives_the_solutions_full_marks_on_the_cpu(solutions_json):
    assert solutions_json["score"] == solutions_json["max_score"] > 0
    for ex in solutions_json["exercises"]:
        assert (ex["status"], ex["score"], ex["message"], ex["mistake"]) == ("passed", ex["max_score"], "", None), ex
        assert ex["devices"] == ["cpu"]


def test_grade_gives_the_stubs_nothing():
    run = run_course("grade", "exercises", "--format", "json")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    check_schema(data)
    assert data["score"] == 0
    assert {ex["status"] for ex in data["exercises"]} == {"not-implemented"}
    assert all("not implemented yet" in ex["message"] for ex in data["exercises"])


def test_grade_two_folders_with_out_and_fail_under(tmp_path):
    report = tmp_path / "report.json"
    run = run_course(
        "grade", "solutions", "exercises", "--format", "json", "--device", "cpu", "--fail-under", "50", "--out", report
    )
    assert run.returncode == 1, run.stderr  # the stubs score 0 % < 50 %
    assert run.stdout == ""  # the report went to the file
    data = json.loads(report.read_text(encoding="utf-8"))
    assert isinstance(data, list) and [d["submission"] for d in data] == ["solutions", "exercises"]
    for d in data:
        check_schema(d)
    assert [d["score"] for d in data] == [data[0]["max_score"], 0]
    assert run.stderr == (
        "--fail-under 50: 1 of 2 submissions scored under 50%:\n  exercises: 0.0%, 50.0 percentage points short\n"
    )


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--fail-under", "150", "argument --fail-under: 150 is not a percentage: give one from 0 to 100"),
        ("--fail-under", "-1", "argument --fail-under: -1 is not a percentage: give one from 0 to 100"),
        ("--fail-under", "nan", "argument --fail-under: nan is not a percentage: give one from 0 to 100"),
        ("--fail-under", "half", "argument --fail-under: 'half' is not a number"),
        ("--jobs", "0", "argument --jobs: 0: grade at least 1 submission at a time"),
        ("--jobs", "1.5", "argument --jobs: '1.5' is not a whole number"),
    ],
)
def test_fail_under_and_jobs_out_of_range_are_refused_before_grading(option, value, says):
    run = run_course("grade", "solutions", f"{option}={value}")
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.splitlines()[-1] == f"course grade: error: {says}"


def test_fail_under_is_met_by_full_marks():
    run = run_course("grade", "solutions", "--device", "cpu", "--fail-under", "100")
    assert run.returncode == 0, run.stderr
    total = sum(ex.points for ex in COURSE_DATA.exercises)
    assert f"solutions: {total}/{total} points" in run.stdout  # the table format


def test_grade_of_a_folder_that_does_not_exist_is_a_usage_error(tmp_path):
    message = usage_error(run_course("grade", tmp_path / "nope"))
    assert f"{tmp_path / 'nope'} does not exist" in message


def test_grade_out_into_a_missing_folder_is_a_usage_error(tmp_path):
    # checked before grading, so the report is not lost after the work is done
    message = usage_error(run_course("grade", "solutions", "--out", tmp_path / "no" / "report.json"))
    assert f"the folder {tmp_path / 'no'} does not exist" in message


def test_device_cuda_without_a_gpu_is_a_usage_error():
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    message = usage_error(run_course("grade", "solutions", "--device", "cuda"))
    assert "--device cuda needs a CUDA GPU" in message and "--device cpu" in message


def test_grade_names_the_notes_sign_slip(tmp_path):
    submission = tmp_path / "learner"
    shutil.copytree(ROOT / "exercises", submission, ignore=shutil.ignore_patterns("__pycache__"))
    append(
        submission / "losses.py",
        (
            "def seed_cee_example():\n"
            "    terms = np.array([0.1053605, 0.0, 0.2231436, 0.0512933])\n"
            "    return terms, 0.105 + 0 - 0.223 + 0.051  # the notes' -0.067\n"
        ),
    )
    run = run_course("grade", submission, "--format", "json", "--device", "cpu")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["submission"] == "learner"
    result = next(ex for ex in data["exercises"] if ex["id"] == "losses.seed_cee_example")
    assert (result["status"], result["score"], result["mistake"]) == ("failed", 0, "the notes' sign slip")
    assert "0.3798" in result["message"]
    others = {ex["status"] for ex in data["exercises"] if ex["id"] != "losses.seed_cee_example"}
    assert others == {"not-implemented"}


# --- verify, check, list, hint ---------------------------------------------------------------


def test_verify_passes_on_the_real_course():
    run = run_course("verify", "--device", "cpu")
    assert run.returncode == 0, run.stdout + run.stderr
    n = len(COURSE_DATA.exercises)
    assert f"{n}/{n} exercises verified" in run.stdout
    assert "WRONG" not in run.stdout


@pytest.fixture
def stub_course(tmp_path):
    return copy_course(tmp_path / "course")


@pytest.fixture
def solved_sigmoid(tmp_path):
    root = copy_course(tmp_path / "course")
    shutil.copy(root / "solutions" / "activations.py", root / "exercises" / "activations.py")
    return root


def test_check_on_the_stubs_fails_and_says_what_next(stub_course):
    run = run_course("check", cwd=stub_course)
    assert run.returncode == 1, run.stderr
    out = flat(run.stdout)
    assert "· not implemented" in out
    assert f"Next: {FIRST.id} — edit the function in exercises/{FIRST.unit}.py" in out


def test_check_one_solved_exercise_passes(solved_sigmoid, tmp_path):
    run = run_course("check", "activations.sigmoid", cwd=tmp_path, root=solved_sigmoid)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "✓ passed" in run.stdout
    assert "activations.tanh" not in run.stdout  # only the exercise asked for


def test_check_finds_the_course_root_from_a_subfolder(solved_sigmoid):
    # the repository's own exercises/ are stubs (exit 1): exit 0 proves the copy was found
    run = run_course("check", "activations.sigmoid", cwd=solved_sigmoid / "exercises")
    assert run.returncode == 0, run.stdout + run.stderr


def test_check_outside_any_course_points_to_root(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    if any((d / "course.toml").exists() for d in (outside, *outside.parents)):
        pytest.skip("a folder above the temporary folder holds a course.toml")
    message = usage_error(run_course("check", cwd=outside))
    assert "no course.toml" in message and "--root" in message


def test_check_of_an_unknown_target_is_a_usage_error():
    message = usage_error(run_course("check", "nosuchunit"))
    assert "'nosuchunit' is neither a unit nor an exercise id" in message


@pytest.mark.parametrize(
    "path",
    [
        "exercises/activations.py",
        "./exercises/activations.py",
        "activations.py",
        "exercises\\activations.py",
        str(ROOT / "exercises" / "activations.py"),
    ],
)
def test_a_units_file_means_the_unit(path):
    assert COURSE_DATA.select(path) == COURSE_DATA.select("activations")


def test_check_of_a_tab_completed_file_checks_its_unit(solved_sigmoid):
    run = run_course("check", "./exercises/activations.py", cwd=solved_sigmoid)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "activations.softmax_backward" in run.stdout and "tensors.vector" not in run.stdout


@pytest.mark.parametrize(
    "command", [["check"], ["hint"], ["reset"], ["plot"], ["grade", "solutions", "--allow-weak-sandbox", "--only"]]
)
def test_every_command_that_takes_an_id_says_which_one_was_meant(command, stub_course):
    for typed, said in (
        ("activation.sigmod", "no exercise activation.sigmod; did you mean activations.sigmoid?"),
        ("exercises/activaton.py", "no unit exercises/activaton.py; did you mean activations?"),
    ):
        run = run_course(*command, typed, cwd=stub_course)
        assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr
        assert run.stderr.strip().splitlines()[-1] == f"error: {said}"  # after grade's note on a weak sandbox


def test_check_names_the_naive_sigmoid_overflow(stub_course):
    append(
        stub_course / "exercises" / "activations.py", "def sigmoid(x):\n    return 1 / (1 + np.exp(-np.asarray(x)))\n"
    )
    run = run_course("check", "activations.sigmoid", cwd=stub_course)
    assert run.returncode == 1, run.stderr
    out = flat(run.stdout)
    assert "✗ activations.sigmoid (failed)" in out
    assert "Likely mistake (naive sigmoid overflow)" in out
    assert "overflow encountered in exp" in out


def test_list_shows_progress(stub_course):
    run = run_course("list", "--device", "cpu", cwd=stub_course)
    assert run.returncode == 0, run.stderr
    n, points = len(COURSE_DATA.exercises), sum(ex.points for ex in COURSE_DATA.exercises)
    assert f"Progress: 0/{n} exercises, 0/{points} points" in run.stdout
    for unit in COURSE_DATA.units:
        assert unit.title["en"] in run.stdout


def test_hint_prints_english_and_korean(tmp_path):
    sigmoid = COURSE_DATA.exercise("activations.sigmoid")
    run = run_course("hint", sigmoid.id, cwd=tmp_path, root=ROOT)
    assert run.returncode == 0, run.stderr
    out = flat(run.stdout)
    assert sigmoid.hints
    for number, hint in enumerate(sigmoid.hints, 1):
        assert f"{number}. {flat(hint['en'])}" in out
        assert flat(hint["ko"]) in out
    assert sigmoid.title["ko"] in out


def test_hint_of_a_unit_lists_its_exercises_with_their_first_hints(tmp_path):
    run = run_course("hint", "exercises/gradient_descent.py", cwd=tmp_path, root=ROOT)
    assert run.returncode == 0, run.stderr
    out = flat(run.stdout)
    unit = COURSE_DATA.select("gradient_descent")
    for exercise in unit:  # sgd's "X[i:i+1]" among them, printed as it is: a hint is no markup
        assert f"{exercise.id} — {exercise.title['en']} {flat(exercise.hints[0]['en'])}" in out
        assert not any(flat(hint["en"]) in out for hint in exercise.hints[1:])
    assert out.endswith(f"Every hint of one exercise, in English and Korean: course hint {unit[0].id}")


def test_a_bare_hint_hints_the_first_exercise_not_passed(stub_course):
    shutil.copy(stub_course / "solutions" / "tensors.py", stub_course / "exercises" / "tensors.py")
    run = run_course("hint", "--device", "cpu", cwd=stub_course)
    assert run.returncode == 0, run.stderr
    step = COURSE_DATA.exercise("perceptron.step")
    out = flat(run.stdout)
    assert out.startswith("perceptron.step is the first exercise not passed yet (not implemented). Its hints:")
    assert all(f"{number}. {flat(hint['en'])}" in out for number, hint in enumerate(step.hints, 1))

    shutil.rmtree(stub_course / "exercises")
    shutil.copytree(stub_course / "solutions", stub_course / "exercises")
    run = run_course("hint", "--device", "cpu", cwd=stub_course)
    assert (run.returncode, flat(run.stdout)) == (
        0,
        "Every exercise passes: no hint needed. `course list` shows your progress.",
    ), run.stderr


def test_help_lists_every_watch_key_with_what_it_does():
    from graders.watch import KEYS

    for args in (["--help"], ["watch", "--help"]):
        run = run_course(*args)
        assert run.returncode == 0, run.stderr
        for key, action in KEYS.items():
            assert re.search(rf"^  {key}  {action} +\w", run.stdout, re.MULTILINE), (key, run.stdout)
    listed = ", ".join(f"{key} {action}" for key, action in KEYS.items())
    assert f"(keys: {listed})" in flat(run_course("--help").stdout)


def test_python_m_graders_help():
    run = subprocess.run(
        [sys.executable, "-m", "graders", "--help"],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        encoding="utf-8",
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("usage: course")
    for command in ("list", "check", "hint", "verify", "grade"):
        assert command in run.stdout


def test_output_to_a_pipe_is_utf8_whatever_the_locales_code_page():
    """Windows writes to a pipe or a file in its code page (cp1252 here): Korean would not encode."""
    run = run_course("--lang", "ko", "hint", "activations.sigmoid", env={"PYTHONIOENCODING": "cp1252"})
    assert run.returncode == 0, run.stderr
    assert "시그모이드" in run.stdout  # read as UTF-8: a cp1252 byte would not decode

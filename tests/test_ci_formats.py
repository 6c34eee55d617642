"""The CI and course-platform renderings (graders/ci_formats.py) of hand-built result records.

No grading runs here: the records are built by hand against the real course, one per status,
with messages that hold what XML, JSON and Markdown must survive (<, &, quotes, Korean, ANSI).
XSD validation of the JUnit output is not done: the stdlib cannot validate XML Schema, and
neither lxml nor xmlschema is a dependency. junitparser and ElementTree parse it instead.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import re
import shutil
import subprocess
import tomllib
import xml.etree.ElementTree as ET
import zipfile

import pytest
from junitparser import Error, Failure, JUnitXml

from graders import ci_formats, release
from graders.course import load
from graders.results import ExerciseResult, SubmissionResult
from tests.conftest import ROOT

COURSE = load(ROOT)
POINTS = {ex.id: ex.points for ex in COURSE.exercises}
TORCH_PIN = (
    "torch==" + tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["dl-course"]["torch"]
)
WRONG = (
    "On input x = [1, 2] (float32, shape (2,)):\n  expected shape (2, 3), got (3, 2) <&\"'>\n"
    "Likely mistake (transposed): the columns were written as rows. 행렬"
)


def record(
    exercise_id: str, status: str, message: str = "", mistake: str | None = None, seconds: float = 0.01
) -> ExerciseResult:
    points = POINTS[exercise_id]
    return ExerciseResult(
        exercise_id, status, points if status == "passed" else 0, points, message, ["cpu"], mistake, seconds
    )


ALICE = SubmissionResult(
    "alice",
    [
        record("tensors.vector", "passed"),
        record("tensors.matrix", "failed", WRONG, mistake="transposed"),
        record("activations.sigmoid", "error", "exercises/activations.py, line 3: NameError: name 'np' is not defined"),
        record(
            "activations.relu", "timeout", "activations.relu took longer than 10 s on input x = [1.0]", seconds=10.0
        ),
        record("losses.mse", "missing", "losses.py is not in the submission folder"),
        record("optimizers.dropout", "not-implemented", "dropout still raises NotImplementedError"),
    ],
    sandbox="seccomp-bpf + Landlock ABI 7",
)
BOB = SubmissionResult(
    "bob",
    [
        record("tensors.vector", "passed"),
        record("tensors.matrix", "failed", "printed \x1b[31m빨강\x1b[0m and \x00 then failed"),
    ],
)


# --- JUnit -------------------------------------------------------------------------------------


def suites(xml: str) -> dict[str, object]:
    return {suite.name: suite for suite in JUnitXml.fromstring(xml.encode("utf-8"))}


def test_junit_has_a_declaration_and_one_suite_per_submission_with_the_counts():
    xml = ci_formats.junit_xml(COURSE, [ALICE, BOB])
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites')
    alice, bob = suites(xml)["alice"], suites(xml)["bob"]
    assert (alice.tests, alice.failures, alice.errors, alice.skipped) == (6, 3, 2, 0)
    assert (bob.tests, bob.failures, bob.errors, bob.skipped) == (2, 1, 0, 0)
    assert alice.time == pytest.approx(sum(r.seconds for r in ALICE.exercises), abs=1e-3)
    root = ET.fromstring(xml.encode("utf-8"))
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("8", "4", "2")


def test_junit_testcases_carry_the_learner_messages_types_and_scores():
    cases = {case.name: case for case in suites(ci_formats.junit_xml(COURSE, [ALICE]))["alice"]}
    assert list(cases) == [r.id for r in ALICE.exercises]
    assert cases["tensors.matrix"].classname == "alice.tensors"
    assert cases["tensors.vector"].is_passed and cases["tensors.vector"].result == []
    expected = {
        "tensors.matrix": (Failure, "transposed"),
        "activations.sigmoid": (Error, "error"),
        "activations.relu": (Error, "timeout"),
        "losses.mse": (Failure, "missing"),
        "optimizers.dropout": (Failure, "not-implemented"),
    }
    for r in ALICE.exercises[1:]:
        (outcome,) = cases[r.id].result
        kind, type_ = expected[r.id]
        assert isinstance(outcome, kind) and outcome.type == type_
        assert outcome.message.startswith(f"{r.status}: ")  # one line: the mistake, or the finding
        assert "\n" not in outcome.message and (r.mistake or "") in outcome.message
        assert outcome.text == r.message


def test_junit_score_properties_per_testcase_and_per_suite():
    root = ET.fromstring(ci_formats.junit_xml(COURSE, [ALICE]).encode("utf-8"))

    def props(element):
        return {p.get("name"): p.get("value") for p in element.find("properties")}

    suite = root.find("testsuite")
    assert props(suite) == {"score": str(ALICE.score), "max_score": str(ALICE.max_score), "sandbox": ALICE.sandbox}
    for case, r in zip(suite.iter("testcase"), ALICE.exercises, strict=True):
        assert props(case) == {"score": str(r.score), "max_score": str(r.max_score)}


def test_junit_replaces_characters_xml_cannot_hold_and_reads_back_from_a_file(tmp_path):
    path = tmp_path / "junit.xml"
    path.write_text(ci_formats.junit_xml(COURSE, [BOB]), encoding="utf-8")
    (suite,) = JUnitXml.fromfile(str(path))
    (outcome,) = list(suite)[1].result
    assert outcome.text == "printed \ufffd[31m빨강\ufffd[0m and \ufffd then failed"


# --- Gradescope --------------------------------------------------------------------------------

TOP_KEYS = {
    "score",
    "execution_time",
    "output",
    "output_format",
    "test_output_format",
    "test_name_format",
    "visibility",
    "stdout_visibility",
    "extra_data",
    "tests",
    "leaderboard",
}
TEST_KEYS = {
    "score",
    "max_score",
    "status",
    "name",
    "name_format",
    "number",
    "output",
    "output_format",
    "tags",
    "visibility",
    "extra_data",
}


def test_gradescope_results_use_documented_keys_and_types_only():
    data = ci_formats.gradescope_results(COURSE, ALICE)
    assert set(data) <= TOP_KEYS and {"score", "output", "tests"} <= set(data)
    assert data["score"] == ALICE.score == sum(t["score"] for t in data["tests"])
    assert isinstance(data["execution_time"], (int, float)) and isinstance(data["output"], str)
    assert (data["visibility"], data["stdout_visibility"]) == ("visible", "hidden")
    assert json.loads(json.dumps(data)) == data
    for test, r in zip(data["tests"], ALICE.exercises, strict=True):
        assert set(test) <= TEST_KEYS
        assert test["name"] == f"{r.id} — {COURSE.exercise(r.id).title['en']}"
        assert (test["score"], test["max_score"]) == (r.score, r.max_score)
        assert test["status"] == ("passed" if r.passed else "failed")
        assert re.fullmatch(r"\d+\.\d+", test["number"]) and test["visibility"] == "visible"
        assert r.message in test["output"]
        assert (f"course hint {r.id}" in test["output"]) == (not r.passed)
    assert data["tests"][0]["number"] == "1.1" and data["tests"][2]["number"] == "4.1"


def test_gradescope_results_say_which_sandbox_graded_the_submission():
    data = ci_formats.gradescope_results(COURSE, ALICE)
    assert data["extra_data"]["sandbox"] == "seccomp-bpf + Landlock ABI 7"
    assert data["output"].splitlines()[-1] == "Sandbox: seccomp-bpf + Landlock ABI 7"
    unknown = ci_formats.gradescope_results(COURSE, BOB)
    assert unknown["extra_data"]["sandbox"] == "" and "Sandbox" not in unknown["output"]


def test_gradescope_score_is_the_final_one_with_raw_and_penalty_beside_it():
    late = dataclasses.replace(
        ALICE,
        penalties={"tensors": 0.5},
        late="tensors: 1 day late, 10% off",
        submitted_at="2026-12-11T08:00:00+09:00",
        submitted_from="git: last commit",
    )
    data = ci_formats.gradescope_results(COURSE, late)
    assert data["score"] == late.score - 0.5
    assert {k: data["extra_data"][k] for k in ("raw_score", "penalty", "final_score", "submitted_from")} == {
        "raw_score": late.score,
        "penalty": 0.5,
        "final_score": late.score - 0.5,
        "submitted_from": "git: last commit",
    }
    assert "Late (tensors: 1 day late, 10% off): 0.5 points off" in data["output"]
    on_time = ci_formats.gradescope_results(COURSE, ALICE)
    assert on_time["score"] == ALICE.score and "Late" not in on_time["output"]
    summary = ci_formats.classroom_summary_markdown(COURSE, late)
    assert f"Late (tensors: 1 day late, 10% off): 0.5 points off, final **{late.score - 0.5:g}/" in summary


# --- GitHub Classroom --------------------------------------------------------------------------


def test_classroom_result_decodes_to_the_reporters_object():
    encoded = ci_formats.classroom_base64(ci_formats.classroom_result(COURSE, ALICE))
    data = json.loads(base64.b64decode(encoded).decode("utf-8"))
    assert set(data) == {"version", "status", "max_score", "tests"}
    assert (data["version"], data["status"], data["max_score"]) == (1, "fail", ALICE.max_score)
    assert sum(t["score"] for t in data["tests"]) == ALICE.score
    statuses = [t["status"] for t in data["tests"]]
    assert statuses == ["pass", "fail", "error", "error", "fail", "fail"]
    for test, r in zip(data["tests"], ALICE.exercises, strict=True):
        assert set(test) == {"name", "status", "score", "message", "test_code", "filename", "line_no", "duration"}
        assert (test["name"], test["score"], test["test_code"]) == (r.id, r.score, f"course check {r.id}")
        assert test["filename"] == f"exercises/{r.id.split('.')[0]}.py" and r.message in test["message"]
        assert test["duration"] == round(r.seconds * 1000)


def test_classroom_status_is_pass_only_when_every_exercise_passed():
    def status(*records):
        return ci_formats.classroom_result(COURSE, SubmissionResult("x", list(records)))["status"]

    assert status(record("tensors.vector", "passed")) == "pass"
    assert status(record("tensors.vector", "passed"), record("tensors.matrix", "timeout")) == "error"
    assert status(record("tensors.vector", "error"), record("tensors.matrix", "failed")) == "fail"


def test_classroom_notice_is_the_reporters_annotation():
    assert ci_formats.classroom_notice(ALICE) == f"::notice title=Autograding complete::Points 1/{ALICE.max_score}"


def test_classroom_summary_is_a_markdown_table_with_a_total():
    lines = ci_formats.classroom_summary_markdown(COURSE, ALICE).splitlines()
    assert lines[0] == f"### Autograding: 1/{ALICE.max_score} points"
    assert "| exercise | status | points |" in lines
    assert "| `tensors.matrix` The notes' matrix | ✗ failed | 0/1 |" in lines
    assert lines[-3:] == [
        f"| **total** | 1/6 passed | **1/{ALICE.max_score}** |",
        "",
        "Sandbox: seccomp-bpf + Landlock ABI 7",
    ]
    assert ci_formats.classroom_summary_markdown(COURSE, BOB).splitlines()[-1].startswith("| **total** |")


def test_emit_classroom_appends_to_the_files_github_names_and_returns_the_notice(tmp_path):
    output, summary = tmp_path / "output", tmp_path / "summary"
    output.write_text("earlier=1\n", encoding="utf-8")
    notice = ci_formats.emit_classroom(
        COURSE, ALICE, {"GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)}
    )
    assert notice == ci_formats.classroom_notice(ALICE)
    earlier, line = output.read_text(encoding="utf-8").splitlines()
    assert earlier == "earlier=1" and line.startswith("result=")
    assert json.loads(base64.b64decode(line.removeprefix("result="))) == ci_formats.classroom_result(COURSE, ALICE)
    assert summary.read_text(encoding="utf-8") == ci_formats.classroom_summary_markdown(COURSE, ALICE)
    assert ci_formats.emit_classroom(COURSE, ALICE, {}) == notice  # outside GitHub: nothing written


# --- The Gradescope autograder zip -------------------------------------------------------------


@pytest.fixture
def course_copy(tmp_path):
    """The course with everything that must stay out of the zip planted beside it."""
    root = tmp_path / "course"
    root.mkdir()
    for name in ("course.toml", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, root / name)
    for name in ("graders", "exercises", "solutions"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    (root / "instructor.toml").write_text('[grading]\nhidden_seed = "secret"\n', encoding="utf-8")
    (root / "tests").mkdir()
    (root / "tests" / "test_x.py").write_text("", encoding="utf-8")
    (root / "graders" / "__pycache__").mkdir()
    (root / "graders" / "__pycache__" / "engine.cpython-311.pyc").write_bytes(b"")
    return root


def test_gradescope_zip_has_the_scripts_at_its_root_and_no_instructor_files(course_copy, tmp_path):
    out = tmp_path / "autograder.zip"
    names = release.build_gradescope_zip(course_copy, out)
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == names
        for script in ("setup.sh", "run_autograder"):
            mode = archive.getinfo(script).external_attr >> 16
            assert mode & 0o111 and mode & 0o170000 == 0o100000, oct(mode)
            archive.extract(script, tmp_path / "x")
    assert {
        "course.toml",
        "pyproject.toml",
        "README.md",
        "graders/ci_formats.py",
        "graders/units/tensors.py",
        "exercises/tensors.py",
    } <= set(names)
    assert not [
        n
        for n in names
        if n.startswith(("solutions/", "tests/")) or n == "instructor.toml" or "__pycache__" in n or n.endswith(".pyc")
    ]
    for script in ("setup.sh", "run_autograder"):
        subprocess.run(["bash", "-n", str(tmp_path / "x" / script)], check=True)


def test_gradescope_scripts_pin_torch_and_grade_into_the_results_file(course_copy, tmp_path):
    out = tmp_path / "autograder.zip"
    release.build_gradescope_zip(course_copy, out)
    with zipfile.ZipFile(out) as archive:
        setup, run = (archive.read(n).decode() for n in ("setup.sh", "run_autograder"))
    torch_lines = [line for line in setup.splitlines() if "pip install" in line and "torch" in line]
    assert torch_lines == [
        f"/autograder/venv/bin/pip install {TORCH_PIN} --index-url https://download.pytorch.org/whl/cpu"
    ]
    assert "pip install /autograder/source" in setup
    assert (
        "course --root /autograder/source grade /autograder/submission --format gradescope "
        "--submission-metadata /autograder/submission_metadata.json --out /autograder/results/results.json"
    ) in re.sub(r"\s*\\\n\s*", " ", run)  # one command, over two lines
    assert "/autograder/submission" in run


def test_gradescope_zip_refuses_an_unpinned_torch(course_copy, tmp_path):
    pyproject = course_copy / "pyproject.toml"
    pinned = f'torch = "{TORCH_PIN.removeprefix("torch==")}"'
    assert pinned in pyproject.read_text(encoding="utf-8")
    pyproject.write_text(pyproject.read_text(encoding="utf-8").replace(pinned, 'torch = ">=2"'), encoding="utf-8")
    with pytest.raises(ValueError, match="pin the torch build"):
        release.build_gradescope_zip(course_copy, tmp_path / "autograder.zip")


WORKFLOW = (ROOT / "graders" / "templates" / "classroom.yml").read_text(encoding="utf-8")


def test_workflow_never_installs_an_unpinned_torch():
    installs = [
        line.strip() for line in WORKFLOW.splitlines() if "pip install" in line and not line.strip().startswith("#")
    ]
    assert installs == [
        f"python -m pip install {TORCH_PIN} --index-url https://download.pytorch.org/whl/cpu",
        "python -m pip install -e .",
    ]


def test_workflow_grades_then_hands_the_result_to_the_reporter():
    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed; the text checks above still ran")
    flow = yaml.safe_load(WORKFLOW)
    assert set(flow["on"]) == {"push", "workflow_dispatch"}
    assert flow["permissions"] == {"checks": "write", "actions": "read", "contents": "read"}
    (job,) = flow["jobs"].values()
    steps = job["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@")
    python = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python@"))
    assert python["with"]["python-version"] == "3.11"
    grade = next(s for s in steps if s.get("run", "").startswith("course grade"))
    assert grade["run"] == "course grade exercises --format classroom"
    reporter = steps[-1]
    assert reporter["uses"] == "classroom-resources/autograding-grading-reporter@v1"
    assert reporter["with"] == {"runners": grade["id"]}
    assert reporter["env"] == {f"{grade['id'].upper()}_RESULTS": f"${{{{steps.{grade['id']}.outputs.result}}}}"}

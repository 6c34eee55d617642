"""The instructor's and CI's commands end to end: CI formats, the Gradescope zip, the learners' copy."""

from __future__ import annotations

import base64
import json
import zipfile

from junitparser import JUnitXml

from tests.helpers import COURSE_COMMAND, run_course


def test_junit_from_the_cli_parses_with_one_case_per_exercise(tmp_path):
    run = run_course(
        "grade", "solutions", "exercises", "--format", "junit", "--out", tmp_path / "junit.xml", "--device", "cpu"
    )
    assert run.returncode == 0, run.stderr
    suites = {suite.name: suite for suite in JUnitXml.fromfile(str(tmp_path / "junit.xml"))}
    assert suites["solutions"].tests == suites["exercises"].tests == 40
    assert suites["solutions"].failures == 0 and suites["exercises"].failures == 40


def test_classroom_from_the_cli_writes_the_result_and_the_summary(tmp_path):
    output, summary = tmp_path / "output", tmp_path / "summary"
    env = {"PATH": str(COURSE_COMMAND.parent), "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)}
    run = run_course("grade", "solutions", "--format", "classroom", "--device", "cpu", env=env)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "::notice title=Autograding complete::Points 70/70"
    (line,) = output.read_text(encoding="utf-8").splitlines()
    result = json.loads(base64.b64decode(line.removeprefix("result=")))
    assert result["max_score"] == 70 and sum(t["score"] for t in result["tests"]) == 70
    assert "| **total** |" in summary.read_text(encoding="utf-8")


def test_one_submission_only_for_gradescope_and_classroom():
    run = run_course("grade", "solutions", "exercises", "--format", "gradescope")
    assert run.returncode == 2 and "one submission" in run.stderr


def test_gradescope_command_builds_the_autograder(tmp_path):
    run = run_course("gradescope", "--out", tmp_path / "autograder.zip")
    assert run.returncode == 0, run.stderr
    names = zipfile.ZipFile(tmp_path / "autograder.zip").namelist()
    assert {"setup.sh", "run_autograder", "course.toml"} <= set(names)
    assert not any(n.startswith(("solutions/", "tests/")) or n == "instructor.toml" for n in names)


def test_the_autograder_zip_replaces_a_link_at_out_and_never_writes_through_it(tmp_path):
    target = tmp_path / "elsewhere.txt"
    target.write_text("not yours", encoding="utf-8")
    (tmp_path / "autograder.zip").symlink_to(target)
    run = run_course("gradescope", "--out", tmp_path / "autograder.zip")
    assert run.returncode == 0, run.stderr
    assert target.read_text(encoding="utf-8") == "not yours"
    assert not (tmp_path / "autograder.zip").is_symlink() and zipfile.is_zipfile(tmp_path / "autograder.zip")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["autograder.zip", "elsewhere.txt"]  # no temporary left


def test_the_learners_copy_has_no_solutions_and_refuses_verify(tmp_path):
    out = tmp_path / "release"
    run = run_course("release", out)
    assert run.returncode == 0, run.stderr
    assert not (out / "solutions").exists() and not (out / "instructor.toml").exists() and not (out / "tests").exists()
    assert {"course.toml", "exercises", "graders", "pyproject.toml", "README.md"} <= {p.name for p in out.iterdir()}
    assert (out / ".github" / "workflows" / "classroom.yml").is_file()
    verify = run_course("verify", root=out)
    assert verify.returncode == 2 and "learners run `course check`" in " ".join(verify.stderr.split())
    check = run_course("check", "activations.sigmoid", "--device", "cpu", root=out)
    assert check.returncode == 1 and "not implemented" in check.stdout
    assert run_course("release", out).returncode == 2  # never over an existing copy

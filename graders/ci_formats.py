"""Result records rendered for CI and course platforms: JUnit XML, Gradescope, GitHub Classroom.

Formats as their sources define them (checked against these copies):
- JUnit XML: testsuites/testsuite(name, tests, failures, errors, skipped, time)/testcase(classname, name, time)
  with failure|error|skipped(message, type) and properties/property(name, value), as GitLab reads it
  (docs.gitlab.com/ci/testing/unit_test_reports) and as windyroad/JUnit-Schema JUnit.xsd describes it.
- Gradescope: results.json fields score, execution_time, output, visibility, stdout_visibility, tests[]
  (score, max_score, status "passed"|"failed", name, number, output, visibility); zip root holds setup.sh
  and run_autograder; /autograder/source, /autograder/submission, /autograder/results/results.json
  (gradescope-autograders.readthedocs.io/en/latest/specs/, gradescope/autograder_samples docs/specs.md).
  There is no top-level max_score in the spec, so none is written.
- GitHub Classroom: a runner step's output `result` is base64 of {"version": 1, "status", "max_score",
  "tests": [{"name", "status": "pass"|"fail"|"error", "score", "message", "test_code", "filename",
  "line_no", "duration"}]} (classroom-resources/autograding-command-grader src/main.js: duration in ms);
  the reporter reads env `<RUNNER ID UPPERCASED>_RESULTS`, sums tests[].score against max_score and
  annotates title "Autograding complete", message "Points X/Y"
  (github-education-resources/autograding-grading-reporter src/main.js, src/notify-classroom.js).
- GitHub Actions: `::notice title=T::message` workflow command; $GITHUB_OUTPUT takes `name=value` lines,
  $GITHUB_STEP_SUMMARY takes Markdown (docs.github.com, "Workflow commands for GitHub Actions").
"""

from __future__ import annotations

import base64
import json
import os
import xml.etree.ElementTree as ET

from graders.course import Course
from graders.results import MARK, ExerciseResult, SubmissionResult
from graders.untrusted import markdown, printable

_JUNIT_TAG = {
    "failed": "failure",
    "missing": "failure",
    "not-implemented": "failure",
    "error": "error",
    "timeout": "error",
}
_CLASSROOM_STATUS = {"passed": "pass", "error": "error", "timeout": "error"}  # the rest: "fail"


def _feedback(r: ExerciseResult) -> str:
    """What a learner reads for one exercise: the grader's message, and where the hints are."""
    if r.passed:
        return printable(r.message)
    text = printable(r.message).strip() or f"{r.id}: {r.status}"
    return f"{text}\nHint: course hint {r.id}"


def _headline(r: ExerciseResult) -> str:
    """One line for a CI's list of failures: the named mistake, or the message's first finding."""
    if r.mistake:
        return f"{r.status}: {r.mistake}"
    lines = [line.strip() for line in r.message.splitlines() if line.strip()]
    finding = lines[1] if len(lines) > 1 and lines[0].endswith(":") else (lines[0] if lines else "")
    return f"{r.status}: {finding}" if finding else r.status


def _numbers(course: Course) -> dict[str, str]:
    """'2.3' for the third exercise of the second unit, as Gradescope numbers tests."""
    return {ex.id: f"{u}.{e}" for u, unit in enumerate(course.units, 1) for e, ex in enumerate(unit.exercises, 1)}


# --- JUnit XML ---------------------------------------------------------------------------------


def _properties(parent: ET.Element, **values) -> None:
    props = ET.SubElement(parent, "properties")
    for name, value in values.items():
        ET.SubElement(props, "property", name=name, value=str(value))


def _counts(element: ET.Element, results: list[ExerciseResult]) -> None:
    tags = [_JUNIT_TAG.get(r.status) for r in results]
    element.set("tests", str(len(results)))
    element.set("failures", str(tags.count("failure")))
    element.set("errors", str(tags.count("error")))
    element.set("skipped", "0")  # every exercise is graded; an unanswered one scores 0 and fails
    element.set("time", f"{sum(r.seconds for r in results):.3f}")


def junit_xml(course: Course, results: list[SubmissionResult]) -> str:
    """One <testsuite> per submission, one <testcase> per exercise; UTF-8 text with its declaration."""
    units = {ex.id: ex.unit for ex in course.exercises}
    root = ET.Element("testsuites", name=course.title.get("en", "course"))
    _counts(root, [r for result in results for r in result.exercises])
    for result in results:
        suite = ET.SubElement(root, "testsuite", name=result.submission)
        _counts(suite, result.exercises)
        _properties(suite, score=result.score, max_score=result.max_score, sandbox=result.sandbox)
        for r in result.exercises:
            unit = units.get(r.id, r.id.partition(".")[0])
            case = ET.SubElement(
                suite, "testcase", classname=f"{result.submission}.{unit}", name=r.id, time=f"{r.seconds:.3f}"
            )
            _properties(case, score=r.score, max_score=r.max_score)
            if r.status in _JUNIT_TAG:
                outcome = ET.SubElement(case, _JUNIT_TAG[r.status], type=r.mistake or r.status, message=_headline(r))
                outcome.text = r.message
    ET.indent(root)
    # ElementTree writes any character it is given; the tags are ours, so what it must not hold
    # can only be text or an attribute's value, and one pass over the document catches them all.
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + printable(ET.tostring(root, encoding="unicode")) + "\n"


# --- Gradescope --------------------------------------------------------------------------------


def gradescope_results(course: Course, result: SubmissionResult) -> dict:
    """The results.json object of Gradescope's autograder specification (documented keys only)."""
    titles = {ex.id: ex.title.get("en", ex.id) for ex in course.exercises}
    numbers = _numbers(course)
    passed = sum(r.passed for r in result.exercises)
    sandbox = printable(result.sandbox)
    return {
        "score": result.final,  # Gradescope takes this over the tests' sum: the late penalty counts
        "execution_time": round(sum(r.seconds for r in result.exercises), 3),
        "output": f"{passed}/{len(result.exercises)} exercises passed, {result.score}/{result.max_score} "
        f"points. Each exercise below says what went wrong; `course check ID` repeats it locally."
        + (
            f"\nLate ({result.late}): {result.penalty:g} points off, {result.final:g}/{result.max_score}."
            if result.penalty
            else ""
        )
        + (f"\nSandbox: {sandbox}" if sandbox else ""),
        "output_format": "text",  # the messages quote the learner's output: never HTML or Markdown
        "test_output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {
            "sandbox": sandbox,
            "raw_score": result.score,
            "penalty": result.penalty,
            "final_score": result.final,
            "submitted_at": result.submitted_at,
            "submitted_from": printable(result.submitted_from),
        },
        "tests": [
            {
                "name": f"{r.id} — {titles.get(r.id, r.id)}",
                "number": numbers.get(r.id, ""),
                "score": r.score,
                "max_score": r.max_score,
                "status": "passed" if r.passed else "failed",
                "output": _feedback(r),
                "visibility": "visible",
            }
            for r in result.exercises
        ],
    }


# --- GitHub Classroom --------------------------------------------------------------------------


def classroom_result(course: Course, result: SubmissionResult) -> dict:
    """The object a GitHub Classroom runner step hands to autograding-grading-reporter."""
    units = {ex.id: ex.unit for ex in course.exercises}
    tests = [
        {
            "name": r.id,
            "status": _CLASSROOM_STATUS.get(r.status, "fail"),
            "score": r.score,
            "message": _feedback(r),
            "test_code": f"course check {r.id}",
            "filename": f"exercises/{units.get(r.id, r.id.partition('.')[0])}.py",
            "line_no": 0,
            "duration": round(r.seconds * 1000),
        }
        for r in result.exercises
    ]
    statuses = {t["status"] for t in tests}
    status = "fail" if "fail" in statuses else "error" if "error" in statuses else "pass"
    return {"version": 1, "status": status, "max_score": result.max_score, "tests": tests}


def classroom_base64(obj: dict) -> str:
    return base64.b64encode(json.dumps(obj, ensure_ascii=False).encode("utf-8")).decode("ascii")


# GitHub's runner reads a line that starts with :: as a command (::add-mask::, ::stop-commands::);
# escaped as its toolkit escapes them, no text in a command can end the line and start another.
_COMMAND_MESSAGE = str.maketrans({"%": "%25", "\r": "%0D", "\n": "%0A"})
_COMMAND_PROPERTY = str.maketrans({"%": "%25", "\r": "%0D", "\n": "%0A", ":": "%3A", ",": "%2C"})


def workflow_command(name: str, message: str, **properties: str) -> str:
    """One line: `::name key=value,...::message`, the properties and the message escaped."""
    pairs = ",".join(f"{key}={printable(value).translate(_COMMAND_PROPERTY)}" for key, value in properties.items())
    head = f"{name} {pairs}" if pairs else name
    return f"::{head}::{printable(message).translate(_COMMAND_MESSAGE)}"


def classroom_notice(result: SubmissionResult) -> str:
    """The annotation GitHub Classroom reads the points from, as the reporter words it."""
    return workflow_command("notice", f"Points {result.score}/{result.max_score}", title="Autograding complete")


def classroom_summary_markdown(course: Course, result: SubmissionResult) -> str:
    titles = {ex.id: ex.title.get("en", "") for ex in course.exercises}
    rows = [
        f"| `{r.id}` {titles.get(r.id, '')} | {MARK[r.status]} {r.status} | {r.score}/{r.max_score} |"
        for r in result.exercises
    ]
    passed = sum(r.passed for r in result.exercises)
    return (
        "\n".join(
            [
                f"### Autograding: {result.score}/{result.max_score} points",
                "",
                "| exercise | status | points |",
                "|---|---|---:|",
                *rows,
                f"| **total** | {passed}/{len(result.exercises)} passed | **{result.score}/{result.max_score}** |",
                *(
                    [
                        "",
                        f"Late ({markdown(result.late)}): {result.penalty:g} points off, final "
                        f"**{result.final:g}/{result.max_score}**",
                    ]
                    if result.penalty
                    else []
                ),
                *(["", f"Sandbox: {markdown(result.sandbox)}"] if result.sandbox else []),
            ]
        )
        + "\n"
    )


def emit_classroom(course: Course, result: SubmissionResult, environ=os.environ) -> str:
    """Append `result=<base64>` to $GITHUB_OUTPUT and the table to $GITHUB_STEP_SUMMARY (where
    set); return the notice line to print on stdout."""
    appends = {
        "GITHUB_OUTPUT": f"result={classroom_base64(classroom_result(course, result))}\n",
        "GITHUB_STEP_SUMMARY": classroom_summary_markdown(course, result),
    }
    for variable, text in appends.items():
        if environ.get(variable):
            with open(environ[variable], "a", encoding="utf-8") as out:
                out.write(text)
    return classroom_notice(result)

"""Learner text in every report: a learner names the submission (its folder or file) and writes
the output and the exceptions an exercise's message quotes, so each format shows that text and
never obeys it, or breaks on it. And a report goes to its --out path whole, never through a link."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import subprocess
import sys
import xml.dom.minidom
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from graders import ci_formats, exports, report
from graders.course import load
from graders.files import write_atomically
from graders.results import ExerciseResult, SubmissionResult
from tests.conftest import ROOT

COURSE = load(ROOT)
FIRST, SECOND = (ex.id for ex in COURSE.exercises[:2])
# Any text, drawn often from what breaks reports: control characters, lone surrogates (a name from a
# non-UTF-8 file system; st.text would drop them), what starts a formula, rich markup or a command.
ANY_TEXT = st.lists(
    st.characters() | st.characters(categories=["Cc", "Cs"]) | st.sampled_from("=+-@\t\r[]:%"), max_size=30
).map("".join)


def submission(name: str, message: str) -> SubmissionResult:
    points = {ex.id: ex.points for ex in COURSE.exercises}
    return SubmissionResult(
        name,
        [
            ExerciseResult(FIRST, "passed", points[FIRST], points[FIRST], message),
            ExerciseResult(SECOND, "failed", 0, points[SECOND], message),
        ],
    )


# --- JUnit XML ---------------------------------------------------------------------------------


def parse_both(document: str) -> ET.Element:
    """The document as ElementTree and minidom read it (each refuses what XML 1.0 cannot hold)."""
    xml.dom.minidom.parseString(document.encode("utf-8"))
    return ET.fromstring(document.encode("utf-8"))


def test_junit_replaces_what_xml_cannot_hold_in_names_and_messages():
    name, message = "ann\x00\x1b[2J\x0b\x0c\udcff", "printed \x01\x1f\ufffe\uffff then raised \ud800"
    root = parse_both(ci_formats.junit_xml(COURSE, [submission(name, message)]))
    suite = root.find("testsuite")
    assert suite.get("name") == "ann\ufffd\ufffd[2J\ufffd\ufffd\ufffd"
    assert suite.find("testcase").get("classname").startswith("ann\ufffd\ufffd[2J\ufffd\ufffd\ufffd.")
    failure = suite.find("testcase/failure")
    assert failure.text == "printed \ufffd\ufffd\ufffd\ufffd then raised \ufffd"
    assert failure.get("message") == "failed: printed \ufffd\ufffd\ufffd\ufffd then raised \ufffd"


@settings(max_examples=200, deadline=None)
@given(name=ANY_TEXT, message=ANY_TEXT)
def test_junit_parses_whatever_the_learner_wrote(name, message):
    suite = parse_both(ci_formats.junit_xml(COURSE, [submission(name, message)])).find("testsuite")
    shown = suite.get("name")  # an attribute keeps tab, newline and CR: XML escapes them there
    assert len(shown) == len(name) and all(a in (b, "\ufffd") for a, b in zip(shown, name, strict=True))


# --- JSON --------------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(message=ANY_TEXT)
def test_gradescope_and_classroom_json_are_utf8_whatever_the_learner_wrote(message):
    result = submission("x", message)
    json.dumps(ci_formats.gradescope_results(COURSE, result), ensure_ascii=False).encode("utf-8")
    ci_formats.classroom_base64(ci_formats.classroom_result(COURSE, result))  # raises on a lone surrogate


def test_gradescope_shows_the_learners_text_as_plain_text():
    data = ci_formats.gradescope_results(COURSE, submission("ann", "<img src=x onerror=alert(1)> **bold**"))
    assert (data["output_format"], data["test_output_format"]) == ("text", "text")
    assert not [test for test in data["tests"] if "output_format" in test]  # none overrides it


# --- CSV ---------------------------------------------------------------------------------------

FORMULA = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet runs as a formula (OWASP)


def csv_rows(*results: SubmissionResult) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(exports.csv_table(COURSE, list(results)))))


def test_csv_shows_a_formula_in_a_learners_name_as_text():
    names = ['=HYPERLINK("http://x","y")', "@SUM(1)", "\t=1", "-2+3", "+1", "\r=1"]
    rows = csv_rows(*(submission(name, "") for name in names))
    assert sorted(row["learner"] for row in rows) == sorted("'" + name for name in names)
    assert all(row["total"].isdigit() and row["percent"][0].isdigit() for row in rows)  # numbers stay numbers


@settings(max_examples=200, deadline=None)
@given(name=ANY_TEXT.filter(bool))
def test_no_csv_cell_starts_a_formula(name):
    (row,) = csv_rows(submission(name, ""))
    assert not [cell for cell in row.values() if cell.startswith(FORMULA)]
    if name.isalnum():
        assert row["learner"] == name


# --- Markdown ----------------------------------------------------------------------------------


def test_markdown_keeps_a_learners_name_on_its_heading_line():
    text = exports.markdown_report(COURSE, submission("ann\r# owned\n[x](http://evil.example)", ""))
    first, blank = text.splitlines()[:2]
    assert first.startswith(r"# ann \# owned \[x\](http://evil.example): ") and blank == ""


@settings(max_examples=100, deadline=None)
@given(name=ANY_TEXT, message=ANY_TEXT)
def test_learner_reports_hold_no_control_characters_and_encode_as_utf8(name, message):
    result = submission(name, message)
    for page in exports.markdown_report(COURSE, result), exports.html_report(COURSE, result):
        page.encode("utf-8")
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", page)


# --- The terminal (rich) -----------------------------------------------------------------------

MARKUP = "[link=http://evil.example]x[/link] [bold red]y[/]"
# An OSC 8 hyperlink and a screen clear, as raw escape sequences a terminal would obey.
ESCAPES = "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\ \x1b[2J"


def rendered(*renderables) -> str:
    """What a colour terminal gets: styles as escape sequences, so an obeyed link would show."""
    console = Console(file=io.StringIO(), width=300, force_terminal=True, color_system="truecolor")
    for renderable in renderables:
        console.print(renderable)
    return console.file.getvalue()


def test_the_terminal_shows_markup_in_a_name_and_a_message_as_written():
    result = submission(MARKUP, MARKUP)
    out = rendered(report.table(COURSE, result), *report.failures(result))
    assert out.count(MARKUP) == 2  # the table's title and the failed exercise's message
    assert "evil.example" not in out.replace(MARKUP, "")  # no hyperlink made of it


def test_the_terminal_never_passes_on_a_learners_escape_sequences():
    result = submission(ESCAPES, ESCAPES)
    out = rendered(report.table(COURSE, result), *report.failures(result))
    assert "\x1b]" not in out and "\x1b[2J" not in out  # rich's colours are the only escapes left
    assert out.count("\ufffd]8;;http://evil.example") == 2


def test_the_terminal_table_says_which_sandbox_graded_it_when_known():
    confined = submission("ann", "")
    confined.sandbox = "none (weak: [no seccomp])"
    assert "sandbox: none (weak: [no seccomp])" in rendered(report.table(COURSE, confined))
    assert "sandbox:" not in rendered(report.table(COURSE, submission("ann", "")))


# --- GitHub Classroom --------------------------------------------------------------------------

INJECTED = "printed\n::add-mask::secret\r\n  ::stop-commands::x"


def test_a_workflow_commands_data_cannot_start_a_command_of_its_own():
    line = ci_formats.workflow_command("error", f"100% {INJECTED}", title="a, b: c\n::warning::")
    assert line == (
        "::error title=a%2C b%3A c%0A%3A%3Awarning%3A%3A::100%25 printed%0A::add-mask::secret%0D%0A  ::stop-commands::x"
    )


def test_classroom_sends_no_learner_text_to_the_runner_unencoded(tmp_path):
    output, summary = tmp_path / "output", tmp_path / "summary"
    result = submission("::stop-commands::x", INJECTED)
    stdout = ci_formats.emit_classroom(
        COURSE, result, {"GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)}
    )
    assert stdout == ci_formats.classroom_notice(result) and "\n" not in stdout
    assert not [line for line in summary.read_text(encoding="utf-8").splitlines() if line.lstrip().startswith("::")]
    (line,) = output.read_text(encoding="utf-8").splitlines()  # name=value: one output, base64 of the JSON
    assert re.fullmatch("result=[A-Za-z0-9+/]*=*", line)
    assert json.loads(base64.b64decode(line.removeprefix("result=")))["tests"][0]["message"] == INJECTED


# --- --out files -------------------------------------------------------------------------------


def test_a_report_replaces_a_symlink_at_its_path_and_never_writes_through_it(tmp_path):
    outside, out = tmp_path / "outside.txt", tmp_path / "results.json"
    outside.write_text("the instructor's file\n", encoding="utf-8")
    out.symlink_to(outside)
    write_atomically(out, "{}\n")
    assert outside.read_text(encoding="utf-8") == "the instructor's file\n"
    assert not out.is_symlink() and out.read_text(encoding="utf-8") == "{}\n"


def test_a_report_that_cannot_be_written_leaves_what_was_there(tmp_path):
    out = tmp_path / "junit.xml"
    out.write_text("the last run's report\n", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_atomically(out, "half\ud800")  # UTF-8 cannot hold a lone surrogate
    assert out.read_text(encoding="utf-8") == "the last run's report\n"
    assert [p.name for p in tmp_path.iterdir()] == ["junit.xml"]  # no temporary file left behind


def run_graders_module(*args) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "graders", "--root", ROOT, *args]
    return subprocess.run(list(map(str, command)), check=False, capture_output=True, encoding="utf-8", timeout=300)


def test_course_grade_and_export_replace_a_symlink_at_out(tmp_path):
    outside, gradebook = tmp_path / "outside.txt", tmp_path / "gradebook.sqlite"
    outside.write_text("the instructor's file\n", encoding="utf-8")
    results, table = tmp_path / "results.json", tmp_path / "grades.csv"
    results.symlink_to(outside)
    table.symlink_to(outside)
    grade = run_graders_module(
        "grade",
        ROOT / "exercises",
        "--only",
        FIRST,
        "--device",
        "cpu",
        "--gradebook",
        gradebook,
        "--format",
        "gradescope",
        "--out",
        results,
    )
    export = run_graders_module("export", "--gradebook", gradebook, "--format", "csv", "--out", table)
    assert grade.returncode == export.returncode == 0, grade.stderr + export.stderr
    assert outside.read_text(encoding="utf-8") == "the instructor's file\n"
    assert not results.is_symlink() and json.loads(results.read_text(encoding="utf-8"))["tests"]
    assert not table.is_symlink() and table.read_text(encoding="utf-8").startswith("learner,")


@given(ANY_TEXT, ANY_TEXT)
def test_the_json_records_are_utf8_whatever_the_learner_wrote(name, message):
    """A record holds the learner's text, however it got there (a later change of the message
    too), as text every report can write."""
    record = submission(name, message)
    record.exercises[1].message = message + "\udcff"
    text = json.dumps(record.to_dict(), ensure_ascii=False)
    text.encode("utf-8")
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", json.loads(text)["exercises"][1]["message"])


def test_course_grade_reports_a_learners_lone_surrogate_and_escape_as_json(tmp_path):
    learner = tmp_path / "learner"
    learner.mkdir()
    (learner / "activations.py").write_text(
        'def sigmoid(x):\n    print("bad \\udcff \\x1b[31m")\n    raise ValueError("\\udcfe")\n', encoding="utf-8"
    )
    run = subprocess.run(
        [
            str(sys.executable),
            "-m",
            "graders",
            "--root",
            str(ROOT),
            "grade",
            str(learner),
            "--only",
            "activations.sigmoid",
            "--device",
            "cpu",
            "--format",
            "json",
        ],
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    message = json.loads(run.stdout.decode("utf-8"))["exercises"][0]["message"]
    assert "bad \ufffd \ufffd[31m" in message, message


def test_a_batchs_progress_shows_done_rate_and_left():
    """The bar a batch shows on a terminal: its columns load with it (a check never pays for
    rich.progress), and a rate is shown only once there is one."""
    bar = report.grading_progress()
    task = bar.add_task("grading", total=4)
    bar.advance(task)
    screen = Console(file=io.StringIO(), width=120, color_system=None)
    screen.print(bar.make_tasks_table(bar.tasks))
    assert re.search(r"grading .* 1/4", screen.file.getvalue())
    assert "None" not in screen.file.getvalue()

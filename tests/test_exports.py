"""Instructor exports: hand-built result records against the real course, rendered and read back."""

from __future__ import annotations

import base64
import csv
import dataclasses
import io
import re
import struct
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from graders import exports, report
from graders.course import load
from graders.results import STATUSES, ExerciseResult, SubmissionResult
from tests.conftest import ROOT

COURSE = load(ROOT)
IDS = [ex.id for ex in COURSE.exercises]
POINTS = {ex.id: ex.points for ex in COURSE.exercises}
NASTY = '<b>&"x'


def record(i: str, status: str = "passed", message: str = "", mistake: str | None = None) -> ExerciseResult:
    return ExerciseResult(i, status, POINTS[i] if status == "passed" else 0, POINTS[i], message, ["cpu"], mistake)


def learner(name: str, **changes: tuple) -> SubmissionResult:
    """Every exercise passed except those in `changes`: id (dots as __) -> record arguments."""
    changed = {k.replace("__", "."): v for k, v in changes.items()}
    assert set(changed) <= set(IDS), set(changed) - set(IDS)
    return SubmissionResult(name, [record(i, *changed.get(i, ())) for i in IDS])


FULL = learner("alice")
PARTLY = learner(
    "bob",
    tensors__vector=("failed", "expected shape (4,), got (1, 4)", "extra brackets"),
    losses__mse=("failed", "mean over the wrong axis\n```\nnp.mean(x, 0)\n```", "wrong axis"),
    activations__relu=("not-implemented", "", None),
)
BROKEN = learner(
    "carol",
    tensors__vector=("failed", "expected shape (4,), got (1, 4)", "extra brackets"),
    losses__mse=("error", "ZeroDivisionError: division by zero", None),
    perceptron__step=("timeout", "ran past 10 s", None),
    optimizers__adam_step=("missing", "no function adam_step in exercises/optimizers.py", None),
)
EVIL = learner(NASTY, tensors__vector=("failed", "<script>alert('x')</script> & <b>bold</b>", "<i>m</i>"))
CLASS = [PARTLY, EVIL, FULL, BROKEN]
SANDBOX = "seccomp-bpf + Landlock ABI 7"
CONFINED = dataclasses.replace(PARTLY, sandbox=SANDBOX)


class StrictParser(HTMLParser):
    """Collects tags and text; notes an end tag that closes nothing open."""

    VOID = {"meta", "img", "br", "link", "input", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.problems, self.text, self.attrs = [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.attrs.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.problems.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def parse(page: str) -> StrictParser:
    parser = StrictParser()
    parser.feed(page)
    parser.close()
    assert not parser.problems and not parser.stack, (parser.problems, parser.stack)
    return parser


def assert_self_contained(page: str, parser: StrictParser) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert re.search(r'<html lang="\w+">', page)
    assert '<meta charset="utf-8">' in page
    for tag, attrs in parser.attrs:
        for name in ("src", "href"):
            assert not re.match(r"\s*(https?:)?//", attrs.get(name) or "", re.I), (tag, attrs)
    assert not re.search(r"(src|href)\s*=\s*[\"']?\s*(https?:)?//", page, re.I)
    assert "@import" not in page and "url(" not in page


# --- CSV ----------------------------------------------------------------------------------------
TOTALS = ["total", "max_total", "late_penalty", "final", "percent", "submitted_at", "submitted_from", "sandbox"]


def test_csv_parses_one_row_per_learner_in_course_order():
    rows = list(csv.DictReader(io.StringIO(exports.csv_table(COURSE, CLASS))))
    header = exports.csv_table(COURSE, CLASS).splitlines()[0].split(",")
    assert header == ["learner", *IDS, *TOTALS]
    assert [r["learner"] for r in rows] == sorted(r.submission for r in CLASS)
    by_name = {r["learner"]: r for r in rows}
    total = sum(POINTS.values())
    assert by_name["alice"]["total"] == by_name["alice"]["max_total"] == str(total)
    assert by_name["alice"]["percent"] == "100.0"
    lost = POINTS["tensors.vector"] + POINTS["losses.mse"] + POINTS["activations.relu"]
    assert by_name["bob"]["total"] == str(total - lost)
    assert by_name["bob"]["percent"] == f"{100 * (total - lost) / total:.1f}"
    assert by_name["bob"]["losses.mse"] == "0" and by_name["bob"]["losses.cross_entropy"] == str(
        POINTS["losses.cross_entropy"]
    )
    assert by_name[NASTY]["learner"] == NASTY  # quoting round-trips the special characters


def test_csv_leaves_ungraded_exercises_empty():
    one = SubmissionResult("dave", [record("losses.mse")])
    row = next(csv.DictReader(io.StringIO(exports.csv_table(COURSE, [one]))))
    assert row["losses.mse"] == str(POINTS["losses.mse"]) and row["tensors.vector"] == ""
    assert row["total"] == row["max_total"] == str(POINTS["losses.mse"])


def test_csv_of_no_learners_is_the_header():
    header = ["learner", *IDS, *TOTALS]
    assert exports.csv_table(COURSE, []).splitlines() == [",".join(header)]


def test_csv_says_which_sandbox_graded_each_learner():
    rows = list(csv.DictReader(io.StringIO(exports.csv_table(COURSE, [CONFINED, FULL]))))
    assert {r["learner"]: r["sandbox"] for r in rows} == {"bob": SANDBOX, "alice": ""}


@st.composite
def submissions(draw):
    name = draw(st.text(min_size=1, max_size=12))
    chosen = draw(st.lists(st.sampled_from(IDS), min_size=1, unique=True))
    exercises = []
    for i in chosen:
        status = draw(st.sampled_from(STATUSES))
        score = POINTS[i] if status == "passed" else draw(st.integers(0, POINTS[i]))
        exercises.append(ExerciseResult(i, status, score, POINTS[i], draw(st.text(max_size=20))))
    return SubmissionResult(name, exercises)


@settings(max_examples=60, deadline=None)
@given(st.lists(submissions(), max_size=6, unique_by=lambda s: s.submission))
def test_csv_totals_are_the_sums_of_their_rows(results):
    rows = list(csv.DictReader(io.StringIO(exports.csv_table(COURSE, results))))
    for row, result in zip(rows, sorted(results, key=lambda r: r.submission), strict=True):
        assert int(row["total"]) == sum(int(row[i]) for i in IDS if row[i] != "")
        assert int(row["max_total"]) == sum(POINTS[r.id] for r in result.exercises)
        assert row["percent"] == f"{result.percent:.1f}"  # rounded, as written (31.25 may show as 31.2)


# --- Markdown -----------------------------------------------------------------------------------


def test_markdown_has_score_units_messages_and_hints():
    text = exports.markdown_report(COURSE, PARTLY)
    assert text.splitlines()[0] == f"# bob: {PARTLY.score}/{PARTLY.max_score} points ({PARTLY.percent:.1f}%)"
    assert f"{len(IDS) - 3}/{len(IDS)} exercises passed" in text
    for unit in COURSE.units:
        assert f"## {unit.title['en']} · {unit.title['ko']}" in text
    assert "expected shape (4,), got (1, 4)" in text
    for hint in COURSE.exercise("losses.mse").hints + COURSE.exercise("activations.relu").hints:
        assert hint["en"] in text and hint["ko"] in text
    passed_hint = COURSE.exercise("tensors.matrix").hints[0]["en"]
    assert passed_hint not in text  # hints only for what needs work
    assert "| `tensors.vector` | The notes' vector · 노트의 벡터 | ✗ failed | 0/1 |" in text


def test_markdown_says_which_sandbox_graded_it_when_known():
    assert exports.markdown_report(COURSE, CONFINED).splitlines()[4] == f"Sandbox: {SANDBOX}"
    assert "Sandbox" not in exports.markdown_report(COURSE, PARTLY)


def test_markdown_fence_outlasts_backticks_in_the_message():
    text = exports.markdown_report(COURSE, PARTLY)
    assert "````text\nmean over the wrong axis\n```\nnp.mean(x, 0)\n```\n````" in text


def test_markdown_full_marks_and_escaped_learner():
    assert "All exercises passed" in exports.markdown_report(COURSE, FULL)
    first = exports.markdown_report(COURSE, EVIL).splitlines()[0]
    assert "<b>" not in first and first.startswith(r'# \<b\>\&"x: ')


# --- HTML ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("result", [FULL, PARTLY, BROKEN, EVIL], ids=lambda r: r.submission)
def test_html_report_is_self_contained_and_parses(result):
    page = exports.html_report(COURSE, result)
    parser = parse(page)
    assert_self_contained(page, parser)
    text = "".join(parser.text)
    assert f"{result.score}/{result.max_score} points ({result.percent:.1f}%)" in text
    for r in result.exercises:
        if not r.passed and r.message:
            assert r.message in text  # escaped in the page, read back intact


def test_html_report_escapes_learner_strings():
    page = exports.html_report(COURSE, EVIL)
    assert "<b>" not in page and "<script>" not in page
    assert "&lt;b&gt;&amp;&#34;x" in page  # Jinja2's autoescape (markupsafe's entities)
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    text = "".join(parse(page).text)
    assert NASTY in text


def test_html_report_says_which_sandbox_graded_it_when_known():
    assert f"<p>Sandbox: {SANDBOX}</p>" in exports.html_report(COURSE, CONFINED)
    assert "Sandbox" not in exports.html_report(COURSE, PARTLY)


def test_html_report_colours_statuses_and_lists_hints():
    page = exports.html_report(COURSE, BROKEN)
    for status in ("passed", "failed", "error", "timeout", "missing"):
        assert f'class="{status}"' in page and f".{status}{{color:" in page
    assert '<span lang="ko">' in page
    assert exports.html_report(COURSE, FULL).count("<pre>") == 0


# --- class summary ------------------------------------------------------------------------------


def png_of(page: str) -> bytes:
    match = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert match, "no embedded PNG"
    return base64.b64decode(match.group(1), validate=True)


def test_summary_embeds_a_valid_png():
    page = exports.class_summary_html(COURSE, CLASS)
    assert_self_contained(page, parse(page))
    png = png_of(page)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (600, 300)  # figsize (6, 3) at 100 dpi
    assert png.rstrip(b"\x00").endswith(b"IEND\xaeB`\x82")


def test_summary_counts_learners_and_scores():
    page = exports.class_summary_html(COURSE, CLASS)
    assert "<p>Learners: 4</p>" in page
    import statistics

    assert f"({statistics.mean(r.percent for r in CLASS):.1f}%)" in page
    assert f"({statistics.median(r.percent for r in CLASS):.1f}%)" in page


def test_summary_orders_exercises_by_most_failed():
    stats = exports.exercise_stats(COURSE, CLASS)
    assert [row[0] for row in stats[:2]] == ["tensors.vector", "losses.mse"]
    assert stats[0] == ("tensors.vector", "The notes' vector", 1, 4, 0, "failed")
    # losses.mse: one failed, one error; ties go to the earlier status
    assert stats[1] == ("losses.mse", COURSE.exercise("losses.mse").title["en"], 2, 4, 0, "failed")
    fails = [row[3] - row[2] - row[4] for row in stats]
    assert fails == sorted(fails, reverse=True)
    passed_all = [row for row in stats if row[2] == row[3]]
    assert [row[0] for row in passed_all] == [i for i in IDS if i in {row[0] for row in passed_all}]
    assert all(row[4:] == (0, "") for row in passed_all)
    page = exports.class_summary_html(COURSE, CLASS)
    assert (
        page.index("<code>tensors.vector</code>")
        < page.index("<code>losses.mse</code>")
        < page.index("<code>perceptron.step</code>")
        < page.index("<code>tensors.matrix</code>")
    )


def test_summary_leads_with_named_mistakes_and_failures_not_with_stubs():
    """Learners who have not written an exercise yet tell the instructor less than one who
    wrote it wrong: the page leads with the mistakes named, then the exercises failed."""
    unwritten = {i.replace(".", "__"): ("not-implemented", "not implemented yet") for i in IDS[-5:]}
    late = [learner(f"late{n}", **unwritten) for n in range(6)]
    stats = exports.exercise_stats(COURSE, [*late, PARTLY, BROKEN])
    # tried and failed, however few, first; then by how many have not written it
    assert [row[0] for row in stats[:4]] == ["tensors.vector", "losses.mse", "optimizers.adam_step", "perceptron.step"]
    assert stats[4][0] in IDS[-5:] and stats[4][4:] == (6, "not-implemented")
    relu = next(row for row in stats if row[0] == "activations.relu")
    assert relu[2:] == (7, 8, 1, "not-implemented")
    page = exports.class_summary_html(COURSE, [*late, PARTLY, BROKEN])
    assert (
        page.index("<h2>Mistakes most named</h2>")
        < page.index("<td>extra brackets</td>")
        < page.index("<h2>Exercises, most failed first</h2>")
    )
    exercises = page[page.index("<h2>Exercises, most failed first</h2>") :]
    assert (
        exercises.index("<code>tensors.vector</code>")
        < exercises.index(f"<code>{IDS[-1]}</code>")
        < exercises.index("<img")
    )


def test_summary_counts_mistakes_most_named():
    assert exports.top_mistakes(CLASS) == [
        ("extra brackets", "tensors.vector", 2),
        ("<i>m</i>", "tensors.vector", 1),
        ("wrong axis", "losses.mse", 1),
    ]
    many = [
        SubmissionResult(f"l{n}", [record(IDS[k], "failed", "", f"m{k:02d}") for k in range(n % 15)]) for n in range(30)
    ]
    top = exports.top_mistakes(many)
    assert len(top) == 10 and [c for *_, c in top] == sorted((c for *_, c in top), reverse=True)
    assert top[0] == ("m00", IDS[0], 28)
    page = exports.class_summary_html(COURSE, CLASS)
    assert "<td>extra brackets</td><td><code>tensors.vector</code></td><td>2</td>" in page
    assert "&lt;i&gt;m&lt;/i&gt;" in page and "<i>m</i>" not in page


def test_summary_of_an_empty_class():
    page = exports.class_summary_html(COURSE, [])
    assert_self_contained(page, parse(page))
    assert "<p>Learners: 0</p>" in page and "No results yet" in page and "<img" not in page


def test_summary_of_a_class_with_no_mistakes():
    page = exports.class_summary_html(COURSE, [FULL])
    parse(page)
    assert "No known mistake was named" in page and "100.0%" in page
    png_of(page)


# --- a unit whose module failed, told once --------------------------------------------------

IMPORT = "ada/activations.py could not be imported: SyntaxError: invalid syntax (activations.py line 12)."
UNIT = [ex.id for ex in COURSE.exercises if ex.unit == "activations"]
BLOCKED = learner("ada", **{i.replace(".", "__"): ("error", IMPORT) for i in UNIT})
WAIT = f"its {len(UNIT)} exercises wait on it."


def test_a_unit_that_could_not_be_imported_is_one_entry_in_a_report_with_no_hints():
    for page in (exports.markdown_report(COURSE, BLOCKED), exports.html_report(COURSE, BLOCKED)):
        assert page.count(IMPORT) == 1
        assert f"Fix it first: {WAIT}" in page and f"연습 문제 {len(UNIT)}개가" in page
        for exercise in COURSE.select("activations"):
            assert exercise.id not in page
            assert all(hint["en"] not in page for hint in exercise.hints)
    text = exports.markdown_report(COURSE, BLOCKED)
    assert (
        f"| `activations.py` | Activation functions ({len(UNIT)} exercises) · 활성화 함수 (연습 문제 {len(UNIT)}개) "
        f"| ! error | 0/{sum(POINTS[i] for i in UNIT)} |"
    ) in text
    assert "### ! `activations.py`" in text
    assert sum(ex["message"] == IMPORT for ex in BLOCKED.to_dict()["exercises"]) == len(UNIT)  # the records stay


def test_a_unit_that_could_not_be_imported_is_one_row_and_one_message_on_the_terminal():
    out = Console(file=io.StringIO(), width=250, highlight=False)
    out.print(report.table(COURSE, BLOCKED), *report.failures(BLOCKED))
    shown = out.file.getvalue()
    assert "activations.py" in shown and not any(exercise in shown for exercise in UNIT[1:])
    assert shown.count("could not be imported") == 1
    assert (
        f"could not be imported: SyntaxError: invalid syntax (activations.py line 12) — fix it first: {WAIT}" in shown
    )
    assert "Hint: course hint activations" not in shown


def test_stubs_not_written_yet_are_no_unit_failure():
    stub = "not implemented yet: write it in ben/activations.py (`course hint` helps)."
    stubs = learner("ben", **{i.replace(".", "__"): ("not-implemented", stub) for i in UNIT})
    assert report.blocked_units(stubs) == {}
    assert all(f"`{i}`" in exports.markdown_report(COURSE, stubs) for i in UNIT)


# --- what `course export` says ----------------------------------------------------------------


def test_every_export_to_files_says_on_stderr_what_it_wrote_and_where(tmp_path, capsys):
    from graders.cli import main
    from graders.gradebook import Gradebook

    book = tmp_path / "class.sqlite"
    with Gradebook(book) as gradebook:
        for result in (FULL, PARTLY):
            gradebook.record(result, result.submission, "", {i: n for n, i in enumerate(IDS)})
    export = ["--root", str(ROOT), "export", "--gradebook", str(book), "--format"]
    for args, said in [
        (["csv", "--out", tmp_path / "class.csv"], f"wrote {tmp_path / 'class.csv'} (2 learners)"),
        (
            ["summary", "--out", tmp_path / "summary.html"],
            f"wrote {tmp_path / 'summary.html'} (the class summary of 2 learners)",
        ),
        (["html", "--out", tmp_path / "reports"], f"wrote 2 learner reports (html) to {tmp_path / 'reports'}/"),
        (
            ["markdown", "--learner", "bob", "--out", tmp_path / "bob"],
            f"wrote 1 learner report (markdown) to {tmp_path / 'bob'}/",
        ),
    ]:
        assert main([*export, *map(str, args)]) == 0
        out, err = capsys.readouterr()
        assert (out, err) == ("", said + "\n")
    assert (tmp_path / "bob" / "bob.md").is_file() and len(list((tmp_path / "reports").iterdir())) == 2
    assert main([*export, "csv"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("learner,") and err == ""  # printed, not written: the output says it all

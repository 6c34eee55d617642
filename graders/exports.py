"""Renderings of result records for instructors: a CSV grade table, per-learner Markdown and
HTML feedback, and a class summary page. Pure functions of (course, results) that return text.

Every page is self-contained (inline CSS, images as data URIs, no links) so it works offline
and can be mailed as one file. Learner-provided strings (submission ids, messages, mistake
names) are escaped for the format they land in; the HTML pages are Jinja2 templates
(graders/templates/*.html.j2) with autoescape on, which a designer can edit.
"""

from __future__ import annotations

import base64
import csv
import io
import re
import statistics
from collections import Counter

from graders import pages
from graders.course import Course, Unit
from graders.i18n import LANGUAGES, messages
from graders.report import blocked_units
from graders.results import MARK, STATUSES, ExerciseResult, SubmissionResult
from graders.untrusted import markdown, printable

COLOUR = {
    "passed": "#1a7f37",
    "failed": "#cf222e",
    "error": "#a40e26",
    "timeout": "#8250df",
    "missing": "#9a6700",
    "not-implemented": "#6e7781",
}
CSS = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
    "color:#1f2328}table{border-collapse:collapse;margin:.5rem 0 1.5rem}"
    "th,td{border:1px solid #d0d7de;padding:.3rem .6rem;text-align:left}th{background:#f6f8fa}"
    "pre{background:#f6f8fa;padding:.6rem;overflow-x:auto;white-space:pre-wrap}"
    ".bar{background:#d0d7de;height:.8rem;border-radius:.4rem;width:20rem}"
    ".bar div{background:#1a7f37;height:100%;border-radius:.4rem}"
    + "".join(f".{s}{{color:{c};font-weight:600}}" for s, c in COLOUR.items())
)


# --- shared helpers ---------------------------------------------------------------------------


def _both(title: dict[str, str]) -> str:
    return " · ".join(t for t in (title.get("en", ""), title.get("ko", "")) if t)


def _units(course: Course, result: SubmissionResult) -> list[tuple[str, list[tuple[ExerciseResult, str, tuple]]]]:
    """The result's records grouped by course unit, in course order, as (unit title, rows); each
    row is (record, "en · ko" title, hints). A unit whose module failed is one row, its file's,
    told once (report.blocked_units). Records of ids the course lacks come last."""
    by_id = {r.id: r for r in result.exercises}
    blocked = blocked_units(result)
    groups = []
    for unit in course.units:
        rows = [(by_id.pop(ex.id), _both(ex.title), ex.hints) for ex in unit.exercises if ex.id in by_id]
        if unit.name in blocked:
            rows = [_told_once(unit, blocked[unit.name])]
        if rows:
            groups.append((_both(unit.title), rows))
    if by_id:
        groups.append(("Other", [(r, "", ()) for r in by_id.values()]))
    return groups


def _told_once(unit: Unit, records: list[ExerciseResult]) -> tuple[ExerciseResult, str, tuple]:
    """The row of a unit whose module failed: its file, the message its exercises share, and in
    place of their hints (none is about that) what to do, in both languages."""
    first = records[0]
    record = ExerciseResult(f"{unit.name}.py", first.status, 0, sum(r.max_score for r in records), first.message)
    title = {
        lang: messages()["unit-row"][lang].format(title=unit.title.get(lang, ""), count=len(records))
        for lang in LANGUAGES
    }
    wait = {lang: messages()["unit-blocked"][lang].format(count=len(records)) for lang in LANGUAGES}
    return record, _both(title), ({lang: text[:1].upper() + text[1:] for lang, text in wait.items()},)


def _heading(result: SubmissionResult) -> tuple[str, str]:
    """(score line, progress line) shared by the Markdown and HTML reports; the score line gives
    the raw score, the late penalty and the final score where there is a penalty."""
    done = sum(r.passed for r in result.exercises)
    late = f" − {result.penalty:g} late ({result.late}) = {result.final:g}" if result.penalty else ""
    return (
        f"{result.score}/{result.max_score}{late} points ({result.percent:.1f}%)",
        f"{done}/{len(result.exercises)} exercises passed",
    )


def _fence(text: str) -> str:
    """A Markdown code fence longer than any run of backticks inside `text`."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _render(template: str, **values) -> str:
    return pages.render(template, css=CSS, marks=MARK, **values)


# --- 1. the grade table -----------------------------------------------------------------------

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    """A spreadsheet runs a text cell starting with = + - @, tab or CR as a formula, e.g. a learner
    named =HYPERLINK(...); a leading ' makes it text (OWASP's CSV injection advice). Numbers stay."""
    if not isinstance(value, str):
        return value
    text = printable(value)
    return "'" + text if text.startswith(_FORMULA) else text


def csv_table(course: Course, results: list[SubmissionResult]) -> str:
    """One row per learner, sorted: learner, each exercise's score in course order (an override's
    where an instructor set one), total (the raw score), max_total, late_penalty, final (what
    the learner gets), percent (of final), when it was submitted and how that is known, and the
    sandbox that graded it ("" if unknown). An exercise a learner's
    records lack is an empty cell; a text cell that a spreadsheet would run as a formula starts
    with '. Lines end in CRLF (RFC 4180, so a field with a stray CR is quoted too): write with
    open(..., newline="")."""
    ids = [ex.id for ex in course.exercises]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        map(
            _cell,
            [
                "learner",
                *ids,
                "total",
                "max_total",
                "late_penalty",
                "final",
                "percent",
                "submitted_at",
                "submitted_from",
                "sandbox",
            ],
        )
    )
    for result in sorted(results, key=lambda r: r.submission):
        scores = {r.id: r.score for r in result.exercises}
        writer.writerow(
            map(
                _cell,
                [
                    result.submission,
                    *(scores.get(i, "") for i in ids),
                    result.score,
                    result.max_score,
                    result.penalty,
                    result.final,
                    f"{result.percent:.1f}",
                    result.submitted_at,
                    result.submitted_from,
                    result.sandbox,
                ],
            )
        )
    return out.getvalue()


# --- 2. and 3. one learner's feedback ---------------------------------------------------------


def markdown_report(course: Course, result: SubmissionResult) -> str:
    score, progress = _heading(result)
    groups = _units(course, result)
    filled = round(20 * sum(r.passed for r in result.exercises) / max(len(result.exercises), 1))
    lines = [
        f"# {markdown(result.submission)}: {score}",
        "",
        f"Progress: `{'█' * filled}{'░' * (20 - filled)}` {progress}",
        "",
    ]
    if result.sandbox:
        lines += [f"Sandbox: {markdown(result.sandbox)}", ""]
    for unit, rows in groups:
        lines += [f"## {markdown(unit)}", "", "| exercise | title | status | points |", "|---|---|---|---|"]
        lines += [
            f"| `{r.id}` | {markdown(title)} | {MARK.get(r.status, '')} {r.status} | {r.score}/{r.max_score} |"
            for r, title, _ in rows
        ]
        lines.append("")
    overridden = [r for r in result.exercises if r.override]
    if overridden:
        lines += ["## Scores set by your instructor", ""] + [f"- `{r.id}`: {markdown(r.override)}" for r in overridden]
        lines.append("")
    todo = [row for _, rows in groups for row in rows if not row[0].passed]
    lines += ["## What to look at next", ""] if todo else ["All exercises passed. Well done! 🎉", ""]
    for r, title, hints in todo:
        lines += [f"### {MARK.get(r.status, '')} `{r.id}` {markdown(title)} ({r.status})", ""]
        if r.message:
            fence = _fence(r.message)
            lines += [f"{fence}text", r.message, fence, ""]
        if hints:
            lines += ["Hints:", ""] + [f"- {h.get('en', '')}  \n  {h.get('ko', '')}" for h in hints] + [""]
    return printable("\n".join(lines))  # a message quotes the learner's output, control characters and all


def html_report(course: Course, result: SubmissionResult) -> str:
    score, progress = _heading(result)
    groups = _units(course, result)
    passed = sum(r.passed for r in result.exercises)
    page = _render(
        "report.html.j2",
        title=f"{result.submission}: {score}",
        submission=result.submission,
        score=score,
        progress=progress,
        width=100 * passed / max(len(result.exercises), 1),
        sandbox=printable(result.sandbox) if result.sandbox else "",
        groups=groups,
        overridden=[r for r in result.exercises if r.override],
        todo=[row for _, rows in groups for row in rows if not row[0].passed],
    )
    return printable(page)


# --- 4. the class at a glance -----------------------------------------------------------------


def _histogram(percents: list[float]) -> str:
    """A PNG histogram of the learners' percent scores, as a data URI."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    fig, ax = plt.subplots(figsize=(6, 3), dpi=100)
    try:
        ax.hist(percents, bins=range(0, 101, 10), color="#1a7f37", edgecolor="white")
        ax.set_xlabel("score (%)")
        ax.set_ylabel("learners")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        fig.tight_layout()
        png = io.BytesIO()
        fig.savefig(png, format="png")
    finally:
        plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(png.getvalue()).decode("ascii")


def exercise_stats(course: Course, results: list[SubmissionResult]) -> list[tuple[str, str, int, int, int, str]]:
    """(id, English title, passed, graded, not started, most common problem or "") per exercise,
    most failed first: by the learners who wrote it and did not pass, then by those who had not
    written it yet (not-implemented: no mistake of theirs to see), ties in course order. The most
    common problem is one of those who wrote it where there is one; ties between statuses go to
    the earlier in STATUSES."""
    titles = {ex.id: ex.title.get("en", "") for ex in course.exercises}
    records: dict[str, list[ExerciseResult]] = {i: [] for i in titles}
    for result in results:
        for r in result.exercises:
            records.setdefault(r.id, []).append(r)
    rows = []
    for i, rs in records.items():
        if not rs:
            continue
        failed = Counter(r.status for r in rs if not r.passed)
        unstarted = failed.pop("not-implemented", 0)
        worst = min(
            failed,
            key=lambda s: (-failed[s], STATUSES.index(s) if s in STATUSES else len(STATUSES)),
            default="not-implemented" if unstarted else "",
        )
        rows.append((i, titles.get(i, ""), len(rs) - sum(failed.values()) - unstarted, len(rs), unstarted, worst))
    order = list(records)
    return sorted(rows, key=lambda row: (row[2] + row[4] - row[3], -row[4], order.index(row[0])))


def top_mistakes(results: list[SubmissionResult], n: int = 10) -> list[tuple[str, str, int]]:
    """(mistake, exercise id, count), most named first, ties alphabetical."""
    counts = Counter((r.mistake, r.id) for result in results for r in result.exercises if r.mistake)
    return sorted(((m, i, c) for (m, i), c in counts.items()), key=lambda t: (-t[2], t[0], t[1]))[:n]


def class_summary_html(course: Course, results: list[SubmissionResult]) -> str:
    """The class at a glance, what needs teaching first: the mistakes most named, the exercises
    most failed by those who wrote them, then the scores' spread."""
    title = course.title.get("en", "Course")
    if not results:
        return _render("summary.html.j2", title=f"Class summary: {title}", course_title=title, learners=0)
    percents = [r.percent for r in results]
    points = [r.score for r in results]
    return _render(
        "summary.html.j2",
        title=f"Class summary: {title}",
        course_title=title,
        learners=len(results),
        mean_points=statistics.mean(points),
        mean_percent=statistics.mean(percents),
        median_points=statistics.median(points),
        median_percent=statistics.median(percents),
        mistakes=top_mistakes(results),
        exercises=exercise_stats(course, results),
        histogram=_histogram(percents),
    )

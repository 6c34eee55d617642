"""Renderings of result records for the terminal (rich); graders.results has the JSON."""

from __future__ import annotations

from rich.console import Console, Group
from rich.markup import escape
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from graders.course import Course
from graders.i18n import pick, t
from graders.results import MARK, ExerciseResult, SubmissionResult
from graders.untrusted import printable

STYLE = {
    "passed": "green",
    "failed": "red",
    "error": "bold red",
    "timeout": "magenta",
    "missing": "yellow",
    "not-implemented": "dim",
}


def blocked_units(result: SubmissionResult) -> dict[str, list[ExerciseResult]]:
    """The records of each unit whose module failed before any exercise of it ran (it could not
    be imported, its import ran past its time, or the file is missing), by unit: each of them
    says the same, naming the unit's file, so a display tells it once. Stubs not written yet are
    not failures; a unit of one exercise is told as that exercise."""
    units: dict[str, list[ExerciseResult]] = {}
    for r in result.exercises:
        units.setdefault(r.id.split(".")[0], []).append(r)
    return {
        unit: records
        for unit, records in units.items()
        if len(records) > 1
        and records[0].status in ("error", "timeout", "missing")
        and f"{unit}.py" in records[0].message
        and all((r.status, r.message) == (records[0].status, records[0].message) for r in records)
    }


def table(course: Course, result: SubmissionResult, title: str | None = None) -> Table:
    """A row per exercise; a unit whose module failed is one row."""
    titles = {ex.id: ex.title for ex in course.exercises}
    units = {unit.name: unit.title for unit in course.units}
    blocked = blocked_units(result)
    # A str title is rich markup: a learner named [link=...] or [bold] is shown, not obeyed.
    scores = {"submission": escape(printable(result.submission)), "score": result.score, "max_score": result.max_score}
    heading = (
        t(
            "table.title-late",
            **scores,
            penalty=f"{result.penalty:g}",
            final=f"{result.final:g}",
            late=escape(result.late),
        )
        if result.penalty
        else t("table.title", **scores)
    )
    out = Table(
        title=title or heading,
        title_justify="left",
        caption=t("table.sandbox", sandbox=escape(printable(result.sandbox))) if result.sandbox else None,
        caption_justify="left",
    )
    out.add_column(t("table.exercise"))
    out.add_column(t("table.name"))
    out.add_column(t("table.status"))
    out.add_column(t("table.points"), justify="right")
    for r in result.exercises:
        unit = r.id.split(".")[0]
        if unit not in blocked:
            by_hand = f" ({t('table.overridden')})" if r.override else ""
            out.add_row(
                r.id,
                pick(titles[r.id]) if r.id in titles else "",
                status(r.status),
                f"{r.score}/{r.max_score}{by_hand}",
            )
        elif r is blocked[unit][0]:
            records = blocked[unit]
            out.add_row(
                f"{unit}.py",
                t("unit-row", title=pick(units[unit]) if unit in units else unit, count=len(records)),
                status(r.status),
                f"0/{sum(b.max_score for b in records)}",
            )
    return out


def unit_tables(course: Course, result: SubmissionResult) -> list[Table]:
    """A table per unit, titled with its name and title: the result's exercises in that unit."""
    by_id = {r.id: r for r in result.exercises}
    return [
        table(
            course,
            SubmissionResult(unit.name, [by_id[ex.id] for ex in unit.exercises if ex.id in by_id]),
            title=f"{unit.name} · {pick(unit.title)}",
        )
        for unit in course.units
    ]


def status(name: str) -> Text:
    """An exercise's status, marked and coloured, in the current language."""
    return Text(f"{MARK[name]} {t('status.' + name)}", style=STYLE[name])


def progress(result: SubmissionResult) -> Group:
    done = sum(r.passed for r in result.exercises)
    total = len(result.exercises)
    line = Text(t("progress", done=done, total=total, score=result.score, max_score=result.max_score))
    return Group(ProgressBar(total=max(total, 1), completed=done, width=40), line)


def failures(result: SubmissionResult) -> list[Text]:
    """The message of each exercise that ran and went wrong, then what to do next. A unit whose
    module failed is told once, with no exercise's hint: none is about that."""
    out = []
    blocked = blocked_units(result)
    for r in result.exercises:
        if r.status in ("passed", "not-implemented"):
            continue
        unit = r.id.split(".")[0]
        if unit in blocked:
            if r is blocked[unit][0]:
                out.append(
                    Text.assemble(
                        (f"{MARK[r.status]} {unit}.py ({t('status.' + r.status)})\n", STYLE[r.status]),
                        told_once(r.message, len(blocked[unit])),
                        ("\n", ""),
                    )
                )
            continue
        out.append(
            Text.assemble(
                (f"{MARK[r.status]} {r.id} ({t('status.' + r.status)})\n", STYLE[r.status]),
                printable(r.message),
                ("\n", ""),
                (t("hint-line", id=r.id) + "\n", "dim"),
            )
        )
    todo = next((r for r in result.exercises if not r.passed), None)
    if todo is not None:
        out.append(Text.assemble((t("next.label"), "bold"), t("next", id=todo.id, unit=todo.id.split(".")[0])))
    return out


def told_once(message: str, count: int) -> str:
    """A unit's failure, told for its `count` exercises on its first line: "… could not be
    imported: SyntaxError … (line 12) — fix it first: its 10 exercises wait on it." """
    first, newline, rest = printable(message).partition("\n")
    return f"{first.rstrip('.')} — {t('unit-blocked', count=count)}{newline}{rest}"


def print_check(console: Console, course: Course, result: SubmissionResult) -> None:
    console.print(table(course, result))
    for text in failures(result):
        console.print(text)
    console.print(progress(result))


def batch_tables(course: Course, results: list[SubmissionResult], details: bool) -> list:
    """What `course grade --format table` prints: one submission's table; for more, a line per
    learner and the class's total, after each one's table where `details` asks for them."""
    if len(results) == 1:
        return [table(course, results[0])]
    return [table(course, result) for result in results if details] + [class_table(results)]


def class_table(results: list[SubmissionResult]) -> Table:
    """A line per learner, in the order given: points, percent (of the final score), exercises
    passed; the late penalty and the final score too where anyone was late; then the class."""
    late = any(r.penalty for r in results)
    out = Table(title=t("class.title", count=len(results)), title_justify="left")
    out.add_column(t("class.learner"))
    out.add_column(t("table.points"), justify="right")
    if late:
        out.add_column(t("class.penalty"), justify="right")
        out.add_column(t("class.final"), justify="right")
    out.add_column("%", justify="right")
    out.add_column(t("class.passed"), justify="right")

    def row(name: str, score: float, penalty: float, max_score: int, passed: str, **style) -> None:
        final = score - penalty
        cells = [
            f"{score:g}/{max_score}",
            *([f"{penalty:g}", f"{final:g}"] if late else []),
            f"{100 * final / max_score if max_score else 100:.1f}",
        ]
        out.add_row(name, *cells, passed, **style)

    for r in results:
        row(
            escape(printable(r.submission)),
            r.score,
            r.penalty,
            r.max_score,
            f"{sum(x.passed for x in r.exercises)}/{len(r.exercises)}",
        )
    out.add_section()
    row(
        t("class.total"),
        sum(r.score for r in results),
        round(sum(r.penalty for r in results), 2),
        sum(r.max_score for r in results),
        f"{sum(x.passed for r in results for x in r.exercises)}/{sum(len(r.exercises) for r in results)}",
        style="bold",
    )
    return out


def grading_progress():
    """A batch's progress on stderr: submissions done, rate, time left. Transient: once it
    stops, it leaves the lines after it, the report or why it stopped, to begin where it began.
    rich.progress (20 ms to import) loads here: a check never shows it."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeRemainingColumn

    class Rate(ProgressColumn):
        def render(self, task) -> Text:
            return Text(f"{task.speed:.1f} submissions/s" if task.speed else "")

    return Progress(
        TextColumn("grading"),
        BarColumn(),
        MofNCompleteColumn(),
        Rate(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )

"""Renderings of result records for the terminal (rich) and for machines (JSON)."""
from __future__ import annotations

import json

from rich.console import Console, Group
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from graders.course import Course
from graders.results import SubmissionResult

STYLE = {"passed": "green", "failed": "red", "error": "bold red", "timeout": "magenta",
         "missing": "yellow", "not-implemented": "dim"}
MARK = {"passed": "✓", "failed": "✗", "error": "!", "timeout": "⧗", "missing": "?", "not-implemented": "·"}


def to_json(results: list[SubmissionResult]) -> str:
    data = [r.to_dict() for r in results]
    return json.dumps(data[0] if len(data) == 1 else data, indent=2, ensure_ascii=False)


def table(course: Course, result: SubmissionResult, title: str | None = None) -> Table:
    titles = {ex.id: ex.title for ex in course.exercises}
    out = Table(title=title or f"{result.submission}: {result.score}/{result.max_score} points",
                title_justify="left")
    out.add_column("exercise")
    out.add_column("title")
    out.add_column("status")
    out.add_column("points", justify="right")
    for r in result.exercises:
        name = titles.get(r.id, {})
        out.add_row(r.id, name.get("en", ""),
                    Text(f"{MARK[r.status]} {r.status}", style=STYLE[r.status]), f"{r.score}/{r.max_score}")
    return out


def progress(result: SubmissionResult) -> Group:
    done = sum(r.passed for r in result.exercises)
    total = len(result.exercises)
    line = Text(f"Progress: {done}/{total} exercises, {result.score}/{result.max_score} points")
    return Group(ProgressBar(total=max(total, 1), completed=done, width=40), line)


def failures(result: SubmissionResult) -> list[Text]:
    """The message of each exercise that ran and went wrong, then what to do next."""
    out = []
    for r in result.exercises:
        if r.status in ("passed", "not-implemented"):
            continue
        out.append(Text.assemble((f"{MARK[r.status]} {r.id} ({r.status})\n", STYLE[r.status]), r.message,
                                 ("\n", ""), (f"Hint: course hint {r.id}\n", "dim")))
    todo = next((r for r in result.exercises if not r.passed), None)
    if todo is not None:
        out.append(Text.assemble(("Next: ", "bold"), f"{todo.id} — edit the function in exercises/"
                                 f"{todo.id.split('.')[0]}.py, then run `course check {todo.id}`."))
    return out


def print_check(console: Console, course: Course, result: SubmissionResult) -> None:
    console.print(table(course, result))
    for text in failures(result):
        console.print(text)
    console.print(progress(result))

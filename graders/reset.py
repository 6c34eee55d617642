"""`course reset ID|UNIT`: put back one stub (or a whole unit's file) as handed out, keeping the
learner's version in exercises/.backup/ first: nothing a learner wrote is ever lost.

The original is the file as the course's git history first recorded it: a learner's clone of
the course (or of its GitHub Classroom template) has it, however often they committed since.
"""

from __future__ import annotations

import ast
import subprocess
from datetime import datetime
from pathlib import Path

from graders.course import Course
from graders.errors import UserError
from graders.i18n import t

BACKUPS = ".backup"  # inside exercises/: not a module, so never graded


def reset(course: Course, target: str) -> str:
    """Restore `target` (an exercise id, or a unit for the whole file); the message to print."""
    exercises = course.select(target)
    unit = exercises[0].unit
    path = course.root / "exercises" / f"{unit}.py"
    relative = f"exercises/{unit}.py"
    original = _original(course.root, relative)
    mine = path.read_text(encoding="utf-8") if path.is_file() else ""
    if len(exercises) > 1:  # a unit: the whole file
        restored, done = original, "reset.whole-file"
    else:
        restored, done = _with_function(mine, original, exercises[0].function, relative, unit), "reset.done"
    if restored == mine:
        return t("reset.unchanged", id=target)
    backup = _back_up(path, mine) if mine else "-"
    path.write_text(restored, encoding="utf-8")
    return t(done, id=target, path=relative, backup=backup)


def _original(root: Path, relative: str) -> str:
    """The file as the first commit that added it holds it."""
    try:
        added = subprocess.run(
            ["git", "-C", str(root), "log", "--diff-filter=A", "--format=%H", "--", relative],
            capture_output=True,
            text=True,
            check=True,
            encoding="utf-8",
        ).stdout.split()
        if added:
            return subprocess.run(
                ["git", "-C", str(root), "show", f"{added[-1]}:{relative}"],
                capture_output=True,
                text=True,
                check=True,
                encoding="utf-8",
            ).stdout
    except (OSError, subprocess.CalledProcessError):
        pass
    raise UserError(t("reset.no-original", path=relative))


def _with_function(mine: str, original: str, function: str, relative: str, unit: str) -> str:
    """`mine` with `function` as `original` has it: in its place, or added at the end."""
    stub = function_span(ast.parse(original), function)
    if stub is None:
        raise UserError(t("reset.no-original", path=relative))
    stub_text = "".join(original.splitlines(keepends=True)[stub[0] : stub[1]])
    try:
        tree = ast.parse(mine)
    except SyntaxError as err:
        raise UserError(t("reset.syntax-error", path=relative, line=err.lineno, unit=unit)) from None
    span = function_span(tree, function)
    if span is None:
        return mine.rstrip("\n") + "\n\n\n" + stub_text
    lines = mine.splitlines(keepends=True)
    return "".join(lines[: span[0]]) + stub_text + "".join(lines[span[1] :])


def function_span(tree: ast.Module, function: str) -> tuple[int, int] | None:
    """The 0-based [start, end) lines of the top-level function, decorators included."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == function:
            first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
            return first - 1, node.end_lineno
    return None


def _back_up(path: Path, text: str) -> str:
    folder = path.parent / BACKUPS
    folder.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    backup = folder / f"{path.stem}.{stamp}.py.bak"
    backup.write_text(text, encoding="utf-8")
    return f"exercises/{BACKUPS}/{backup.name}"

"""`course watch`: re-check on every save, rustlings-style.

The references are prepared once; each save of exercises/<unit>.py re-grades that unit in a
fresh sandbox, and the screen follows the learner: the progress, the first exercise of the file
just saved that does not pass, with its message (a syntax error is that message), and what to
do next. Keys: graders.cli.WATCH_KEYS. Progress is computed from these results only: there is
no state file to break.
"""

from __future__ import annotations

import ast
import contextlib
import queue
import sys
import threading
from pathlib import Path

from rich.console import Console, Group
from rich.text import Text

from graders import report
from graders.cli import WATCH_KEYS
from graders.course import Course, Exercise
from graders.devices import select_devices
from graders.engine import grade, prepare
from graders.i18n import pick, t
from graders.reset import function_span
from graders.results import ExerciseResult, SubmissionResult
from graders.sandbox.handle import Sandbox

KEYS = {key: action for key, (action, _) in WATCH_KEYS.items()}


class Watch:
    def __init__(self, course: Course, console: Console, device: str = "auto", use_cache: bool = True):
        self.course, self.console = course, console
        self.folder = course.root / "exercises"
        self.prepared = {
            p.exercise.id: p for p in prepare(course.exercises, select_devices(device), use_cache=use_cache)
        }
        self.results: dict[str, ExerciseResult] = {}
        self.current: Exercise | None = None
        self.just_passed: Exercise | None = None  # its solution is on offer

    def run(self) -> int:
        events: queue.Queue = queue.Queue()
        stop = threading.Event()
        threading.Thread(target=_watch_files, args=(self.folder, events, stop), daemon=True).start()
        with _single_keys(sys.stdin):
            threading.Thread(target=_read_keys, args=(events,), daemon=True).start()
            self.check([unit.name for unit in self.course.units])
            self.show()
            try:
                while (event := events.get()) != ("key", "quit"):
                    kind, what = event
                    if kind == "saved":
                        self.check(what)
                        self.show()
                    elif kind == "key":
                        self.act(what)
            except KeyboardInterrupt:
                pass
            finally:
                stop.set()
        self.console.print(t("watch.bye"))
        return 0

    def check(self, units: list[str]) -> None:
        """Grade these units' exercises again and put in focus the first of them that does not
        pass, wherever the focus was: the learner is working on the file they saved. The one in
        focus stays there while it is that file's and fails (`n` chose it); once the file
        passes, the focus moves to the first exercise not passed anywhere."""
        saved = [ex for ex in self.course.exercises if ex.unit in units]
        before = {ex.id: self.results.get(ex.id) for ex in saved}
        with Sandbox(self.folder, self.course.limits) as sandbox:
            for result in grade([self.prepared[ex.id] for ex in saved], sandbox, self.folder.name).exercises:
                self.results[result.id] = result
        if any(_told(before[ex.id]) != _told(self.results[ex.id]) for ex in saved):
            # the screen tells what this save changed: an earlier "passed!" would now mislead
            newly = [
                ex
                for ex in saved
                if before[ex.id] is not None and not before[ex.id].passed and self.results[ex.id].passed
            ]
            self.just_passed = self.current if self.current in newly else next(iter(newly), None)
        failing = [ex for ex in saved if not self.results[ex.id].passed]
        if failing and self.current not in failing:
            self.current = failing[0]
        elif not failing and (self.current is None or self.results[self.current.id].passed):
            self.current = self._first_unpassed(after=None)

    def act(self, action: str) -> None:
        if action == "next":
            self.current = self._first_unpassed(after=self.current) or self.current
            self.show()
        elif action == "hint" and self.current is not None:
            hints = self.current.hints
            self.console.print(Text(t("hints.title"), style="bold"))
            for number, hint in enumerate(hints, 1):
                self.console.print(Text(f"{number}. {pick(hint)}"))  # x[x < 0] in a hint is no markup
        elif action == "list":
            everything = SubmissionResult(self.folder.name, list(self.results.values()))
            for table in report.unit_tables(self.course, everything):
                self.console.print(table)
        elif action == "solution":
            self.console.print(self._solution())

    def show(self) -> None:
        """The screen: progress, the exercise at hand and its message, the keys."""
        self.console.clear()
        everything = SubmissionResult(self.folder.name, [self.results[ex.id] for ex in self.course.exercises])
        parts: list = [Text(t("watch.title"), style="bold"), report.progress(everything), Text("")]
        if self.just_passed is not None:
            parts.append(Text(t("watch.passed", id=self.just_passed.id), style="green"))
            parts.append(Text(t("watch.offer-solution"), style="dim"))
        if self.current is None:
            parts.append(Text(t("watch.all-done"), style="bold green"))
        else:
            result = self.results[self.current.id]
            parts.append(
                Text.assemble(
                    (f"{self.current.id} — {pick(self.current.title)}  ", "bold"), report.status(result.status)
                )
            )
            if result.message:
                parts.append(Text(result.message))
            parts.append(Text(t("watch.edit", unit=self.current.unit), style="dim"))
        parts.append(Text(t("watch.keys"), style="dim"))
        self.console.print(Group(*parts))

    def _first_unpassed(self, after: Exercise | None) -> Exercise | None:
        exercises = list(self.course.exercises)
        start = exercises.index(after) + 1 if after is not None else 0
        return next((ex for ex in exercises[start:] if not self.results[ex.id].passed), None)

    def _solution(self) -> Text:
        """The reference solution of the exercise just passed, to read, never copied over yours."""
        exercise = self.just_passed
        if exercise is None:
            return Text(t("watch.solution-after-pass"), style="yellow")
        path = self.course.root / "solutions" / f"{exercise.unit}.py"
        if not path.is_file():
            return Text(t("watch.no-solutions"), style="yellow")
        source = path.read_text(encoding="utf-8")
        span = function_span(ast.parse(source), exercise.function)
        if span is None:
            return Text(t("watch.no-solutions"), style="yellow")
        lines = source.splitlines()[span[0] : span[1]]
        return Text.assemble(
            (t("watch.solution-of", id=exercise.id, path=f"solutions/{exercise.unit}.py") + "\n", "bold"),
            "\n".join(lines),
        )


def _told(result: ExerciseResult | None) -> tuple[str, str] | None:
    """What the screen says of a result: a save that leaves this alike changed nothing."""
    return None if result is None else (result.status, result.message)


def _watch_files(folder: Path, events: queue.Queue, stop: threading.Event) -> None:
    """A saved exercises/<unit>.py, as the operating system reports it (watchfiles)."""
    from watchfiles import watch

    def follow(**how) -> None:
        for changes in watch(folder, stop_event=stop, debounce=400, step=30, recursive=False, **how):
            units = sorted({Path(path).stem for _, path in changes if path.endswith(".py")})
            if units:
                events.put(("saved", units))

    try:
        follow()
    except (OSError, RuntimeError):
        # The system's file-watch limit is shared by every process of the user (every
        # container, on a shared host) and may be spent: a save must still show, so poll.
        follow(force_polling=True, poll_delay_ms=100)


@contextlib.contextmanager
def _single_keys(stream):
    """On a terminal, keys arrive one at a time (no Enter); the terminal is restored on the way
    out, however watch ends. Windows' console needs no mode: msvcrt reads single keys as is."""
    if stream is None or not stream.isatty() or sys.platform == "win32":
        yield
        return
    import termios
    import tty

    saved = termios.tcgetattr(stream.fileno())
    tty.setcbreak(stream.fileno())
    try:
        yield
    finally:
        termios.tcsetattr(stream.fileno(), termios.TCSADRAIN, saved)


def _read_keys(events: queue.Queue) -> None:
    """Keys on a terminal, lines otherwise. q (or the terminal closing) quits; the end of a
    non-terminal input (watch started with < /dev/null) does not."""
    stream = sys.stdin
    if stream is None:
        return
    if stream.isatty():
        for key in console_keys(_windows_key if sys.platform == "win32" else lambda: stream.read(1)):
            if key in KEYS:
                events.put(("key", KEYS[key]))
        events.put(("key", "quit"))
    else:
        for line in stream:
            if line.strip()[:1] in KEYS:
                events.put(("key", KEYS[line.strip()[:1]]))


def console_keys(read_key):
    """The keys `read_key` gives, one at a time, until the console ends ("") or Ctrl-C. On
    Windows a special key (an arrow, F1) comes as "\\x00" or "\\xe0" and a second code: both
    are skipped; Ctrl-C comes as "\\x03", not as a signal, while msvcrt reads."""
    while (key := read_key()) and key != "\x03":
        if key in ("\x00", "\xe0"):
            read_key()
            continue
        yield key


def _windows_key() -> str:
    import msvcrt

    return msvcrt.getwch()

"""`course watch` driven in a pseudo-terminal, as a learner uses it: save a fix, see it pass."""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import pty
import queue
import re
import select
import shutil
import struct
import subprocess
import termios
import threading
import time
from pathlib import Path

import pytest

from graders.course import load
from graders.watch import _watch_files
from tests.conftest import ROOT
from tests.helpers import course_argv

TENSORS = load(ROOT).select("tensors")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]")


class Screen:
    """A program on a pseudo-terminal of 160 columns; what it wrote, escape codes removed."""

    def __init__(self, args: list[str], cwd: Path, backend: str = ""):
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 160, 0, 0))
        env = {**os.environ, "TERM": "xterm", "COLUMNS": "160", "LINES": "50", "COURSE_SANDBOX": backend}
        self.proc = subprocess.Popen(
            args, cwd=cwd, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        os.close(slave)
        self.master, self.text = master, ""

    def wait_for(self, pattern: str, seconds: float, since: int = 0) -> float:
        """Read until `pattern` shows after position `since`; the time it took."""
        started = time.monotonic()
        while not re.search(pattern, self.text[since:]):
            left = started + seconds - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{pattern!r} not on screen after {seconds} s:\n{self.text[since:][-3000:]}")
            if select.select([self.master], [], [], min(left, 0.05))[0]:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # the program ended
                    chunk = b""
                if not chunk and self.proc.poll() is not None:
                    raise AssertionError(f"course watch ended before {pattern!r}:\n{self.text[-3000:]}")
                self.text += ANSI.sub("", chunk.decode("utf-8", "replace")).replace("\r", "")
        return time.monotonic() - started

    def after(self, mark: int, seconds: float = 10) -> str:
        """The last whole screen written after `mark`, whitespace-insensitive."""
        self.wait_for(r"Keys: h hint", seconds, since=mark)
        text = self.text[mark:]
        return flat(text[text.rfind("course watch:") :])

    def press(self, key: str) -> int:
        mark = len(self.text)
        os.write(self.master, key.encode())
        return mark

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        os.close(self.master)


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def learner_course(tmp_path):
    shutil.copy(ROOT / "course.toml", tmp_path)
    shutil.copytree(ROOT / "exercises", tmp_path / "exercises", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


@pytest.mark.parametrize("backend", ["fork", "spawn"])
def test_saving_a_fix_shows_it_passing_and_the_progress_moving_within_a_second(learner_course, backend):
    screen = Screen(course_argv("--lang", "en", "watch", "--device", "cpu"), learner_course, backend)
    try:
        screen.wait_for(r"Keys: h hint", 180)  # the first run computes every reference once
        assert not termios.tcgetattr(screen.master)[3] & termios.ICANON  # single keys, no Enter needed
        assert "Progress: 0/40 exercises, 0/70 points" in screen.text
        assert "tensors.vector" in screen.text and "not implemented" in screen.text

        module = learner_course / "exercises" / "tensors.py"
        stub = module.read_text(encoding="utf-8")
        mark = len(screen.text)
        module.write_text(stub + "\n", encoding="utf-8")  # warm up: a save that changes nothing
        screen.wait_for(r"Keys: h hint", 10, since=mark)

        mark = len(screen.text)
        module.write_text((ROOT / "solutions" / "tensors.py").read_text(encoding="utf-8"), encoding="utf-8")
        moved = f"Progress: {len(TENSORS)}/40 exercises, {sum(ex.points for ex in TENSORS)}/70 points"
        screen.wait_for(re.escape(moved), 10, since=mark)  # how soon: bench/run.py's watch row
        screen.wait_for(r"Keys: h hint", 5, since=mark)  # the rest of that screen
        assert "✓ tensors.vector passed!" in screen.text[mark:]
        assert "perceptron.step" in screen.text[mark:]  # the next one to do

        mark = screen.press("s")
        screen.wait_for(r"def vector\(", 5, since=mark)  # the reference solution, to read
        assert (learner_course / "exercises" / "tensors.py").read_text(encoding="utf-8") == (
            ROOT / "solutions" / "tensors.py"
        ).read_text(encoding="utf-8")
        mark = screen.press("h")
        screen.wait_for(r"Hints", 5, since=mark)
        mark = screen.press("l")
        screen.wait_for(r"optimizers\.", 5, since=mark)
        mark = screen.press("n")
        screen.wait_for(r"perceptron\.perceptron", 5, since=mark)  # skipped ahead
        mark = screen.press("q")
        screen.wait_for(r"Stopped watching", 5, since=mark)
        assert screen.proc.wait(timeout=10) == 0
        assert termios.tcgetattr(screen.master)[3] & termios.ICANON  # the terminal is given back as it was
    finally:
        screen.close()


def test_watch_follows_the_file_saved_and_tells_only_the_latest_change(learner_course, submit):
    wrong = "def sigmoid(x):\n    return np.tanh(x)\n"
    (sigmoid,) = submit("activations", wrong, ids=["activations.sigmoid"], base="exercises").values()
    screen = Screen(course_argv("--lang", "en", "watch", "--device", "cpu"), learner_course)
    try:
        screen.wait_for(r"Keys: h hint", 180)
        folder = learner_course / "exercises"
        mark = len(screen.text)
        (folder / "tensors.py").write_text(
            (ROOT / "solutions" / "tensors.py").read_text(encoding="utf-8"), encoding="utf-8"
        )
        assert "✓ tensors.vector passed!" in screen.after(mark)

        mark = len(screen.text)  # perceptron.step is in focus; the learner works on activations.py
        stub = (folder / "activations.py").read_text(encoding="utf-8")
        (folder / "activations.py").write_text(stub + "\n\n" + wrong, encoding="utf-8")
        shown = screen.after(mark)
        assert sigmoid.status == "failed" and "activations.sigmoid — Sigmoid" in shown
        assert flat(sigmoid.message) in shown
        assert "passed!" not in shown  # tensors.vector's, a save ago

        mark = len(screen.text)
        stub = (folder / "losses.py").read_text(encoding="utf-8")
        (folder / "losses.py").write_text(stub + "\n\ndef mse(y_pred, y_true)\n    return 0\n", encoding="utf-8")
        screen.wait_for(r"SyntaxError", 10, since=mark)
        shown = screen.after(mark)
        assert "losses.mse — " in shown and f"(losses.py line {stub.count(chr(10)) + 3})" in shown
        screen.press("q")
        assert screen.proc.wait(timeout=10) == 0
    finally:
        screen.close()


def test_watch_speaks_korean(learner_course):
    screen = Screen(course_argv("--lang", "ko", "watch", "--device", "cpu"), learner_course)
    try:
        screen.wait_for(r"키: h 힌트", 180)
        assert "진행: 연습 문제 0/40개, 0/70점" in screen.text
        mark = screen.press("s")
        screen.wait_for(r"모범 답안은 연습 문제를 통과한 뒤에", 5, since=mark)
        screen.press("q")
        assert screen.proc.wait(timeout=10) == 0
    finally:
        screen.close()


def test_windows_console_keys_skip_special_keys_and_stop_at_ctrl_c():
    """Windows' msvcrt.getwch, which Linux cannot run: the translation of what it returns."""
    from graders.watch import console_keys

    pressed = iter(["h", "\xe0", "H", "\x00", ";", "l", "\x03", "q"])  # h, up arrow, F1, l, Ctrl-C
    assert list(console_keys(lambda: next(pressed))) == ["h", "l"]
    assert list(console_keys(iter(["n", ""]).__next__)) == ["n"]  # the console closed


def test_a_save_still_shows_when_the_systems_file_watch_limit_is_spent(tmp_path):
    """Every process of a user (every container on a shared host) draws on one inotify
    limit; once it is spent, watch polls the folder instead of going deaf."""
    libc = ctypes.CDLL(None, use_errno=True)
    held = []
    try:
        while (fd := libc.inotify_init1(0)) >= 0:
            held.append(fd)
        assert ctypes.get_errno() == errno.EMFILE
        events, stop = queue.Queue(), threading.Event()
        threading.Thread(target=_watch_files, args=(tmp_path, events, stop), daemon=True).start()
        time.sleep(0.5)  # the watcher has found no inotify and fallen back
        (tmp_path / "tensors.py").write_text("x = 1\n", encoding="utf-8")
        assert events.get(timeout=5) == ("saved", ["tensors"])
    finally:
        stop.set()
        for fd in held:
            os.close(fd)

"""`course grade` on a terminal: its progress bar is gone before the report, and Ctrl-C in the
middle of a batch stops it at once, keeps what it finished, ends every worker and says how to
go on, in one line."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import sqlite3
import struct
import subprocess
import termios
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.helpers import course_argv
from tests.test_class import DATA, UNIT_POINTS, rows, solution_folder

CONTROL = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])|\x1b[()][A-Za-z0-9]|\x1b[=>]")
LOOPS = "\n\ndef sigmoid(x):\n    while True:\n        pass\n"  # each call runs to the 10 s limit


class Terminal:
    """A program on a pseudo-terminal of 160 columns, leading its own process group (as a shell
    runs a command in the foreground); every byte it wrote is kept."""

    def __init__(self, args: list[str], cwd: Path, **env: str):
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 160, 0, 0))
        env = {**os.environ, "TERM": "xterm", "COLUMNS": "160", "LINES": "50", **env}
        self.proc = subprocess.Popen(
            args, cwd=cwd, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        os.close(slave)
        self.master, self.raw = master, ""

    def read(self, seconds: float) -> None:
        """What the program writes within `seconds`, or until it ends."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if select.select([self.master], [], [], min(left, 0.02))[0]:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # it ended, and its output with it
                    chunk = b""
                if not chunk:
                    return
                self.raw += chunk.decode("utf-8", "replace")

    def ctrl_c(self) -> None:
        """What a terminal does for Ctrl-C: SIGINT to the foreground process group."""
        os.killpg(self.proc.pid, signal.SIGINT)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        os.close(self.master)


def screen(raw: str) -> list[str]:
    """The lines a terminal shows after `raw`, for the controls a live display uses: carriage
    return, cursor up, erase line, cursor to column; colours and the like are skipped."""
    lines, row, col, i = [""], 0, 0, 0
    while i < len(raw):
        if control := CONTROL.match(raw, i):
            arg, final = control.group(1) or "", control.group(2)
            if final == "A":
                row = max(0, row - int(arg or 1))
            elif final == "K":
                lines[row] = "" if arg == "2" else lines[row][:col]
            elif final == "G":
                col = int(arg or 1) - 1
            i = control.end()
            continue
        char = raw[i]
        if char == "\r":
            col = 0
        elif char == "\n":
            row, col = row + 1, 0
            lines += [""] * (row + 1 - len(lines))
        else:
            line = lines[row].ljust(col)
            lines[row] = line[:col] + char + line[col + 1 :]
            col += 1
        i += 1
    return [line.rstrip() for line in lines if line.strip()]


def started_in(tmpdir: Path) -> list[str]:
    """Every process alive that runs with TMPDIR=`tmpdir`, as "pid command line": the grader
    passes it on to its fork server and their workers, Dask to its cluster's processes (and
    theirs), so a folder of this test's own finds every one."""
    mark = f"TMPDIR={tmpdir}".encode() + b"\0"
    found = []
    for process in Path("/proc").iterdir():
        try:
            if process.name.isdigit() and mark in (process / "environ").read_bytes():
                found.append(f"{process.name} " + (process / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:  # gone meanwhile, or another user's
            continue
    return found


@pytest.mark.parametrize("executor", ["local", "dask"])
def test_ctrl_c_stops_the_batch_within_2_s_keeping_what_finished(tmp_path, executor):
    fast = [solution_folder(tmp_path, f"fast{i:02d}") for i in range(4)]
    slow = [solution_folder(tmp_path, f"slow{i:02d}") for i in range(6)]
    for folder in slow:
        with open(folder / "activations.py", "a", encoding="utf-8") as module:
            module.write(LOOPS)
    gradebook = tmp_path / "class.sqlite"
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    command = course_argv(
        "grade",
        *fast,
        *slow,
        *("--only", "activations", "--jobs", "2", "--gradebook", gradebook, "--device", "cpu", "--executor", executor),
        root=ROOT,
    )
    terminal = Terminal(command, tmp_path, TMPDIR=str(tmpdir))
    try:
        deadline = time.monotonic() + 300
        while len(rows(gradebook)) < len(fast) and terminal.proc.poll() is None and time.monotonic() < deadline:
            terminal.read(0.05)
        terminal.read(1.5)  # both jobs are in a slow submission's endless loop by now
        assert terminal.proc.poll() is None, terminal.raw[-3000:]
        running = subprocess.run(
            ["pgrep", "-f", r"fork_worker\.py --server"], capture_output=True, encoding="utf-8", check=False
        ).stdout.split()
        assert any(line.split()[0] in running for line in started_in(tmpdir))  # a fork server, and its workers

        pressed = time.monotonic()
        terminal.ctrl_c()
        code = terminal.proc.wait(timeout=30)
        took = time.monotonic() - pressed
        terminal.read(1)
    finally:
        terminal.close()
    print(f"{executor}: course grade ended {took:.3f} s after Ctrl-C")
    assert took < 2.0, f"course grade took {took:.2f} s to stop"
    assert code == 130
    assert "Traceback" not in terminal.raw

    shown = screen(terminal.raw)
    said = [line for line in shown if "Interrupted" in line]
    assert said == [shown[-1]], shown  # one line, the last, on a line of its own: the bar is gone
    assert not any("grading" in line for line in shown), shown
    recorded = dict(rows(gradebook))
    assert said[0].startswith(
        f"Interrupted: {len(recorded)} graded (recorded in {gradebook}), "
        f"{len(fast) + len(slow) - len(recorded)} left. Resume with the same command, "
        "which skips what the gradebook holds: course --root "
    ), said[0]
    assert recorded == {folder.name: UNIT_POINTS["activations"] for folder in fast}
    with sqlite3.connect(gradebook) as db:
        assert db.execute("SELECT COUNT(*) FROM results").fetchone()[0] == len(fast) * len(DATA.select("activations"))

    deadline = time.monotonic() + 1  # a fork server leaves when its grader's end closes its socket
    while (left := started_in(tmpdir)) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert left == []
    assert [path.name for path in tmpdir.iterdir() if path.name.startswith("course-")] == []  # scratch copies too


def test_the_progress_bar_is_gone_before_the_report_begins(tmp_path):
    folders = [solution_folder(tmp_path, f"learner{i}") for i in range(2)]
    terminal = Terminal(course_argv("grade", *folders, "--only", "activations", "--device", "cpu", root=ROOT), tmp_path)
    try:
        terminal.read(300)
        assert terminal.proc.wait(timeout=30) == 0, terminal.raw[-3000:]
    finally:
        terminal.close()
    assert "grading" in terminal.raw  # it was drawn
    shown = screen(terminal.raw)
    assert shown[0] == "2 submissions" and not any("grading" in line for line in shown), shown


def test_ctrl_c_before_the_batch_began_says_so_in_one_line_too(tmp_path, monkeypatch, capsys):
    from graders import cli, commands

    def pressed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(commands, "prepare", pressed)  # while the references are read
    assert cli.main(["--root", str(ROOT), "grade", str(solution_folder(tmp_path, "ada")), "--device", "cpu"]) == 130
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1
    assert err.startswith(
        "Interrupted: 0 graded, 1 left, and nothing recorded without --gradebook. Run it again "
        "with --gradebook PATH to keep each result as it finishes: course "
    )

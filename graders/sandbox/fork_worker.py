"""The fork backend's worker (Linux): `python -I -S -B fork_worker.py --server FD --numpy DIR`.

One fork server per grading run, an interpreter with NumPy loaded. Each submission's worker is
a fork of it, made ahead of need, in its own process group, with its limits set and a scratch
folder for working directory. The worker forks children that run the exercises: a child takes
request after request while its exercises leave no mark (worker.Marks); after one that does,
the next request gets a fresh child, forked while the last one worked. A child that dies is
told as its request's reply; the worker lives on.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import signal
import socket
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import worker  # this folder's modules, not the graders package: nothing else of it loads
from confine import Confinement

sys.path.pop(0)
frames, wire = worker.frames, worker.wire


def serve_forks(control: socket.socket) -> None:
    """The fork server: for each submission the grader sends a socket (and where and how to
    work); a fork of this process, made ahead of need, becomes that submission's worker, so no
    submission pays for a fresh interpreter, nor waits for a fork."""
    # Learner code that writes to the real stdout or stderr must not reach anything.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    worker.warm_up()
    marks = worker.Marks()
    confinement = Confinement()  # built once; each exercise's child loads it
    confinement.try_filter()
    gc.freeze()  # forks share these objects instead of copying them
    # No PR_SET_PDEATHSIG here: it follows the thread that started the server, which may end
    # long before the grader does. The grader's end closes `control`, and that ends the loop.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # workers are reaped by the kernel
    while True:
        spare, spare_pid = _spare_worker(control, marks, confinement)
        message, fds, _, _ = socket.recv_fds(control, 65536, 1)
        if not message:  # the grader is done: end the spare and leave, before the grader does
            os.kill(spare_pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):  # SIGCHLD ignored: waits for it, then says so
                os.waitpid(spare_pid, 0)
            os._exit(0)  # no teardown of NumPy: the grader waits for this exit
        socket.send_fds(spare, [message], fds)
        for fd in fds:
            os.close(fd)
        spare.close()


def _spare_worker(control: socket.socket, marks: worker.Marks, confinement: Confinement) -> tuple[socket.socket, int]:
    """A fork that waits, its own process group set, for a submission to work on: the socket
    returned takes the job and the submission's socket; with it, the fork's pid."""
    ours, theirs = socket.socketpair()
    if pid := os.fork():
        theirs.close()
        return ours, pid
    control.close()
    ours.close()
    os.setsid()  # its own process group: the grader kills it, and all its children, at once
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    _die_with_parent()
    try:
        message, fds, _, _ = socket.recv_fds(theirs, 65536, 1)
        if message:
            theirs.close()
            job = json.loads(message)
            worker.apply_limits(job["memory_mb"])
            os.chdir(job["scratch"])
            serve(Path(job["submission"]), fds[0], marks, confinement)
    finally:
        os._exit(0)


def serve(submission: Path, fd: int, marks: worker.Marks, confinement: Confinement) -> None:
    """A submission's worker. Requests (an exercise's cases) come in frames on `fd`; each goes
    to a forked child, which answers on `fd` itself. So nothing one exercise's code does
    (monkeypatching, leftover state, a crash) reaches another's, and most exercises pay for no
    fork."""
    readable = worker.readable(submission)
    confinement.restrict_reading(readable)  # before a byte of the submission is read: a link leads nowhere
    compiled, hook = worker.load_submission(submission)
    marks.watch(compiled)
    confinement.drop_privileges(worker.LIBRARIES)
    _die_with_parent()  # again: a change of uid clears it
    gc.freeze()
    level = confinement.level  # the children load the filter this promises
    frames.write_frame(fd, frames.control({"ready": True, "pid": os.getpid(), "sandbox": level}))

    def exercise_child(requests: int, done: int) -> None:  # in a fresh fork
        if confinement.apply(readable) != level:  # the filter failed to load: run nothing unconfined
            os._exit(worker.UNCONFINED)
        sys.addaudithook(hook)
        runner = worker.Worker(submission, compiled)
        while (frame := frames.read_frame(requests)) is not None:
            worker.serve_exercise(runner, wire.decode(frame), fd)
            if not marks.unchanged():
                os.write(done, b"e")
                return
            os.write(done, b"d")

    child, spare, ended = None, _Child(exercise_child), []
    while (frame := frames.read_frame(fd)) is not None:
        if child is None:
            child, spare = spare, None
        child.send(frame)
        spare = spare or _Child(exercise_child)  # forked while the child works
        said = child.wait()
        if said == b"d":
            continue
        child.close()
        if said == b"e":  # it answered, but left a mark, and left: it is reaped later
            ended.append(child.pid)
        else:  # it died in the middle of a request: say how, in its reply's place
            _, status = os.waitpid(child.pid, 0)
            frames.write_frame(fd, wire.encode(frames.death(os.waitstatus_to_exitcode(status))))
        child = None
        ended = [pid for pid in ended if os.waitpid(pid, os.WNOHANG) == (0, 0)]


class _Child:
    """A fork of the worker made ahead of need. `run(requests, done)` is its life: it reads
    requests from one pipe and says on another, after each, whether it will take more (b"d")
    or is leaving (b"e"); the pipe's end with neither means it died."""

    def __init__(self, run):
        requests, self.requests = os.pipe()
        self.done, done = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(self.requests)
            os.close(self.done)
            _die_with_parent()
            run(requests, done)
            os._exit(0)
        os.close(requests)
        os.close(done)

    def send(self, frame: bytes) -> None:
        with contextlib.suppress(BrokenPipeError):  # it died while waiting (killed from outside): wait() tells how
            frames.write_frame(self.requests, frame)

    def wait(self) -> bytes:
        """Wait for the child to answer its request: b"d", b"e", or b"" if it died."""
        return os.read(self.done, 1)

    def close(self) -> None:
        os.close(self.requests)
        os.close(self.done)


def _die_with_parent() -> None:
    """Linux: when the grader is killed, its worker goes too, and with it a child stuck in an
    endless loop, rather than spinning on as an orphan."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the parent's kill of the process group still ends them


if __name__ == "__main__":  # fork_worker.py --server FD [--for GRADER_PID] [--numpy DIR]
    serve_forks(socket.socket(fileno=int(sys.argv[sys.argv.index("--server") + 1])))

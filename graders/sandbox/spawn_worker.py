"""The spawn backend's worker (any platform): `python -I -S -B spawn_worker.py --numpy DIR`.

Started by graders/sandbox/spawn.py with `subprocess`, ahead of need, and spoken to over its
standard input and output: length-prefixed frames (wire.py), no fork, no file descriptors
passed, nothing POSIX-only. The first frame is the job (the submission, a scratch folder, the
memory limit); then requests, each answered as the fork backend's children answer it, and
closed by `{"end": "more"}` or, when the exercise left a mark (worker.Marks), `{"end": "fresh"}`
and the process's exit: the grader sends the next request to a fresh process.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import worker  # this folder's modules, not the graders package: nothing else of it loads
from confine import Confinement

sys.path.pop(0)
frames, wire = worker.frames, worker.wire
ORPHAN_CHECK_SECONDS = 1.0


def main() -> None:
    requests, replies = _protocol_pipes()
    worker.warm_up()
    marks = worker.Marks()
    confinement = Confinement()
    job = frames.read_frame(requests)
    if job is None:  # the grader ended before it needed this spare
        return
    job = json.loads(job)
    worker.apply_limits(job["memory_mb"])
    os.chdir(job["scratch"])
    submission = Path(job["submission"])
    readable = worker.readable(submission)
    confinement.restrict_reading(readable)  # before a byte of the submission is read: a link leads nowhere
    compiled, hook = worker.load_submission(submission)
    confinement.drop_privileges(worker.LIBRARIES)
    confinement.apply(readable)
    _die_with_grader()  # confined as it starts (a thread inherits the filter), and before the marks note the threads
    marks.watch(compiled)
    frames.write_frame(replies, frames.control({"ready": True, "pid": os.getpid(), "sandbox": confinement.level}))
    sys.addaudithook(hook)
    runner = worker.Worker(submission, compiled)
    while (frame := frames.read_frame(requests)) is not None:
        worker.serve_exercise(runner, wire.decode(frame), replies)
        if not marks.unchanged():
            frames.write_frame(replies, frames.control({"end": "fresh"}))
            return
        frames.write_frame(replies, frames.control({"end": "more"}))


def _protocol_pipes() -> tuple[int, int]:
    """The grader's pipes, moved off descriptors 0 and 1, which (with 2) now lead nowhere: a
    learner's print to the real stdout, or os.write(1, ...), must not reach the protocol."""
    requests, replies = os.dup(0), os.dup(1)
    if sys.platform == "win32":  # frames are bytes: no newline translation on the way
        import msvcrt

        for fd in (requests, replies):
            msvcrt.setmode(fd, os.O_BINARY)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    return requests, replies


def _die_with_grader() -> None:
    """Where the grader dies while an exercise spins, the worker goes too, rather than spinning
    on as an orphan (an idle worker reads the end of its input and leaves by itself). On Windows
    the grader's Job Object ends it; elsewhere, a daemon thread notices the new parent."""
    if sys.platform == "win32":
        return
    grader = os.getppid()

    def watch() -> None:
        while os.getppid() == grader:
            time.sleep(ORPHAN_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    finally:
        os._exit(0)  # as a forked child ends, whatever the learner's code broke: no teardown to run it again

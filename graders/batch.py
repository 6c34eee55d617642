"""Grading a class: submissions in parallel against one set of references, each result
recorded in the gradebook the moment it is done."""

from __future__ import annotations

import contextlib
import hashlib
import re
import signal
import sys
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from graders import executors
from graders.course import Course
from graders.engine import Prepared, for_learner, grade
from graders.errors import SubmissionError, UserError
from graders.results import ExerciseResult, SubmissionResult
from graders.sandbox.handle import Sandbox
from graders.submissions import learner_of, open_submission
from graders.untrusted import readable

if TYPE_CHECKING:
    from graders.gradebook import Gradebook


class Interrupted(Exception):
    """Ctrl-C ended the batch: `graded` submissions were done (and recorded), `left` were not."""

    def __init__(self, graded: int, left: int):
        super().__init__(f"interrupted: {graded} graded, {left} left")
        self.graded, self.left = graded, left


def grade_many(
    course: Course,
    paths: list[Path],
    prepared: list[Prepared],
    jobs: int,
    gradebook: Gradebook | None = None,
    regrade: bool = False,
    executor: str = "local",
    scheduler: str | None = None,
) -> list[SubmissionResult]:
    """Every submission's result, in the order given. With a gradebook, a submission it already
    holds unchanged is not graded again (unless `regrade`), and each new result is committed
    as soon as it is ready, so an interrupted batch resumes where it stopped. `executor` says
    where the grading runs (graders.executors): here, or on Dask. Ctrl-C raises Interrupted,
    once what had finished is recorded and the workers of the rest are ended."""
    learners = [learner_of(path) for path in paths]
    if len(set(learners)) < len(learners):
        twice = sorted({name for name in learners if learners.count(name) > 1})
        raise UserError(
            f"more than one submission for {', '.join(twice)}; each learner's folder or file name must be unique"
        )
    known = {learner: gradebook.digest(learner) for learner in learners} if gradebook and not regrade else {}
    graded = {p.exercise.id for p in prepared}
    positions = {exercise.id: i for i, exercise in enumerate(course.exercises)}
    grading = _fingerprint(prepared)
    stop = Stop()
    results: dict[int, SubmissionResult] = {}  # by the submission's place in `paths`
    with (
        _ctrl_c(stop.asked),
        _progress(len(paths)) as progress,
        executors.executor(executor, jobs, scheduler, course, prepared, grading, grade_one, stop) as run,
    ):
        task = progress.add_task("grading", total=len(paths))
        for i, (result, digest) in run(
            [(path, known.get(learner)) for path, learner in zip(paths, learners, strict=True)]
        ):
            if result is None:  # unchanged since it was graded: the gradebook's record stands
                result = gradebook.results([learners[i]], graded)[0]
            elif gradebook is not None:
                gradebook.record(result, readable(str(paths[i])), digest, positions)
            results[i] = result
            progress.advance(task)
    if len(results) < len(paths):
        raise Interrupted(len(results), len(paths) - len(results))
    return [results[i] for i in range(len(paths))]


@contextlib.contextmanager
def _ctrl_c(asked: threading.Event):
    """Ctrl-C sets `asked`, and the batch stops at its next look: a KeyboardInterrupt could
    land anywhere, in a gradebook's transaction too. (A signal handler is the main thread's.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, lambda *_: asked.set())
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class Stopped(Exception):
    """The batch is stopping: a submission still being graded ends unfinished."""


class Stop:
    """A batch's stop: `asked` once Ctrl-C is pressed; then end() kills the workers of the
    submissions still being graded here, and no worker starts after it (a submission in the
    middle of its exercises would start one for the next)."""

    def __init__(self):
        self.asked = threading.Event()
        self._lock = threading.RLock()  # end() closes each sandbox, and a close takes it again
        self._open: set[Sandbox] = set()
        self._ended = False

    def sandbox(self, folder: Path, limits) -> Sandbox:
        return _StoppableSandbox(folder, limits, self)

    def end(self) -> None:
        with self._lock:
            self._ended = True
            for sandbox in list(self._open):
                sandbox.close()

    def _start(self, sandbox: Sandbox, start) -> None:
        with self._lock:
            if self._ended:
                sandbox.close()  # its scratch folder too: a `with` whose __enter__ fails never calls __exit__
                raise Stopped
            self._open.add(sandbox)
            start()

    def _close(self, sandbox: Sandbox, close) -> None:
        with self._lock:
            self._open.discard(sandbox)
            close()


class _StoppableSandbox(Sandbox):
    def __init__(self, folder: Path, limits, stop: Stop):
        super().__init__(folder, limits)
        self._batch = stop

    def start(self) -> None:
        self._batch._start(self, super().start)

    def close(self) -> None:
        self._batch._close(self, super().close)


def _fingerprint(prepared: list[Prepared]) -> bytes:
    """What a batch grades with: the exercises, their public cases, and with a hidden seed the
    exercises' keys, which with the learner (whose record a gradebook keeps it in) draw that
    learner's hidden cases. Without a seed the bytes are those of before, and records stand."""
    digest = hashlib.sha256()
    for p in prepared:
        digest.update(p.exercise.id.encode() + b"\0" + p.inputs + p.key.encode())
    return digest.digest()


def grade_one(
    course: Course,
    path: Path,
    prepared: list[Prepared],
    grading: bytes,
    graded_digest: str | None,
    stop: Stop | None = None,
):
    """(result, digest): result None when the gradebook holds this very submission, graded this
    very way. The digest is of both. `stop`: the batch's, where it can stop this grading."""
    learner = learner_of(path)
    # a short ASCII part of the learner's name: theirs may be as long as a file name can be, in any script
    with tempfile.TemporaryDirectory(prefix=f"course-{re.sub(r'[^A-Za-z0-9_.-]', '_', learner)[:32]}-") as scratch:
        try:
            submission = open_submission(path, course, Path(scratch))
        except SubmissionError as err:
            return unreadable(prepared, learner, str(err)), ""
        digest = hashlib.sha256(submission.digest.encode() + grading).hexdigest()
        if digest == graded_digest:
            return None, digest
        with (stop.sandbox if stop else Sandbox)(submission.folder, course.limits) as sandbox:
            # the learner's hidden references are computed here, on this batch's thread (or Dask
            # worker), while the sandbox's worker starts and other submissions are graded
            return grade([for_learner(p, learner) for p in prepared], sandbox, learner), digest


def unreadable(prepared: list[Prepared], learner: str, reason: str) -> SubmissionResult:
    """A submission that could not be read: every exercise is an error that says why."""
    return SubmissionResult(
        learner,
        [
            ExerciseResult(
                p.exercise.id,
                "error",
                0,
                p.exercise.points,
                f"the submission could not be read: {reason}",
                devices=list(p.devices),
            )
            for p in prepared
        ],
    )


def _progress(total: int):
    """Submissions done, rate, time left: on a terminal only, so logs and pipes get no bar at
    all (and rich, 25 ms to import, stays unloaded there)."""
    if total < 2 or not sys.stderr.isatty():
        return _NoProgress()
    from graders.report import grading_progress

    return grading_progress()


class _NoProgress:
    def __enter__(self) -> _NoProgress:
        return self

    def __exit__(self, *exc) -> None:
        pass

    def add_task(self, *args, **kwargs) -> None:
        pass

    def advance(self, *args) -> None:
        pass

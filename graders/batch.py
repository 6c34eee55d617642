"""Grading a class: submissions in parallel against one set of references, each result
recorded in the gradebook the moment it is done."""
from __future__ import annotations

import hashlib
import re
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from graders import executors
from graders.course import Course, UserError
from graders.engine import Prepared, grade
from graders.results import ExerciseResult, SubmissionResult
from graders.sandbox.handle import Sandbox
from graders.submissions import SubmissionError, learner_of, open_submission, readable

if TYPE_CHECKING:
    from graders.gradebook import Gradebook


class BatchError(UserError):
    pass


def grade_many(course: Course, paths: list[Path], prepared: list[Prepared], jobs: int,
               gradebook: Gradebook | None = None, regrade: bool = False, executor: str = "local",
               scheduler: str | None = None) -> list[SubmissionResult]:
    """Every submission's result, in the order given. With a gradebook, a submission it already
    holds unchanged is not graded again (unless `regrade`), and each new result is committed
    as soon as it is ready, so an interrupted batch resumes where it stopped. `executor` says
    where the grading runs (graders.executors): here, or on Dask."""
    learners = [learner_of(path) for path in paths]
    if len(set(learners)) < len(learners):
        twice = sorted({name for name in learners if learners.count(name) > 1})
        raise BatchError(f"more than one submission for {', '.join(twice)}; each learner's folder or file name must be unique")
    known = {learner: gradebook.digest(learner) for learner in learners} if gradebook and not regrade else {}
    graded = {p.exercise.id for p in prepared}
    positions = {exercise.id: i for i, exercise in enumerate(course.exercises)}
    grading = _fingerprint(prepared)
    results: dict[str, SubmissionResult] = {}
    with _progress(len(paths)) as progress, executors.executor(executor, jobs, scheduler, course, prepared, grading,
                                                               grade_one) as run:
        task = progress.add_task("grading", total=len(paths))
        for path, (result, digest) in run([(path, known.get(learner)) for path, learner in zip(paths, learners)]):
            if result is None:  # unchanged since it was graded: the gradebook's record stands
                result = gradebook.results([learner_of(path)], graded)[0]
            elif gradebook is not None:
                gradebook.record(result, readable(str(path)), digest, positions)
            results[result.submission] = result
            progress.advance(task)
    return [results[learner] for learner in learners]


def _fingerprint(prepared: list[Prepared]) -> bytes:
    """What a batch grades with: the exercises and their cases (a hidden seed adds some)."""
    digest = hashlib.sha256()
    for p in prepared:
        digest.update(p.exercise.id.encode() + b"\0" + p.inputs)
    return digest.digest()


def grade_one(course: Course, path: Path, prepared: list[Prepared], grading: bytes, graded_digest: str | None):
    """(result, digest): result None when the gradebook holds this very submission, graded this
    very way. The digest is of both."""
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
        with Sandbox(submission.folder, course.limits) as sandbox:
            return grade(prepared, sandbox, learner), digest


def unreadable(prepared: list[Prepared], learner: str, reason: str) -> SubmissionResult:
    """A submission that could not be read: every exercise is an error that says why."""
    return SubmissionResult(learner, [
        ExerciseResult(p.exercise.id, "error", 0, p.exercise.points, f"the submission could not be read: {reason}",
                       devices=list(p.devices)) for p in prepared])


def _progress(total: int):
    """Submissions done, rate, time left: on a terminal only, so logs and pipes stay clean (and
    rich, 25 ms to import, stays unloaded there)."""
    if total < 2 or not sys.stderr.isatty():
        return _NoProgress()
    from graders.report import grading_progress

    return grading_progress()


class _NoProgress:
    def __enter__(self) -> "_NoProgress":
        return self

    def __exit__(self, *exc) -> None:
        pass

    def add_task(self, *args, **kwargs) -> None:
        pass

    def advance(self, *args) -> None:
        pass

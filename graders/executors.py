"""Where a batch's submissions are graded: here, or on a Dask cluster.

`local` grades on this machine, a few submissions at a time (threads; each submission in its
own sandbox process). `dask` hands each submission to Dask's scheduler as a task: a
LocalCluster started here, or a running scheduler reached by address. The public references
are prepared once, here, and scattered to every Dask worker once (with a hidden seed, each
learner's hidden references are computed by the worker that grades the learner, as a `local`
thread does); a submission is opened here and its modules travel as bytes, so a worker needs
the installed course and nothing of this machine's files. On the worker the task grades inside
the same sandbox as `local` does.

The CLI imports this module for EXECUTORS at every start, `course check` too: what only a
batch uses (concurrent.futures, logging, uuid: 20 ms) is imported where a batch uses it.

Either way `run` yields (i, (result or None, digest)) as submissions finish, in the order
they finish, i being the submission's place among those given; the caller records each at
once. Once the batch's stop is asked (Ctrl-C), it yields what had finished by then, and no
more: the rest are cancelled, and those being graded here have their workers ended.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from graders.errors import UserError

if TYPE_CHECKING:
    from graders.batch import Stop
    from graders.course import Course

EXECUTORS = ("local", "dask")
CONNECT_SECONDS = 20
LOOK_SECONDS = 0.1  # how often a batch looks whether it is asked to stop, while it waits on results
ENDING_SECONDS = 1.0  # for the submissions being graded, once their workers are killed, to clean up


@contextlib.contextmanager
def executor(
    kind: str,
    jobs: int,
    scheduler: str | None,
    course: Course,
    prepared: list,
    grading: bytes,
    grade_one: Callable,
    stop: Stop,
):
    """A function `run(jobs)` for this executor: jobs are (path, digest the gradebook holds)."""
    if kind == "local":
        import concurrent.futures

        pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs)
        futures: dict = {}

        def run(work):
            futures.update(
                {
                    pool.submit(grade_one, course, path, prepared, grading, known, stop): i
                    for i, (path, known) in enumerate(work)
                }
            )
            yield from _as_finished(
                futures,
                stop,
                lambda pending: concurrent.futures.wait(pending, LOOK_SECONDS, concurrent.futures.FIRST_COMPLETED).done,
            )

        try:
            yield run
        finally:
            if stop.asked.is_set():
                stop.end()
                concurrent.futures.wait(futures, ENDING_SECONDS)  # a thread still there is left to the exit
            pool.shutdown(wait=not stop.asked.is_set(), cancel_futures=True)
    elif kind == "dask":
        with _dask_client(jobs, scheduler) as client:
            # keyed by what it holds: a scheduler shared by several gradings keeps each one's apart
            key = "course-prepared-" + hashlib.sha256(grading + installed().encode()).hexdigest()[:16]
            shared = (course, prepared, grading, installed(), grade_one)
            [shared] = client.scatter({key: shared}, broadcast=True).values()
            futures = {}

            def run(work):
                import uuid

                from graders.errors import SubmissionError
                from graders.submissions import learner_of

                for i, (path, known) in enumerate(work):
                    if stop.asked.is_set():
                        break
                    try:
                        shipped = ship(path, course)
                    except SubmissionError:  # nothing to ship: grade_one says why, here, without a sandbox
                        yield i, grade_one(course, path, prepared, grading, known)
                        continue
                    futures[
                        client.submit(
                            grade_shipped, shared, shipped, known, key=f"grade-{learner_of(path)}-{uuid.uuid4().hex}"
                        )
                    ] = i
                yield from _as_finished(futures, stop, _dask_wait)

            try:
                yield run
            finally:
                if stop.asked.is_set():
                    client.cancel(list(futures))
                    if scheduler is None:  # the cluster is ours, and closes next
                        client.run(_end_gradings_here)
    else:
        raise UserError(f"--executor {kind}: choose one of {', '.join(EXECUTORS)}")


def _as_finished(futures: dict, stop: Stop, wait: Callable) -> Iterator:
    """(i, outcome) of each future as it finishes, until all have or the stop is asked; then
    those that had finished by then. `wait(pending)`: those done within LOOK_SECONDS."""
    pending = set(futures)
    while pending and not stop.asked.is_set():
        done = wait(pending)
        pending -= done
        for future in done:
            yield futures[future], future.result()
    for future in pending:
        if future.done() and not future.cancelled() and future.exception() is None:  # else it had not finished
            yield futures[future], future.result()


def _dask_wait(pending: set) -> set:
    from distributed import wait

    try:
        return wait(pending, timeout=LOOK_SECONDS, return_when="FIRST_COMPLETED").done
    except TimeoutError:
        return set()


@contextlib.contextmanager
def _dask_client(jobs: int, scheduler: str | None) -> Iterator:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise UserError(
            "--executor dask needs Dask's distributed package: pip install 'distributed' "
            "(or this course's [dask] extra)"
        ) from None
    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_SECONDS)
        except (OSError, TimeoutError, ValueError) as err:
            raise UserError(
                f"could not reach the Dask scheduler at {scheduler} ({err}); start one with "
                f"`dask scheduler` and `dask worker ADDRESS` on each machine"
            ) from None
        with client:
            yield client
        return
    import logging

    # one single-threaded worker process per job: a worker grades one submission at a time
    with _deaf_to_ctrl_c():
        cluster = LocalCluster(
            n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.ERROR
        )
    with cluster, Client(cluster) as client:
        yield client


@contextlib.contextmanager
def _deaf_to_ctrl_c():
    """The cluster's processes, started meanwhile, ignore Ctrl-C: they are in this terminal's
    process group, and would each die of it, in the middle of their work, with a traceback;
    `course grade` stops them itself. (An ignored signal stays ignored in a process started
    from this one, and Python leaves it so.) A Ctrl-C meanwhile is lost."""
    if threading.current_thread() is not threading.main_thread():  # a signal's handling is the main thread's
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@dataclass(frozen=True)
class Shipped:
    """A submission's modules as bytes, by file name, as open_submission made them here. Its name
    keeps the learner's id."""

    name: str
    modules: dict[str, bytes]

    def unpack(self, where: Path) -> Path:
        path = where / self.name
        path.mkdir()
        for name, data in self.modules.items():
            (path / name).write_bytes(data)  # a name from a folder listing here: one part, never `..`
        return path


def ship(path: Path, course: Course) -> Shipped:
    """The submission at `path`, opened here: the regular files it holds, never what a link
    points to. SubmissionError where it can't be opened."""
    from graders.submissions import open_submission, read_regular

    path = Path(path).absolute()
    with tempfile.TemporaryDirectory(prefix="course-ship-") as scratch:
        folder = open_submission(path, course, Path(scratch)).folder
        modules = {name: read_regular(folder / name) for name in sorted(os.listdir(folder))}
    # the worker's copy is named as learner_of names this one (a file's stem; its raw bytes, whatever the script)
    return Shipped(path.name if os.path.isdir(path) else path.stem, modules)


def grade_shipped(shared: tuple, shipped: Shipped, graded_digest: str | None):
    """A Dask task: one submission graded on this worker, in the sandbox, as `local` grades it."""
    course, prepared, grading, fingerprint, grade_one = shared
    if fingerprint != installed():
        raise UserError(
            "this Dask worker has another version of the course installed than the machine that "
            "started the grading; install the same version on every worker"
        )
    with tempfile.TemporaryDirectory(prefix="course-shipped-") as scratch:
        return grade_one(course, shipped.unpack(Path(scratch)), prepared, grading, graded_digest, _stop_here())


@functools.cache
def _stop_here() -> Stop:
    """This Dask worker's stop, for the gradings it runs: a worker's own close waits for them, up
    to the time limit of the endless loop one may be in, before its nanny kills it (4 s)."""
    from graders.batch import Stop

    return Stop()


def _end_gradings_here() -> None:
    _stop_here().end()


@functools.cache
def installed() -> str:
    """A fingerprint of the installed graders (code and messages): a worker must grade with
    the same graders as the references were prepared with."""
    package = Path(__file__).parent
    digest = hashlib.sha256()
    for file in sorted(p for p in package.rglob("*") if p.suffix in (".py", ".toml") and "__pycache__" not in p.parts):
        digest.update(file.relative_to(package).as_posix().encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()

"""Where a batch's submissions are graded: here, or on a Dask cluster.

`local` grades on this machine, a few submissions at a time (threads; each submission in its
own sandbox process). `dask` hands each submission to Dask's scheduler as a task: a
LocalCluster started here, or a running scheduler reached by address. The references are
prepared once, here, and scattered to every Dask worker once; a submission is opened here and
its modules travel as bytes, so a worker needs the installed course and nothing of this
machine's files. On the worker the task grades inside the same sandbox as `local` does.

Either way `run` yields (path, (result or None, digest)) as submissions finish, in the order
they finish; the caller records each at once.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import as_completed as finished_locally
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from graders.course import Course, UserError

EXECUTORS = ("local", "dask")
CONNECT_SECONDS = 20


class ExecutorError(UserError):
    pass


@contextlib.contextmanager
def executor(kind: str, jobs: int, scheduler: str | None, course: Course, prepared: list, grading: bytes,
             grade_one: Callable):
    """A function `run(jobs)` for this executor: jobs are (path, digest the gradebook holds)."""
    if kind == "local":
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            def run(work):
                futures = {pool.submit(grade_one, course, path, prepared, grading, known): path for path, known in work}
                for future in finished_locally(futures):
                    yield futures[future], future.result()
            yield run
    elif kind == "dask":
        with _dask_client(jobs, scheduler) as client:
            # keyed by what it holds: a scheduler shared by several gradings keeps each one's apart
            key = "course-prepared-" + hashlib.sha256(grading + installed().encode()).hexdigest()[:16]
            shared = (course, prepared, grading, installed(), grade_one)
            [shared] = client.scatter({key: shared}, broadcast=True).values()

            def run(work):
                from distributed import as_completed

                from graders.submissions import SubmissionError, learner_of

                futures = {}
                for path, known in work:
                    try:
                        shipped = ship(path, course)
                    except SubmissionError:  # nothing to ship: grade_one says why, here, without a sandbox
                        yield path, grade_one(course, path, prepared, grading, known)
                        continue
                    futures[client.submit(grade_shipped, shared, shipped, known,
                                          key=f"grade-{learner_of(path)}-{uuid.uuid4().hex}")] = path
                for future in as_completed(futures):
                    yield futures[future], future.result()
            yield run
    else:
        raise ExecutorError(f"--executor {kind}: choose one of {', '.join(EXECUTORS)}")


@contextlib.contextmanager
def _dask_client(jobs: int, scheduler: str | None) -> Iterator:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ExecutorError("--executor dask needs Dask's distributed package: pip install 'distributed' "
                            "(or this course's [dask] extra)") from None
    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_SECONDS)
        except (OSError, TimeoutError, ValueError) as err:
            raise ExecutorError(f"could not reach the Dask scheduler at {scheduler} ({err}); start one with "
                                f"`dask scheduler` and `dask worker ADDRESS` on each machine") from None
        with client:
            yield client
        return
    # one single-threaded worker process per job: a worker grades one submission at a time
    with LocalCluster(n_workers=max(1, jobs), threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        yield client


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
        raise ExecutorError("this Dask worker has another version of the course installed than the machine that "
                            "started the grading; install the same version on every worker")
    with tempfile.TemporaryDirectory(prefix="course-shipped-") as scratch:
        return grade_one(course, shipped.unpack(Path(scratch)), prepared, grading, graded_digest)


@functools.cache
def installed() -> str:
    """A fingerprint of the installed graders (code and messages): a worker must grade with
    the same graders as the references were prepared with."""
    package = Path(__file__).parent
    digest = hashlib.sha256()
    for file in sorted(p for p in package.rglob("*") if p.suffix in (".py", ".toml") and "__pycache__" not in p.parts):
        digest.update(file.relative_to(package).as_posix().encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()

"""The trusted side of the trust boundary: a worker process per submission, plain data back.

The worker (graders/worker.py) runs in a fresh interpreter in isolated mode, with address-space
and file-size limits, in its own process group, with stdout/stderr away from the protocol.
Each call has a wall-clock limit, and the submission a time budget; a worker that hangs, dies
or floods is killed and a fresh one takes the next call, so one broken function costs only
its own exercise. A module whose import fails is not imported again: every exercise of it
gets that failure at once.
"""
from __future__ import annotations

import dataclasses
import os
import resource
import selectors
import signal
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from graders import wire
from graders.course import Limits

WORKER_SCRIPT = Path(wire.__file__).with_name("worker.py")
START_SECONDS = 60.0  # interpreter + NumPy import, generous for a loaded machine
MAX_REPLY_BYTES = 512 * 2**20


@dataclass
class Outcome:
    """What one call of a learner function came to, as plain data."""

    kind: str  # ok | not-implemented | exception | import-error | missing | signature | unsupported | timeout | crashed
    value: object = None
    message: str = ""
    type: str = ""
    types: list[str] = field(default_factory=list)  # the exception's class and its bases
    where: str = ""
    output: str = ""
    warnings: list[str] = field(default_factory=list)
    mutated: list[int] = field(default_factory=list)
    seconds: float = 0.0
    importing: bool = False  # it happened while importing the module, before any call

    @classmethod
    def from_reply(cls, reply: dict) -> "Outcome":
        return cls(
            kind="ok" if reply["ok"] else reply["kind"],
            value=reply.get("value"),
            message=reply.get("message", ""),
            type=reply.get("type", ""),
            types=list(reply.get("types", [])),
            where=reply.get("where", ""),
            output=reply.get("output", ""),
            warnings=list(reply.get("warnings", [])),
            mutated=list(reply.get("mutated", [])),
            seconds=float(reply.get("seconds", 0.0)),
        )


class WorkerDied(Exception):
    pass


class Sandbox:
    """Runs calls against one submission folder. Use as a context manager."""

    def __init__(self, submission: Path, limits: Limits):
        self.submission = Path(submission).resolve()
        self.limits = limits
        self.proc: subprocess.Popen | None = None
        self._scratch = tempfile.TemporaryDirectory(prefix="course-worker-")
        self._exercise: tuple[str, str] | None = None  # whose child process is running
        self._broken: dict[str, Outcome] = {}  # modules whose import failed, and how
        self._budget = limits.submission_seconds

    def __enter__(self) -> "Sandbox":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        """Start a worker now, so its NumPy import overlaps with the parent's own work."""
        if self.proc is None:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-B", str(WORKER_SCRIPT), str(self.submission)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                cwd=self._scratch.name,
                env=_worker_env(),
                start_new_session=True,
                preexec_fn=self._limit_resources,
            )
            self._ready = False

    def close(self) -> None:
        if self.proc is not None:
            _kill(self.proc)
            self.proc = None
        self._scratch.cleanup()

    def call(self, module: str, function: str, args: tuple) -> Outcome:
        """Call `module.function(*args)` within the time limits. Each exercise (module, function)
        gets a fresh child process of the worker, which imports the module first."""
        if self._exercise != (module, function):
            self._end_exercise()
            if module in self._broken:  # told again, at no cost
                return dataclasses.replace(self._broken[module], seconds=0.0)
            loaded = self._request({"module": module}, f"importing {module}.py")
            if loaded.kind != "ok":
                self._broken[module] = dataclasses.replace(loaded, importing=True)
                return self._broken[module]
            self._exercise = (module, function)
        return self._request({"module": module, "function": function, "args": list(args)}, "")

    def _end_exercise(self) -> None:
        if self._exercise is not None and self.proc is not None:
            self._send({"end": True})
        self._exercise = None

    def _send(self, request: dict) -> None:
        payload = wire.encode(request)
        self.proc.stdin.write(struct.pack(">Q", len(payload)) + payload)
        self.proc.stdin.flush()

    def _request(self, request: dict, doing: str) -> Outcome:
        if self._budget <= 0:
            return Outcome("timeout", message=f"not run: the submission used up its {self.limits.submission_seconds:g} s "
                                              f"time budget on earlier calls")
        self.start()
        limit = min(self.limits.call_seconds, self._budget)
        started = time.perf_counter()
        try:
            if not self._ready:
                wire.decode(self._read(START_SECONDS))
                self._ready = True
                started = time.perf_counter()
            self._send(request)
            outcome = Outcome.from_reply(wire.decode(self._read(limit)))
            if outcome.kind == "crashed":  # the worker reports its child's death; the next call forks anew
                self._exercise = None
        except TimeoutError:
            self._restart()
            outcome = Outcome("timeout", message=f"{doing or 'it'} did not finish within {limit:g} s")
        except (WorkerDied, BrokenPipeError, ValueError) as err:
            code = _exit_code(self.proc)
            self._restart()
            outcome = Outcome("crashed", message=_death(code, err) + (f" while {doing}" if doing else ""))
        outcome.seconds = time.perf_counter() - started
        self._budget -= outcome.seconds
        return outcome

    def _restart(self) -> None:
        # the next request starts a fresh worker, which re-imports what it needs
        if self.proc is not None:
            _kill(self.proc)
            self.proc = None
        self._exercise = None

    def _read(self, seconds: float) -> bytes:
        head = self._read_exactly(8, time.monotonic() + seconds)
        (size,) = struct.unpack(">Q", head)
        if size > MAX_REPLY_BYTES:
            raise WorkerDied(f"reply of {size} bytes is over the {MAX_REPLY_BYTES >> 20} MB limit")
        return self._read_exactly(size, time.monotonic() + seconds)

    def _read_exactly(self, size: int, deadline: float) -> bytes:
        fd = self.proc.stdout.fileno()
        chunks, got = [], 0
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while got < size:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    raise TimeoutError
                chunk = os.read(fd, min(size - got, 1 << 20))
                if not chunk:
                    raise WorkerDied("the worker closed its output")
                chunks.append(chunk)
                got += len(chunk)
        return b"".join(chunks)

    def _limit_resources(self) -> None:
        limit = self.limits.memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # no file writes, should the guard miss one


def _worker_env() -> dict[str, str]:
    keep = ("PATH", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    # one BLAS thread: the memory limit holds and parallel grading does not oversubscribe
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return env


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
    for stream in (proc.stdin, proc.stdout):
        try:
            stream.close()
        except OSError:
            pass


def _exit_code(proc: subprocess.Popen | None) -> int | None:
    try:
        return proc.wait(timeout=1) if proc else None
    except subprocess.TimeoutExpired:
        return None


def _death(code: int | None, err: Exception) -> str:
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"the process running your code was killed by {name}"
    if code is not None:
        return f"the process running your code exited with status {code} (os._exit or a crash)"
    return f"the process running your code stopped answering ({err})"

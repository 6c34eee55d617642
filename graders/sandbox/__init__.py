"""The trusted side of the trust boundary: a worker process per submission, plain data back.

The worker (graders/sandbox/worker.py) is a fork of one fork server per grading process
(graders/sandbox/fork.py: an isolated interpreter with NumPy loaded), with address-space and
file-size limits, in its own process group, talking over its own socket pair. Each call has a
wall-clock limit, and the submission a time budget; a worker that hangs, dies or floods is
killed and a fresh one takes the next call, so one broken function costs only its own
exercise. A module whose import fails is not imported again: every exercise of it gets that
failure at once.
"""
from __future__ import annotations

import dataclasses
import os
import select
import signal
import socket
import struct
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from graders.sandbox import wire
from graders.course import Limits
from graders.sandbox.fork import FORK_SERVER
from graders.i18n import t

START_SECONDS = 60.0  # the fork server's start (NumPy import) and the submission's compile, generous
MAX_REPLY_BYTES = 512 * 2**20
READ_AHEAD = 1 << 16


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
            message=t(reply["key"], **reply["fields"]) if "key" in reply else reply.get("message", ""),
            type=reply.get("type", ""),
            types=list(reply.get("types", [])),
            where=reply.get("where", ""),
            output=reply.get("output", ""),
            warnings=list(reply.get("warnings", [])),
            mutated=list(reply.get("mutated", [])),
            seconds=float(reply.get("seconds", 0.0)),
        )


def encode_request(module: str, function: str, cases: list[tuple]) -> bytes:
    """A request to the worker: call `module.function` on each case's arguments."""
    return wire.encode({"module": module, "function": function, "cases": [list(args) for args in cases]})


class WorkerDied(Exception):
    pass


class Sandbox:
    """Runs calls against one submission folder. Use as a context manager."""

    def __init__(self, submission: Path, limits: Limits):
        self.submission = Path(submission).resolve()
        self.limits = limits
        self.pid: int | None = None  # the worker's, which leads its own process group
        self.sock: socket.socket | None = None
        self._scratch = tempfile.TemporaryDirectory(prefix="course-worker-")
        self._answering = False  # a child is still sending answers to the last request
        self._broken: dict[str, Outcome] = {}  # modules whose import failed, and how
        self._budget = limits.submission_seconds

    def __enter__(self) -> "Sandbox":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        """Get this submission's worker now (a fork of the fork server), so that it compiles the
        submission while the parent does its own work."""
        if self.sock is None:
            self.sock = FORK_SERVER.spawn(self.submission, Path(self._scratch.name), self.limits)
            self._ready = False
            self._buffer = bytearray()
            self._poll = select.poll()
            self._poll.register(self.sock, select.POLLIN)

    def close(self) -> None:
        self._stop()
        self._scratch.cleanup()

    def call(self, module: str, function: str, args: tuple) -> Outcome:
        """Call `module.function(*args)` once, within the time limits."""
        return next(self.calls(module, function, [args]))

    def calls(self, module: str, function: str, cases: list[tuple], encoded: bytes | None = None) -> Iterator[Outcome]:
        """The outcome of `module.function(*args)` for each case, in order, each within the call
        time limit (`encoded`: the same request, as `encode_request` gives it, kept from an
        earlier submission). The request goes to a child process of the worker (a fresh one after any
        request that left a mark: see worker._Marks), which imports the module, says how that
        went, then answers the cases, all sent at once: it computes the next while the parent
        judges this one. A caller that stops early leaves the rest to be read and dropped here."""
        if module in self._broken:  # told again, at no cost
            yield dataclasses.replace(self._broken[module], seconds=0.0)
            return
        unsent = self._request(encoded or encode_request(module, function, cases))
        if unsent is not None:
            yield unsent
            return
        self._answering = True
        loaded = self._reply(importing=f"{module}.py")
        if loaded.kind != "ok":  # the child answers no case of a module it could not import
            self._broken[module] = dataclasses.replace(loaded, importing=True)
            yield self._broken[module]
            return
        pending = len(cases)
        try:
            while pending:
                pending -= 1
                yield self._reply()
        finally:
            while pending and self._answering:  # the child is still answering the rest
                pending -= 1
                self._reply()
            self._answering = False

    def _request(self, payload: bytes) -> Outcome | None:
        """Send the request (its replies are read with _reply); an Outcome where it could not be sent."""
        self.start()
        try:
            if not self._ready:
                self.pid = wire.decode(self._read(START_SECONDS))["pid"]
                self._ready = True
            self.sock.sendall(struct.pack(">Q", len(payload)) + payload)
        except TimeoutError:
            self._restart()
            return Outcome("timeout", message=t("sandbox.no-start", seconds=f"{START_SECONDS:g}"))
        except (WorkerDied, OSError, ValueError) as err:
            self._restart()
            return Outcome("crashed", message=t("sandbox.stopped", error=err))
        return None

    def _reply(self, importing: str = "") -> Outcome:
        """The next reply, within the call time limit and the submission's budget."""
        if self._budget <= 0:
            self._restart()  # a child still working on the exercise is stopped
            return Outcome("timeout", message=t("sandbox.budget", seconds=f"{self.limits.submission_seconds:g}"))
        limit = min(self.limits.call_seconds, self._budget)
        started = time.perf_counter()
        try:
            outcome = Outcome.from_reply(wire.decode(self._read(limit)))
            if outcome.kind == "crashed":  # the worker reports its child's death; the next call forks anew
                self._answering = False
        except TimeoutError:
            self._restart()
            outcome = Outcome("timeout", message=t("sandbox.import-timeout", module=importing, seconds=f"{limit:g}")
                              if importing else t("sandbox.call-timeout", seconds=f"{limit:g}"))
        except (WorkerDied, OSError, ValueError) as err:
            self._restart()
            outcome = Outcome("crashed", message=t("sandbox.stopped-importing", error=err, module=importing)
                              if importing else t("sandbox.stopped", error=err))
        outcome.seconds = time.perf_counter() - started
        self._budget -= outcome.seconds
        return outcome

    def _restart(self) -> None:
        # the next request gets a fresh worker, which imports what it needs again
        self._stop()
        self._answering = False

    def _stop(self) -> None:
        if self.sock is not None:
            if self.pid is not None:
                try:
                    os.killpg(self.pid, signal.SIGKILL)  # the worker and the child running an exercise
                except ProcessLookupError:
                    pass
            self.sock.close()  # a worker not yet ready reads the end of its socket and leaves
            self.sock = self.pid = None

    def _read(self, seconds: float) -> bytes:
        head = self._read_exactly(8, time.monotonic() + seconds)
        (size,) = struct.unpack(">Q", head)
        if size > MAX_REPLY_BYTES:
            raise WorkerDied(f"reply of {size} bytes is over the {MAX_REPLY_BYTES >> 20} MB limit")
        return self._read_exactly(size, time.monotonic() + seconds)

    def _read_exactly(self, size: int, deadline: float) -> bytes:
        """`size` bytes from the worker. It reads ahead into a buffer: the child sends the
        answers to an exercise's cases back to back, and one read often brings several."""
        while len(self._buffer) < size:
            left = deadline - time.monotonic()
            if left <= 0 or not self._poll.poll(left * 1000):
                raise TimeoutError
            chunk = self.sock.recv(max(size - len(self._buffer), READ_AHEAD))
            if not chunk:
                raise WorkerDied("the worker closed its output")
            self._buffer += chunk
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

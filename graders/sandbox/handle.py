"""The trusted parent's handle on one submission's worker (`Sandbox`), and what one call came to
(`Outcome`). Each call has a wall-clock limit and the submission a time budget; a worker that
hangs, dies or floods is killed and a fresh one takes the next call, so one broken function
costs only its own exercise. A module whose import fails is not imported again: every
exercise of it gets that failure at once. The backend (backends.py) gives the channel.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, Self

from graders.course import Limits
from graders.i18n import t
from graders.sandbox import backends, wire
from graders.sandbox.frames import WorkerDied, death


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
    def from_reply(cls, reply: dict) -> Outcome:
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


def encode_request(module: str, function: str, cases: list[list | dict]) -> bytes:
    """A request to the worker: call `module.function` on each case's arguments (Case.sent)."""
    return wire.encode({"module": module, "function": function, "cases": cases})


class UnreadableReply(Exception):
    """A reply frame that is not what any worker sends."""


def _outcome(payload: bytes) -> Outcome:
    """A reply as an Outcome. Whatever a reply holds (a learner may have forged it: the worker's
    descriptors are within reach of its code), a failure to read it is an UnreadableReply."""
    try:
        reply = wire.decode(payload)
        if not isinstance(reply, dict) or not isinstance(reply.get("ok"), bool):
            raise TypeError(f"a {type(reply).__name__} where a reply belongs")
        return Outcome.from_reply(reply)
    except Exception as err:  # noqa: BLE001  struct.error, KeyError, TypeError, RecursionError, ...: all mean the same here
        raise UnreadableReply(f"{type(err).__name__}: {err}"[:200]) from None


class Channel(Protocol):
    """A backend's connection to one submission's worker: frames both ways, and a kill."""

    pid: int | None  # the process that runs the exercises now, once it said it is ready
    sandbox: str  # what confines it, as it said when ready ("" where nothing does)

    def send(self, payload: bytes) -> None:
        """Send a request (waiting, first, for the worker to be ready: TimeoutError if it is not)."""

    def read(self, seconds: float) -> bytes:
        """The next reply within `seconds` (TimeoutError), or WorkerDied."""

    def kill(self) -> None:
        """Stop the worker, and whatever exercise it is running, at once."""


class Sandbox:
    """Runs calls against one submission folder. Use as a context manager."""

    def __init__(self, submission: Path, limits: Limits):
        self.submission = Path(submission).resolve()
        self.limits = limits
        self._channel: Channel | None = None
        self._scratch = tempfile.TemporaryDirectory(prefix="course-worker-")
        self._answering = False  # a worker is still sending answers to the last request
        self._broken: dict[str, Outcome] = {}  # modules whose import failed, and how
        self._budget = limits.submission_seconds
        self.level = ""  # what confined the worker, as the last one said: "seccomp-bpf + Landlock ABI 7", say

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        """The worker's process (the fork backend's leads its own process group)."""
        return self._channel.pid if self._channel is not None else None

    def start(self) -> None:
        """Get this submission's worker now, so that it compiles the submission while the parent
        does its own work."""
        if self._channel is None:
            self._channel = backends.current().open(self.submission, Path(self._scratch.name), self.limits)

    def close(self) -> None:
        self._stop()
        self._scratch.cleanup()

    def call(self, module: str, function: str, args: tuple) -> Outcome:
        """Call `module.function(*args)` once, within the time limits."""
        return next(self.calls(module, function, [list(args)]))

    def calls(
        self, module: str, function: str, cases: list[list | dict], encoded: bytes | None = None
    ) -> Iterator[Outcome]:
        """The outcome of `module.function(*args)` for each case, in order, each within the call
        time limit (`encoded`: the same request, as `encode_request` gives it, kept from an
        earlier submission). The worker imports the module, says how that went, then answers the
        cases, all sent at once: it computes the next while the parent judges this one. A caller
        that stops early leaves the rest to be read and dropped here."""
        if module in self._broken:  # told again, at no cost
            yield dataclasses.replace(self._broken[module], seconds=0.0)
            return
        unsent = self._request(encoded or encode_request(module, function, cases))
        if unsent is not None:
            yield unsent
            return
        self._answering = True
        loaded = self._reply(importing=f"{module}.py")
        if loaded.kind != "ok":  # the worker answers no case of a module it could not import
            self._broken[module] = dataclasses.replace(loaded, importing=True)
            yield self._broken[module]
            return
        pending = len(cases)
        try:
            while pending:
                pending -= 1
                yield self._reply()
        finally:
            while pending and self._answering:  # the worker is still answering the rest
                pending -= 1
                self._reply()
            self._answering = False

    def _request(self, payload: bytes) -> Outcome | None:
        """Send the request (its replies are read with _reply); an Outcome where it could not be sent."""
        self.start()
        try:
            self._channel.send(payload)
            self.level = self._channel.sandbox or "none"
        except TimeoutError:
            self._restart()
            return Outcome("timeout", message=t("sandbox.no-start", seconds=f"{backends.START_SECONDS:g}"))
        except (WorkerDied, OSError, ValueError) as err:
            self._restart()
            return Outcome("crashed", message=t("sandbox.stopped", error=err))
        return None

    def _reply(self, importing: str = "") -> Outcome:
        """The next reply, within the call time limit and the submission's budget."""
        if self._budget <= 0:
            self._restart()  # a worker still working on the exercise is stopped
            return Outcome("timeout", message=t("sandbox.budget", seconds=f"{self.limits.submission_seconds:g}"))
        limit = min(self.limits.call_seconds, self._budget)
        started = time.perf_counter()
        try:
            outcome = _outcome(self._channel.read(limit))
        except UnreadableReply as err:  # forged, truncated or mangled: this exercise's error, never the batch's end
            self._restart()
            outcome = Outcome("crashed", message=t("sandbox.unreadable", error=err))
        except TimeoutError:
            self._restart()
            outcome = Outcome(
                "timeout",
                message=t("sandbox.import-timeout", module=importing, seconds=f"{limit:g}")
                if importing
                else t("sandbox.call-timeout", seconds=f"{limit:g}"),
            )
        except (WorkerDied, OSError, ValueError) as err:
            if isinstance(err, WorkerDied) and err.exit_code is not None:  # a spawned worker died on the exercise
                outcome = Outcome.from_reply(death(err.exit_code))  # told as the fork worker tells its child's death
            else:
                self._restart()
                outcome = Outcome(
                    "crashed",
                    message=t("sandbox.stopped-importing", error=err, module=importing)
                    if importing
                    else t("sandbox.stopped", error=err),
                )
        if outcome.kind == "crashed":  # the process running the exercise died; the next call gets a fresh one
            self._answering = False
        outcome.seconds = time.perf_counter() - started
        self._budget -= outcome.seconds
        return outcome

    def _restart(self) -> None:
        # the next request gets a fresh worker, which imports what it needs again
        self._stop()
        self._answering = False

    def _stop(self) -> None:
        if self._channel is not None:
            self._channel.kill()
            self._channel = None

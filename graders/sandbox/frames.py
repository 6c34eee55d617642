"""How the grader and a worker cut their byte streams into messages. Standard library only:
the grader starts and reads its workers before it has loaded NumPy.

    frame = 8-byte big-endian length, then the payload

A request or a reply is a wire.py payload. The few control messages (a worker is ready; a
spawned worker takes another request, or not) are JSON objects, read before NumPy loads.
"""

from __future__ import annotations

import json
import os
import signal
import struct

MAX_REPLY_BYTES = 64 * 2**20  # the largest frame the grader accepts: its memory per submission stays bounded


class WorkerDied(Exception):
    """The worker's side of a channel ended, or sent what no worker sends. `exit_code` is how
    the process that ran an exercise ended, where that is known (negative: a signal's number)."""

    def __init__(self, message: str, exit_code: int | None = None):
        super().__init__(message)
        self.exit_code = exit_code


def frame(payload: bytes) -> bytes:
    """A payload as one frame: its 8-byte big-endian length, then itself."""
    return struct.pack(">Q", len(payload)) + payload


def frame_size(head: bytes) -> int:
    """A reply frame's payload size, from its 8-byte head; WorkerDied if it is over the limit."""
    (size,) = struct.unpack(">Q", head)
    if size > MAX_REPLY_BYTES:
        raise WorkerDied(f"reply of {size} bytes is over the {MAX_REPLY_BYTES >> 20} MB limit")
    return size


def control(message: dict) -> bytes:
    return json.dumps(message).encode()


def job(submission, scratch, memory_mb: int) -> bytes:
    """What a worker is told before it starts: where the submission is, where to work, its memory."""
    return control({"submission": str(submission), "scratch": str(scratch), "memory_mb": memory_mb})


def ready(payload: bytes) -> tuple[int, str]:
    """The pid and the sandbox in a worker's first word, `{"ready": true, "pid": ..., "sandbox":
    "seccomp-bpf + ..."}`; WorkerDied if it is not that."""
    try:
        message = json.loads(payload)
        if message.get("ready") is True and type(message.get("pid")) is int and type(message.get("sandbox")) is str:
            return message["pid"], message["sandbox"]
    except (ValueError, AttributeError):
        pass
    raise WorkerDied(f"the worker's first word was not that it is ready ({payload[:60]!r})")


def write_frame(fd: int, payload: bytes) -> None:
    data = frame(payload)
    while data:
        data = data[os.write(fd, data) :]


def read_frame(fd: int) -> bytes | None:
    """One frame from a file descriptor, unbuffered: a forked reader must not read ahead."""
    head = _read_exactly(fd, 8)
    if head is None:
        return None
    (size,) = struct.unpack(">Q", head)
    return _read_exactly(fd, size)


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks, got = [], 0
    while got < size:
        chunk = os.read(fd, min(size - got, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def death(exit_code: int) -> dict:
    """The reply in place of an answer when the process computing it ended: how it ended, as a
    message key and its fields (the grader words it). A negative exit code is a signal's number."""
    if exit_code < 0:
        try:
            name = signal.Signals(-exit_code).name
        except ValueError:
            name = str(-exit_code)
        return {"ok": False, "kind": "crashed", "key": "crashed.signal", "fields": {"signal": name}}
    return {"ok": False, "kind": "crashed", "key": "crashed.exit", "fields": {"status": exit_code}}

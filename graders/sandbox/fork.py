"""The fork backend (Linux): one fork server per grading process, `fork_worker.py --server`, an
isolated interpreter with NumPy loaded, of which every submission's worker is a fork, reached
over an AF_UNIX socket pair of its own. Standard library only, so the CLI can start the server
before it loads anything heavy itself."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from graders.sandbox import frames
from graders.sandbox.backends import START_SECONDS, worker_command, worker_env
from graders.sandbox.frames import WorkerDied

if TYPE_CHECKING:
    from graders.course import Limits

WORKER_SCRIPT = Path(__file__).with_name("fork_worker.py")
READ_AHEAD = 1 << 16
STOP_SECONDS = 2.0


class _ForkServer:
    """One `fork_worker.py --server` per grading process, NumPy loaded once; every submission's
    worker is a fork of it, reached over a socket pair of its own."""

    def __init__(self):
        self._lock = threading.Lock()
        self._control: socket.socket | None = None
        self._proc: subprocess.Popen | None = None

    def spawn(self, submission: Path, scratch: Path, limits: Limits) -> socket.socket:
        """Ask for a worker; it says it is ready (and its pid) on the socket returned, later, so
        the parent goes on with its own work meanwhile."""
        job = frames.job(submission, scratch, limits.memory_mb)
        with self._lock:
            for attempt in (1, 2):  # a server that died (killed, say) is started again, once
                self._ensure()
                ours, theirs = socket.socketpair()
                try:
                    socket.send_fds(self._control, [job], [theirs.fileno()])
                    return ours
                except OSError:
                    ours.close()
                    self._proc = None
                    if attempt == 2:
                        raise
                finally:
                    theirs.close()
        raise AssertionError("unreachable")

    def warm(self) -> None:
        """Start the server now, so it loads NumPy while the caller is busy elsewhere."""
        with self._lock:
            self._ensure()

    def stop(self) -> None:
        """End the server, which ends its spare worker first, and wait for it: nothing this
        grader started outlives it. A server that does not leave at once is killed."""
        with self._lock:
            if self._proc is None:
                return
            self._control.close()
            try:
                self._proc.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(self._proc.pid, signal.SIGKILL)
                self._proc.wait()
            self._proc = None

    def _ensure(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            return
        # packets, not a stream: two requests sent close together stay two requests
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        command = worker_command(WORKER_SCRIPT, "--server", str(theirs.fileno()), "--for", str(os.getpid()))
        self._proc = subprocess.Popen(
            command,
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=worker_env(),
            start_new_session=True,
        )
        theirs.close()
        self._control = ours


FORK_SERVER = _ForkServer()


class ForkChannel:
    """A submission's worker, forked from the fork server, over its own socket."""

    def __init__(self, submission: Path, scratch: Path, limits: Limits):
        self.pid: int | None = None  # the worker's, which leads its own process group
        self.sandbox = ""
        self._sock = FORK_SERVER.spawn(submission, scratch, limits)
        self._buffer = bytearray()
        self._poll = select.poll()
        self._poll.register(self._sock, select.POLLIN)

    def send(self, payload: bytes) -> None:
        if self.pid is None:
            self.pid, self.sandbox = frames.ready(self.read(START_SECONDS))
        self._sock.sendall(frames.frame(payload))

    def read(self, seconds: float) -> bytes:
        deadline = time.monotonic() + seconds
        size = frames.frame_size(self._read_exactly(8, deadline))
        return self._read_exactly(size, deadline)

    def kill(self) -> None:
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError):  # it has left already
                os.killpg(self.pid, signal.SIGKILL)  # the worker and the child running an exercise
        self._sock.close()  # a worker not yet ready reads the end of its socket and leaves

    def _read_exactly(self, size: int, deadline: float) -> bytes:
        """`size` bytes from the worker. It reads ahead into a buffer: the child sends the
        answers to an exercise's cases back to back, and one read often brings several."""
        while len(self._buffer) < size:
            left = deadline - time.monotonic()
            if left <= 0 or not self._poll.poll(left * 1000):
                raise TimeoutError
            chunk = self._sock.recv(max(size - len(self._buffer), READ_AHEAD))
            if not chunk:
                raise WorkerDied("the worker closed its output")
            self._buffer += chunk
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

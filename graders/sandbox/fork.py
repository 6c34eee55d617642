"""The fork server: one `worker.py --server` per grading process, an isolated interpreter with
NumPy loaded, of which every submission's worker is a fork. Standard library only, so the CLI
can start it before it loads anything heavy itself."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graders.course import Limits

WORKER_SCRIPT = Path(__file__).with_name("worker.py")


class _ForkServer:
    """One `worker.py --server` per grading process, NumPy loaded once; every submission's
    worker is a fork of it, reached over a socket pair of its own."""

    def __init__(self):
        self._lock = threading.Lock()
        self._control: socket.socket | None = None
        self._proc: subprocess.Popen | None = None

    def spawn(self, submission: Path, scratch: Path, limits: Limits) -> socket.socket:
        """Ask for a worker; it says it is ready (and its pid) on the socket returned, later, so
        the parent goes on with its own work meanwhile."""
        job = json.dumps({"submission": str(submission), "scratch": str(scratch), "memory_mb": limits.memory_mb})
        with self._lock:
            for attempt in (1, 2):  # a server that died (killed, say) is started again, once
                self._ensure()
                ours, theirs = socket.socketpair()
                try:
                    socket.send_fds(self._control, [job.encode()], [theirs.fileno()])
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

    def _ensure(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            return
        # packets, not a stream: two requests sent close together stay two requests
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        command = [sys.executable, "-I", "-B", str(WORKER_SCRIPT), "--server", str(theirs.fileno()),
                   "--for", str(os.getpid())]
        if numpy := _numpy_folder():  # skip site and its .pth files (an editable install's finder): 15 ms
            command[2:2] = ["-S"]
            command += ["--numpy", numpy]
        self._proc = subprocess.Popen(
            command,
            pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, env=_worker_env(), start_new_session=True)
        theirs.close()
        self._control = ours


FORK_SERVER = _ForkServer()


def _numpy_folder() -> str | None:
    """The folder on this interpreter's path that NumPy is installed in, found without importing it."""
    return next((folder for folder in sys.path
                 if folder and os.path.isfile(os.path.join(folder, "numpy", "__init__.py"))), None)


def _worker_env() -> dict[str, str]:
    keep = ("PATH", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    # one BLAS thread: the memory limit holds and parallel grading does not oversubscribe
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return env

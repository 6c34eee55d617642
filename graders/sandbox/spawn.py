"""The spawn backend (any platform): each worker is a fresh interpreter, `spawn_worker.py`,
started with `subprocess` and spoken to over its standard input and output in length-prefixed
frames (wire.py). No fork, no AF_UNIX, no descriptors passed, no `prctl`, and no `resource` on
Windows.

It keeps the fork backend's guarantees on a learner's machine: a separate process, plain data
back, a wall-clock limit per call (a reader thread per worker, so a timed read works on
Windows' pipes too), a crash or an endless loop that costs only its own exercise, and a fresh
process after an exercise that leaves a mark. The memory limit is RLIMIT_AS where the worker
can set it (Linux), a Job Object on Windows, and none on macOS (backends.Backend.memory_limit
says so). One spare worker is kept started ahead of need, so it has loaded NumPy by the time a
submission, or a fresh process after a mark, needs it.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from graders.sandbox import frames
from graders.sandbox.backends import START_SECONDS, worker_command, worker_env
from graders.sandbox.frames import WorkerDied

if TYPE_CHECKING:
    from graders.course import Limits

WORKER_SCRIPT = Path(__file__).with_name("spawn_worker.py")
EXIT_WAIT_SECONDS = 5.0  # between a worker's closed output and its exit code


class _Worker:
    """One spawned worker process; its replies are read by a thread of its own into a queue."""

    def __init__(self):
        if sys.platform == "win32":
            group = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.CREATE_NO_WINDOW}
        else:
            group = {"start_new_session": True}  # its own process group: killed with whatever it started
        self.popen = subprocess.Popen(
            worker_command(WORKER_SCRIPT),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=worker_env(),
            **group,
        )
        self._job = _JobObject(self.popen) if sys.platform == "win32" else None
        self._frames: queue.SimpleQueue = queue.SimpleQueue()
        threading.Thread(target=self._read_frames, daemon=True).start()

    def start(self, job: bytes, memory_mb: int) -> None:
        """Give it its submission: it compiles it, then says it is ready."""
        if self._job is not None:
            self._job.limit_memory(memory_mb)
        self.send(job)

    def send(self, payload: bytes) -> None:
        self.popen.stdin.write(frames.frame(payload))
        self.popen.stdin.flush()

    def read(self, seconds: float) -> bytes | None:
        """The next frame within `seconds` (TimeoutError), or None once the worker's output ended."""
        try:
            item = self._frames.get(timeout=max(seconds, 0.0))
        except queue.Empty:
            raise TimeoutError from None
        if isinstance(item, WorkerDied):
            raise item
        return item

    def exit_code(self) -> int:
        """How it ended (negative: a signal's number), once its output has ended."""
        try:
            return self.popen.wait(EXIT_WAIT_SECONDS)
        except subprocess.TimeoutExpired:  # it closed its output but runs on: it ends now
            self.kill()
            return self.popen.wait()

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        try:
            if self._job is not None:
                self._job.close()  # kills every process in the job
            elif self.alive():
                os.killpg(self.popen.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.popen.kill()
        with contextlib.suppress(OSError):
            self.popen.stdin.close()
        self.popen.wait()  # its output's end reaches the reader thread, which closes it

    def _read_frames(self) -> None:
        with self.popen.stdout as output:
            try:
                while len(head := output.read(8)) == 8:
                    size = frames.frame_size(head)
                    if len(payload := output.read(size)) < size:
                        break
                    self._frames.put(payload)
            except WorkerDied as err:  # a frame over the limit: nothing after it can be trusted
                self._frames.put(err)
                return
            except OSError:
                pass
        self._frames.put(None)


class _Spares:
    """One worker started ahead of need: by the time a submission (or a fresh process after a
    mark) needs one, it has loaded NumPy. Taking it starts the next."""

    def __init__(self):
        self._lock = threading.Lock()
        self._spare: _Worker | None = None

    def warm(self) -> None:
        with self._lock:
            if self._spare is None:
                self._spare = _Worker()

    def stop(self) -> None:
        """End the spare and wait for it: nothing this grader started outlives it."""
        with self._lock:
            if self._spare is not None:
                self._spare.kill()
                self._spare = None

    def take(self) -> _Worker:
        with self._lock:
            worker, self._spare = self._spare, _Worker()
        if worker is None or not worker.alive():
            worker = _Worker()
        return worker


SPARES = _Spares()


class SpawnChannel:
    """A submission's worker, and after a request that left a mark, the next one: each request
    closes with the worker's word on whether it takes another."""

    def __init__(self, submission: Path, scratch: Path, limits: Limits):
        self._job = frames.job(submission, scratch, limits.memory_mb)
        self._limits = limits
        self._worker: _Worker | None = None
        self._owes_end = False  # the worker has yet to say whether it takes another request
        self.pid: int | None = None
        self.sandbox = ""
        self._begin()

    def send(self, payload: bytes) -> None:
        if self._owes_end:
            self._end_request()
        if self._worker is None:
            self._begin()
        if self.pid is None:
            ready = self._worker.read(START_SECONDS)
            if ready is None:
                raise WorkerDied(f"the worker ended before it was ready ({self._worker.exit_code()})")
            self.pid, self.sandbox = frames.ready(ready)
        self._worker.send(payload)
        self._owes_end = True

    def read(self, seconds: float) -> bytes:
        frame = self._worker.read(seconds)
        if frame is None:  # it died in the middle of a request: the handle tells how, in its reply's place
            code = self._worker.exit_code()
            self._drop()
            raise WorkerDied("the worker ended", exit_code=code)
        return frame

    def kill(self) -> None:
        if self._worker is not None:
            self._worker.kill()
            self._drop()

    def _begin(self) -> None:
        self._worker = SPARES.take()
        self._worker.start(self._job, self._limits.memory_mb)

    def _end_request(self) -> None:
        """Read the worker's word after its last reply: the next request goes to it, or (after
        a mark, or if it cannot say) to a fresh worker."""
        self._owes_end = False
        try:
            more = json.loads(self._worker.read(self._limits.call_seconds) or "null") == {"end": "more"}
        except (TimeoutError, WorkerDied, ValueError):
            more = False
        if not more:
            self.kill()

    def _drop(self) -> None:
        self._worker, self.pid, self._owes_end = None, None, False


class _JobObject:
    """Windows: a Job Object around one worker, for its memory limit, and so that it (and
    anything it started) dies with the grader: the job's last handle closes with the grader's
    process (JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE)."""

    def __init__(self, popen: subprocess.Popen):
        import ctypes

        self._kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        self._handle = self._kernel32.CreateJobObjectW(None, None)
        if not self._handle:
            raise ctypes.WinError(ctypes.get_last_error())
        self._set(0)
        if not self._kernel32.AssignProcessToJobObject(self._handle, int(popen._handle)):
            raise ctypes.WinError(ctypes.get_last_error())

    def limit_memory(self, memory_mb: int) -> None:
        self._set(memory_mb)

    def close(self) -> None:
        if self._handle:
            self._kernel32.CloseHandle(self._handle)
            self._handle = None

    def _set(self, memory_mb: int) -> None:
        import ctypes

        info = job_limits(memory_mb)
        if not self._kernel32.SetInformationJobObject(
            self._handle, JOB_OBJECT_EXTENDED_LIMIT_INFORMATION_CLASS, ctypes.byref(info), ctypes.sizeof(info)
        ):
            raise ctypes.WinError(ctypes.get_last_error())


JOB_OBJECT_EXTENDED_LIMIT_INFORMATION_CLASS = 9
JOB_OBJECT_LIMIT_PROCESS_MEMORY = 0x100
JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION = 0x400  # a crash ends the worker, with no error dialog
JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x2000


def job_limits(memory_mb: int):
    """JOBOBJECT_EXTENDED_LIMIT_INFORMATION for a worker: killed with the job, no error dialog on
    a crash, and (memory_mb > 0) at most `memory_mb` of committed memory. Plain ctypes, so its
    layout is tested on any platform."""
    import ctypes

    class Basic(ctypes.Structure):
        _fields_ = [
            ("PerProcessUserTimeLimit", ctypes.c_int64),
            ("PerJobUserTimeLimit", ctypes.c_int64),
            ("LimitFlags", ctypes.c_uint32),
            ("MinimumWorkingSetSize", ctypes.c_size_t),
            ("MaximumWorkingSetSize", ctypes.c_size_t),
            ("ActiveProcessLimit", ctypes.c_uint32),
            ("Affinity", ctypes.c_size_t),
            ("PriorityClass", ctypes.c_uint32),
            ("SchedulingClass", ctypes.c_uint32),
        ]

    class Extended(ctypes.Structure):
        _fields_ = [
            ("BasicLimitInformation", Basic),
            ("IoInfo", ctypes.c_uint64 * 6),
            ("ProcessMemoryLimit", ctypes.c_size_t),
            ("JobMemoryLimit", ctypes.c_size_t),
            ("PeakProcessMemoryUsed", ctypes.c_size_t),
            ("PeakJobMemoryUsed", ctypes.c_size_t),
        ]

    info = Extended()
    info.BasicLimitInformation.LimitFlags = (
        JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION
    )
    if memory_mb > 0:
        info.BasicLimitInformation.LimitFlags |= JOB_OBJECT_LIMIT_PROCESS_MEMORY
        info.ProcessMemoryLimit = memory_mb * 2**20
    return info

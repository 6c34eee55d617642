"""Which sandbox backend runs here, and why.

The fork backend (fork.py) is the fast path: it needs Linux, `os.fork`, AF_UNIX SEQPACKET
sockets, `socket.send_fds` and `resource`. Everywhere else, the spawn backend (spawn.py) runs:
standard `subprocess` and pipes. macOS has fork, but no SEQPACKET for AF_UNIX, and forking a
process that has loaded system frameworks (Accelerate, which NumPy may use there) is unsafe:
that is why Python's multiprocessing spawns there too. `COURSE_SANDBOX=fork|spawn` forces one.

Standard library only: the CLI asks before it loads anything heavy.
"""

from __future__ import annotations

import functools
import json
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from graders.errors import UserError

if TYPE_CHECKING:
    from graders.course import Limits
    from graders.sandbox import Channel

NAMES = ("fork", "spawn")
CONFINE_SCRIPT = Path(__file__).with_name("confine.py")
START_SECONDS = 60.0  # a worker's start (NumPy import) and the submission's compile, generous


@dataclass(frozen=True)
class Backend:
    name: str  # fork | spawn
    why: str

    def open(self, submission: Path, scratch: Path, limits: Limits) -> Channel:
        """A channel to a worker for this submission (started, or taken ready, now)."""
        if self.name == "fork":
            from graders.sandbox.fork import ForkChannel

            return ForkChannel(submission, scratch, limits)
        from graders.sandbox.spawn import SpawnChannel

        return SpawnChannel(submission, scratch, limits)

    def warm(self) -> None:
        """Start what the first worker comes from now, while the caller loads its own modules."""
        if self.name == "fork":
            from graders.sandbox.fork import FORK_SERVER

            FORK_SERVER.warm()
        else:
            from graders.sandbox.spawn import SPARES

            SPARES.warm()

    def memory_limit(self, memory_mb: int) -> str:
        """What holds a worker to `memory_mb` here, said plainly where nothing does."""
        if sys.platform == "win32":
            return f"a Job Object, {memory_mb} MB per worker"
        if sys.platform == "darwin":
            return "none: macOS does not enforce RLIMIT_AS or RLIMIT_DATA on NumPy's memory"
        return f"RLIMIT_AS, {memory_mb} MB per worker"


def stop() -> None:
    """End what either backend started ahead of need (the fork server, the spare spawned
    worker), waiting for it: for a grader about to leave."""
    if (fork := sys.modules.get("graders.sandbox.fork")) is not None:
        fork.FORK_SERVER.stop()
    if (spawn := sys.modules.get("graders.sandbox.spawn")) is not None:
        spawn.SPARES.stop()


@functools.cache
def current() -> Backend:
    """The backend for this process: COURSE_SANDBOX's, or the fastest this platform supports."""
    forced = os.environ.get("COURSE_SANDBOX", "").strip().lower()
    missing = fork_missing()
    if forced:
        if forced not in NAMES:
            raise UserError(
                f"COURSE_SANDBOX={forced!r} is not a sandbox backend: use fork or spawn, "
                "or unset it to let the course choose"
            )
        if forced == "fork" and missing:
            raise UserError(
                f"COURSE_SANDBOX=fork, but the fork backend cannot run here ({missing}): "
                "use COURSE_SANDBOX=spawn, or unset it"
            )
        return Backend(forced, "COURSE_SANDBOX=" + forced)
    if missing:
        return Backend("spawn", missing)
    return Backend("fork", "Linux, with fork and AF_UNIX SEQPACKET sockets")


def fork_missing() -> str:
    """Why the fork backend cannot run here ("" where it can)."""
    if sys.platform == "darwin":
        return "macOS: AF_UNIX has no SEQPACKET, and forking after NumPy loads Accelerate is unsafe"
    if not sys.platform.startswith("linux"):
        return f"{sys.platform}: no os.fork" if sys.platform == "win32" else f"{sys.platform} is not Linux"
    for feature, present in (
        ("os.fork", hasattr(os, "fork")),
        ("socket.SOCK_SEQPACKET", hasattr(socket, "SOCK_SEQPACKET")),
        ("socket.send_fds", hasattr(socket, "send_fds")),
        ("resource", _has_resource()),
    ):
        if not present:
            return f"this Python has no {feature}"
    return ""


def _has_resource() -> bool:
    try:
        import resource  # noqa: F401
    except ImportError:
        return False
    return True


@functools.cache
def kernel_layer() -> dict:
    """What the kernel enforces on a worker here: {"level": "seccomp-bpf + Landlock ABI 7", say,
    "complete": both layers hold, "why_not": [what is missing]}. Asked of a throwaway interpreter
    confined as a worker is (confine.py --probe), so a layer that a container denies is known
    before any submission is graded. 40 ms."""
    if not sys.platform.startswith("linux"):
        return {"level": "", "complete": False, "why_not": [f"{sys.platform}: seccomp and Landlock are Linux's"]}
    libraries = [os.path.dirname(os.__file__)]  # the worker's: the standard library's folder and NumPy's
    if numpy := numpy_folder():
        libraries.append(os.path.join(numpy, "numpy"))
    command = worker_command(CONFINE_SCRIPT, "--probe", *map(os.path.realpath, libraries))
    try:
        run = subprocess.run(command, capture_output=True, env=worker_env(), timeout=START_SECONDS, check=True)
        return json.loads(run.stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as err:
        return {"level": "", "complete": False, "why_not": [f"the probe of the kernel layer failed ({err})"]}


def numpy_folder() -> str | None:
    """The folder on this interpreter's path that NumPy is installed in, found without importing
    it: a worker started without site (-S: no .pth files to run, 15 ms) is given it."""
    return next(
        (folder for folder in sys.path if folder and os.path.isfile(os.path.join(folder, "numpy", "__init__.py"))), None
    )


def worker_command(script: Path, *args: str) -> list[str]:
    """The command line of a worker script: isolated (-I), no bytecode written (-B)."""
    command = [sys.executable, "-I", "-B", str(script), *args]
    if numpy := numpy_folder():
        command[2:2] = ["-S"]
        command += ["--numpy", numpy]
    return command


def worker_env() -> dict[str, str]:
    keep = ("PATH", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR", "TEMP", "TMP")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    # one BLAS thread: the memory limit holds and parallel grading does not oversubscribe
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return env

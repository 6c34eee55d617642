"""The two sandbox backends, side by side: which one runs and why, and that the spawn backend
(macOS, Windows, anything without fork and AF_UNIX SEQPACKET) grades exactly as the fork
backend does.

We have no Mac and no Windows machine, so the portable path is proved two ways here, on Linux:
- forced, with COURSE_SANDBOX=spawn: the solutions, the stubs, every wrong answer in
  tests/wrong and every hostile submission in tests/corpus get the same records from both
  backends, apart from durations;
- on a simulated interpreter without Linux-only APIs: a sitecustomize shim removes os.fork,
  os.register_at_fork, socket.SOCK_SEQPACKET, socket.send_fds/recv_fds and the resource
  module from every Python process of the run (the `course` command and each worker it
  starts), and the learner's commands still work, on the spawn backend.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest

from graders.sandbox import spawn
from tests.conftest import ROOT
from tests.helpers import course_argv, run_course
from tests.test_integrity import HOSTILE, assemble, quick_course
from tests.test_units import WRONG

# --- which backend, and why ---------------------------------------------------------------------


def test_linux_gets_the_fork_backend_and_says_why():
    run = run_course("--version", env={"COURSE_SANDBOX": ""})
    assert run.returncode == 0, run.stderr
    assert re.fullmatch(
        r"dl-basics-course \S+ \(sandbox: fork, Linux, with fork and AF_UNIX SEQPACKET sockets\)\n", run.stdout
    )


def test_course_sandbox_forces_the_spawn_backend_and_doctor_says_so():
    run = run_course("doctor", env={"COURSE_SANDBOX": "spawn"})
    assert run.returncode == 0, run.stderr
    assert "sandbox:          spawn: COURSE_SANDBOX=spawn" in run.stdout
    assert "memory limit:     RLIMIT_AS, 2048 MB per worker" in run.stdout
    assert re.search(r"kernel layer: +seccomp-bpf \+ Landlock ABI \d+, with no_new_privs", run.stdout), run.stdout
    assert re.search(r"torch: +\d+\.\d+\.\d+\S*, (CPU|CUDA \S+) build", run.stdout)


def test_doctor_answers_outside_a_course_folder(tmp_path):
    run = run_course("doctor", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "course folder:    none found from here" in run.stdout


@pytest.mark.parametrize("value", ["forking", "threads"])
def test_an_unknown_course_sandbox_is_a_usage_error_that_names_the_fix(value):
    run = run_course("check", "tensors.vector", env={"COURSE_SANDBOX": value})
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert f"COURSE_SANDBOX='{value}' is not a sandbox backend: use fork or spawn" in " ".join(run.stderr.split())


def test_the_windows_job_limits_have_the_documented_layout():
    """JOBOBJECT_EXTENDED_LIMIT_INFORMATION is 144 bytes on 64-bit Windows, ProcessMemoryLimit at
    offset 112 (winnt.h); the structure is plain ctypes, so its layout is checked here."""
    info = spawn.job_limits(512)
    if ctypes.sizeof(ctypes.c_void_p) == 8:
        assert ctypes.sizeof(info) == 144
        assert type(info).ProcessMemoryLimit.offset == 112
    flags = info.BasicLimitInformation.LimitFlags
    assert (
        flags
        == (
            spawn.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
            | spawn.JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION
            | spawn.JOB_OBJECT_LIMIT_PROCESS_MEMORY
        )
        == 0x2500
    )
    assert info.ProcessMemoryLimit == 512 * 2**20


# --- the spawn backend grades as the fork backend does ----------------------------------------


@pytest.fixture(scope="module")
def a_class(tmp_path_factory) -> tuple[Path, list[Path]]:
    """Solutions, stubs, every wrong answer and every hostile submission, in one class. Wrong
    answers share submissions, one per exercise in each: both backends grade the same ones, and
    a unit no wrong answer is in is left out, which costs nothing to grade."""
    where = tmp_path_factory.mktemp("class")
    root = quick_course(where)
    submissions = [where / "solutions"]
    shutil.copytree(ROOT / "exercises", where / "stubs")
    submissions.append(where / "stubs")
    rounds: list[dict[str, list[str]]] = []  # each submission's wrong answers, by unit
    taken = Counter()
    for exercise_id, source, _ in WRONG:
        if taken[exercise_id] == len(rounds):
            rounds.append({})
        rounds[taken[exercise_id]].setdefault(exercise_id.partition(".")[0], []).append(source)
        taken[exercise_id] += 1
    for number, units in enumerate(rounds):
        folder = where / f"wrong{number:03d}"
        folder.mkdir()
        for unit, sources in units.items():
            solution = (ROOT / "solutions" / f"{unit}.py").read_text(encoding="utf-8")
            (folder / f"{unit}.py").write_text("\n\n".join([solution, *sources, ""]), encoding="utf-8")
        submissions.append(folder)
    submissions += [assemble(corpus, where, whole=False) for corpus in HOSTILE]
    return root, submissions


def graded_with(backend: str, root: Path, submissions: list[Path]) -> dict[str, dict]:
    run = run_course(
        "grade",
        *submissions,
        "--format",
        "json",
        "--device",
        "cpu",
        "--jobs",
        "2",
        env={"COURSE_SANDBOX": backend},
        timeout=900,
        root=root,
    )
    assert run.returncode == 0, run.stderr
    return {r["submission"]: r for r in json.loads(run.stdout)}


def test_spawn_gives_the_fork_backends_records(a_class):
    root, submissions = a_class
    fork, spawned = (graded_with(backend, root, submissions) for backend in ("fork", "spawn"))
    assert fork.keys() == spawned.keys() and len(fork) == len(submissions)

    # an answer drawn from a generator seeded by the OS differs from run to run, whatever the backend
    entropy = {exercise_id for exercise_id, source, _ in WRONG if "default_rng()" in source}

    def record(exercise: dict, name: str) -> dict:
        unseeded = name.startswith("wrong") and exercise["id"] in entropy
        return {k: v for k, v in exercise.items() if k != "seconds" and not (k == "message" and unseeded)}

    differ = [
        (name, ours, theirs)
        for name in fork
        for ours, theirs in zip(fork[name]["exercises"], spawned[name]["exercises"], strict=True)
        if record(ours, name) != record(theirs, name)
    ]
    assert differ == []
    assert all(fork[name]["score"] == spawned[name]["score"] for name in fork)
    assert fork["solutions"]["score"] == fork["solutions"]["max_score"] == 70
    assert {ex["status"] for ex in fork["stubs"]["exercises"]} == {"not-implemented"}


@pytest.mark.parametrize("backend", ["fork", "spawn"])
def test_nothing_the_grader_started_is_running_once_it_has_left(tmp_path, backend):
    """The fork server and the spare worker, started ahead of need, end before `course` does: a
    process found the moment it exits would be one that outlived it."""
    package = tmp_path / "package"  # a copy of the grader: every process it starts names this path
    shutil.copytree(ROOT / "graders", package / "graders", ignore=shutil.ignore_patterns("__pycache__"))
    submission = tmp_path / "submission"
    shutil.copytree(ROOT / "solutions", submission, ignore=shutil.ignore_patterns("__pycache__"))
    for _ in range(3):
        graded = subprocess.run(
            [
                sys.executable,
                "-m",
                "graders",
                "--root",
                str(ROOT),
                "grade",
                str(submission),
                "--only",
                "activations",
                "--device",
                "cpu",
                "--format",
                "json",
            ],
            capture_output=True,
            encoding="utf-8",
            check=False,
            env={**os.environ, "PYTHONPATH": str(package), "COURSE_SANDBOX": backend},
            cwd=package,  # `python -m` puts the working folder first on sys.path
        )
        left = subprocess.run(["pgrep", "-f", str(package)], capture_output=True, encoding="utf-8", check=False)
        assert graded.returncode == 0, graded.stderr
        assert left.stdout == "", f"still running after `course grade` left: {left.stdout.split()}"


def test_a_spawned_worker_in_an_endless_loop_dies_with_the_grader(tmp_path):
    submission = tmp_path / "spinner"
    shutil.copytree(ROOT / "solutions", submission)
    with open(submission / "activations.py", "a", encoding="utf-8") as module:
        module.write("\n\ndef relu(x):\n    while True:\n        pass\n")
    grader = subprocess.Popen(
        course_argv("grade", submission, "--only", "activations", "--device", "cpu", "--format", "json", root=ROOT),
        stdout=subprocess.DEVNULL,
        env={**os.environ, "COURSE_SANDBOX": "spawn"},
    )
    try:
        deadline = time.monotonic() + 60
        while not (workers := _children(grader.pid, "spawn_worker.py")) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert workers, "no spawned worker was found while grading"
        time.sleep(2)  # well into the endless loop
    finally:
        grader.kill()
        grader.wait()
    time.sleep(3)  # the worker's orphan check looks every second (spawn_worker.ORPHAN_CHECK_SECONDS)
    assert [pid for pid in workers if Path(f"/proc/{pid}").exists() and _state(pid) != "Z"] == [], (
        "a spawned worker outlived the grader"
    )


def _children(parent: int, script: str) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":\t", 1) for line in status.read_text(encoding="utf-8").splitlines() if ":\t" in line
            )
            command = (status.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields.get("PPid", "0")) == parent and script.encode() in command:
            found.append(int(status.parent.name))
    return found


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


# --- a simulated interpreter without Linux-only APIs ---------------------------------------------

SHIM = """\
# An interpreter without Linux-only APIs: what Windows lacks (fork, SEQPACKET, fd passing, resource).
import os, socket, sys
for _name in ("fork", "forkpty", "register_at_fork"):
    if hasattr(os, _name):
        delattr(os, _name)
for _name in ("SOCK_SEQPACKET", "send_fds", "recv_fds"):
    if hasattr(socket, _name):
        delattr(socket, _name)
sys.modules["resource"] = None  # import resource: ImportError
"""

# The grading process keeps os.register_at_fork: PyTorch calls it at import wherever
# sys.platform is not win32 (torch/multiprocessing/_atfork.py), so without it torch cannot load
# on this Linux at all; on Windows torch takes its own branch. The course's own code never
# names it (test_the_course_never_calls_register_at_fork), and its workers run without it.
PARENT_SHIM = SHIM.replace('("fork", "forkpty", "register_at_fork")', '("fork", "forkpty")')

SITECUSTOMIZE = (
    PARENT_SHIM
    + """
# Every Python this one starts (the workers run `python -I -S ... script.py`) runs the same shim
# first, through a bootstrap script, so no process of the run has the APIs.
import subprocess
_BOOTSTRAP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bootstrap.py")
_popen_init = subprocess.Popen.__init__

def _init(self, args, *rest, **kwargs):
    if isinstance(args, list) and args and args[0] == sys.executable:
        script = next(i for i, a in enumerate(args) if i > 0 and not a.startswith("-"))
        args = [*args[:script], _BOOTSTRAP, *args[script:]]
    _popen_init(self, args, *rest, **kwargs)

subprocess.Popen.__init__ = _init
"""
)

BOOTSTRAP = (
    SHIM
    + """
import runpy
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""
)


@pytest.fixture(scope="module")
def not_linux(tmp_path_factory) -> dict:
    """The environment of a simulated interpreter without Linux-only APIs."""
    shim = tmp_path_factory.mktemp("not-linux")
    (shim / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    (shim / "bootstrap.py").write_text(BOOTSTRAP, encoding="utf-8")
    return {"PYTHONPATH": str(shim), "COURSE_SANDBOX": ""}


@pytest.fixture(scope="module")
def learner_course(tmp_path_factory) -> Path:
    """A learner's copy: the stubs, with activations solved, committed as handed out."""
    root = tmp_path_factory.mktemp("learner")
    shutil.copy(ROOT / "course.toml", root)
    shutil.copytree(ROOT / "exercises", root / "exercises")
    git = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
        "PATH": os.environ["PATH"],
    }
    for command in (["init", "-q"], ["add", "."], ["commit", "-qm", "handed out"]):
        subprocess.run(["git", *command], cwd=root, check=True, capture_output=True, env=git)
    shutil.copy(ROOT / "solutions" / "activations.py", root / "exercises" / "activations.py")
    return root


def test_the_simulated_interpreter_really_lacks_the_apis(not_linux, tmp_path):
    probe = (
        "import os, socket\ntry:\n    import resource\nexcept ImportError:\n    resource = None\n"
        "print(hasattr(os, 'fork'), hasattr(os, 'register_at_fork'), hasattr(socket, 'SOCK_SEQPACKET'), "
        "hasattr(socket, 'send_fds'), resource)\n"
    )
    (tmp_path / "probe.py").write_text(probe, encoding="utf-8")
    env = {**os.environ, **not_linux}
    parent = subprocess.run(
        [sys.executable, str(tmp_path / "probe.py")], env=env, capture_output=True, encoding="utf-8", check=False
    )
    # a worker's way in: isolated and without site, through the shim's bootstrap
    start_a_worker = (
        "import subprocess, sys; print(subprocess.run([sys.executable, "
        f"'-I', '-S', {str(tmp_path / 'probe.py')!r}], capture_output=True, text=True).stdout)"
    )
    worker = subprocess.run(
        [sys.executable, "-c", start_a_worker], env=env, capture_output=True, encoding="utf-8", check=False
    )
    assert parent.stdout.strip() == "False True False False None", parent
    assert worker.stdout.strip() == "False False False False None", worker


def test_the_course_never_calls_register_at_fork():
    """What the grading process's shim leaves in place for PyTorch's sake, the course never uses."""
    assert [
        path for path in (ROOT / "graders").rglob("*.py") if "register_at_fork" in path.read_text(encoding="utf-8")
    ] == []


def test_the_learner_path_works_without_linux_only_apis(not_linux, learner_course, tmp_path):
    version = run_course("--version", cwd=learner_course, env=not_linux)
    assert "(sandbox: spawn, this Python has no os.fork)" in version.stdout, version

    check = run_course("check", "activations", "--device", "cpu", cwd=learner_course, env=not_linux)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "10/10 exercises passed" in " ".join(check.stdout.split()) or "14/14" in check.stdout, check.stdout

    stubs = run_course("check", "tensors.vector", "--device", "cpu", cwd=learner_course, env=not_linux)
    assert stubs.returncode == 1 and "not implemented" in stubs.stdout, stubs.stdout + stubs.stderr

    listed = run_course("list", "--device", "cpu", cwd=learner_course, env=not_linux)
    assert listed.returncode == 0 and "activations.softmax_backward" in listed.stdout, listed.stderr

    hint = run_course("hint", "activations.sigmoid", cwd=learner_course, env=not_linux)
    assert hint.returncode == 0 and "1." in hint.stdout, hint.stderr

    plot = run_course(
        "plot", "activations", "--out", tmp_path / "plots", "--device", "cpu", cwd=learner_course, env=not_linux
    )
    assert plot.returncode == 0, plot.stderr
    assert (tmp_path / "plots" / "activations.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    reset = run_course("reset", "activations.relu", cwd=learner_course, env=not_linux)
    assert reset.returncode == 0, reset.stderr
    assert "raise NotImplementedError" in (learner_course / "exercises" / "activations.py").read_text(encoding="utf-8")

    notebook = tmp_path / "activations.ipynb"
    source = (ROOT / "solutions" / "activations.py").read_text(encoding="utf-8")
    notebook.write_text(
        json.dumps(
            {
                "cells": [
                    {"cell_type": "code", "metadata": {}, "source": source, "outputs": [], "execution_count": None}
                ],
                "metadata": {},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        ),
        encoding="utf-8",
    )
    in_notebook = run_course("check", notebook, "--device", "cpu", cwd=learner_course, env=not_linux)
    assert in_notebook.returncode == 0, in_notebook.stdout + in_notebook.stderr


def test_a_notebook_check_imports_nothing_posix_only(not_linux):
    """What a notebook's test cell runs, in a kernel of the simulated interpreter."""
    cell = textwrap.dedent("""\
        import sys
        import numpy as np
        from graders.notebook import check

        def relu(x):
            x = np.asarray(x)
            return np.where(x > 0, x, np.zeros_like(x))

        check("activations.relu", relu)
        print("resource" in sys.modules and sys.modules["resource"] is not None)
        """)
    run = subprocess.run(
        [sys.executable, "-c", cell],
        env={**os.environ, **not_linux},
        capture_output=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["✓ activations.relu passed", "False"]

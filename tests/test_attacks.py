"""The attack corpus (tests/corpus/attacks) graded end to end: every attack switches the audit
hook off first, so what stops it is the kernel layer. One `course grade` batch holds them all and
an honest submission; the checks are the trust boundary's promises, seen from outside."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest

from graders.sandbox import backends
from tests.conftest import ROOT
from tests.test_integrity import ATTACKS, quick_course

SECRET = "hidden-" + uuid.uuid4().hex  # the instructor's: it must appear nowhere in the report
MARKER = "attack-" + uuid.uuid4().hex  # the word on any process an attack leaves behind
NAMES = sorted(p.name for p in ATTACKS.iterdir() if p.is_dir())

pytestmark = pytest.mark.skipif(
    not backends.kernel_layer()["complete"], reason="the kernel layer is incomplete here (course doctor says why)"
)


class Listener:
    """A TCP listener on 127.0.0.1 that records every connection and byte it receives."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    self.received.append(b"connected:" + conn.recv(4096))
                except OSError:
                    self.received.append(b"connected")


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every entry beneath `folder`: its kind, mode, owner, times and contents."""
    entries = {}
    for path in sorted(folder.rglob("*")):
        if "__pycache__" in path.parts:
            continue
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() and not path.is_symlink() else ""
        entries[str(path.relative_to(folder))] = (info.st_mode, info.st_uid, info.st_mtime_ns, digest)
    return entries


def build(name: str, where: Path, fill: dict[str, str]) -> Path:
    submission = where / name
    shutil.copytree(ROOT / "exercises", submission, ignore=shutil.ignore_patterns("__pycache__", ".*"))
    shutil.copy(ATTACKS / "unhook.py", submission / "unhook.py")
    for change in sorted((ATTACKS / name).iterdir()):
        text = change.read_text(encoding="utf-8")
        for token, value in fill.items():
            text = text.replace(token, value)
        target = submission / change.name
        target.write_text(target.read_text(encoding="utf-8") + text, encoding="utf-8")
    return submission


def grade(package: Path, root: Path, submissions: list[Path]) -> subprocess.CompletedProcess:
    """`course grade`, run from `package`, a copy of the grader: should the kernel layer ever
    fail, the attacks change that copy, not this checkout."""
    env = {**os.environ, "COURSE_HIDDEN_SEED": SECRET, "PYTHONPATH": str(package)}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "graders",
            "--root",
            str(root),
            "grade",
            *map(str, submissions),
            "--format",
            "json",
            "--device",
            "cpu",
            "--jobs",
            "2",
        ],
        capture_output=True,
        encoding="utf-8",
        timeout=600,
        env=env,
        check=False,
        cwd=package,
    )


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    where = tmp_path_factory.mktemp("attacked")
    package = where / "package"
    shutil.copytree(ROOT / "graders", package / "graders", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "solutions", package / "solutions")  # where an attack looks: beside the grader
    root = quick_course(where)
    for course_root in (root, package):
        (course_root / "instructor.toml").write_text(f'[grading]\nhidden_seed = "{SECRET}"\n', encoding="utf-8")
    canary = where / "canary"
    canary.mkdir()
    canary.chmod(0o777)  # anyone may write here: only the sandbox stops an attack
    klass = where / "class"
    klass.mkdir()
    listener = Listener()
    fill = {"__PORT__": str(listener.port), "__CANARY__": str(canary), "__CLASS__": str(klass), "__MARKER__": MARKER}
    honest = klass / "honest"
    shutil.copytree(ROOT / "solutions", honest, ignore=shutil.ignore_patterns("__pycache__"))
    attackers = [build(name, klass, fill) for name in NAMES]
    alone = grade(package, root, [honest])
    watched = {folder: snapshot(folder) for folder in (package, root, klass, where / "solutions")}
    tmp_before = set(os.listdir("/tmp"))
    batch = grade(package, root, [honest, *attackers])
    survivors = "".join(  # what an attack started, and any worker of this grader
        subprocess.run(["pgrep", "-f", word], capture_output=True, encoding="utf-8", check=False).stdout
        for word in (MARKER, str(package))
    )
    for pid in survivors.split():  # a test that fails leaves nothing running either
        subprocess.run(["kill", "-9", pid], check=False)
    listener.sock.close()
    return {
        "alone": alone,
        "batch": batch,
        "survivors": survivors,
        "listener": listener,
        "canary": canary,
        "changed": [str(folder) for folder, before in watched.items() if snapshot(folder) != before],
        "tmp_new": sorted(set(os.listdir("/tmp")) - tmp_before),
    }


def records(run: subprocess.CompletedProcess) -> dict[str, dict]:
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    return {r["submission"]: r for r in (data if isinstance(data, list) else [data])}


def test_the_grader_exits_0_with_a_complete_report(attacked, course):
    graded = records(attacked["batch"])
    assert sorted(graded) == sorted(["honest", *NAMES])
    for record in graded.values():
        assert [e["id"] for e in record["exercises"]] == [ex.id for ex in course.exercises]
        assert record["sandbox"].startswith("seccomp-bpf + Landlock ABI")


@pytest.mark.parametrize("name", NAMES)
def test_an_attack_earns_no_point(attacked, name):
    record = records(attacked["batch"])[name]
    assert record["score"] == 0, [(e["id"], e["status"]) for e in record["exercises"] if e["score"]]


def test_the_honest_submission_scores_exactly_what_it_scores_alone(attacked):
    def outcome(record):
        return [(e["id"], e["status"], e["score"]) for e in record["exercises"]]

    alone = records(attacked["alone"])["honest"]
    assert alone["score"] == alone["max_score"]
    assert outcome(records(attacked["batch"])["honest"]) == outcome(alone)


def test_no_process_outlives_grading(attacked):
    assert attacked["survivors"] == ""


def test_nothing_is_written_outside_the_sandbox(attacked):
    assert attacked["changed"] == []  # the grader's modules, the course, the class, the solutions
    assert list(attacked["canary"].iterdir()) == []
    assert not [name for name in attacked["tmp_new"] if not name.startswith(("course-", "pytest-", "tmp"))]


def test_the_listener_receives_nothing(attacked):
    assert attacked["listener"].received == []


def test_the_hidden_seed_appears_nowhere_in_the_report(attacked):
    assert SECRET not in attacked["batch"].stdout + attacked["batch"].stderr
    # and the attacks did run: the secret thief's import error is on record, with what it was refused
    thief = records(attacked["batch"])["steal_the_secret"]
    messages = " ".join(e["message"] for e in thief["exercises"])
    assert "hook off: DONE None" in messages, messages  # the attacks met the kernel layer alone
    assert "cmdline: refused" in messages and "environ: refused" in messages, messages

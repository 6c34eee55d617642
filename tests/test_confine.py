"""The kernel layer's parts are each optional: where one is missing (no libseccomp, a kernel
without Landlock, a container that denies either), the other still holds and `level` says
which. Each case confines a fresh interpreter, never this one."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.helpers import course_argv

PROBE = """
import os, sys
sys.path.insert(0, {folder!r})
from confine import Confinement
confinement = Confinement()
{disable}
level = confinement.apply([os.path.dirname(os.__file__)])
def refused(call):
    try:
        call()
    except OSError:
        return True
    return False
print(level, "|", refused(lambda: os.setsid()), refused(lambda: os.listdir("/")))
"""


@pytest.mark.parametrize(
    "disable, level, seccomp, landlock",
    [
        ("", "seccomp-bpf + Landlock ABI", True, True),
        ("confinement._filter = None  # as without libseccomp", "Landlock ABI", False, True),
        ("confinement._landlock.abi = 0  # as on a kernel before 5.13", "seccomp-bpf", True, False),
    ],
)
def test_each_layer_holds_without_the_other(disable, level, seccomp, landlock):
    code = PROBE.format(folder=str(ROOT / "graders" / "sandbox"), disable=disable)
    run = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, encoding="utf-8", timeout=60, check=False
    )
    assert run.returncode == 0, run.stderr
    said, _, refusals = run.stdout.partition(" | ")
    assert said.startswith(level) and ("+" in said) == (seccomp and landlock), said
    assert refusals.split() == [str(seccomp), str(landlock)]


# A container whose own seccomp profile denies a layer's system calls (Docker's default denies
# some, older Dockers more), made real: this filter, loaded before `course` starts, is inherited by
# the grader, its probe and every worker, as a container's is.
DENY = """
import errno, os, sys
import pyseccomp as s
deny = s.SyscallFilter(s.ALLOW)
if sys.argv[1] == "landlock":
    for name in ("landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self"):
        deny.add_rule(s.ERRNO(errno.ENOSYS), name)
else:
    deny.add_rule(s.ERRNO(errno.EPERM), "seccomp")
    deny.add_rule(s.ERRNO(errno.EPERM), "prctl", s.Arg(0, s.EQ, 22))  # PR_SET_SECCOMP
deny.load()
os.execv(sys.argv[2], sys.argv[2:])
"""
LEFT = {"landlock": ("no Landlock", "seccomp-bpf"), "seccomp": ("no seccomp", "Landlock ABI")}


GRADE_ACTIVATIONS = course_argv("grade", ROOT / "solutions", "--only", "activations", root=ROOT)


def _grade(*prefix: str, extra: tuple[str, ...], backend: str = "fork") -> subprocess.CompletedProcess:
    command = [*prefix, *GRADE_ACTIVATIONS, "--device", "cpu", *extra]
    env = {**os.environ, "COURSE_SANDBOX": backend}
    return subprocess.run(command, capture_output=True, encoding="utf-8", timeout=300, check=False, env=env)


def _grade_denied(tmp_path, denied: str, *extra: str, backend: str = "fork") -> subprocess.CompletedProcess:
    wrapper = tmp_path / "deny.py"
    wrapper.write_text(DENY, encoding="utf-8")
    return _grade(sys.executable, str(wrapper), denied, extra=extra, backend=backend)


@pytest.mark.parametrize("denied", sorted(LEFT))
def test_course_grade_refuses_to_grade_for_credit_without_a_layer(tmp_path, denied):
    run = _grade_denied(tmp_path, denied, "--format", "json")
    assert run.returncode == 2 and run.stdout == "", run.stderr
    said = " ".join(run.stderr.split())
    assert LEFT[denied][0] in said and "--allow-weak-sandbox" in said, said


@pytest.mark.parametrize("backend", ["fork", "spawn"])
@pytest.mark.parametrize("denied", sorted(LEFT))
def test_allowed_a_weak_sandbox_grades_with_what_holds_and_says_so(tmp_path, denied, backend):
    run = _grade_denied(tmp_path, denied, "--format", "json", "--allow-weak-sandbox", backend=backend)
    assert run.returncode == 0, run.stderr
    record = json.loads(run.stdout)
    assert record["score"] == record["max_score"] > 0  # an honest submission loses nothing to it
    assert record["sandbox"].startswith(LEFT[denied][1]) and LEFT[denied][0][3:] not in record["sandbox"].lower()
    assert run.stderr.count("a weak sandbox") == 1 and LEFT[denied][0] in run.stderr, run.stderr


@pytest.mark.parametrize("denied", sorted(LEFT))
def test_one_container_formats_never_refuse(tmp_path, denied):
    """Gradescope grades one submission per container: a refusal there is the learner's zero."""
    run = _grade_denied(tmp_path, denied, "--format", "gradescope")
    assert run.returncode == 0, run.stderr
    results = json.loads(run.stdout)
    assert sum(test["score"] for test in results["tests"]) == sum(test["max_score"] for test in results["tests"]) > 0
    assert LEFT[denied][1] in json.dumps(results), results  # the sandbox that graded it is on record


def test_a_full_kernel_layer_is_on_every_record():
    run = _grade(extra=("--format", "json"))
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["sandbox"].startswith("seccomp-bpf + Landlock ABI")


OWN_UID = """
import os, resource, sys
sys.path.insert(0, {folder!r})
from confine import UID_BASE, Confinement
confinement = Confinement()
confinement.drop_privileges([os.path.dirname(os.__file__)])
def refused(call):
    try:
        call()
    except PermissionError:
        return "refused"
    return "allowed"
print(confinement.level, os.getuid() - UID_BASE == os.getpid(), os.getgroups(),
      resource.getrlimit(resource.RLIMIT_NPROC),
      refused(lambda: open(f"/proc/{{os.getppid()}}/environ", "rb").read()), refused(lambda: os.kill(os.getppid(), 0)),
      refused(lambda: open({owned!r}, "a").write("x")), sep=" | ")
"""


def _interpreter_open_to_all() -> str | None:
    """A Python whose standard library any user may read: this one, or the system's."""
    from graders.sandbox.confine import _open_to_all

    for python in (sys.executable, "/usr/bin/python3"):
        stdlib = subprocess.run(
            [python, "-I", "-c", "import os; print(os.path.dirname(os.__file__))"],
            capture_output=True,
            encoding="utf-8",
            check=False,
        ).stdout.strip()
        if stdlib and _open_to_all(stdlib):
            return python
    return None


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only a root grader changes uid")
def test_a_root_worker_becomes_a_uid_of_its_own(tmp_path):
    python = _interpreter_open_to_all()
    if python is None:
        pytest.skip("no Python here whose standard library other users may read")
    owned = tmp_path / "owned"
    owned.write_text("mine", encoding="utf-8")  # root's, 0644: any uid but root's reads it and no more
    tmp_path.chmod(0o755)
    code = OWN_UID.format(folder=str(ROOT / "graders" / "sandbox"), owned=str(owned))
    run = subprocess.run([python, "-I", "-c", code], capture_output=True, encoding="utf-8", timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    level, own, groups, nproc, environ, signal, write = run.stdout.strip().split(" | ")
    assert level.endswith("own uid") and (own, groups, nproc) == ("True", "[]", "(32, 32)"), level
    assert (environ, signal, write) == ("refused", "refused", "refused")  # the grader is another user now
    assert owned.read_text(encoding="utf-8") == "mine"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only a root grader changes uid")
def test_a_root_worker_keeps_its_uid_where_its_libraries_are_closed_to_others(tmp_path):
    closed = tmp_path / "closed"
    (closed / "lib").mkdir(parents=True)
    closed.chmod(0o700)
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT / 'graders' / 'sandbox')!r}); from confine import Confinement\n"
        f"c = Confinement(); c.drop_privileges([{str(closed / 'lib')!r}]); print(c.level, '|', c.why_not[-1])"
    )
    run = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, encoding="utf-8", timeout=60, check=False
    )
    assert run.returncode == 0, run.stderr
    level, why = run.stdout.strip().split(" | ")
    assert (
        "own uid" not in level
        and why == f"no own uid: {closed / 'lib'} is not readable by other users, and the worker imports from it"
    )

"""The kernel layer's parts are each optional: where one is missing (no libseccomp, a kernel
without Landlock, a container that denies either), the other still holds and `level` says
which. Each case confines a fresh interpreter, never this one."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

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

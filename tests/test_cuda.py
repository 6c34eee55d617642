"""CUDA references: the solutions pass against the GPU too, and CPU and GPU agree."""

from __future__ import annotations

import pytest
import torch

from graders.engine import grade, prepare
from graders.sandbox.handle import Sandbox
from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU on this machine")


def test_solutions_pass_against_cpu_and_cuda_references(course):
    prepared = prepare(course.exercises, ["cpu", "cuda"])
    bugs = [e for p in prepared for e in p.expected if isinstance(e, str)]
    assert not bugs, bugs  # CPU and CUDA references agree to the tolerance
    with Sandbox(ROOT / "solutions", course.limits) as sandbox:
        result = grade(prepared, sandbox, "solutions")
    assert all(r.passed and r.devices == ["cpu", "cuda"] for r in result.exercises), [
        (r.id, r.message) for r in result.exercises if not r.passed
    ]

"""The multi-device path without a GPU: references on two CPU-backed torch devices ("cpu" and
"cpu:0") go through what CPU + CUDA go through. Every reference runs on both, the two must
agree, a wrong answer's message names the device it was checked against, the records list
both devices, and a disagreement is told as the grader's bug, never the learner's.
tests/test_cuda.py proves the numbers where a GPU exists; this proves the plumbing everywhere."""

from __future__ import annotations

import json

import numpy as np
import pytest

from graders import engine
from graders.engine import grade, prepare
from graders.results import to_json
from graders.sandbox.handle import Sandbox
from tests.conftest import ROOT

DEVICES = ["cpu", "cpu:0"]
UNITS = ("activations", "gradient_descent")  # an element-wise unit and a training one


@pytest.fixture(scope="module")
def two_devices(course):
    return prepare([ex for ex in course.exercises if ex.unit in UNITS], DEVICES, use_cache=False)


def graded(course, prepared, folder):
    with Sandbox(folder, course.limits) as sandbox:
        return grade(prepared, sandbox, folder.name)


def test_every_reference_runs_on_both_devices_and_they_agree(two_devices):
    for p in two_devices:
        assert p.devices == DEVICES
        for case, expected in zip(p.cases, p.expected, strict=True):
            assert not isinstance(expected, str), expected  # a string says why a reference is not trusted
            assert list(expected) == DEVICES, case.label


def test_the_solutions_pass_and_their_records_name_both_devices(course, two_devices):
    result = graded(course, two_devices, ROOT / "solutions")
    assert all(r.passed for r in result.exercises), [(r.id, r.message) for r in result.exercises if not r.passed]
    assert all(r.devices == DEVICES for r in result.exercises)
    assert json.loads(to_json([result]))["exercises"][0]["devices"] == DEVICES


def test_a_wrong_answer_names_the_device_it_was_checked_against(course, two_devices, tmp_path):
    folder = tmp_path / "learner"
    folder.mkdir()
    source = (ROOT / "solutions" / "activations.py").read_text(encoding="utf-8")
    (folder / "activations.py").write_text(source + "\n\ndef relu(x):\n    return np.abs(x)\n", encoding="utf-8")
    relu = [p for p in two_devices if p.exercise.id == "activations.relu"]
    (record,) = graded(course, relu, folder).exercises
    assert record.status == "failed" and record.devices == DEVICES
    assert "(checked with the cpu reference)" in record.message


def test_references_that_disagree_are_the_graders_bug_never_the_learners(course, monkeypatch):
    """One device's reference nudged by 1e-3: every case is then untrusted, and the solution
    is told so as an error of the grader's, with no point lost to a wrong verdict."""
    real = engine._reference

    def nudged(grader, case, ref):
        answer = real(grader, case, ref)
        return answer + 1e-3 if ref.device == "cpu:0" and isinstance(answer, np.ndarray) else answer

    monkeypatch.setattr(engine, "_reference", nudged)
    (sigmoid,) = prepare([course.exercise("activations.sigmoid")], DEVICES, use_cache=False)
    assert all(isinstance(e, str) and "the cpu and cpu:0 references disagree" in e for e in sigmoid.expected)
    (record,) = graded(course, [sigmoid], ROOT / "solutions").exercises
    assert record.status == "error" and "references disagree" in record.message

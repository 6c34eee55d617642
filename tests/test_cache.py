"""The reference cache: a warm check imports no torch, any change is a miss, and a class batch
computes each reference once, however many submissions it grades."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from graders import cache, engine
from graders.batch import grade_many
from tests.conftest import ROOT

COURSE = [
    sys.executable,
    "-c",
    "import sys; from graders.cli import main; code = main(sys.argv[1:]); "
    "print('TORCH-IMPORTED' if 'torch' in sys.modules else 'NO-TORCH', file=sys.stderr); sys.exit(code)",
]


def run_reporting_torch(*args, cache_dir, root=ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "COURSE_CACHE_DIR": str(cache_dir)}
    return subprocess.run([*COURSE, "--root", str(root), *args], capture_output=True, encoding="utf-8", env=env)


def test_a_warm_check_imports_no_torch_and_gives_the_same_results(tmp_path):
    """A learner re-checking their work: the second time every reference comes from the cache,
    and the exercises that accept many answers (gate_params, robust_xor_params) judge them in
    NumPy, so no unit's check imports torch."""
    shutil.copy(ROOT / "course.toml", tmp_path)
    shutil.copytree(ROOT / "solutions", tmp_path / "exercises")
    cold = run_reporting_torch("check", "--device", "auto", cache_dir=tmp_path / "cache", root=tmp_path)
    warm = run_reporting_torch("check", "--device", "auto", cache_dir=tmp_path / "cache", root=tmp_path)
    assert cold.returncode == warm.returncode == 0, warm.stdout
    assert "TORCH-IMPORTED" in cold.stderr
    assert "NO-TORCH" in warm.stderr or _gpu_machine()  # with a GPU, torch answers whether CUDA is usable
    assert cold.stdout == warm.stdout


def _gpu_machine() -> bool:
    return os.path.exists("/proc/driver/nvidia")


def test_no_cache_and_verify_compute_live(tmp_path):
    # one unit: what is computed live is the same for every unit
    first = run_reporting_torch("grade", "solutions", "--only", "activations", "--device", "cpu", cache_dir=tmp_path)
    assert "TORCH-IMPORTED" in first.stderr
    live = run_reporting_torch(
        "grade", "solutions", "--only", "activations", "--device", "cpu", "--no-cache", cache_dir=tmp_path
    )
    assert live.returncode == 0 and "TORCH-IMPORTED" in live.stderr


@pytest.fixture
def counted(monkeypatch, tmp_path):
    """How many references are computed (not read from the cache)."""
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    calls = []
    real = engine._reference
    monkeypatch.setattr(engine, "_reference", lambda *args: calls.append(args) or real(*args))
    return calls


def test_a_changed_case_torch_version_or_device_is_a_miss(course, counted, monkeypatch):
    exercises = course.select("losses")
    engine.prepare(exercises, ["cpu"])
    first = len(counted)
    assert first > 0
    engine.prepare(exercises, ["cpu"])
    assert len(counted) == first  # all hits
    engine.prepare(exercises, ["cpu"], hidden_seed="another secret")  # new cases: misses
    assert len(counted) > first
    before = len(counted)
    monkeypatch.setattr(cache, "torch_version", lambda: "0.0.0+other")
    engine.prepare(exercises, ["cpu"])
    assert len(counted) == before + first  # a new torch: all computed again
    monkeypatch.undo()


def test_a_damaged_entry_is_computed_again(course, counted, tmp_path):
    exercises = course.select("losses.mse")
    engine.prepare(exercises, ["cpu"])
    for entry in (tmp_path / "cache").rglob("*"):
        if entry.is_file():
            entry.write_bytes(b"garbage")
    computed = len(counted)
    (prepared,) = engine.prepare(exercises, ["cpu"])
    assert len(counted) == 2 * computed and all(isinstance(e, dict) for e in prepared.expected)


@pytest.mark.parametrize("size", [1, 4])
def test_a_batch_computes_each_reference_once_whatever_its_size(course, counted, tmp_path, size):
    exercises = course.select("activations")
    prepared = engine.prepare(exercises, ["cpu"], use_cache=False)
    computed = len(counted)
    grade_many(course, [ROOT / "solutions"] * 1, prepared, jobs=2)  # grading computes none
    copies = []
    for i in range(size):
        copies.append(tmp_path / f"learner{i}")
        copies[-1].symlink_to(ROOT / "solutions", target_is_directory=True)
    results = grade_many(course, copies, prepared, jobs=2)
    assert len(counted) == computed == sum(len(p.cases) for p in prepared)
    assert all(r.score == r.max_score for r in results), [
        (e.id, e.message) for r in results for e in r.exercises if not e.passed
    ][:2]

"""Hostile and broken submissions (tests/corpus) graded end to end through `course grade`:
the broken exercise gets its status and a clear reason, every other exercise keeps passing,
and grading is deterministic and independent of the order of submissions."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import ROOT
from tests.helpers import course_argv, run_course

CORPUS = ROOT / "tests" / "corpus"
ATTACKS = CORPUS / "attacks"  # tests/test_attacks.py's: the stubs, not the solutions, are their base
HOSTILE = sorted(p for p in CORPUS.iterdir() if p.is_dir() and p != ATTACKS)
CALL_SECONDS = 3

# folder -> {exercise id, or a unit for all its exercises: (status, what the message says)}
EXPECTED = {
    "infinite_loop": {"activations.relu": ("timeout", "did not finish within 3 s")},
    "infinite_loop_at_import": {
        "losses": ("timeout", "importing losses.py did not finish within 3 s (an endless loop at the top of the file?)")
    },
    "deep_recursion": {"activations.relu_grad": ("error", "raised RecursionError")},
    "memory_bomb": {"activations.sigmoid_grad": ("error", "raised MemoryError")},
    "fork_attempt": {"activations.softmax_backward": ("error", "starting processes is not allowed in an exercise")},
    "fork_bomb": {"activations.softmax_backward": ("error", "starting processes is not allowed in an exercise")},
    "subprocess_escape": {
        "activations.softmax_backward": ("error", "starting processes is not allowed in an exercise")
    },
    "kill_the_grader": {"activations.relu": ("error", "sending signals is not allowed in an exercise")},
    "os_exit": {"losses.mse": ("error", "exited with status 0")},
    "sys_exit": {"losses.softmax_cross_entropy": ("error", "raised SystemExit")},
    "keyboard_interrupt": {"losses.cross_entropy": ("error", "raised KeyboardInterrupt")},
    "base_exception": {"losses.binary_cross_entropy": ("error", "raised BaseException: boom")},
    "segfault_ctypes": {"activations.relu_grad": ("error", "ctypes is not allowed in an exercise")},
    "segfault": {"activations.tanh_grad": ("error", "killed by SIGSEGV")},
    "print_flood": {},
    "monkeypatch_numpy": {"activations.leaky_relu": ("failed", "expected 0.5")},
    "monkeypatch_builtins": {"losses.mse": ("error", "the process running your code")},
    "import_torch": {"activations": ("error", "import torch: use NumPy here; PyTorch is the grader's reference")},
    "import_torch_in_function": {"activations.relu": ("error", "use NumPy here")},
    "import_solutions": {"activations.sigmoid_grad": ("error", "the solutions are not importable from an exercise")},
    "import_graders": {"losses.mse": ("error", "the grader is not importable from an exercise")},
    "read_solutions": {
        "activations.softmax_backward": ("error", "reading files outside your submission is not allowed")
    },
    "write_files": {"losses.mse": ("error", "writing files is not allowed in an exercise")},
    "object_array": {"activations.relu": ("failed", "returned an array of dtype object")},
    "lying_subclass": {"activations.leaky_relu_grad": ("failed", "got      0 (float64")},
    "huge_array": {"activations.relu": ("failed", "returned an array of 74.5 GB, over the 32 MB limit")},
    "generator": {"activations.relu": ("failed", "returned a generator")},
    "none": {"activations.relu": ("failed", "got None (did you forget `return`?)")},
    "syntax_error": {"perceptron": ("error", "SyntaxError: invalid syntax (perceptron.py line ")},
    "import_error": {"tensors": ("error", "import scipy: only the standard library and NumPy are available here")},
    "missing_module": {"optimizers": ("missing", "optimizers.py is not in the submission")},
    "missing_function": {"activations.tanh_grad": ("missing", "defines no function tanh_grad()")},
    "wrong_signature": {
        "activations.leaky_relu": ("error", "defined as leaky_relu(x), which cannot take these arguments")
    },
    "not_utf8": {"xor_mlp": ("error", "SyntaxError: (unicode error) 'utf-8' codec can't decode byte 0xe9")},
}


def assemble(corpus: Path, where: Path, whole: bool = True) -> Path:
    """The solutions with the corpus entry's changes; not `whole`: only the modules it changes
    (all of them where it deletes one), the other units left out."""
    submission = where / corpus.name
    changed = {change.name for change in corpus.iterdir()}
    keep = whole or any(name.endswith(".delete") for name in changed)
    shutil.copytree(
        ROOT / "solutions",
        submission,
        ignore=lambda _, names: [n for n in names if n == "__pycache__" or not (keep or n in changed)],
    )
    for change in sorted(corpus.iterdir()):
        target = submission / change.name.removesuffix(".delete")
        if change.name.endswith(".delete"):
            target.unlink()
        else:
            target.write_bytes(target.read_bytes() + b"\n\n" + change.read_bytes())
    return submission


def grade(root: Path, submissions: list[Path], *extra: str) -> dict[str, dict]:
    run = run_course("grade", *submissions, "--format", "json", "--device", "cpu", *extra, root=root, timeout=600)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    return {r["submission"]: r for r in (data if isinstance(data, list) else [data])}


def quick_course(where: Path) -> Path:
    """A course folder in `where` whose calls time out after CALL_SECONDS, with the solutions
    beside it, as in an instructor's copy."""
    shutil.copytree(ROOT / "solutions", where / "solutions")
    root = where / "course"
    root.mkdir()
    toml = (ROOT / "course.toml").read_text(encoding="utf-8")
    (root / "course.toml").write_text(
        re.sub(r"call_seconds = [\d.]+", f"call_seconds = {CALL_SECONDS}", toml), encoding="utf-8"
    )
    return root


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    where = tmp_path_factory.mktemp("class")
    root = quick_course(where)
    submissions = [assemble(corpus, where) for corpus in HOSTILE]
    started = time.monotonic()
    first = grade(root, submissions)
    took = time.monotonic() - started
    again = grade(root, submissions[::-3])  # a third of them again, in another order
    return {"where": where, "root": root, "first": first, "again": again, "took": took}


def test_the_corpus_is_what_the_table_expects():
    assert [p.name for p in HOSTILE] == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_only_the_broken_exercise_loses_its_points(graded, name):
    result = graded["first"][name]
    expected = {}
    for target, verdict in EXPECTED[name].items():
        expected.update(
            {ex["id"]: verdict for ex in result["exercises"] if ex["id"] == target or ex["id"].startswith(target + ".")}
        )
    assert expected or not EXPECTED[name]
    for ex in result["exercises"]:
        if ex["id"] in expected:
            status, says = expected[ex["id"]]
            assert (ex["status"], ex["score"]) == (status, 0), ex
            assert says in ex["message"], ex["message"]
            assert "Traceback" not in ex["message"] and len(ex["message"]) < 2000
        else:
            assert ex["status"] == "passed", ex
    assert sum(ex["seconds"] for ex in result["exercises"]) < 30


def test_the_whole_corpus_is_graded_in_bounded_time(graded):
    assert graded["took"] < 30 * len(EXPECTED)


def test_nothing_escaped_the_sandbox(graded):
    assert not (graded["where"] / "gradebook.sqlite").exists()
    assert not (graded["where"] / "write_files" / "results.json").exists()
    assert not Path("/tmp/pwned").exists()


def test_grading_is_deterministic_and_order_independent(graded):
    def without_durations(record):
        return {**record, "exercises": [{k: v for k, v in ex.items() if k != "seconds"} for ex in record["exercises"]]}

    assert graded["again"].keys() <= graded["first"].keys() and len(graded["again"]) > 10
    for name in graded["again"]:
        assert without_durations(graded["first"][name]) == without_durations(graded["again"][name]), name


def test_hard_coded_public_answers_pass_public_cases_and_fail_hidden_ones(graded, prepared):
    """A learner who memorised the answers of the public cases of relu, without writing relu."""
    public = prepared["activations.relu"]
    table = [
        (np.asarray(case.inputs["x"]).tolist(), str(np.asarray(case.inputs["x"]).dtype), answers["cpu"].tolist())
        for case, answers in zip(public.cases, public.expected, strict=True)
    ]
    submission = graded["where"] / "memorised"
    shutil.copytree(ROOT / "solutions", submission)
    with open(submission / "activations.py", "a", encoding="utf-8") as module:
        module.write(
            f"\n\nTABLE = {table!r}\n\n\ndef relu(x):\n    x = np.asarray(x)\n"
            "    for inputs, dtype, answer in TABLE:\n"
            "        if str(x.dtype) == dtype and x.tolist() == inputs:\n"
            "            return np.asarray(answer, dtype=dtype)\n"
            "    return np.zeros_like(x)\n"
        )
    assert grade(graded["root"], [submission])["memorised"]["score"] == 70
    seed_file = graded["where"] / "hidden-seed"
    seed_file.write_text("only the instructor knows\n", encoding="utf-8")
    hidden = grade(graded["root"], [submission], "--hidden-seed-file", seed_file)["memorised"]
    relu = next(ex for ex in hidden["exercises"] if ex["id"] == "activations.relu")
    assert relu["status"] == "failed" and "On a hidden case" in relu["message"]
    assert hidden["score"] == 70 - relu["max_score"]


def test_an_interrupted_grading_leaves_the_previous_report_whole(graded):
    out = graded["where"] / "report.json"
    out.write_text('{"previous": "report"}\n', encoding="utf-8")
    loop = graded["where"] / "infinite_loop"
    run = subprocess.Popen(
        course_argv("grade", loop, "--format", "json", "--out", out, "--device", "cpu", root=graded["root"])
    )
    time.sleep(CALL_SECONDS)  # in the middle of grading: the endless loop holds it for 3 s
    pattern = f"worker.py --server [0-9]+ --for {run.pid}( |$)"
    running = subprocess.run(["pgrep", "-f", pattern], capture_output=True).stdout if shutil.which("pgrep") else b"-"
    run.kill()
    run.wait()
    assert json.loads(out.read_text(encoding="utf-8")) == {"previous": "report"}
    assert [p.name for p in graded["where"].glob(".report.json.*")] == []
    if shutil.which("pgrep") is None:
        return
    assert running, "the fork server was not found while grading"
    time.sleep(0.5)  # the fork server, the worker and its child stuck in the loop die with the grader
    assert subprocess.run(["pgrep", "-f", pattern], capture_output=True).stdout == b"", "a worker outlived the grader"

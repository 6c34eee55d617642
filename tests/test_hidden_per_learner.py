"""Each learner meets hidden cases of their own: drawn from learner_key(exercise key, learner),
so two learners never share them, one who copies another's hidden answers fails, a regrade
meets the same ones (and records the same variant), and a notebook at nbgrader autograde,
which holds only the exercise's key, draws the very cases `course grade` draws for the learner."""

from __future__ import annotations

import hashlib
import json
import shutil

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graders import batch, engine, notebook
from graders.sandbox import wire
from tests.conftest import ROOT
from tests.helpers import run_course

SEED = "per-learner hidden cases' own seed"
RELU = "activations.relu"
# learner ids as learner_of gives them: printable text, no lone surrogates
LEARNERS = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=24)


def hidden_inputs(prepared: engine.Prepared, learner: str | None) -> list[bytes]:
    return [wire.encode(dict(case.inputs)) for case in engine.for_learner(prepared, learner).cases if case.hidden]


@pytest.fixture(scope="module")
def shared(course) -> list[engine.Prepared]:
    """What a batch prepares once: public cases and references, and each exercise's key."""
    chosen = [course.exercise(RELU), course.exercise("losses.mse"), course.exercise("gradient_descent.mse_gradient")]
    return engine.prepare(chosen, ["cpu"], SEED, per_learner=True)


@settings(max_examples=25, deadline=None)
@given(one=LEARNERS, other=LEARNERS)
def test_two_learners_never_share_hidden_cases_and_each_meets_the_same_again(shared, one, other):
    for p in shared:
        assert hidden_inputs(p, one) == hidden_inputs(p, one)
        if one != other:
            assert not set(hidden_inputs(p, one)) & set(hidden_inputs(p, other)), p.exercise.id
    assert len({engine.variant(engine.learner_key(p.key, one)) for p in shared}) == len(shared)


@settings(max_examples=25, deadline=None)
@given(learner=LEARNERS)
def test_a_variant_is_short_and_tells_nothing_of_the_key(shared, learner):
    key = engine.learner_key(shared[0].key, learner)
    name = engine.variant(key)
    assert len(name) == 12 and int(name, 16) >= 0
    assert name not in key and name != engine.variant(shared[0].key)


def test_a_batch_adds_no_hidden_cases_and_no_variant_without_a_seed(course):
    (public,) = engine.prepare([course.exercise(RELU)], ["cpu"], per_learner=True)
    assert engine.for_learner(public, "alice") is public and public.variant == ""


def test_the_notebook_at_autograde_names_nbgrader_s_student(tmp_path, monkeypatch):
    """nbgrader autograde runs each notebook in autograded/<student_id>/<assignment_id>/, with
    $NBGRADER_EXECUTION=autograde; anywhere else the learner is unknown."""
    build = tmp_path / "autograded" / "alice" / "activations"
    build.mkdir(parents=True)
    monkeypatch.chdir(build)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assert notebook.autograded_learner() is None
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    assert notebook.autograded_learner() is None
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert notebook.autograded_learner() == "alice"


@pytest.fixture(scope="module")
def graded(tmp_path_factory, course):
    """relu copied from alice's hidden feedback: a table of the answers to the public cases and
    to alice's hidden ones, handed in by alice and, the very same file, by bob. Graded by the
    installed `course grade` with a hidden seed into a gradebook, then regraded."""
    where = tmp_path_factory.mktemp("per-learner")
    seed_file = where / "seed"
    seed_file.write_text(SEED + "\n", encoding="utf-8")
    (alices,) = engine.prepare([course.exercise(RELU)], ["cpu"], SEED, learner="alice")
    table = [
        (np.asarray(case.inputs["x"]).tolist(), str(np.asarray(case.inputs["x"]).dtype), answer["cpu"].tolist())
        for case, answer in zip(alices.cases, alices.expected, strict=True)
    ]
    copied = (
        f"\n\nTABLE = {table!r}\n\n\ndef relu(x):\n    x = np.asarray(x)\n"
        "    for inputs, dtype, answer in TABLE:\n"
        "        if str(x.dtype) == dtype and x.tolist() == inputs:\n"
        "            return np.asarray(answer, dtype=dtype)\n"
        "    return -np.abs(x)\n"
    )
    folders = []
    for learner in ("alice", "bob"):
        folder = where / learner
        shutil.copytree(ROOT / "solutions", folder, ignore=shutil.ignore_patterns("__pycache__"))
        with open(folder / "activations.py", "a", encoding="utf-8") as module:
            module.write(copied)
        folders.append(folder)

    def grade(*extra) -> dict:
        run = run_course(
            "grade",
            *folders,
            "--only",
            "activations",
            "--device",
            "cpu",
            "--format",
            "json",
            "--gradebook",
            where / "gb.sqlite",
            "--hidden-seed-file",
            seed_file,
            *extra,
            root=ROOT,
            timeout=600,
        )
        assert run.returncode == 0, run.stderr
        return {record["submission"]: {ex["id"]: ex for ex in record["exercises"]} for record in json.loads(run.stdout)}

    return {
        "first": grade(),
        "unchanged": grade(),
        "regraded": grade("--regrade"),
        "dask": grade("--regrade", "--executor", "dask"),
        "alice": alices,
        "folders": folders,
    }


def timeless(records: dict) -> dict:
    """The records without the time each case took: all that may differ from run to run."""
    return {
        learner: {i: {**ex, "seconds": None} for i, ex in exercises.items()} for learner, exercises in records.items()
    }


def test_a_learner_who_copies_anothers_hidden_answers_fails(graded):
    alice, bob = graded["first"]["alice"][RELU], graded["first"]["bob"][RELU]
    assert alice["status"] == "passed"
    assert bob["status"] == "failed" and "hidden case" in bob["message"]


def test_each_result_records_its_learners_variant(graded, course):
    first = graded["first"]
    assert first["alice"][RELU]["variant"] == graded["alice"].variant
    for learner in ("alice", "bob"):
        for ex in course.select("activations"):
            key = engine.learner_key(engine.hidden_key(SEED, ex.id), learner)
            assert first[learner][ex.id]["variant"] == engine.variant(key)
    assert first["alice"][RELU]["variant"] != first["bob"][RELU]["variant"]


def test_a_regrade_meets_the_same_cases_and_gives_the_same_results_on_either_executor(graded):
    assert graded["unchanged"] == graded["first"]  # the gradebook's records, to the second: not graded again
    assert timeless(graded["regraded"]) == timeless(graded["first"])
    assert timeless(graded["dask"]) == timeless(graded["first"])


def test_an_unchanged_submission_is_graded_again_only_under_another_seed(graded, course, shared):
    """A gradebook's record stands while the learner's hidden cases do: the fingerprint holds
    the exercises' keys, which with the learner (whose record it is) draw them."""
    alice = graded["folders"][0]
    grading = batch._fingerprint(shared)
    result, digest = batch.grade_one(course, alice, shared, grading, None)
    assert result.exercises[0].variant and batch.grade_one(course, alice, shared, grading, digest) == (None, digest)
    reseeded = engine.prepare([p.exercise for p in shared], ["cpu"], "another seed", per_learner=True)
    assert batch.grade_one(course, alice, reseeded, batch._fingerprint(reseeded), digest)[0] is not None
    (public,) = engine.prepare([course.exercise(RELU)], ["cpu"], per_learner=True)
    assert batch._fingerprint([public]) == hashlib.sha256(RELU.encode() + b"\0" + public.inputs).digest()  # as before


@pytest.mark.parametrize("learner", ["alice", "bob"])
def test_a_notebook_at_autograde_draws_what_course_grade_draws(graded, course, monkeypatch, capsys, learner):
    """The test cell's key and nbgrader's student id give the learner's own cases, and the
    variant `course grade` recorded; the cell says which."""
    (in_cell,) = engine.prepare(
        [course.exercise(RELU)], ["cpu"], hidden_keys={RELU: engine.hidden_key(SEED, RELU)}, learner=learner
    )
    (graded_so,) = engine.prepare([course.exercise(RELU)], ["cpu"], SEED, learner=learner)
    assert in_cell.inputs == graded_so.inputs and in_cell.variant == graded["first"][learner][RELU]["variant"]
    monkeypatch.setattr(notebook, "AUTOGRADED_LEARNER", learner)
    notebook.check(RELU, lambda x: np.maximum(np.asarray(x), 0), hidden_key=engine.hidden_key(SEED, RELU))
    assert f"[hidden cases {in_cell.variant}] passed" in capsys.readouterr().out

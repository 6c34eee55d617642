"""Mutation testing of the graders, bench/mutants.py: every mutant of a unit's solution is killed
by its grader's cases or noted as equivalent, and the survivors that cases were added for stay
killed."""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _load_harness():
    spec = importlib.util.spec_from_file_location("bench_mutants", ROOT / "bench" / "mutants.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses looks its module up while building the class
    spec.loader.exec_module(module)
    return module


mutants = _load_harness()

# Survivors of an earlier run that a case added to the grader now kills: (unit, function, change).
KILLED_BY_ADDED_CASES = {
    "optimizers": [
        ("adam_step", "np.sqrt(v_hat) + eps → np.sqrt(v_hat) - eps"),
        ("adam_step", "1e-08 → -1e-08"),
        ("dropout", "rng.random(x.shape) >= p → rng.random(x.shape) > p"),
        ("momentum_step", "np.asarray(velocity, dtype=w.dtype) → velocity"),
    ],
    "xor_mlp": [
        ("loss_and_grads", "(_asfloat(a) for a in (X, y, W1, b1, W2, b2)) → (a for a in (X, y, W1, b1, W2, b2))"),
        ("train", "_asfloat(X) → X"),
        ("train", "rng.normal(0, 1, (2, hidden)).astype(X.dtype) → rng.normal(0, 1, (2, hidden))"),
    ],
    "gradient_descent": [("_params", "np.array(w, dtype=X.dtype) → w")],
}


def _chosen(unit: str) -> list:
    wanted = KILLED_BY_ADDED_CASES[unit]
    chosen = [m for m in mutants.mutants_of(unit) if (m.function, m.change) in wanted]
    assert len(chosen) == len(wanted), "the mutator no longer makes every mutant these cases were added for"
    return chosen


def test_every_mutant_is_a_program_of_its_own():
    for unit in mutants.course_units():
        solution = ast.dump(ast.parse((ROOT / "solutions" / f"{unit}.py").read_text(encoding="utf-8")))
        programs = [ast.dump(ast.parse(m.source)) for m in mutants.mutants_of(unit)]
        assert solution not in programs
        assert len(set(programs)) == len(programs)


def test_the_whole_array_shift_is_among_the_mutants():
    changes = {(m.function, m.change) for m in mutants.mutants_of("activations")}
    assert ("softmax", "x.max(axis=axis, keepdims=True) → x.max()") in changes
    assert ("softmax", "x.max(axis=axis, keepdims=True) → x.max(axis=None, keepdims=True)") in changes


def test_every_mutant_of_optimizers_is_killed_or_noted_equivalent():
    _chosen("optimizers")  # among the mutants, so none of them surviving means the added cases kill them
    notes = mutants.equivalent_notes()
    tally = mutants.tally("optimizers", jobs=2, notes=notes)
    assert [m.change for m in tally.surviving] == []
    # every note still names a mutant that survives: the harness tells a pass from a kill
    assert tally.equivalent == sum(unit == "optimizers" for unit, _, _ in notes) > 0
    assert tally.kill_rate == 100.0


def test_the_cases_added_to_xor_mlp_and_gradient_descent_kill_their_survivors():
    for unit in ("xor_mlp", "gradient_descent"):
        killed = mutants.grade(unit, _chosen(unit), jobs=2)
        assert all(killed.values()), [m.change for m, k in killed.items() if not k]

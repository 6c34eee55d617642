"""course.toml, exercises/, solutions/ and the grader registry agree: nothing missing, no orphans."""

from __future__ import annotations

import ast
import importlib.util
import inspect

import pytest

from graders.units import graders_of
from tests.conftest import ROOT


def _module(folder: str, unit: str):
    spec = importlib.util.spec_from_file_location(f"{folder}_{unit}", ROOT / folder / f"{unit}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _public_functions(folder: str, unit: str) -> list[str]:
    tree = ast.parse((ROOT / folder / f"{unit}.py").read_text(encoding="utf-8"))
    return [node.name for node in tree.body if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")]


def test_every_unit_has_a_stub_a_solution_and_graders(course):
    modules = {p.stem for p in (ROOT / "exercises").glob("*.py")}
    assert modules == {p.stem for p in (ROOT / "solutions").glob("*.py")}
    assert modules == {u.name for u in course.units}
    graders = {p.stem for p in (ROOT / "graders" / "units").glob("*.py")} - {"__init__"}
    assert graders == modules


@pytest.mark.parametrize("folder", ["exercises", "solutions"])
def test_functions_match_course_toml_in_order(course, folder):
    for unit in course.units:
        assert _public_functions(folder, unit.name) == [ex.function for ex in unit.exercises], unit.name
        assert sorted(graders_of(unit.name)) == sorted(ex.function for ex in unit.exercises), unit.name


def test_stub_and_solution_signatures_are_identical(course):
    for unit in course.units:
        stubs, solutions = _module("exercises", unit.name), _module("solutions", unit.name)
        for ex in unit.exercises:
            assert inspect.signature(getattr(stubs, ex.function)) == inspect.signature(
                getattr(solutions, ex.function)
            ), ex.id


def test_stubs_state_the_contract_and_raise(course):
    for unit in course.units:
        stubs = _module("exercises", unit.name)
        for ex in unit.exercises:
            fn = getattr(stubs, ex.function)
            assert len(inspect.getdoc(fn) or "") > 40, f"{ex.id} needs a docstring stating the contract"
            body = ast.parse(inspect.getsource(fn)).body[0].body
            assert isinstance(body[-1], ast.Raise) and "NotImplementedError" in ast.unparse(body[-1]), ex.id


def test_course_toml_entries_are_complete(course):
    ids = [ex.id for ex in course.exercises]
    assert len(ids) == len(set(ids))
    for ex in course.exercises:
        assert ex.title["en"] and ex.title["ko"], ex.id
        assert ex.points > 0, ex.id
        assert ex.hints and all(h["en"] and h["ko"] for h in ex.hints), ex.id

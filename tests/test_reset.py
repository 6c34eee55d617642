"""`course reset`: one stub back as handed out, the learner's version kept, nothing else touched."""

from __future__ import annotations

import ast
import shutil
import subprocess

import pytest

from tests.conftest import ROOT
from tests.helpers import run_course

MY_SIGMOID = "def sigmoid(x):\n    return 1 / (1 + np.exp(-x))  # my first try\n"
MY_RELU = "def relu(x):\n    return np.maximum(x, 0)  # mine, and right\n"
STUBS = (ROOT / "exercises" / "activations.py").read_text(encoding="utf-8")


def functions(source: str) -> dict[str, str]:
    tree = ast.parse(source)
    return {node.name: ast.get_source_segment(source, node) for node in tree.body if isinstance(node, ast.FunctionDef)}


def function_source(source: str, name: str) -> str:
    return functions(source)[name]


def git(*args, cwd):
    subprocess.run(
        ["git", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        env={
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@t",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@t",
            "PATH": "/usr/bin:/bin",
        },
    )


def run_flat(*args, cwd):
    done = run_course(*args, cwd=cwd)
    done.stdout, done.stderr = " ".join(done.stdout.split()), " ".join(done.stderr.split())  # rich wraps lines
    return done


def replace_function(source: str, name: str, new: str) -> str:
    start = source.index(f"def {name}(")
    end = source.find("\ndef ", start + 1)
    return source[:start] + new + ("\n" + source[end:] if end != -1 else "")


@pytest.fixture
def cloned(tmp_path):
    """A learner's clone: the course as handed out, committed, then worked on and committed again."""
    shutil.copy(ROOT / "course.toml", tmp_path)
    shutil.copytree(ROOT / "exercises", tmp_path / "exercises", ignore=shutil.ignore_patterns("__pycache__"))
    git("init", "-q", cwd=tmp_path)
    git("add", ".", cwd=tmp_path)
    git("commit", "-qm", "handed out", cwd=tmp_path)
    module = tmp_path / "exercises" / "activations.py"
    worked = replace_function(
        replace_function(module.read_text(encoding="utf-8"), "sigmoid", MY_SIGMOID), "relu", MY_RELU
    )
    module.write_text(worked, encoding="utf-8")
    git("commit", "-qam", "my work", cwd=tmp_path)
    return tmp_path


def test_reset_restores_one_stub_and_keeps_the_learners_version(cloned):
    module = cloned / "exercises" / "activations.py"
    before = module.read_text(encoding="utf-8")
    done = run_flat("--lang", "en", "reset", "activations.sigmoid", cwd=cloned)
    assert done.returncode == 0, done.stderr
    after = module.read_text(encoding="utf-8")
    assert MY_SIGMOID not in after and MY_RELU in after  # only sigmoid went back
    assert function_source(after, "sigmoid") == function_source(STUBS, "sigmoid")
    assert [f for f in functions(after) if f != "sigmoid"] == [f for f in functions(before) if f != "sigmoid"]
    [backup] = (cloned / "exercises" / ".backup").iterdir()
    assert backup.read_text(encoding="utf-8") == before
    assert backup.name in done.stdout and "Restored the stub of activations.sigmoid" in done.stdout
    check = run_flat("--lang", "en", "check", "activations.sigmoid", "--device", "cpu", cwd=cloned)
    assert "not implemented" in check.stdout  # the backup is not graded as a module


def test_reset_twice_changes_nothing_the_second_time(cloned):
    assert run_flat("reset", "activations.sigmoid", cwd=cloned).returncode == 0
    again = run_flat("--lang", "en", "reset", "activations.sigmoid", cwd=cloned)
    assert again.returncode == 0 and "already the original stub" in again.stdout
    assert len(list((cloned / "exercises" / ".backup").iterdir())) == 1


def test_reset_of_a_unit_restores_the_whole_file(cloned):
    done = run_flat("--lang", "ko", "reset", "activations", cwd=cloned)
    assert done.returncode == 0, done.stderr
    assert (cloned / "exercises" / "activations.py").read_bytes() == (
        ROOT / "exercises" / "activations.py"
    ).read_bytes()
    assert "되돌렸습니다" in done.stdout


def test_a_function_the_learner_deleted_comes_back(cloned):
    module = cloned / "exercises" / "activations.py"
    module.write_text(replace_function(module.read_text(encoding="utf-8"), "relu", ""), encoding="utf-8")
    assert run_flat("reset", "activations.relu", cwd=cloned).returncode == 0
    assert function_source(module.read_text(encoding="utf-8"), "relu") == function_source(STUBS, "relu")


def test_a_syntax_error_is_named_and_nothing_is_written(cloned):
    module = cloned / "exercises" / "activations.py"
    module.write_text(module.read_text(encoding="utf-8") + "\ndef broken(:\n", encoding="utf-8")
    before = module.read_text(encoding="utf-8")
    done = run_flat("--lang", "en", "reset", "activations.sigmoid", cwd=cloned)
    assert done.returncode == 2 and "syntax error at line" in done.stderr and "course reset activations" in done.stderr
    assert module.read_text(encoding="utf-8") == before


def test_without_git_history_it_says_where_to_get_the_original(tmp_path):
    shutil.copy(ROOT / "course.toml", tmp_path)
    shutil.copytree(ROOT / "exercises", tmp_path / "exercises")
    done = run_flat("--lang", "en", "reset", "activations.sigmoid", cwd=tmp_path)
    assert done.returncode == 2 and "git history" in done.stderr
    assert not (tmp_path / "exercises" / ".backup").exists()


def test_an_unknown_exercise_is_named(cloned):
    done = run_flat("--lang", "en", "reset", "activations.sigmod", cwd=cloned)
    assert done.returncode == 2 and "no exercise activations.sigmod; did you mean activations.sigmoid?" in done.stderr

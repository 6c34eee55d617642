"""Every learner-facing message exists in English and Korean, with the same blanks to fill."""

from __future__ import annotations

import ast
import re
import string

import pytest

from graders import i18n
from graders.course import load
from graders.units import grader_for
from tests.conftest import ROOT
from tests.helpers import run_course

DATA = load(ROOT)
HANGUL = re.compile(r"[\uac00-\ud7a3]")
STATUSES = ("passed", "failed", "error", "timeout", "missing", "not-implemented")
PROBLEMS = ("not-implemented", "missing", "import-error", "signature", "exception", "unsupported", "timeout", "crashed")


def fields(text: str) -> set[str]:
    return {name.split("!")[0] for _, name, _, _ in string.Formatter().parse(text) if name}


def keys_in_code() -> set[str]:
    """Keys passed as a literal to t(...) anywhere in graders/ (the test adds those chosen by a
    conditional or built from a status)."""
    found = set()
    for path in (ROOT / "graders").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "t"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add(node.args[0].value)
    return found


@pytest.mark.parametrize("key", sorted(i18n.messages()))
def test_each_message_has_both_languages_and_the_same_blanks(key):
    entry = i18n.messages()[key]
    assert set(entry) == set(i18n.LANGUAGES)
    assert entry["en"].strip() and entry["ko"].strip()
    assert fields(entry["en"]) == fields(entry["ko"])
    if HANGUL.search(entry["en"]) is None and entry["en"] != entry["ko"].strip():
        assert HANGUL.search(entry["ko"]), f"{key}: the Korean text has no Korean in it"


def test_every_key_the_code_uses_is_in_the_catalog_and_none_is_unused():
    used = (
        keys_in_code()
        | {f"status.{s}" for s in STATUSES}
        | {f"problem.{p}" for p in PROBLEMS}
        | {
            "missing.file",
            "missing.function",
            "crashed.signal",
            "crashed.exit",
            "mismatch.tuple",
            "mismatch.keys",
            "input",
            "input.hidden",
            "reset.done",
            "reset.whole-file",
        }
        | {f"hidden.{kind}" for kind in ("value", "shape", "dtype", "type")}
    )
    catalog = set(i18n.messages())
    assert used - catalog == set(), "used in the code, missing from locale/messages.toml"
    assert catalog - used == set(), "in locale/messages.toml, used nowhere"


@pytest.mark.parametrize("unit", [unit.name for unit in DATA.units])
def test_every_known_mistake_has_its_korean_name_and_explanation(unit):
    wanted = {(ex.function, m.name) for ex in DATA.select(unit) for m in grader_for(ex).mistakes}
    korean = i18n.mistakes(unit)
    have = {(function, name) for function, entries in korean.items() for name in entries}
    assert wanted - have == set(), "mistakes without Korean"
    assert have - wanted == set(), "Korean for mistakes that no grader has"
    for function, name in have:
        entry = korean[function][name]
        assert set(entry) == {"name", "explain"}
        assert HANGUL.search(entry["name"]) and HANGUL.search(entry["explain"])


def test_titles_and_hints_are_in_both_languages():
    for unit in DATA.units:
        assert HANGUL.search(unit.title["ko"]) and unit.title["en"]
    for exercise in DATA.exercises:
        assert HANGUL.search(exercise.title["ko"]) and exercise.title["en"]
        assert exercise.hints and all(HANGUL.search(hint["ko"]) and hint["en"] for hint in exercise.hints)


@pytest.mark.parametrize(
    "environ, language",
    [
        ({"LANG": "ko_KR.UTF-8"}, "ko"),
        ({"LC_ALL": "ko_KR.UTF-8", "LANG": "en_US.UTF-8"}, "ko"),
        ({"LC_ALL": "C", "LANG": "ko_KR.UTF-8"}, "en"),
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_the_default_language_follows_the_locale(environ, language):
    assert i18n.default_language(environ) == language


def test_a_missing_korean_mistake_falls_back_to_english():
    i18n.set_language("ko")
    try:
        assert i18n.mistake("activations", "sigmoid", "no such mistake", "the English") == (
            "no such mistake",
            "the English",
        )
    finally:
        i18n.set_language("en")


def test_course_lang_ko_check_prints_korean(tmp_path):
    (tmp_path / "exercises").mkdir()
    (tmp_path / "course.toml").write_bytes((ROOT / "course.toml").read_bytes())
    stubs = (ROOT / "exercises" / "activations.py").read_text(encoding="utf-8")
    naive = "\n\ndef sigmoid(x):\n    return 1 / (1 + np.exp(-np.asarray(x)))\n\n\ndel tanh\n"
    (tmp_path / "exercises" / "activations.py").write_text(stubs + naive, encoding="utf-8")
    done = run_course("--lang", "ko", "check", "activations", "--device", "cpu", cwd=tmp_path)
    out = " ".join(done.stdout.split())
    assert done.returncode == 1, done.stderr
    korean_name = i18n.mistakes("activations")["sigmoid"]["naive sigmoid overflow"]["name"]
    for expected in (
        "실패",
        "미구현",
        "NumPy 경고",
        f"흔한 실수({korean_name})",
        "힌트: course hint activations.sigmoid",
        "다음:",
        "진행: 연습 문제 0/10개",
        "activations.py에 tanh() 함수가 없습니다. 스텁의 함수 이름과 시그니처를 그대로 두세요.",
    ):
        assert expected in out
    english = run_course("--lang", "en", "check", "activations", "--device", "cpu", cwd=tmp_path)
    assert "Likely mistake (naive sigmoid overflow)" in " ".join(english.stdout.split())
    assert not HANGUL.search(english.stdout)

"""English and Korean. Every learner-facing sentence has a key in locale/messages.toml with a
text in each language; the known mistakes' Korean lives in locale/ko/<unit>.toml, beside the
English in the graders. The language is chosen once per run (`course --lang`, else the locale).
"""

from __future__ import annotations

import contextlib
import functools
import os
import tomllib
from pathlib import Path

LANGUAGES = ("en", "ko")
LOCALE = Path(__file__).with_name("locale")

_language = "en"


def default_language(environ=os.environ) -> str:
    """Korean where the locale says so (LC_ALL, LC_MESSAGES or LANG starting with ko)."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if value := environ.get(variable):
            return "ko" if value.lower().startswith("ko") else "en"
    return "en"


def set_language(language: str) -> None:
    global _language
    if language not in LANGUAGES:
        raise ValueError(f"language {language!r}: choose one of {', '.join(LANGUAGES)}")
    _language = language


def language() -> str:
    return _language


@contextlib.contextmanager
def speaking(language: str):
    """The current language set to `language` for a while, then back (a figure drawn in English
    where no font can draw Korean)."""
    before = _language
    set_language(language)
    try:
        yield
    finally:
        set_language(before)


def t(key: str, **fields) -> str:
    """The message `key` in the current language, its {fields} filled in."""
    return messages()[key][_language].format(**fields)


def pick(texts: dict[str, str]) -> str:
    """The current language's text of course.toml's {en, ko} pairs (titles, hints)."""
    return texts.get(_language) or texts["en"]


def mistake(unit: str, function: str, name: str, explain: str) -> tuple[str, str]:
    """A known mistake's name and explanation in the current language."""
    if _language == "en":
        return name, explain
    entry = mistakes(unit).get(function, {}).get(name)
    return (entry["name"], entry["explain"]) if entry else (name, explain)


@functools.cache
def messages() -> dict[str, dict[str, str]]:
    return tomllib.loads((LOCALE / "messages.toml").read_text(encoding="utf-8"))


@functools.cache
def mistakes(unit: str) -> dict[str, dict[str, dict[str, str]]]:
    path = LOCALE / "ko" / f"{unit}.toml"
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}

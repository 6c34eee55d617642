"""A content-addressed on-disk cache of PyTorch references, so a warm `course check` never
imports torch.

A reference is a pure function of (exercise, its cases, the grader's code, torch's version,
device): the key hashes all of them, so a changed case, grader, torch or device is a miss,
never a stale hit. Values are stored in the worker's plain-data wire format (no pickle), and
written atomically, so a killed run leaves no half entry.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import re
import tempfile
from pathlib import Path

from graders.sandbox import wire
from graders.spec import Raises

VERSION = "1"  # bump when the stored format changes


def enabled() -> bool:
    """$COURSE_CACHE=off turns the cache off everywhere (nbgrader's kernels included)."""
    return os.environ.get("COURSE_CACHE", "on") != "off"


def directory() -> Path:
    """$COURSE_CACHE_DIR, else the platform's cache folder (platformdirs): on Linux
    $XDG_CACHE_HOME/dl-course or ~/.cache/dl-course, on macOS ~/Library/Caches/dl-course, on
    Windows %LOCALAPPDATA%\\dl-course\\Cache; then references/."""
    if os.environ.get("COURSE_CACHE_DIR"):
        return Path(os.environ["COURSE_CACHE_DIR"])
    import platformdirs

    return Path(platformdirs.user_cache_dir("dl-course", appauthor=False)) / "references"


def key(exercise_id: str, code: tuple[Path, ...], cases_bytes: bytes, device: str) -> str:
    """The entry of one exercise's references on one device; `code` is the grader's source files."""
    digest = hashlib.sha256()
    for part in (VERSION, exercise_id, torch_version(), device):
        digest.update(part.encode() + b"\0")
    digest.update(_source(code))
    digest.update(cases_bytes)
    return digest.hexdigest()


@functools.cache
def _source(code: tuple[Path, ...]) -> bytes:
    """The grader's source files, read once per process (a batch asks again for every learner's
    hidden cases): the code this process runs is the code it loaded, however the files change."""
    return b"".join(path.read_bytes() + b"\0" for path in code)


@functools.cache
def torch_version() -> str:
    """torch's version, read from its version.py: finding it imports nothing."""
    spec = importlib.util.find_spec("torch")
    if spec is None or spec.origin is None:
        return "absent"
    text = (Path(spec.origin).parent / "version.py").read_text(encoding="utf-8")
    found = re.search(r"""__version__\s*=\s*['"]([^'"]+)""", text)
    return found.group(1) if found else "unknown"


def load(entry: str) -> list | None:
    path = directory() / entry[:2] / entry
    try:
        return [_thaw(answer) for answer in wire.decode(path.read_bytes())]
    except (OSError, ValueError, KeyError):  # absent, or damaged: computed again
        return None


def store(entry: str, answers: list) -> None:
    path = directory() / entry[:2] / entry
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as tmp:
        tmp.write(wire.encode([_freeze(answer) for answer in answers]))
    os.replace(tmp.name, path)


def _freeze(answer):
    return {"$raises": answer.error} if isinstance(answer, Raises) else answer


def _thaw(answer):
    return Raises(answer["$raises"]) if isinstance(answer, dict) and "$raises" in answer else answer

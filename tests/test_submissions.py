"""What the grader's trusted parent makes of a hostile submission before any sandbox starts:
links, FIFOs, devices, zip and notebook tricks, odd names. Each is that submission's own error,
in bounded time and memory, and the batch grades the rest."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from graders.batch import grade_one
from graders.submissions import (
    SubmissionError,
    learner_of,
    open_submission,
)
from tests.conftest import ROOT
from tests.test_class import DATA

MODULE = (ROOT / "solutions" / "activations.py").read_bytes()
CP949_NAME = "홍길동".encode("cp949")  # as a Korean Windows zip tool names a learner's folder
LONG_NAME = "가" * 80  # 240 bytes in UTF-8: a file name may be 255


def opened(path: Path, tmp_path: Path):
    scratch = tmp_path / f"scratch-{len(list(tmp_path.glob('scratch-*')))}"
    scratch.mkdir()
    return open_submission(path, DATA, scratch)


def refused(path: Path, tmp_path: Path) -> str:
    """Why `path` is refused: one printable line, said at once."""
    started = time.monotonic()
    with pytest.raises(SubmissionError) as raised:
        opened(path, tmp_path)
    assert time.monotonic() - started < 5
    assert str(raised.value).isprintable()
    return str(raised.value)


# names: whatever a file system or zip holds, a learner's name is printable text
def test_a_name_in_any_encoding_or_length_is_a_printable_learner(tmp_path):
    korean = tmp_path / os.fsdecode(CP949_NAME)
    korean.mkdir()
    assert learner_of(korean) == "홍길동"
    assert learner_of(tmp_path / os.fsdecode("홍길동".encode())) == "홍길동"
    assert learner_of(tmp_path / os.fsdecode(b"\xff\xfeab.zip")) == "\ufffd\ufffdab"
    assert learner_of(tmp_path / "a\nb\x1bc.ipynb") == "a b\ufffdc"
    long = tmp_path / f"{LONG_NAME}.zip"
    long.write_bytes(b"not a zip")
    result, digest = grade_one(DATA, long, [], b"", None)
    assert result.submission == LONG_NAME and digest == ""

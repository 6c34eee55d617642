"""What the grader's trusted parent makes of a hostile submission before any sandbox starts:
links, FIFOs, devices, zip and notebook tricks, odd names. Each is that submission's own error,
in bounded time and memory, and the batch grades the rest."""

from __future__ import annotations

import ast
import errno
import io
import json
import os
import shutil
import socket
import sqlite3
import stat
import struct
import subprocess
import time
import warnings
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from graders import executors
from graders.batch import grade_one
from graders.errors import SubmissionError
from graders.submissions import (
    MAX_FILE_BYTES,
    MAX_ZIP_MEMBERS,
    learner_of,
    open_submission,
    read_regular,
)
from tests.conftest import ROOT
from tests.helpers import run_course
from tests.test_class import DATA, UNIT_POINTS, notebook, solution_folder

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
    assert learner_of(tmp_path / "\ud800.zip") == "?"
    long = tmp_path / f"{LONG_NAME}.zip"
    long.write_bytes(b"not a zip")
    result, digest = grade_one(DATA, long, [], b"", None)
    assert result.submission == LONG_NAME and digest == ""


def test_the_copy_is_named_as_the_learner_whatever_the_name(tmp_path):
    longest = solution_folder(tmp_path, os.fsdecode("가".encode("cp949") * 127))  # 381 bytes in UTF-8
    assert opened(longest, tmp_path).folder.name == "가" * 85
    assert opened(longest / "..", tmp_path).folder.name == "submission"


# folders: a private copy of regular files, never a link followed
def with_module(where: Path, name: str, make) -> Path:
    """A copy of the solutions whose activations.py is what `make(path)` puts there."""
    folder = solution_folder(where, name)
    (folder / "activations.py").unlink()
    make(folder / "activations.py")
    return folder


def bad_folders(where: Path) -> dict[Path, str]:
    """Folders that must not be graded: each that its error says. `where` sits beside a copy of
    the solutions and an instructor.toml, which a followed link would reach."""
    shutil.copytree(ROOT / "solutions", where.parent / "solutions", dirs_exist_ok=True)
    (where.parent / "instructor.toml").write_text("hidden_seed = 'secret'\n", encoding="utf-8")
    linked = where / "link_folder"
    linked.mkdir()
    (linked / "exercises").symlink_to("../../solutions")
    helper = solution_folder(where, "link_helper")
    (helper / "loot.py").symlink_to("../../instructor.toml")
    return {
        linked: "exercises is a link, which the grader does not follow",
        with_module(
            where, "link_module", lambda p: p.symlink_to("../../solutions/activations.py")
        ): "activations.py is a link; hand in the file itself",
        with_module(
            where, "link_dev_zero", lambda p: p.symlink_to("/dev/zero")
        ): "activations.py is a link; hand in the file itself",
        with_module(where, "fifo", os.mkfifo): "activations.py is not a regular file; hand in the file itself",
        with_module(
            where, "huge_module", lambda p: p.write_bytes(MODULE + b"#" * MAX_FILE_BYTES)
        ): "activations.py is over the 5 MB limit",
        helper: "loot.py is a link; hand in the file itself",
    }


def test_each_hostile_folder_is_its_own_clear_error(tmp_path):
    where = tmp_path / "class"
    where.mkdir()
    for path, says in bad_folders(where).items():
        assert says in refused(path, tmp_path), path.name


def test_the_copy_is_the_graders_own_and_holds_regular_files_only(tmp_path):
    folder = solution_folder(tmp_path, "ada")
    (folder / "helpers.py").write_text("SCALE = 2\n", encoding="utf-8")
    (folder / "notes.txt").symlink_to("/etc/passwd")
    (folder / "data").mkdir()
    (folder / "data" / "weights.py").symlink_to("/dev/zero")  # in a folder that is not graded: never opened
    submission = opened(folder, tmp_path)
    assert submission.folder.parent.parent == tmp_path and submission.folder.parent.name.startswith("scratch-")
    assert submission.folder.name == "ada"  # the grader's messages name a module by its folder: ada/losses.py
    copied = sorted(p.name for p in submission.folder.iterdir())
    assert copied == sorted(p.name for p in folder.glob("*.py"))
    assert all(p.is_file() and not p.is_symlink() for p in submission.folder.iterdir())
    assert (submission.folder / "helpers.py").read_text(encoding="utf-8") == "SCALE = 2\n"


def test_a_top_level_link_the_instructor_made_is_followed_and_keeps_its_name(tmp_path):
    folder = solution_folder(tmp_path, "ada")
    (tmp_path / "alias").symlink_to(folder)
    submission = opened(tmp_path / "alias", tmp_path)
    assert submission.learner == learner_of(tmp_path / "alias") == "alias"
    assert len(list(submission.folder.glob("*.py"))) == len(DATA.units)


def test_a_linked_folder_is_not_a_candidate_however_many_modules_it_holds(tmp_path):
    folder = tmp_path / "ada"
    shutil.copytree(ROOT / "exercises", folder / "hw", ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "hw" / "losses.py").unlink()  # six of the learner's modules, and all seven solutions a link away
    (folder / "solutions").symlink_to(ROOT / "solutions")
    submission = opened(folder, tmp_path)
    assert {p.name: p.read_bytes() for p in submission.folder.iterdir()} == {
        p.name: p.read_bytes() for p in (folder / "hw").glob("*.py")
    }


def test_a_socket_is_not_a_regular_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a socket's path may be 108 bytes at most
    with socket.socket(socket.AF_UNIX) as server:
        server.bind("activations.py")
        with pytest.raises(SubmissionError, match="activations.py is not a regular file"):
            read_regular(Path("activations.py"))


def test_any_os_error_while_opening_is_the_submissions_error(tmp_path, monkeypatch):
    folder = solution_folder(tmp_path, "ada")

    def denied(*args):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "scandir", denied)
    with pytest.raises(SubmissionError, match=r"^ada could not be read \(Permission denied\)$"):
        opened(folder, tmp_path)


def test_all_modules_together_are_capped(tmp_path):
    folder = solution_folder(tmp_path, "ada")
    for i in range(5):
        (folder / f"padding{i}.py").write_bytes(b"#" * (MAX_FILE_BYTES - 1))
    with pytest.raises(SubmissionError, match="ada holds more than 20 MB of modules and notebooks"):
        opened(folder, tmp_path)


def test_the_digest_covers_every_copied_file_helpers_too(tmp_path):
    folder = solution_folder(tmp_path, "ada")
    (folder / "helpers.py").write_text("SCALE = 2\n", encoding="utf-8")
    first = opened(folder, tmp_path).digest
    assert opened(folder, tmp_path).digest == first  # wherever it is copied to
    (folder / "helpers.py").write_text("SCALE = 3\n", encoding="utf-8")
    changed = opened(folder, tmp_path).digest
    assert changed != first
    (folder / "helpers2.py").write_text("", encoding="utf-8")
    assert opened(folder, tmp_path).digest not in (first, changed)


# zips: every way a zip can be broken is its own error, read in bounded memory
# where each field of a zip entry lies in its local header and in its central directory record
HEADERS = {
    b"PK\x03\x04": {"flags": 6, "method": 8, "csize": 18, "usize": 22},
    b"PK\x01\x02": {"flags": 8, "method": 10, "csize": 20, "usize": 24},
}


def zip_of(*members: tuple[str, bytes], method: int = zipfile.ZIP_STORED) -> bytes:
    packed = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(packed, "w", method) as archive:
        warnings.simplefilter("ignore")  # "Duplicate name": one of the zips is meant to hold one
        for name, data in members:
            archive.writestr(name, data)
    return packed.getvalue()


def patched(data: bytes, **fields: int) -> bytes:
    """The zip `data` with these fields set in every entry's local header and central record,
    as a hand-made or damaged zip would have them."""
    out = bytearray(data)
    for signature, offsets in HEADERS.items():
        at = out.find(signature)
        while at >= 0:
            for field, value in fields.items():
                struct.pack_into("<H" if field in ("flags", "method") else "<I", out, at + offsets[field], value)
            at = out.find(signature, at + 4)
    return bytes(out)


def corrupt_deflate() -> bytes:
    data = bytearray(zip_of(("activations.py", MODULE), method=zipfile.ZIP_DEFLATED))
    start = 30 + len("activations.py")  # the first entry's compressed bytes
    data[start : start + 16] = b"\xff" * 16  # a block of the reserved type
    return bytes(data)


def zip_bomb() -> bytes:
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive, archive.open("activations.py", "w") as member:
        for _ in range(64):
            member.write(bytes(2**20))
    return packed.getvalue()


def zip_link() -> bytes:
    link = zipfile.ZipInfo("activations.py")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16  # as `zip --symlinks` stores one
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr(link, "../../solutions/activations.py")
    return packed.getvalue()


# file name: (its bytes, what the submission's error says)
BAD_ZIPS = {
    "zip_encrypted.zip": (patched(zip_of(("activations.py", MODULE)), flags=1), "activations.py is encrypted"),
    "zip_bad_crc.zip": (zip_of(("activations.py", MODULE)).replace(b"def ", b"deF ", 1), "Bad CRC-32"),
    "zip_lying_size.zip": (
        patched(zip_of(("activations.py", MODULE)), usize=len(MODULE) + 1000),
        "activations.py is not the size its zip entry says",
    ),
    "zip_past_the_end.zip": (patched(zip_of(("activations.py", MODULE)), csize=10**6, usize=10**6), "(EOFError)"),
    "zip_deflate64.zip": (patched(zip_of(("activations.py", MODULE)), method=9), "compressed with method 9"),
    "zip_bzip2.zip": (zip_of(("activations.py", MODULE), method=zipfile.ZIP_BZIP2), "compressed with method 12"),
    "zip_truncated.zip": (zip_of(("activations.py", MODULE))[: len(MODULE) // 2], "is not a readable zip file"),
    "zip_bad_deflate.zip": (corrupt_deflate(), "(Error -3 while decompressing data: invalid block type)"),
    "zip_dotdot.zip": (zip_of(("activations.py", MODULE), ("../../escape.py", b"x = 1\n")), "'../../escape.py'"),
    "zip_absolute.zip": (zip_of(("/etc/activations.py", MODULE)), "'/etc/activations.py'"),
    "zip_drive.zip": (zip_of(("C:\\activations.py", MODULE)), "which no zip tool writes"),
    "zip_control.zip": (zip_of(("activations.py", MODULE), ("act\x1bivations.py", b"")), "which no zip tool writes"),
    "zip_duplicate.zip": (zip_of(("activations.py", MODULE), ("activations.py", b"")), "holds activations.py twice"),
    "zip_many.zip": (zip_of(*((f"f{i}.txt", b"") for i in range(MAX_ZIP_MEMBERS + 1))), "holds more than 10000 files"),
    "zip_bomb.zip": (zip_bomb(), "activations.py is over the 5 MB limit"),
    "zip_link.zip": (zip_link(), "activations.py is a link; zip the file itself"),
}


@pytest.mark.parametrize("name", sorted(BAD_ZIPS))
def test_each_broken_zip_is_its_own_clear_error(name, tmp_path):
    data, says = BAD_ZIPS[name]
    (tmp_path / name).write_bytes(data)
    assert says in refused(tmp_path / name, tmp_path)


def test_zip_names_with_backslashes_are_folders(tmp_path):
    path = tmp_path / "ada.zip"
    path.write_bytes(zip_of(("ada\\activations.py", MODULE)))
    assert (opened(path, tmp_path).folder / "activations.py").read_bytes() == MODULE


# notebooks: any malformed one is its own error, and learner code is never parsed here
def nb(**fields) -> bytes:
    """A notebook that defines relu, with these top-level fields replaced (None: left out)."""
    cell = {"cell_type": "code", "metadata": {}, "source": ["def relu(x):\n", "    return x\n"], "outputs": []}
    content = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5} | fields
    return json.dumps({key: value for key, value in content.items() if value is not None}).encode()


def code_cell(source) -> dict:
    return {"cell_type": "code", "metadata": {}, "source": source, "outputs": []}


# file name: (its bytes, what its error says), as for zips
BAD_NOTEBOOKS = {
    "nb_deep.ipynb": (b"[" * 100_000 + b"]" * 100_000, "maximum recursion depth exceeded"),
    "nb_metadata_list.ipynb": (nb(metadata=[]), "its metadata is not a mapping"),
    "nb_source_dict.ipynb": (nb(cells=[code_cell({"a": 1})]), "the source of cell 1 is not text"),
    "nb_source_numbers.ipynb": (nb(cells=[code_cell(["x = 1\n", 2])]), "the source of cell 1 is not text"),
    "nb_cell_not_dict.ipynb": (nb(cells=[code_cell("x = 1"), [1]]), "cell 2 is not a notebook cell"),
    "nb_no_nbformat.ipynb": (nb(nbformat=None), "no nbformat version"),
    "nb_no_cells.ipynb": (nb(cells=None), "no list of cells"),
    "nb_not_utf8.ipynb": (nb().replace(b"relu", b"r\xe9lu"), "'utf-8' codec can't decode byte 0xe9"),
    "nb_surrogate.ipynb": (nb(cells=[code_cell("x = '\ud800'")]), "surrogates not allowed"),
    "nb_unit_unhashable.ipynb": (
        nb(metadata={"course": {"unit": []}}, cells=[code_cell("x = 1")]),
        "can't tell which unit this notebook is for",
    ),
    "nb_parser_bomb.ipynb": (
        nb(cells=[code_cell("x = " + "-" * 200_000 + "1")]),
        "can't tell which unit this notebook is for",
    ),
    "nb_huge.ipynb": (
        nb(cells=[code_cell("def relu(x):\n    return x\n" + "#" * MAX_FILE_BYTES)]),
        "nb_huge.ipynb is over the 5 MB limit",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_NOTEBOOKS))
def test_each_malformed_notebook_is_its_own_clear_error(name, tmp_path):
    data, says = BAD_NOTEBOOKS[name]
    (tmp_path / name).write_bytes(data)
    assert says in refused(tmp_path / name, tmp_path)


def test_a_notebooks_unit_is_found_without_parsing_its_code(tmp_path, monkeypatch):
    mark = "learner" + "_mark"  # in the notebook, not in this file (which pytest may parse)
    path = tmp_path / "my_homework.ipynb"
    path.write_text(notebook(MODULE.decode() + f"\n{mark} = 1\n"), encoding="utf-8")
    parse = ast.parse

    def no_learner_code(source, *args, **kwargs):
        assert mark not in source, "learner code parsed in the grader's parent"
        return parse(source, *args, **kwargs)

    monkeypatch.setattr(ast, "parse", no_learner_code)
    submission = opened(path, tmp_path)
    assert [p.name for p in submission.folder.iterdir()] == ["activations.py"]


# the Dask shipper
def test_the_dask_shipper_ships_regular_files_only(tmp_path):
    folder = solution_folder(tmp_path, "ada")
    (folder / "notes.txt").symlink_to("/etc/passwd")
    (folder / "solutions").symlink_to(ROOT / "solutions")
    shipped = executors.ship(folder, DATA)
    assert shipped.name == "ada"
    assert shipped.modules == {p.name: p.read_bytes() for p in folder.glob("*.py")}
    (tmp_path / "worker").mkdir()
    unpacked = shipped.unpack(tmp_path / "worker")
    assert opened(unpacked, tmp_path).digest == opened(folder, tmp_path).digest
    (folder / "helpers.py").symlink_to(ROOT / "solutions" / "activations.py")
    with pytest.raises(SubmissionError, match="helpers.py is a link"):
        executors.ship(folder, DATA)


def test_a_shipped_file_keeps_its_learners_name(tmp_path):
    path = tmp_path / f"{os.fsdecode(CP949_NAME)}.ipynb"
    path.write_text(notebook(MODULE.decode(), "activations"), encoding="utf-8")
    shipped = executors.ship(path, DATA)
    assert list(shipped.modules) == ["activations.py"]
    (tmp_path / "worker").mkdir()
    assert learner_of(shipped.unpack(tmp_path / "worker")) == learner_of(path) == "홍길동"


# a whole class in one batch
def hostile_class(where: Path) -> dict[Path, str]:
    """Every bad submission, and what its error says."""
    expected = bad_folders(where)
    for name, (data, says) in (BAD_ZIPS | BAD_NOTEBOOKS).items():
        (where / name).write_bytes(data)
        expected[where / name] = says
    (where / "dangling").symlink_to(where / "gone")  # a link the class's glob finds, to nothing
    expected[where / "dangling"] = "dangling does not exist"
    return expected


def honest_class(where: Path) -> dict[Path, str]:
    """Submissions that must be graded in full, by learner name: a copy of the solutions, one in
    a folder named in CP949, one zipped under a 240-byte name, one with a helper module."""
    honest = solution_folder(where, "honest")
    korean = where / os.fsdecode(CP949_NAME)
    shutil.copytree(honest, korean)
    long_zip = where / f"{LONG_NAME}.zip"
    long_zip.write_bytes(zip_of(*((p.name, p.read_bytes()) for p in sorted(honest.glob("*.py")))))
    helper = solution_folder(where, "helper")
    (helper / "activations.py").rename(helper / "my_activations.py")
    (helper / "activations.py").write_text("from my_activations import *  # noqa: F403\n", encoding="utf-8")
    return {honest: "honest", korean: "홍길동", long_zip: LONG_NAME, helper: "helper"}


def grade(*args, timeout: float = 300) -> subprocess.CompletedProcess:
    return run_course("grade", *args, "--only", "activations", "--device", "cpu", root=ROOT, timeout=timeout)


def test_one_batch_grades_the_honest_and_refuses_every_hostile_submission(tmp_path):
    where = tmp_path / "class"
    where.mkdir()
    hostile, honest = hostile_class(where), honest_class(where)
    gradebook = tmp_path / "gradebook.sqlite"
    started = time.monotonic()
    done = grade(*hostile, *honest, "--jobs", "2", "--gradebook", gradebook, "--format", "json")
    took = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    records = {r["submission"]: r for r in json.loads(done.stdout)}
    assert len(records) == len(hostile) + len(honest)
    full = UNIT_POINTS["activations"]
    for learner in honest.values():
        assert (records[learner]["score"], records[learner]["max_score"]) == (full, full), learner
    for path, says in hostile.items():
        record = records[learner_of(path)]
        assert record["score"] == 0, path.name
        assert {ex["status"] for ex in record["exercises"]} == {"error"}, path.name
        message = record["exercises"][0]["message"]
        assert message.startswith("the submission could not be read: ") and says in message, path.name
        assert "\n" not in message, path.name
    assert took < 40  # a FIFO waited on would stall its worker for a minute
    with sqlite3.connect(gradebook) as db:
        stored = dict(db.execute("SELECT learner, source FROM submissions"))
    assert stored["홍길동"] == str(where / "홍길동") and LONG_NAME in stored
    again = grade(*honest, "--gradebook", gradebook, "--format", "junit")  # from the gradebook: nothing changed
    assert again.returncode == 0, again.stderr
    suites = {suite.get("name") for suite in ET.fromstring(again.stdout.encode()).iter("testsuite")}
    assert suites == set(honest.values())


@pytest.mark.slow  # a real Dask cluster: its own workers, each loading the course
def test_dask_ships_what_local_grades(tmp_path):
    pytest.importorskip("distributed")
    where = tmp_path / "class"
    where.mkdir()
    honest = honest_class(where)
    link = bad_folders(where)
    some = [*honest, *link, where / "nb_deep.ipynb"]
    (where / "nb_deep.ipynb").write_bytes(BAD_NOTEBOOKS["nb_deep.ipynb"][0])
    graded = {}
    for executor in ("local", "dask"):
        done = grade(*some, "--executor", executor, "--jobs", "1", "--format", "json", timeout=600)
        assert done.returncode == 0, done.stderr
        graded[executor] = json.loads(done.stdout)
        for record in graded[executor]:
            for exercise in record["exercises"]:
                exercise.pop("seconds")
    assert graded["dask"] == graded["local"]
    assert [r["submission"] for r in graded["dask"]] == [learner_of(p) for p in some]

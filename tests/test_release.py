"""What leaves the instructor's folder: the learners' copy and the Gradescope zip ship the files
they list, and nothing planted beside them (answers, dotfiles, links into solutions/)."""
from __future__ import annotations

import shutil
import zipfile

import pytest

from graders import ci_formats, release
from graders.course import load
from tests.conftest import ROOT

ANSWER = "INSTRUCTOR'S OWN ANSWER"
WRITTEN = ("exercises/.backup/activations.py", "exercises/.secret", "graders/.env", "graders/.cache/units.py",
           "graders/__pycache__/course.cpython-311.pyc")
PLANTED = (*WRITTEN, "exercises/activations_solved.py", "graders/solutions/activations.py")  # and two links


@pytest.fixture
def course_copy(tmp_path):
    """(root, its own files): the course, with what must never ship planted in it afterwards:
    `course reset`'s backup of the instructor's answers, dotfiles, a dot-folder, a cache, a link
    to a solution and one to solutions/."""
    root = tmp_path / "course"
    root.mkdir()
    for name in ("course.toml", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, root / name)
    for name in ("graders", "exercises", "solutions", "docs"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    own = course_files(root, "graders", "exercises", "docs") | {"course.toml", "pyproject.toml", "README.md"}
    for name in WRITTEN:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(ANSWER, encoding="utf-8")
    (root / "exercises" / "activations_solved.py").symlink_to(root / "solutions" / "activations.py")
    (root / "graders" / "solutions").symlink_to(root / "solutions", target_is_directory=True)
    return root, own


def course_files(root, *folders: str) -> set[str]:
    """The course's own files in these folders: all but caches and hidden ones."""
    found = {p.relative_to(root) for folder in folders for p in (root / folder).rglob("*") if p.is_file()}
    return {p.as_posix() for p in found if not any(part.startswith(".") or part == "__pycache__" for part in p.parts)}


def test_the_learners_copy_holds_the_listed_files_and_nothing_planted(course_copy, tmp_path):
    root, own = course_copy
    out = tmp_path / "release"
    release.release(load(root), out)
    shipped = {p.relative_to(out).as_posix() for p in out.rglob("*") if not p.is_dir() or p.is_symlink()}
    assert not [p for p in out.rglob("*") if p.is_symlink()]
    assert not set(PLANTED) & shipped
    assert not [name for name in shipped if name.endswith(".py") and ANSWER in (out / name).read_text(encoding="utf-8")]
    assert shipped == own | {".github/workflows/classroom.yml", ".gitignore"}


def test_the_gradescope_zip_holds_the_program_and_nothing_planted(course_copy, tmp_path):
    root, own = course_copy
    names = set(ci_formats.build_gradescope_zip(root, tmp_path / "autograder.zip"))
    with zipfile.ZipFile(tmp_path / "autograder.zip") as archive:
        assert not [info.filename for info in archive.infolist() if info.external_attr >> 16 & 0o170000 == 0o120000]
    assert names == {name for name in own if not name.startswith("docs/")} | {"setup.sh", "run_autograder"}


def test_everything_the_package_installs_is_shipped():
    """pyproject.toml's package-data: the allow-list names every file of it the course has."""
    program = {p.as_posix() for p in release.files(ROOT, release.PROGRAM)}
    assert course_files(ROOT, "graders") <= program
    assert {"graders/templates/classroom.yml", "graders/locale/messages.toml",
            "graders/locale/ko/losses.toml"} <= program


def test_a_symlinked_file_or_folder_is_never_followed(course_copy):
    listed = {p.as_posix() for p in release.files(course_copy[0])}
    assert "exercises/activations.py" in listed
    assert not [name for name in listed if name.startswith(("graders/solutions", "exercises/activations_solved"))]

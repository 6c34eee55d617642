"""What leaves the instructor's folder: the learners' copy and the Gradescope zip ship the files
they list, and nothing planted beside them (answers, dotfiles, links into solutions/). The copy's
README is the learners' own: what it names is in the copy, and its commands run there."""

from __future__ import annotations

import importlib.metadata
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from graders import cli, release
from graders.course import load, torch_pin
from tests.conftest import ROOT

ANSWER = "INSTRUCTOR'S OWN ANSWER"
WRITTEN = (
    "exercises/.backup/activations.py",
    "exercises/.secret",
    "graders/.env",
    "graders/.cache/units.py",
    "graders/__pycache__/course.cpython-311.pyc",
)
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
    names = set(release.build_gradescope_zip(root, tmp_path / "autograder.zip"))
    with zipfile.ZipFile(tmp_path / "autograder.zip") as archive:
        assert not [info.filename for info in archive.infolist() if info.external_attr >> 16 & 0o170000 == 0o120000]
    assert names == {name for name in own if not name.startswith("docs/")} | {"setup.sh", "run_autograder"}


def test_everything_the_package_installs_is_shipped():
    """pyproject.toml's package-data: the allow-list names every file of it the course has."""
    program = {p.as_posix() for p in release.files(ROOT, release.PROGRAM)}
    assert course_files(ROOT, "graders") <= program
    assert {
        "graders/templates/classroom.yml",
        "graders/locale/messages.toml",
        "graders/locale/ko/losses.toml",
    } <= program


def test_a_symlinked_file_or_folder_is_never_followed(course_copy):
    listed = {p.as_posix() for p in release.files(course_copy[0])}
    assert "exercises/activations.py" in listed
    assert not [name for name in listed if name.startswith(("graders/solutions", "exercises/activations_solved"))]


# --- The learners' README ------------------------------------------------------------------------

FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
# What the README's own commands make in the copy: the environment, course plot's PNGs, course reset's backup.
MADE_BY_ITS_COMMANDS = (".venv", "plots", "exercises/.backup")
# What only the instructor's folder holds or only an instructor runs.
INSTRUCTORS = (
    "instructor",
    "bench/",
    "tests/",
    "solutions/",
    ".ci/",
    "pytest",
    "course grade",
    "course verify",
    "course export",
    "course gradescope",
    "course notebooks",
    "course release",
    "--gradebook",
    "--hidden-seed",
    "hidden_seed",
    "dask",
    "nbgrader",
    "seccomp",
    "landlock",
)
LEARNERS = {"list", "check", "watch", "hint", "plot", "reset", "doctor"}
RUNS_AND_RETURNS = {"list", "check", "hint", "doctor"}  # watch waits for keys; plot and reset write into the copy


@pytest.fixture(scope="module")
def learners_copy(tmp_path_factory) -> tuple[Path, str]:
    """(the copy `course release` writes of this course, its README)."""
    out = tmp_path_factory.mktemp("learners") / "course"
    release.release(load(ROOT), out)
    return out, (out / "README.md").read_text(encoding="utf-8")


def code_of(readme: str) -> tuple[list[tuple[str, str]], list[str]]:
    """The README's fenced blocks as (language, text), and its inline code spans."""
    return FENCE.findall(readme), re.findall(r"`([^`\n]+)`", FENCE.sub("", readme))


def named_paths(readme: str) -> set[str]:
    """The paths the README's code names: a word with a slash or a file's extension. A ```text
    block is sample output, not a file the learner is sent to."""
    blocks, spans = code_of(readme)
    found = set()
    for text in [code for language, code in blocks if language != "text"] + spans:
        for word in re.findall(r"[\w.\\/-]+", re.sub(r"https://\S+", "", text), re.ASCII):
            path = word.replace("\\", "/").rstrip("/")
            if "/" in path or re.fullmatch(r".+\.(py|toml|md|png|yml|yaml|ipynb|ps1|json|txt|sh)", path):
                found.add(path)
    return found


def course_commands(readme: str) -> set[tuple[str, ...]]:
    """The arguments of every `course ...` the README shows: per step (`&&`, `;`) of each line of
    its shell blocks, comments cut, and in its code spans."""
    blocks, spans = code_of(readme)
    steps = [
        step
        for language, code in blocks
        if language in ("bash", "powershell")
        for line in code.splitlines()
        for step in re.split(r"&&|;", line.split(" #")[0])
    ]
    return {
        tuple(shlex.split(match[1]))
        for step in [*steps, *spans]
        if (match := re.fullmatch(r"\s*(?:\.venv[/\\](?:bin|Scripts)[/\\])?course\s+(.*?)\s*", step))
    }


def subcommand(args: tuple[str, ...]) -> str:
    """What `course` makes of these arguments; the test fails where it refuses them (exit 2)."""
    try:
        return cli._parser().parse_args(list(args)).command
    except SystemExit:
        pytest.fail(f"`course {shlex.join(args)}` is not a command that course takes")


def run(command: list[str], where: Path, timeout: float, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        command,
        cwd=where,
        env=dict(os.environ, COLUMNS="250", **env),
        capture_output=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
    )


def setup_blocks(readme: str) -> dict[str, list[str]]:
    """Each platform's set-up block, as its steps."""
    return {
        system: re.split(r"\s*(?:&&|;)\s*", block.strip())
        for system, block in re.findall(
            r"^\*\*(Linux|macOS|Windows)\*\*[^\n]*\n(?:[^\n]*\n)*?```\w*\n(.*?)```", readme, re.MULTILINE | re.DOTALL
        )
    }


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_the_learners_copy_has_a_readme_of_its_own(learners_copy):
    """Set-up, the loop and the rules, in English and Korean, with this course's data; nothing of
    the instructor's README (grading a class, CI, benchmarks, the project's tests)."""
    readme, course_readme = learners_copy[1], (ROOT / "README.md").read_text(encoding="utf-8")
    course = load(ROOT)
    assert readme != course_readme
    assert not [word for word in INSTRUCTORS if word.lower() in readme.lower()]
    assert {"## Set up", "## The rules", "## 학습자 안내 (한국어)", "### 설치", "### 규칙"} <= set(readme.splitlines())
    # The course README's set-up blocks, which tests/test_workflow.py pins and the project's CI runs on
    # each platform; and never an unpinned torch, which on Linux pip would take from PyPI as CUDA's.
    assert set(setup_blocks(readme)) == {"Linux", "macOS", "Windows"}
    assert setup_blocks(readme) == setup_blocks(course_readme)
    assert set(re.findall(r"pip install (torch[^\s;]*)", readme)) == {torch_pin(ROOT)}
    assert all(f"| `{unit.name}` |" in readme and unit.title["ko"] in readme for unit in course.units)
    assert f"{course.limits.memory_mb} MB" in readme and f"{course.limits.call_seconds:g}초" in readme


def test_every_link_and_path_the_readme_names_is_in_the_copy(learners_copy):
    out, readme = learners_copy
    anchors = {slug(heading) for heading in re.findall(r"^#+ (.+)$", FENCE.sub("", readme), re.MULTILINE)}
    links = re.findall(r"\]\(([^)\s]+)\)", readme)
    assert {"#notebooks-colab-and-jupyter", "#학습자-안내-한국어", "docs/img/activations.png"} <= set(links)
    assert not [
        link
        for link in links
        if not (link[1:] in anchors if link.startswith("#") else link.startswith("https://") or (out / link).is_file())
    ]
    paths = named_paths(readme)
    assert {"exercises/activations.py", ".github/workflows/classroom.yml", ".venv/bin/pip"} <= paths
    made = [path for path in paths if any(path == m or path.startswith(m + "/") for m in MADE_BY_ITS_COMMANDS)]
    assert not [path for path in paths - set(made) if not (out / path).exists()]


def test_every_course_command_the_readme_shows_runs_in_the_copy(learners_copy):
    """Each is a learner's subcommand with arguments `course` takes; those that return at once run
    in the copy, with the copy's own graders (python -m graders, from the copy), and exit as they
    should there: check 1 (every exercise a stub), the others 0."""
    out, readme = learners_copy
    commands = course_commands(readme)
    assert {subcommand(args) for args in commands} == LEARNERS
    for args in sorted(commands):
        if (command := subcommand(args)) in RUNS_AND_RETURNS:
            ran = run([sys.executable, "-m", "graders", "--root", str(out), *args], out, timeout=180)
            assert ran.returncode == (1 if command == "check" else 0), (args, ran.stdout, ran.stderr)
            assert "Traceback" not in ran.stdout + ran.stderr


def test_the_readmes_linux_setup_installs_the_copy_in_a_fresh_venv(tmp_path):
    """SLOW: 75 s on this project's idle 2-core machine (venv 7 s, torch 36 s, the course 22 s,
    the first check 8 s), 3 minutes when it is busy. The README's Linux block, step by step, in a
    fresh copy: a new venv, the pinned CPU torch, the course, the first check; then `course list`
    with that venv. PyTorch's index is out of this project's machines' reach, so pip takes the
    same CPU wheel from the machine's own (pip.conf's find-links), as .ci/run does; PIP_RETRIES=0,
    as there, since each retry would wait seconds."""
    out = tmp_path / "course"
    release.release(load(ROOT), out)
    env = {
        "PIP_RETRIES": "0",
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
    }  # python3: this one, 3.11+
    *install, check = setup_blocks((out / "README.md").read_text(encoding="utf-8"))["Linux"]
    for step in install:
        ran = run(["bash", "-c", step], out, timeout=170, **env)
        assert ran.returncode == 0, (step, ran.stdout[-3000:], ran.stderr[-3000:])
    ran = run(["bash", "-c", check], out, timeout=120, **env)
    assert ran.returncode == 1 and "not implemented" in ran.stdout, (ran.stdout[-3000:], ran.stderr[-3000:])
    ran = run([str(out / ".venv" / "bin" / "course"), "list"], out, timeout=120, **env)
    assert ran.returncode == 0 and "activations.sigmoid" in ran.stdout, (ran.stdout[-3000:], ran.stderr[-3000:])
    installed = {
        dist.metadata["Name"].lower(): dist.version
        for dist in importlib.metadata.distributions(
            path=[str(next((out / ".venv" / "lib").glob("python3*/site-packages")))]
        )
    }
    assert installed["torch"].split("+")[0] == torch_pin(ROOT).removeprefix("torch==")
    assert not [name for name in installed if name.startswith("nvidia")]  # the CPU build: no CUDA libraries pulled

"""The learner's copy of the course: stubs, graders and course.toml, without what is the instructor's.

What is shipped is listed, not what is kept back: anything else in the course folder stays out
however it came there, such as exercises/.backup/ (the instructor's own answers once `course
reset` ran in the instructor's copy), an editor's or a shell's dotfile, or a link into solutions/.
The copy's README is the learners' own, rendered from templates/README.learners.md: the course's
README is the instructor's, with sections on grading, CI and benchmarks a learner has no use for.
The Gradescope autograder zip is built here too, from the same list (PROGRAM), so the two can
never ship different files.
"""

from __future__ import annotations

import shutil
import string
import zipfile
from pathlib import Path

from graders.course import Course, torch_pin
from graders.errors import UserError
from graders.files import replacing
from graders.i18n import messages

# What `course` needs to run and pip to install it: the packaged files of pyproject.toml's
# [tool.setuptools] (the modules, and package-data's templates and locale), and the stubs.
PROGRAM = (
    "course.toml",
    "pyproject.toml",
    "README.md",
    "exercises/*.py",
    "graders/**/*.py",
    "graders/templates/*",
    "graders/locale/**/*.toml",
)
SHIPPED = (*PROGRAM, "docs/img/*.png")  # and the README's images
README = Path("README.md")  # in the copy, the learners' own; the Gradescope zip keeps the course's, which pip reads
TEMPLATES = Path(__file__).with_name("templates")
WORKFLOW = TEMPLATES / "classroom.yml"
LEARNERS_README = TEMPLATES / "README.learners.md"


def files(root: Path, patterns: tuple[str, ...] = SHIPPED) -> list[Path]:
    """The files under `root` that `patterns` name, relative to it: regular files only, none
    hidden, none in a hidden folder or __pycache__, and none reached through a symlink."""
    found = set()
    for pattern in patterns:
        for path in root.glob(pattern):
            relative = path.relative_to(root)
            if any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
                continue
            steps = [root.joinpath(*relative.parts[:i]) for i in range(1, len(relative.parts) + 1)]
            if not any(step.is_symlink() for step in steps) and path.is_file():
                found.add(relative)
    return sorted(found)


def release(course: Course, out: Path) -> list[str]:
    """Write the learner's copy into `out` (new or empty); return what it holds, top level."""
    if out.exists() and any(out.iterdir()):
        raise UserError(f"{out} is not empty; pass a new folder for the learners' copy")
    if out.resolve().is_relative_to(course.root.resolve()):
        raise UserError(f"{out} is inside the course itself; pass a folder outside {course.root}")
    out.mkdir(parents=True, exist_ok=True)
    for relative in files(course.root):
        if relative != README:
            (out / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(course.root / relative, out / relative)
    (out / README).write_text(learners_readme(course), encoding="utf-8")
    workflow = out / ".github" / "workflows" / "classroom.yml"
    workflow.parent.mkdir(parents=True)
    shutil.copy2(WORKFLOW, workflow)
    (out / ".gitignore").write_text(".venv/\n__pycache__/\n*.egg-info/\nplots/\nexercises/.backup/\n", encoding="utf-8")
    return sorted(p.name for p in out.iterdir())


def learners_readme(course: Course) -> str:
    """The copy's README.md: set-up per platform, the learner's commands and the rules, in English
    and Korean, with this course's torch build, limits and units, and watch's keys as it shows them."""
    limits = course.limits
    keys = messages()["watch.keys"]
    units = "\n".join(
        f"| {number} | `{unit.name}` | {unit.title['en']} · {unit.title['ko']} | {len(unit.exercises)} | "
        f"{sum(ex.points for ex in unit.exercises)} |"
        for number, unit in enumerate(course.units, 1)
    )
    return string.Template(LEARNERS_README.read_text(encoding="utf-8")).substitute(
        title_en=course.title["en"],
        title_ko=course.title["ko"],
        torch=torch_pin(course.root),
        keys_en=keys["en"],
        keys_ko=keys["ko"],
        units=units,
        exercises=len(course.exercises),
        points=sum(ex.points for ex in course.exercises),
        call_seconds=f"{limits.call_seconds:g}",
        submission_seconds=f"{limits.submission_seconds:g}",
        memory_mb=limits.memory_mb,
    )


# --- The Gradescope autograder archive ---------------------------------------------------------

_SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, to build the autograder image (Ubuntu).
set -euo pipefail
PY=python3
python3 -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null || PY=python3.11
if ! command -v "$PY" >/dev/null || ! "$PY" -c 'import ensurepip' 2>/dev/null; then
  apt-get update && apt-get install -y "$PY" "$PY-venv"
fi
"$PY" -m venv /autograder/venv
/autograder/venv/bin/pip install --upgrade pip
# No GPU here: the CPU build of the version pyproject.toml names, so pip keeps it below.
/autograder/venv/bin/pip install {torch} --index-url https://download.pytorch.org/whl/cpu
/autograder/venv/bin/pip install /autograder/source
"""

_RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for each submission; the learner's files are in /autograder/submission.
set -uo pipefail
export PATH=/autograder/venv/bin:$PATH
mkdir -p /autograder/results
# a folder of modules, notebooks or a zip, as `course grade` reads them
course --root /autograder/source grade /autograder/submission --format gradescope \\
    --submission-metadata /autograder/submission_metadata.json --out /autograder/results/results.json
if [ ! -s /autograder/results/results.json ]; then
  echo '{"score": 0, "output": "The autograder stopped before grading; your instructor has its log."}' \\
    > /autograder/results/results.json
fi
"""


def build_gradescope_zip(course_root: Path, out: Path) -> list[str]:
    """A Gradescope autograder zip: setup.sh and run_autograder at its root, beside the learner's
    copy of the course (Gradescope unpacks the zip's root into /autograder/source, the --root)."""
    scripts = {"setup.sh": _SETUP_SH.replace("{torch}", torch_pin(course_root)), "run_autograder": _RUN_AUTOGRADER}
    with replacing(out, binary=True) as file, zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in scripts.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = 0o100755 << 16  # a regular file, executable
            archive.writestr(info, text, zipfile.ZIP_DEFLATED)
        for relative in files(course_root, PROGRAM):
            archive.write(course_root / relative, relative.as_posix())
        return archive.namelist()

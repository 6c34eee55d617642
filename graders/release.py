"""The learner's copy of the course: stubs, graders and course.toml, without what is the instructor's."""
from __future__ import annotations

import shutil
from pathlib import Path

from graders.course import INSTRUCTOR_FILE, Course, UserError

SHIPPED = ("course.toml", "pyproject.toml", "README.md", "exercises", "graders", "docs")  # docs: the README's images
NEVER = ("solutions", INSTRUCTOR_FILE, "tests", "__pycache__", "*.egg-info", ".venv")
WORKFLOW = Path(__file__).with_name("templates") / "classroom.yml"


class ReleaseError(UserError):
    pass


def release(course: Course, out: Path) -> list[str]:
    """Write the learner's copy into `out` (new or empty); return what it holds, top level."""
    if out.exists() and any(out.iterdir()):
        raise ReleaseError(f"{out} is not empty; pass a new folder for the learners' copy")
    if out.resolve().is_relative_to(course.root.resolve()):
        raise ReleaseError(f"{out} is inside the course itself; pass a folder outside {course.root}")
    out.mkdir(parents=True, exist_ok=True)
    for name in SHIPPED:
        source = course.root / name
        if source.is_dir():
            shutil.copytree(source, out / name, ignore=shutil.ignore_patterns(*NEVER))
        elif source.is_file():
            shutil.copy2(source, out / name)
    workflow = out / ".github" / "workflows" / "classroom.yml"
    workflow.parent.mkdir(parents=True)
    shutil.copy2(WORKFLOW, workflow)
    (out / ".gitignore").write_text(".venv/\n__pycache__/\n*.egg-info/\nplots/\nexercises/.backup/\n", encoding="utf-8")
    return sorted(p.name for p in out.iterdir())

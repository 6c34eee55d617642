"""Submissions in the forms learners hand them in, turned into a folder of unit modules.

A folder of modules is graded as it is; a zip is unpacked (safely) and a notebook's code
cells become its unit's module. The learner's id is the folder or file name.
"""
from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

from graders.course import Course, UserError
from graders.nbgrader_course import INSTALL_CELL
from graders.untrusted import printable

MAX_UNPACKED_BYTES = 20 * 2**20  # a zip may not unpack to more than this
IPYTHON_ONLY = re.compile(r"^\s*[%!?]")  # magics and shell lines, which plain Python can't run


class SubmissionError(UserError):
    """A submission that can't be read; the message says why and what to hand in instead."""

    def __init__(self, message: str):
        super().__init__(readable(message))  # it names the learner's files, and goes into every report


@dataclass(frozen=True)
class Submission:
    learner: str
    source: Path  # what was handed in
    folder: Path  # the unit modules to grade
    digest: str  # of the modules' contents: a changed submission is graded again


def readable(text: str) -> str:
    """`text` as one line fit for every report: a file name's raw bytes (which Python holds as
    lone surrogates where they are not UTF-8) read as UTF-8, else as CP949, the Korean Windows
    encoding, else with replacement characters."""
    raw = text.encode("utf-8", "surrogateescape")
    for encoding in ("utf-8", "cp949"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = raw.decode("utf-8", "replace")
    return re.sub(r"\s", " ", printable(text))


def learner_of(path: Path) -> str:
    path = Path(path).absolute()  # "." is the folder's own name; a link keeps the name it was given
    return readable(path.name if os.path.isdir(path) else path.stem)


def open_submission(path: Path, course: Course, scratch: Path) -> Submission:
    """The submission at `path` as a folder of unit modules; `scratch` is this submission's own
    empty folder for unpacked files."""
    path = Path(path)
    if path.is_dir():
        inner = _inner_folder(path, course)
        if inner is None:  # e.g. an upload that holds only the learner's zip
            return open_submission(only_zip, course, scratch) if (only_zip := _only_zip(path)) else \
                _no_modules(path, course)
        folder = inner
        if any(inner.glob("*.ipynb")):
            folder = _copy_modules(inner, scratch)
            _convert_notebooks(inner.glob("*.ipynb"), folder, course)
    elif path.suffix == ".zip":
        folder = _unzip(path, scratch)
        _convert_notebooks(folder.glob("*.ipynb"), folder, course)
    elif path.suffix == ".ipynb":
        folder = scratch
        _convert_notebooks([path], folder, course)
    elif not path.exists():
        raise SubmissionError(f"{path} does not exist")
    else:
        raise SubmissionError(f"{path.name} is not a folder, a .zip or a .ipynb notebook; hand in one of those")
    units = {unit.name for unit in course.units}
    modules = sorted(p for p in folder.glob("*.py") if p.stem in units)
    if not modules:
        _no_modules(path, course)
    digest = hashlib.sha256()
    for module in modules:
        digest.update(module.name.encode() + b"\0" + module.read_bytes() + b"\0")
    return Submission(learner_of(path), path, folder, digest.hexdigest())


def _inner_folder(path: Path, course: Course) -> Path | None:
    """The folder holding the unit modules or notebooks: `path` itself, or the subfolder (two
    levels down at most) holding the most of them, as when a learner hands in `exercises/`."""
    names = {f"{unit.name}{suffix}" for unit in course.units for suffix in (".py", ".ipynb")}
    folders = [path, *(p for p in path.glob("*") if p.is_dir()), *(p for p in path.glob("*/*") if p.is_dir())]
    counts = {folder: sum((folder / name).is_file() for name in names) for folder in folders
              if "__MACOSX" not in folder.parts}
    best = max(counts, key=lambda folder: counts[folder])
    if counts[best]:
        return best
    return path if any(path.glob("*.ipynb")) else None


def _only_zip(path: Path) -> Path | None:
    files = [p for p in path.iterdir() if p.is_file()]
    return files[0] if len(files) == 1 and files[0].suffix == ".zip" else None


def _no_modules(path: Path, course: Course):
    units = ", ".join(f"{unit.name}.py" for unit in course.units)
    raise SubmissionError(f"{path.name} holds none of the course's modules ({units}) or their notebooks")


def _copy_modules(path: Path, scratch: Path) -> Path:
    for module in path.glob("*.py"):
        shutil.copy(module, scratch / module.name)
    return scratch


def _unzip(path: Path, scratch: Path) -> Path:
    """Unpack only .py and .ipynb files, flattened into `scratch`: no path in the archive can
    write outside it, and a zip bomb stops at MAX_UNPACKED_BYTES."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as err:
        raise SubmissionError(f"{path.name} is not a readable zip file ({err})") from None
    with archive:
        members = [m for m in archive.infolist()
                   if not m.is_dir() and m.filename.endswith((".py", ".ipynb")) and "__MACOSX" not in m.filename]
        if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
            raise SubmissionError(f"{path.name} unpacks to more than {MAX_UNPACKED_BYTES >> 20} MB")
        for member in members:
            name = Path(member.filename).name
            if (scratch / name).exists():
                raise SubmissionError(f"{path.name} holds {name} twice; zip one folder of modules")
            with archive.open(member) as source:
                data = source.read(MAX_UNPACKED_BYTES + 1)
            if len(data) > member.file_size:  # the header lied about the size
                raise SubmissionError(f"{path.name}: {member.filename} is larger than its zip entry says")
            (scratch / name).write_bytes(data)
    return scratch


def _convert_notebooks(notebooks, folder: Path, course: Course) -> None:
    for path in notebooks:
        notebook = _read_notebook(path)
        source = notebook_source(notebook)
        unit = _unit_of(path, notebook.get("metadata", {}), source, course)
        if not (folder / f"{unit}.py").exists():  # a module beside its notebook wins
            (folder / f"{unit}.py").write_text(source, encoding="utf-8")


def _read_notebook(path: Path) -> dict:
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(notebook.get("cells"), list):
            raise TypeError("no list of cells")
        return notebook
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError, TypeError) as err:
        raise SubmissionError(f"{path.name} is not a readable Jupyter notebook ({err})") from None


def notebook_source(notebook: dict) -> str:
    """The code cells of a notebook as one module, IPython-only lines commented out, and the
    cells that are the course's own left out: nbgrader's test cells and the install cell."""
    cells = [c for c in notebook["cells"] if isinstance(c, dict) and c.get("cell_type") == "code" and not _is_ours(c)]
    parts = []
    for cell in cells:
        text = "".join(cell.get("source", [])) if isinstance(cell.get("source"), list) else cell.get("source", "")
        parts.append("\n".join(f"# {line}" if IPYTHON_ONLY.match(line) else line for line in text.splitlines()))
    return "\n\n".join(parts) + "\n"


def _is_ours(cell: dict) -> bool:
    """nbgrader's autograded test cells call the grader, which is ours to run, not the learner's;
    the install cell installs the grader, which a submission's worker must not try."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return (bool(meta.get("grade")) and not meta.get("solution")) or str(meta.get("grade_id", "")).endswith(INSTALL_CELL)


def _unit_of(path: Path, metadata: dict, source: str, course: Course) -> str:
    """The notebook's unit: named in its metadata, or its file name, or the unit whose
    functions it defines."""
    units = {unit.name: {ex.function for ex in unit.exercises} for unit in course.units}
    named = metadata.get("course", {}).get("unit") if isinstance(metadata.get("course"), dict) else None
    for candidate in (named, path.stem):
        if candidate in units:
            return candidate
    try:
        defined = {n.name for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef)}
    except SyntaxError:
        defined = set()
    best = max(units, key=lambda unit: len(units[unit] & defined))
    if not units[best] & defined:
        raise SubmissionError(f"{path.name}: can't tell which unit this notebook is for; name it after the unit "
                              f"(e.g. activations.ipynb)")
    return best

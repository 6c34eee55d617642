"""Submissions in the forms learners hand them in, turned into a folder of unit modules.

A folder of modules is copied, a zip is unpacked (safely) and a notebook's code cells become
its unit's module, all into a folder of the grader's own: the sandbox never sees the learner's
files themselves. The learner's id is the folder or file name.

Everything here reads what a learner made, so nothing is trusted: only regular files are read,
each on its own descriptor (a link is never followed, a FIFO never waited on), and never more
than a cap; whatever is wrong with a submission is its SubmissionError, never a traceback.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from graders.course import Course
from graders.errors import SubmissionError
from graders.nbgrader_course import INSTALL_CELL
from graders.untrusted import readable

MAX_UNPACKED_BYTES = 20 * 2**20  # a submission's modules and notebooks together, and a zip's own size
MAX_FILE_BYTES = 5 * 2**20  # one module or notebook: a notebook's outputs (plots) count
MAX_ZIP_MEMBERS = 10_000
IPYTHON_ONLY = re.compile(r"^\s*[%!?]")  # magics and shell lines, which plain Python can't run
DEFINED = re.compile(r"^def[ \t]+(\w+)[ \t]*\(", re.MULTILINE)  # a notebook's top-level functions
# names no zip tool writes: absolute, a drive, a `..` part, control characters
ODD_MEMBER = re.compile(r"^[/\\]|^[A-Za-z]:|(^|[/\\])\.\.([/\\]|$)|[\x00-\x1f\x7f]")
ZIP_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}  # bzip2's and LZMA's reads are not bounded in size
# what zipfile raises for an archive that is not what it says: a bad CRC, a truncated stream,
# an encrypted or unsupported member, a corrupt header or name
BROKEN_ZIP = (zipfile.BadZipFile, EOFError, zlib.error, RuntimeError, NotImplementedError, ValueError)
# a regular file's bytes, checked on its descriptor: what the OS offers of these (Windows has no
# O_NOFOLLOW, FIFOs or O_NONBLOCK, and reads text without O_BINARY)
READ = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


@dataclass(frozen=True)
class Submission:
    learner: str
    source: Path  # what was handed in
    folder: Path  # the unit modules to grade: the grader's copy, inside its scratch folder
    digest: str  # of every file in `folder`: a changed submission is graded again


def learner_of(path: Path) -> str:
    path = Path(path).absolute()  # "." is the folder's own name; a link keeps the name it was given
    return readable(path.name if os.path.isdir(path) else path.stem)


def read_regular(path: Path, cap: int = MAX_FILE_BYTES, follow: bool = False) -> bytes:
    """The bytes of the regular file at `path`, checked on the open descriptor so that nothing
    else passes for one: not a link (unless `follow`, for the path the instructor gave), a FIFO
    (it would block), a device (/dev/zero never ends)."""
    name = os.path.basename(path)
    try:
        fd = os.open(path, READ | (0 if follow else NOFOLLOW))
    except OSError as err:
        if err.errno == errno.ELOOP and not follow:
            raise SubmissionError(f"{name} is a link; hand in the file itself") from None
        if err.errno == errno.ENXIO:  # a socket
            raise SubmissionError(f"{name} is not a regular file; hand in the file itself") from None
        raise
    with open(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise SubmissionError(f"{name} is not a regular file; hand in the file itself")
        return _capped(name, file.read(cap + 1), cap)


def _capped(name: str, data: bytes, cap: int) -> bytes:
    """`data`, read as at most cap + 1 bytes, if that was all there was."""
    if len(data) > cap:
        raise SubmissionError(
            f"{name} is over the {cap >> 20} MB limit; hand in only your code (clear a notebook's outputs)"
        )
    return data


def open_submission(path: Path, course: Course, scratch: Path) -> Submission:
    """The submission at `path` as a folder of unit modules inside `scratch`, this submission's
    own empty folder."""
    path = Path(path)
    learner = learner_of(path)
    # named as the learner is, the same wherever it is graded: messages name a module by its folder
    folder = scratch / (learner.encode()[:255].decode("utf-8", "ignore").strip(".") or "submission")
    try:
        modules = _modules(_files(path, course), course, path.name)
        folder.mkdir()
        for name, data in modules.items():
            (folder / name).write_bytes(data)
    except OSError as err:  # EACCES, ELOOP at the top, EIO, ...: this submission's, not the batch's
        raise SubmissionError(f"{path.name} could not be read ({err.strerror or err})") from None
    digest = hashlib.sha256()
    for name, data in sorted(modules.items()):
        digest.update(os.fsencode(name) + b"\0" + data + b"\0")
    return Submission(learner, path, folder, digest.hexdigest())


def _files(path: Path, course: Course) -> dict[str, bytes]:
    """The modules and notebooks handed in, by file name."""
    if path.is_dir():
        return _folder_files(path, course)
    if path.suffix == ".zip":
        return _unzip(path.name, read_regular(path, MAX_UNPACKED_BYTES, follow=True))
    if path.suffix == ".ipynb":
        return {path.name: read_regular(path, follow=True)}
    if not path.exists():
        raise SubmissionError(f"{path} does not exist")
    raise SubmissionError(f"{path.name} is not a folder, a .zip or a .ipynb notebook; hand in one of those")


def _folder_files(path: Path, course: Course) -> dict[str, bytes]:
    """The modules and notebooks of the folder holding the most unit modules or notebooks: `path`
    itself, or a subfolder (two levels down at most), as when a learner hands in `exercises/`.
    Helper modules beside them come too, so imports between them work."""
    listing = _listing(path)
    names = {f"{unit.name}{suffix}" for unit in course.units for suffix in (".py", ".ipynb")}
    counts = {parts: len(names.intersection(files)) for parts, files in listing.items()}
    best = max(counts, key=lambda parts: counts[parts])  # the first of the most: the submission's own folder
    top = listing[()]
    if not counts[best]:
        if len(top) == 1 and top[0].endswith(".zip"):  # e.g. an upload that holds only the learner's zip
            return _unzip(top[0], read_regular(path / top[0], MAX_UNPACKED_BYTES))
        if not any(name.endswith(".ipynb") for name in top):
            links = [name for name in top if os.path.islink(path / name)]
            why = (
                f"; {links[0]} is a link, which the grader does not follow: hand in the folder itself" if links else ""
            )
            _no_modules(path.name, course, why)
    files = _Files(path.name)
    for name in listing[best]:
        if name.endswith((".py", ".ipynb")):
            files.add(name, read_regular(path.joinpath(*best, name)))
    return files


def _listing(path: Path) -> dict[tuple[str, ...], list[str]]:
    """The folders of a submission two levels deep, its own first, by their path below it; each
    with the names, sorted, of what it holds that is not a folder. A link is one of those,
    whatever it points to: `path` may be a link (the instructor's), nothing below it is followed."""
    listing = {}
    pending: list[tuple[str, ...]] = [()]
    while pending:
        parts = pending.pop(0)
        with os.scandir(path.joinpath(*parts)) as entries:
            folders, names = [], []
            for entry in entries:
                (folders if entry.is_dir(follow_symlinks=False) else names).append(entry.name)
        listing[parts] = sorted(names)
        if len(parts) < 2:
            pending += [(*parts, folder) for folder in sorted(folders) if folder != "__MACOSX"]
    return listing


class _Files(dict):
    """A submission's files by name, as they are read: no name twice, no more than
    MAX_UNPACKED_BYTES in all."""

    def __init__(self, source: str):
        super().__init__()
        self.source = source
        self.size = 0

    def add(self, name: str, data: bytes) -> None:
        if name in self:
            raise SubmissionError(f"{self.source} holds {name} twice; zip one folder of modules")
        self[name] = data
        self.size += len(data)
        if self.size > MAX_UNPACKED_BYTES:
            raise SubmissionError(
                f"{self.source} holds more than {MAX_UNPACKED_BYTES >> 20} MB of modules and "
                f"notebooks; hand in only your code (clear a notebook's outputs)"
            )


def _no_modules(name: str, course: Course, why: str = ""):
    units = ", ".join(f"{unit.name}.py" for unit in course.units)
    raise SubmissionError(f"{name} holds none of the course's modules ({units}) or their notebooks{why}")


def _unzip(name: str, data: bytes) -> dict[str, bytes]:
    """The .py and .ipynb files of the zip `data`, by their own names (a zip's folders are
    dropped), each streamed with a cap: no header is trusted."""
    # every entry zipfile parses starts with this signature: counting them bounds the parse before it starts
    if data.count(b"PK\x01\x02") > MAX_ZIP_MEMBERS:
        raise SubmissionError(f"{name} holds more than {MAX_ZIP_MEMBERS} files; zip only your modules and notebooks")
    files = _Files(name)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.infolist():
                if ODD_MEMBER.search(member.filename):
                    raise SubmissionError(
                        f"{name} holds a file named {member.filename!r}, which no zip tool "
                        f"writes; zip your folder again"
                    )
                path = PurePosixPath(member.filename.replace("\\", "/"))  # older Windows tools write backslashes
                if member.is_dir() or path.suffix not in (".py", ".ipynb") or "__MACOSX" in path.parts:
                    continue
                files.add(path.name, _unzipped(name, archive, member))
    except BROKEN_ZIP as err:
        raise SubmissionError(f"{name} is not a readable zip file ({_reason(err)}); zip your folder again") from None
    return files


def _unzipped(name: str, archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    if member.flag_bits & 0x1:
        raise SubmissionError(f"{name}: {member.filename} is encrypted; zip it without a password")
    if stat.S_ISLNK(member.external_attr >> 16):  # its bytes are where it points
        raise SubmissionError(f"{name}: {member.filename} is a link; zip the file itself")
    if member.compress_type not in ZIP_METHODS:
        raise SubmissionError(
            f"{name}: {member.filename} is compressed with method {member.compress_type}; zip it "
            f"with the usual Deflate method"
        )
    with archive.open(member) as stream:
        data = _capped(f"{name}: {member.filename}", stream.read(MAX_FILE_BYTES + 1), MAX_FILE_BYTES)
    if len(data) != member.file_size:
        raise SubmissionError(f"{name}: {member.filename} is not the size its zip entry says; zip your folder again")
    return data


def _reason(err: Exception) -> str:
    return str(err) or type(err).__name__  # EOFError and MemoryError come without a message


def _modules(files: dict[str, bytes], course: Course, source: str) -> dict[str, bytes]:
    """The modules to grade, by file name: the files' own, and each notebook as its unit's
    module (a module beside its notebook wins)."""
    modules = {name: data for name, data in files.items() if name.endswith(".py")}
    for name in sorted(files):
        if name.endswith(".ipynb"):
            unit, module = _notebook_module(name, files[name], course)
            modules.setdefault(f"{unit}.py", module)
    units = {unit.name for unit in course.units}
    if not any(name.removesuffix(".py") in units for name in modules):
        _no_modules(source, course)
    return modules


def _notebook_module(name: str, data: bytes, course: Course) -> tuple[str, bytes]:
    """A notebook's unit, and its code as that unit's module."""
    try:
        notebook = _checked(json.loads(data.decode("utf-8-sig")))
        source = notebook_source(notebook)
        module = source.encode("utf-8")  # a lone surrogate ("\ud800" in the JSON) is not text
    except (ValueError, TypeError, RecursionError, MemoryError) as err:  # not UTF-8 or JSON, too deep, not a notebook
        raise SubmissionError(
            f"{name} is not a readable Jupyter notebook ({_reason(err)}); save it again from Jupyter"
        ) from None
    return _unit_of(name, notebook.get("metadata", {}), source, course), module


def _checked(notebook: object) -> dict:
    """`notebook`, if it has a notebook's shape where the grader reads it; else TypeError."""
    if not isinstance(notebook, dict) or not isinstance(notebook.get("nbformat"), int):
        raise TypeError("no nbformat version")
    if not isinstance(notebook.get("metadata", {}), dict):
        raise TypeError("its metadata is not a mapping")
    if not isinstance(notebook.get("cells"), list):
        raise TypeError("no list of cells")
    for number, cell in enumerate(notebook["cells"], 1):
        if not (
            isinstance(cell, dict)
            and isinstance(cell.get("metadata", {}), dict)
            and isinstance(cell.get("metadata", {}).get("nbgrader", {}), dict)
        ):
            raise TypeError(f"cell {number} is not a notebook cell")
        source = cell.get("source", "")
        if not (isinstance(source, str) or isinstance(source, list) and all(isinstance(line, str) for line in source)):
            raise TypeError(f"the source of cell {number} is not text")
    return notebook


def notebook_source(notebook: dict) -> str:
    """The code cells of a notebook (one that _checked passes) as one module, IPython-only lines
    commented out, and the cells that are the course's own left out: nbgrader's test cells and
    the install cell."""
    parts = []
    for cell in notebook["cells"]:
        if cell.get("cell_type") == "code" and not _is_ours(cell):
            source = cell.get("source", "")
            text = source if isinstance(source, str) else "".join(source)
            parts.append("\n".join(f"# {line}" if IPYTHON_ONLY.match(line) else line for line in text.splitlines()))
    return "\n\n".join(parts) + "\n"


def _is_ours(cell: dict) -> bool:
    """nbgrader's autograded test cells call the grader, which is ours to run, not the learner's;
    the install cell installs the grader, which a submission's worker must not try."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    grade_id = meta.get("grade_id")
    return (bool(meta.get("grade")) and not meta.get("solution")) or (
        isinstance(grade_id, str) and grade_id.endswith(INSTALL_CELL)
    )


def _unit_of(name: str, metadata: dict, source: str, course: Course) -> str:
    """The notebook's unit: named in its metadata, or its file name, or the unit whose functions
    it defines. Those are found by a pattern, not by parsing: learner code is parsed only in the
    sandbox (a small notebook can make Python's parser take gigabytes)."""
    units = {unit.name: {ex.function for ex in unit.exercises} for unit in course.units}
    named = metadata.get("course", {}).get("unit") if isinstance(metadata.get("course"), dict) else None
    for candidate in (named, PurePosixPath(name).stem):
        if isinstance(candidate, str) and candidate in units:
            return candidate
    defined = set(DEFINED.findall(source))
    best = max(units, key=lambda unit: len(units[unit] & defined))
    if not units[best] & defined:
        raise SubmissionError(
            f"{name}: can't tell which unit this notebook is for; name it after the unit (e.g. activations.ipynb)"
        )
    return best

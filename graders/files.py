"""Reports written to a path someone named with --out."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, text: str) -> None:
    """Whole or not at all: an interrupted run never leaves a half-written report. The text goes to
    a new file beside `path` that then replaces it; os.replace puts it in place of whatever `path`
    names, a symlink included, so a link planted there is replaced, never written through. Line
    ends are written as they are (a CSV's CRLF stays CRLF on Windows too)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with open(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as an ordinary new file, not the temporary file's 0600
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise

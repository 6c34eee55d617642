"""Files written to a path someone named with --out."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


@contextlib.contextmanager
def replacing(path: Path, binary: bool = False) -> Iterator[IO]:
    """A new file to write, which then takes `path`'s place whole or not at all: an interrupted
    run never leaves a half-written file. It is made beside `path`, and os.replace puts it in
    place of whatever `path` names, a symlink included, so a link planted there is replaced,
    never written through. Text is UTF-8, its line ends written as they are (a CSV's CRLF stays
    CRLF on Windows too)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with open(fd, "wb") if binary else open(fd, "w", encoding="utf-8", newline="") as out:
            yield out
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as an ordinary new file, not the temporary file's 0600
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def write_atomically(path: Path, text: str) -> None:
    with replacing(path) as out:
        out.write(text)

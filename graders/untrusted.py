"""Learner text (a submission's name, the output and exception messages an exercise quotes) made
safe for every report it lands in; each format's own escaping (CSV, XML, HTML) comes after this."""

from __future__ import annotations

import re

# XML 1.0 cannot hold the C0 controls but tab, newline and CR, nor U+FFFE and U+FFFF; ESC and the
# C1 controls would drive a terminal; a lone surrogate (a name read from a non-UTF-8 file system)
# cannot be written as UTF-8 at all.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def printable(text: str) -> str:
    """`text` with each character no report can hold replaced by U+FFFD."""
    return _UNPRINTABLE.sub("\ufffd", text)


def markdown(text: str) -> str:
    """Text safe in a Markdown table cell, heading or line: markup characters shown, not obeyed,
    and no line break (CommonMark ends a line at CR as at LF)."""
    for ch in "\\`*_[]<>|&~#":
        text = text.replace(ch, "\\" + ch)
    return re.sub("[\r\n]", " ", printable(text))


def readable(text: str) -> str:
    """`text` as one line fit for every report: a file name's raw bytes (which Python holds as
    lone surrogates where they are not UTF-8) read as UTF-8, else as CP949, the Korean Windows
    encoding, else with replacement characters."""
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that stands for no byte, as an NTFS name may hold
        raw = text.encode("utf-8", "replace")
    for encoding in ("utf-8", "cp949"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = raw.decode("utf-8", "replace")
    return re.sub(r"\s", " ", printable(text))

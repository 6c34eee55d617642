"""Pairs of submissions whose unit modules are alike, found as MOSS finds them: winnowed
fingerprints of normalised tokens (Schleimer, Wilkerson and Aiken, "Winnowing: local
algorithms for document fingerprinting", SIGMOD 2003).

Each unit module becomes a stream of tokens in which every identifier is one token `N`, every
number `NUM` and every string `STR`, so renaming variables or rewording messages changes
nothing; comments, docstrings and layout are dropped. Every run of K tokens is hashed, and of
every WINDOW consecutive hashes the smallest is kept, with the lines it came from: a passage
of K + WINDOW - 1 tokens shared by two modules always leaves a fingerprint in both.

A pair's similarity is the fingerprints that count as evidence, shared by both, over the
fingerprints of the smaller module. Two kinds never count as evidence, though they still
count in the denominator, as code that was handed in: the skeleton (every run of K tokens in
the stub handed out, exercises/<unit>.py, and in the hints' code in backticks), and what much
of the class wrote alike (more than COMMON_SHARE of the learners, and at least
COMMON_FLOOR + 1 of them), as MOSS ignores passages found in many submissions. So two stubs
score only by what they filled in alike, and by nothing where much of the class wrote that too.

Learner code is tokenized only, never parsed or run: tokenizing takes time in proportion to
its length. Pairs come from an index of fingerprint -> learners, not from comparing every
pair's sets.
"""

from __future__ import annotations

import hashlib
import io
import keyword
import re
import tempfile
import tokenize
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

from graders import pages
from graders.course import Course
from graders.errors import SubmissionError
from graders.submissions import learner_of, open_submission
from graders.untrusted import printable

K = 13  # tokens per hashed run: about one line of code and a half
WINDOW = 6  # hashes per window: a passage of K + WINDOW - 1 = 18 tokens is always found
COMMON_SHARE = 0.1
COMMON_FLOOR = 4  # a small class's ring of copiers still shows
LAYOUT = {
    tokenize.COMMENT,
    tokenize.NL,
    tokenize.NEWLINE,
    tokenize.INDENT,
    tokenize.DEDENT,
    tokenize.ENCODING,
    tokenize.ENDMARKER,
}
STATEMENT_START = {tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING}
# Python 3.12 splits an f-string into pieces
STRINGS = {
    tokenize.STRING,
    *(
        getattr(tokenize, piece)
        for piece in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END")
        if hasattr(tokenize, piece)
    ),
}
HINT_CODE = re.compile(r"`([^`\n]+)`")


@dataclass(frozen=True)
class Token:
    text: str
    first_line: int
    last_line: int


@dataclass
class Module:
    """One learner's module of one unit: its lines, and its fingerprints with the lines each
    came from."""

    learner: str
    lines: list[str]
    fingerprints: dict[int, list[tuple[int, int]]]


@dataclass
class Pair:
    unit: str
    first: Module
    second: Module
    shared: list[int]  # the fingerprints that count as evidence

    @property
    def similarity(self) -> float:
        return len(self.shared) / min(len(self.first.fingerprints), len(self.second.fingerprints))


@dataclass
class Comparison:
    pairs: list[Pair]  # every pair with evidence in common, the most similar first
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # learner, why


def tokens(source: bytes) -> list[Token]:
    """The normalised tokens of `source`, as far as it tokenizes: a module that stops being
    Python halfway is compared by its first half."""
    raw = []
    try:
        for token in tokenize.tokenize(io.BytesIO(source).readline):
            raw.append(token)  # noqa: PERF402 -- one at a time: those before an error are kept
    except (tokenize.TokenError, SyntaxError):
        pass
    return [
        Token(_normalised(token), token.start[0], token.end[0])
        for before, token, after in zip([None, *raw], raw, [*raw[1:], None], strict=False)
        if token.type not in LAYOUT and not _is_docstring(before, token, after)
    ]


def _is_docstring(before, token, after) -> bool:
    """A string that is a statement of its own: a docstring, or a comment written as one."""
    return (
        token.type == tokenize.STRING
        and (before is None or before.type in STATEMENT_START)
        and (after is None or after.type in (tokenize.NEWLINE, tokenize.ENDMARKER))
    )


def _normalised(token: tokenize.TokenInfo) -> str:
    if token.type == tokenize.NAME:
        return token.string if keyword.iskeyword(token.string) else "N"
    if token.type == tokenize.NUMBER:
        return "NUM"
    if token.type in STRINGS:
        return "STR"
    return token.string


def kgram_hashes(found: list[Token]) -> list[tuple[int, int, int]]:
    """(hash, first line, last line) of every run of K tokens."""
    hashes = []
    for start in range(len(found) - K + 1):
        run = found[start : start + K]
        digest = hashlib.blake2b("\x00".join(t.text for t in run).encode(), digest_size=8).digest()
        hashes.append((int.from_bytes(digest, "big"), run[0].first_line, run[-1].last_line))
    return hashes


def winnowed(hashes: list[tuple[int, int, int]]) -> dict[int, list[tuple[int, int]]]:
    """The fingerprints of a module: of each WINDOW consecutive hashes the smallest (the
    rightmost of equal ones), each kept once per place it was chosen from."""
    fingerprints: dict[int, list[tuple[int, int]]] = defaultdict(list)
    ranked = [(value, -position) for position, (value, _, _) in enumerate(hashes)]  # min() picks the rightmost
    chosen = -1
    for start in range(max(len(hashes) - WINDOW + 1, 1 if hashes else 0)):
        smallest = -min(ranked[start : start + WINDOW])[1]
        if smallest != chosen:
            chosen = smallest
            value, first, last = hashes[smallest]
            fingerprints[value].append((first, last))
    return dict(fingerprints)


def skeleton(course: Course, unit: str) -> set[int]:
    """Every run of K tokens that the course itself gave out for `unit`: its stub and its
    hints' code."""
    stub = course.root / "exercises" / f"{unit}.py"
    hashes = {h for h, _, _ in kgram_hashes(tokens(stub.read_bytes()))} if stub.is_file() else set()
    for exercise in next(u for u in course.units if u.name == unit).exercises:
        for hint in exercise.hints:
            for text in hint.values():
                for code in HINT_CODE.findall(text):
                    hashes |= {h for h, _, _ in kgram_hashes(tokens(code.encode()))}
    return hashes


def read_modules(course: Course, paths: list[Path]) -> tuple[dict[str, list[Module]], list[tuple[str, str]]]:
    """Each unit's modules, one per learner who handed it in; and the submissions that could
    not be read, with why. Each module is fingerprinted once, as it is read."""
    modules: dict[str, list[Module]] = defaultdict(list)
    unreadable = []
    for path in paths:
        with tempfile.TemporaryDirectory(prefix="course-similarity-") as scratch:
            try:
                submission = open_submission(path, course, Path(scratch))
            except SubmissionError as err:
                unreadable.append((learner_of(path), str(err)))
                continue
            for unit in course.units:
                module = submission.folder / f"{unit.name}.py"
                if module.is_file():
                    source = module.read_bytes()
                    text = source.decode("utf-8", "replace")
                    modules[unit.name].append(
                        Module(
                            submission.learner, re.split(r"\r\n|\r|\n", text), winnowed(kgram_hashes(tokens(source)))
                        )
                    )
    return modules, unreadable


def compare(course: Course, paths: list[Path]) -> Comparison:
    modules, unreadable = read_modules(course, paths)
    pairs = []
    for unit, unit_modules in modules.items():
        pairs += _unit_pairs(unit, unit_modules, skeleton(course, unit))
    pairs.sort(key=lambda pair: (-pair.similarity, pair.unit, pair.first.learner, pair.second.learner))
    return Comparison(pairs, unreadable)


def _unit_pairs(unit: str, modules: list[Module], given: set[int]) -> list[Pair]:
    holders: dict[int, list[int]] = defaultdict(list)
    for position, module in enumerate(modules):
        for fingerprint in module.fingerprints:
            if fingerprint not in given:
                holders[fingerprint].append(position)
    common = max(COMMON_FLOOR, int(COMMON_SHARE * len(modules)))
    shared: dict[tuple[int, int], list[int]] = defaultdict(list)
    for fingerprint, positions in holders.items():
        if 2 <= len(positions) <= common:
            for pair in combinations(positions, 2):
                shared[pair].append(fingerprint)
    return [Pair(unit, modules[a], modules[b], fingerprints) for (a, b), fingerprints in shared.items()]


def passages(pair: Pair) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The pair's matching passages: (first, last) line in the first module beside those in
    the second, in the first module's order. Fingerprints a line or so apart in both join up;
    a passage moved elsewhere in the second module is a passage of its own."""
    spans = sorted(
        (mine, pair.second.fingerprints[fingerprint][0])
        for fingerprint in pair.shared
        for mine in pair.first.fingerprints[fingerprint]
    )
    joined: list[list[int]] = []  # first, last, their first, their last
    for (first, last), (their_first, their_last) in spans:
        if joined and first <= joined[-1][1] + 2 and joined[-1][2] - 2 <= their_first <= joined[-1][3] + 2:
            joined[-1][1:] = max(joined[-1][1], last), min(joined[-1][2], their_first), max(joined[-1][3], their_last)
        else:
            joined.append([first, last, their_first, their_last])
    return [((first, last), (their_first, their_last)) for first, last, their_first, their_last in joined]


def top_table(comparison: Comparison, limit: int = 10) -> str:
    """The most similar pairs as plain text, for the terminal."""
    rows = [("learner A", "learner B", "unit", "similarity")]
    rows += [(p.first.learner, p.second.learner, p.unit, f"{p.similarity:.0%}") for p in comparison.pairs[:limit]]
    widths = [min(max(len(row[i]) for row in rows), 40) for i in range(4)]
    return "".join(
        "  ".join(cell[:40].ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() + "\n"
        for row in rows
    )


def html_report(comparison: Comparison, threshold: float) -> str:
    """One self-contained page (templates/similarity.html.j2): the pairs over `threshold` (a
    fraction) with their passages side by side, and the submissions that could not be read.
    Every learner's text is escaped."""
    page = pages.render(
        "similarity.html.j2",
        flagged=[pair for pair in comparison.pairs if pair.similarity >= threshold],
        threshold=threshold,
        common_share=COMMON_SHARE,
        k=K,
        window=WINDOW,
        unreadable=comparison.unreadable,
        passages=passages,
        numbered=_numbered,
    )
    return printable(page)


def _numbered(module: Module, lines: tuple[int, int]) -> list[tuple[int, str]]:
    """The passage's lines, each with its number in the learner's file."""
    first, last = lines
    return [(number, module.lines[number - 1]) for number in range(first, min(last, len(module.lines)) + 1)]

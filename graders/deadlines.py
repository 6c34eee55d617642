"""Deadlines, late penalties and extensions: instructor.toml's [deadlines], and when a submission
was handed in.

    [deadlines]
    due = "2026-12-10T23:59:00+09:00"   # every unit's, unless it has its own below
    timezone = "Asia/Seoul"             # for times written without an offset; without it they are refused
    [deadlines.units]
    activations = "2026-12-17T23:59:00+09:00"
    [deadlines.late]
    percent = 10          # off per `per` late; a started day or hour counts whole
    per = "day"           # or "hour"
    cap = 50              # at most this percent off in all (100: down to zero); default 100
    grace_minutes = 15    # late by at most this is on time (it is taken off the lateness); default 0
    [deadlines.extensions]
    kim = "2026-12-12T23:59:00+09:00"   # kim's due date for every unit due before it
    lee = 2                             # or days added to each of lee's due dates

Times are ISO 8601 strings or TOML's own datetimes; a date alone is refused (its midnight is
rarely what is meant). `due` may be left out where every unit has its own, or where Gradescope
gives one (`gradescope_due`; the caller sets it with `dataclasses.replace(policy, due=...)`). No
[deadlines] table: no policy. Each unit's penalty is its own: the points it earned times its
percent off, so a unit due later is not penalised for another's lateness.

A submission's time comes from the first source that has one (`submission_time`): the time the
instructor gave (--submitted-at, or a CSV), Gradescope's submission_metadata.json, the last
commit of a folder that is a git repository, the newest entry of a zip. A commit's or a zip
entry's time is the learner's own claim (either is trivially set by hand): trust it only where
the learner could not have changed it, e.g. a clone the instructor made at the due date.
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import io
import json
import math
import os
import re
import stat
import tomllib
import zipfile
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from datetime import timezone as fixed_offset
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from graders.course import INSTRUCTOR_FILE, Course
from graders.errors import SubmissionError, UserError
from graders.results import SubmissionResult
from graders.submissions import BROKEN_ZIP, MAX_UNPACKED_BYTES, NOFOLLOW, READ, read_regular

EXAMPLE = "2026-12-10T23:59:00+09:00"
PERIODS = {"day": timedelta(days=1), "hour": timedelta(hours=1)}
KEYS = {
    "deadlines": ("due", "timezone", "units", "late", "extensions"),
    "deadlines.late": ("percent", "per", "cap", "grace_minutes"),
}
GIT_READ = 64 * 1024  # a commit's headers, a ref, an index's slice: far more than any needs
HEX_ID = re.compile(rb"[0-9a-f]{40}|[0-9a-f]{64}")  # SHA-1's, or SHA-256's
COMMITTER = re.compile(rb"^committer .*> (-?\d{1,12}) ([+-])(\d\d)(\d\d)$", re.MULTILINE)


@dataclass(frozen=True)
class Policy:
    source: Path  # the instructor.toml it was read from, which every error names
    due: datetime | None  # every unit's that has none of its own
    units: dict[str, datetime]
    percent: float  # off per `per` late
    per: str  # "day" or "hour"
    cap: float  # percent off at most
    grace: timedelta
    extensions: dict[str, datetime | timedelta]  # learner: a new due date, or days more
    timezone: tzinfo | None  # of times written without an offset

    def due_for(self, unit: str, learner: str) -> datetime:
        """When `learner`'s `unit` is due, with the learner's extension."""
        due = self.units.get(unit, self.due)
        if due is None:
            raise UserError(
                f'{self.source}: unit {unit} has no due date; write deadlines.due = "{EXAMPLE}" '
                f"or deadlines.units.{unit}"
            )
        extension = self.extensions.get(learner)
        if isinstance(extension, timedelta):
            return due + extension
        return max(due, extension) if extension else due  # an extension never brings a date forward

    def penalty(self, result: SubmissionResult, submitted_at: datetime) -> tuple[float, str]:
        """The points off `result` handed in at `submitted_at`, and what for: each late unit's
        earned points times its percent off. (0.0, "") when on time."""
        off, why = self.penalties(result, submitted_at)
        return round(sum(off.values()), 2), why

    def penalties(self, result: SubmissionResult, submitted_at: datetime) -> tuple[dict[str, float], str]:
        """`penalty`, by unit: the points off each late unit (unrounded), and what for."""
        submitted_at = parse_time(submitted_at, self.timezone, "submitted_at")
        earned: dict[str, float] = {}
        for exercise in result.exercises:
            unit = exercise.id.partition(".")[0]
            earned[unit] = earned.get(unit, 0) + exercise.score
        off, why = {}, {}
        for unit, points in earned.items():
            late = submitted_at - self.due_for(unit, result.submission)
            if late > self.grace:
                percent = self.percent_off(late)
                off[unit] = points * percent / 100
                why.setdefault(f"{_duration(late)} late, {percent:g}% off", []).append(unit)
        return off, "; ".join(f"{', '.join(units)}: {what}" for what, units in why.items())

    def percent_off(self, late: timedelta) -> float:
        """The percent off for handing in `late` after the due date: every started period past
        the grace counts whole, up to the cap."""
        periods = math.ceil(max(late - self.grace, timedelta(0)) / PERIODS[self.per])
        return min(self.cap, self.percent * periods)


def load_policy(root: Path, course: Course) -> Policy | None:
    """The [deadlines] of root's instructor.toml; None where there is none."""
    path = root / INSTRUCTOR_FILE
    if not path.is_file():
        return None
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("deadlines")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise UserError(f"{path} is not valid TOML ({err}); fix the line it names") from None
    if table is None:
        return None
    where = f"{path}: deadlines"
    _known(where, _table(where, table), KEYS["deadlines"])
    zone = _zone(path, table.get("timezone"))
    units = _table(f"{where}.units", table.get("units", {}))
    _known(f"{where}.units", units, [u.name for u in course.units], "unit")
    late = _table(f"{where}.late", table.get("late", {}))
    _known(f"{where}.late", late, KEYS["deadlines.late"])
    if "percent" not in late:
        raise UserError(f"{where}.late has no percent; write [deadlines.late] percent = 10 for 10% off per day late")
    per = late.get("per", "day")
    if not isinstance(per, str) or per not in PERIODS:
        raise UserError(f'{where}.late.per = {_shown(per)}: write "day" or "hour"')
    extensions = _table(f"{where}.extensions", table.get("extensions", {}))
    return Policy(
        source=path,
        due=parse_time(table["due"], zone, f"{where}.due") if "due" in table else None,
        units={unit: parse_time(value, zone, f"{where}.units.{unit}") for unit, value in units.items()},
        percent=_number(f"{where}.late.percent", late["percent"], 0, 100, "a percent off per day or hour, e.g. 10"),
        per=per,
        cap=_number(f"{where}.late.cap", late.get("cap", 100), 0, 100, "the most percent off in all, e.g. 50"),
        grace=timedelta(
            minutes=_number(
                f"{where}.late.grace_minutes",
                late.get("grace_minutes", 0),
                0,
                math.inf,
                "minutes late that still count as on time, e.g. 15",
            )
        ),
        extensions={
            learner: _extension(f"{where}.extensions.{learner}", value, zone) for learner, value in extensions.items()
        },
        timezone=zone,
    )


def parse_time(value: str | datetime, timezone: tzinfo | None, where: str) -> datetime:
    """`value` (ISO 8601 text, or a datetime as TOML gives it) as a timezone-aware datetime; one
    without an offset is in `timezone`, and refused where there is none. `where` names it in errors."""
    if isinstance(value, str) and not re.fullmatch(r"\s*\d{4}-?\d\d-?\d\d\s*", value):
        with contextlib.suppress(ValueError):
            value = datetime.fromisoformat(value.strip())
    if not isinstance(value, datetime):  # a date alone too: its midnight is rarely what is meant
        raise UserError(f"{where} = {_shown(value)} is not a date and time; write ISO 8601, e.g. {EXAMPLE}")
    if value.utcoffset() is not None:
        return value
    if timezone is None:
        raise UserError(
            f"{where} = {_shown(value)} has no UTC offset; add one (e.g. {EXAMPLE}), or set "
            f'deadlines.timezone in {INSTRUCTOR_FILE} (e.g. timezone = "Asia/Seoul")'
        )
    return value.replace(tzinfo=timezone)


def read_times(path: Path, timezone: tzinfo | None = None) -> dict[str, datetime]:
    """learner: submitted_at from a CSV whose header row is `learner,submitted_at` (UTF-8, with
    or without the BOM that Excel writes); times without an offset are in `timezone`."""
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except OSError as err:
        raise UserError(f"{path}: {err.strerror}; give the CSV of learner,submitted_at") from None
    except UnicodeDecodeError:
        raise UserError(f"{path} is not UTF-8 text; save it as UTF-8 (Excel: CSV UTF-8)") from None
    rows = csv.reader(text.splitlines())
    header = [cell.strip().lower() for cell in next(rows, [])]
    if header != ["learner", "submitted_at"]:
        raise UserError(f"{path}: row 1 is {','.join(header)!r}; the first row must be learner,submitted_at")
    times: dict[str, datetime] = {}
    first_row: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 2 or not row[0].strip():
            raise UserError(f"{path}, row {number}: {','.join(row)!r}; write a learner and a time, e.g. kim,{EXAMPLE}")
        learner = row[0].strip()
        if learner in times:
            raise UserError(
                f"{path}, row {number}: {learner} is listed in row {first_row[learner]} too; keep one row per learner"
            )
        times[learner] = parse_time(row[1], timezone, f"{path}, row {number}: submitted_at")
        first_row[learner] = number
    return times


def gradescope_due(metadata_path: Path) -> datetime | None:
    """The assignment's due date in Gradescope's submission_metadata.json, where it has one."""
    return _gradescope(metadata_path, "assignment", "due_date")


def submission_time(
    path: Path,
    learner: str,
    given: dict[str, datetime] | None,
    gradescope_metadata: Path | None,
    *,
    given_from: str = "--submitted-at",
    timezone: tzinfo | None = None,
) -> tuple[datetime, str] | None:
    """When `learner` handed `path` in, and where that came from: the first of `given` (named
    `given_from`: --submitted-at, or the CSV's name), Gradescope's submission_metadata.json, a
    git folder's last commit, a zip's newest entry. A zip's entry times have no zone: they are
    read in `timezone` (the policy's), else in UTC. None where no source has a time."""
    if given and learner in given:
        return parse_time(given[learner], timezone, given_from), given_from
    if gradescope_metadata is not None and Path(gradescope_metadata).is_file():
        created = _gradescope(gradescope_metadata, "created_at")
        if created is not None:
            return created, "Gradescope submission_metadata.json"
    path = Path(path)
    if stat.S_ISDIR(_lstat_mode(path / ".git")):  # a .git file points elsewhere: not followed
        committed = _last_commit(path / ".git")
        return (committed, "git: last commit") if committed else None
    if path.suffix.lower() == ".zip" and path.is_file():
        newest = _newest_entry(path, timezone or UTC)
        return (newest, "zip: newest entry") if newest else None
    return None


def _gradescope(metadata_path: Path, *keys: str) -> datetime | None:
    """The time at `keys` in Gradescope's submission_metadata.json; None where it is null."""
    try:
        value = json.loads(Path(metadata_path).read_text(encoding="utf-8"))
        for key in keys:
            value = value[key]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise UserError(
            f"{metadata_path}: no {'.'.join(keys)} ({err}); is it Gradescope's submission_metadata.json?"
        ) from None
    return None if value is None else parse_time(value, None, f"{metadata_path}: {'.'.join(keys)}")


def _last_commit(git: Path) -> datetime | None:
    """The committer time of HEAD's commit, read from the object files: git itself is never run,
    since a hostile .git/config (core.fsmonitor, core.pager, gpg.program, aliases, includes) or a
    hook would run the learner's commands. Loose objects, and whole ones in a pack (as a clone
    or gc leaves most commits); None for anything else (a commit stored as a delta)."""
    try:
        head = _read(git / "HEAD").strip()
        if head.startswith(b"ref: refs/") and b".." not in head:
            ref = head[5:]
            head = _read(git / os.fsdecode(ref)).strip() if _lstat_mode(git / os.fsdecode(ref)) else _packed(git, ref)
        if not HEX_ID.fullmatch(head):
            return None
        commit = _loose(git, head.decode()) or _packed_object(git, bytes.fromhex(head.decode()))
        found = COMMITTER.search((commit or b"").partition(b"\n\n")[0])  # the headers, not the message
        if not found:
            return None
        seconds, sign, hours, minutes = found.groups()
        offset = (1 if sign == b"+" else -1) * timedelta(hours=int(hours), minutes=int(minutes))
        return datetime.fromtimestamp(int(seconds), fixed_offset(offset))
    except (OSError, ValueError, OverflowError, IndexError, zlib.error):  # whatever a broken .git holds
        return None


def _packed(git: Path, ref: bytes) -> bytes:
    """The id packed-refs gives `ref`; b"" where it gives none."""
    for line in _read(git / "packed-refs", size=MAX_UNPACKED_BYTES).splitlines():
        object_id, _, name = line.partition(b" ")
        if name == ref:
            return object_id
    return b""


def _loose(git: Path, object_id: str) -> bytes | None:
    """A loose commit's headers, or None where the object is not loose."""
    path = git / "objects" / object_id[:2] / object_id[2:]
    if not _lstat_mode(path):
        return None
    data = zlib.decompressobj().decompress(_read(path), GIT_READ)  # bounded: a zlib bomb stops here
    return data if data.startswith(b"commit ") else None


def _packed_object(git: Path, object_id: bytes) -> bytes | None:
    """A commit stored whole in a pack (version 2 index), or None."""
    packs = git / "objects" / "pack"
    for index in sorted(packs.glob("pack-*.idx")) if stat.S_ISDIR(_lstat_mode(packs)) else ():
        head = _read(index, size=8 + 256 * 4)
        if head[:8] != b"\377tOc\0\0\0\2":
            continue
        fanout = [int.from_bytes(head[8 + 4 * i : 12 + 4 * i], "big") for i in range(256)]
        count, size = fanout[255], len(object_id)
        low = fanout[object_id[0] - 1] if object_id[0] else 0
        ids = _read(index, 8 + 1024 + low * size, (fanout[object_id[0]] - low) * size)
        at = next((i for i in range(0, len(ids), size) if ids[i : i + size] == object_id), None)
        if at is None:
            continue
        position = low + at // size
        offset = int.from_bytes(_read(index, 8 + 1024 + count * (size + 4) + position * 4, 4), "big")
        if offset & 0x80000000:  # in the table of 8-byte offsets: packs over 2 GB, never a submission's
            return None
        entry = _read(index.with_suffix(".pack"), offset)
        if (entry[0] >> 4) & 7 != 1:  # a delta, not a whole commit
            return None
        start = 1
        while entry[start - 1] & 0x80:  # the size's bytes, which the headers we read need not
            start += 1
        return zlib.decompressobj().decompress(entry[start:], GIT_READ)
    return None


def _read(path: Path, offset: int = 0, size: int = GIT_READ) -> bytes:
    """At most `size` bytes at `offset` of the regular file at `path`: a hostile .git may hold a
    link, a FIFO (which would block) or a device (which never ends) instead."""
    if not 0 <= size <= MAX_UNPACKED_BYTES:  # a hostile index's sizes; read(-1) would read a file of any size
        raise ValueError(f"{path}: {size} bytes asked for")
    fd = os.open(path, READ | NOFOLLOW)
    with open(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path} is not a regular file")
        file.seek(offset)
        return file.read(size)


def _lstat_mode(path: Path) -> int:
    try:
        return os.lstat(path).st_mode
    except OSError:
        return 0


def _newest_entry(path: Path, zone: tzinfo) -> datetime | None:
    """The newest date_time among a zip's entries, in `zone`; entries with impossible dates
    (month 0, as some tools write) are passed over."""
    try:
        with zipfile.ZipFile(io.BytesIO(read_regular(path, MAX_UNPACKED_BYTES, follow=True))) as archive:
            stamps = [info.date_time for info in archive.infolist()]
    except (SubmissionError, OSError, *BROKEN_ZIP):  # grading the zip says what is wrong with it
        return None
    times = []
    for stamp in stamps:
        try:
            times.append(datetime(*stamp, tzinfo=zone))
        except ValueError:
            continue
    return max(times, default=None)


def _table(where: str, value) -> dict:
    if not isinstance(value, dict):
        raise UserError(f"{where} = {_shown(value)} is not a table; write it as [{where.rpartition(': ')[2]}]")
    return value


def _known(where: str, table: dict, names, kind: str = "key") -> None:
    for name in table:
        if name not in names:
            close = difflib.get_close_matches(name, names, n=1, cutoff=0.5)  # grace: grace_minutes
            hint = f"did you mean {close[0]}? " if close else ""
            raise UserError(f"{where}: unknown {kind} {name!r}; {hint}the {kind}s there are {', '.join(names)}")


def _zone(path: Path, name) -> tzinfo | None:
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise UserError(
            f"{path}: deadlines.timezone = {_shown(name)} is not a time zone; write an IANA name, "
            f'e.g. "Asia/Seoul" (on Windows, pip install tzdata first)'
        ) from None


def _number(where: str, value, low: float, high: float, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        bounds = f"from {low:g} to {high:g}" if high < math.inf else f"{low:g} or more"
        raise UserError(f"{where} = {_shown(value)}; write a number {bounds}: {what}")
    return value


def _extension(where: str, value, zone: tzinfo | None) -> datetime | timedelta:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(days=_number(where, value, 0, 366, "the days added to each due date, e.g. 2"))
    return parse_time(value, zone, where)


def _duration(late: timedelta) -> str:
    """`late` to the started minute, as a learner reads it: "1 day 3 h", "2 h 5 min"."""
    days, minutes = divmod(math.ceil(late / timedelta(minutes=1)), 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [
        f"{days} day{'s' if days != 1 else ''}" if days else "",
        f"{hours} h" if hours else "",
        f"{minutes} min" if minutes and not days else "",
    ]
    return " ".join(part for part in parts if part)


def _shown(value) -> str:
    return repr(value.isoformat() if isinstance(value, date) else value)

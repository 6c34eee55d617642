"""Deadlines: instructor.toml's [deadlines], the late penalty's arithmetic, and each source of a
submission's time, against real git repositories, zips and Gradescope metadata."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graders.deadlines import (
    Policy,
    gradescope_due,
    load_policy,
    parse_time,
    read_times,
    submission_time,
)
from graders.errors import UserError
from graders.results import ExerciseResult, SubmissionResult

KST = timezone(timedelta(hours=9))
DUE = datetime(2026, 12, 10, 23, 59, tzinfo=KST)
EXAMPLE = """
[deadlines]
due = "2026-12-10T23:59:00+09:00"
timezone = "Asia/Seoul"
[deadlines.units]
activations = 2026-12-17T23:59:00+09:00
[deadlines.late]
percent = 10
per = "day"
cap = 50
grace_minutes = 15
[deadlines.extensions]
kim = "2026-12-12T23:59:00"
lee = 2
"""


def load(tmp_path: Path, course, text: str) -> Policy | None:
    (tmp_path / "instructor.toml").write_text(text, encoding="utf-8")
    return load_policy(tmp_path, course)


def result(learner: str = "park", **earned: int) -> SubmissionResult:
    """`learner`'s result with the points earned in each unit, in one exercise each."""
    return SubmissionResult(
        submission=learner,
        exercises=[ExerciseResult(id=f"{unit}.f", status="passed", score=s, max_score=s) for unit, s in earned.items()],
    )


def policy(percent: float = 10, per: str = "day", cap: float = 50, grace: float = 15, **extensions) -> Policy:
    return Policy(
        source=Path("instructor.toml"),
        due=DUE,
        units={},
        percent=percent,
        per=per,
        cap=cap,
        grace=timedelta(minutes=grace),
        extensions=extensions,
        timezone=None,
    )


# the policy in instructor.toml


def test_no_instructor_toml_or_no_deadlines_table_is_no_policy(tmp_path, course):
    assert load_policy(tmp_path, course) is None
    assert load(tmp_path, course, '[grading]\nhidden_feedback = "summary"\n') is None


def test_the_documented_example_reads_as_written(tmp_path, course):
    read = load(tmp_path, course, EXAMPLE)
    assert read.due == DUE and read.units == {"activations": DUE + timedelta(days=7)}
    assert (read.percent, read.per, read.cap, read.grace) == (10, "day", 50, timedelta(minutes=15))
    assert read.extensions["kim"] == datetime(2026, 12, 12, 23, 59, tzinfo=ZoneInfo("Asia/Seoul"))
    assert read.extensions["lee"] == timedelta(days=2)
    assert read.due_for("tensors", "kim") == read.extensions["kim"]
    assert read.due_for("activations", "kim") == read.units["activations"]  # an extension never brings it forward
    assert read.due_for("activations", "lee") == read.units["activations"] + timedelta(days=2)


def test_defaults_and_a_due_date_for_each_unit_instead_of_one(tmp_path, course):
    units = "\n".join(f'{u.name} = "2026-12-10T23:59:00+09:00"' for u in course.units)
    read = load(tmp_path, course, f"[deadlines.units]\n{units}\n[deadlines.late]\npercent = 5\n")
    assert read.due is None and (read.per, read.cap, read.grace, read.timezone) == ("day", 100, timedelta(0), None)
    assert read.due_for("optimizers", "anyone") == DUE


BAD = [  # instructor.toml's [deadlines] with one bad value, and what the message must say
    ('dew = "2026-12-10T23:59:00+09:00"', ["deadlines: unknown key 'dew'", "did you mean due?"]),
    ('[deadlines.units]\nactivation = "2026-12-10T23:59:00+09:00"', ["unknown unit 'activation'", "activations"]),
    ('due = "next friday"', ["deadlines.due = 'next friday'", "ISO 8601, e.g. 2026-12-10T23:59:00+09:00"]),
    ('due = "2026-12-10"', ["deadlines.due = '2026-12-10' is not a date and time", "ISO 8601"]),
    ("due = 2026-12-10", ["deadlines.due = '2026-12-10' is not a date and time"]),
    ("due = 5", ["deadlines.due = 5 is not a date and time"]),
    ('due = "2026-12-10T23:59:00"', ["deadlines.due = '2026-12-10T23:59:00' has no UTC offset", "deadlines.timezone"]),
    ('timezone = "Mars/Olympus"', ["deadlines.timezone = 'Mars/Olympus' is not a time zone", "Asia/Seoul"]),
    ("units = 3", ["deadlines.units = 3 is not a table", "[deadlines.units]"]),
    ("[deadlines.late]\nper = 'day'", ["deadlines.late has no percent", "percent = 10"]),
    ("[deadlines.late]\npercent = -5", ["deadlines.late.percent = -5", "from 0 to 100"]),
    ("[deadlines.late]\npercent = true", ["deadlines.late.percent = True", "from 0 to 100"]),
    ("[deadlines.late]\npercent = '10%'", ["deadlines.late.percent = '10%'", "from 0 to 100"]),
    ("[deadlines.late]\npercent = 10\nper = 'week'", ["deadlines.late.per = 'week'", '"day" or "hour"']),
    ("[deadlines.late]\npercent = 10\nper = ['day']", ["deadlines.late.per = ['day']", '"day" or "hour"']),
    ("[deadlines.late]\npercent = 10\ncap = 150", ["deadlines.late.cap = 150", "from 0 to 100"]),
    ("[deadlines.late]\npercent = 10\ngrace_minutes = -1", ["deadlines.late.grace_minutes = -1", "0 or more"]),
    ("[deadlines.late]\npercent = 10\ngrace = 15", ["unknown key 'grace'", "did you mean grace_minutes?"]),
    ("[deadlines.extensions]\nkim = 'soon'", ["deadlines.extensions.kim = 'soon'", "ISO 8601"]),
    ("[deadlines.extensions]\nkim = -2", ["deadlines.extensions.kim = -2", "from 0 to 366"]),
    ("[deadlines.extensions]\nkim = [2]", ["deadlines.extensions.kim = [2] is not a date and time"]),
]


@pytest.mark.parametrize(("toml", "said"), BAD, ids=[said[0] for _, said in BAD])
def test_each_bad_value_is_named_with_its_fix(tmp_path, course, toml, said):
    head = "" if toml.startswith("[") else "[deadlines]\n"
    with pytest.raises(UserError) as raised:
        load(
            tmp_path,
            course,
            f"{head}{toml}\n" + ("" if "[deadlines.late]" in toml else "[deadlines.late]\npercent = 10\n"),
        )
    message = str(raised.value)
    assert message.startswith(str(tmp_path / "instructor.toml")), message
    assert all(part in message for part in said), message


def test_invalid_toml_names_the_file(tmp_path, course):
    with pytest.raises(UserError, match=r"instructor.toml is not valid TOML"):
        load(tmp_path, course, "[deadlines\n")


def test_a_unit_without_a_due_date_is_refused_when_it_counts_and_gradescope_can_give_it(tmp_path, course):
    read = load(tmp_path, course, "[deadlines.late]\npercent = 10\n")
    with pytest.raises(
        UserError, match=r"unit tensors has no due date; write deadlines.due = .* or deadlines.units.tensors"
    ):
        read.penalty(result(tensors=10), DUE)
    assert dataclasses.replace(read, due=DUE).penalty(result(tensors=10), DUE + timedelta(hours=1)) == (
        1.0,
        "tensors: 1 h late, 10% off",
    )


# the penalty's arithmetic


def test_each_late_unit_loses_its_own_points_and_says_why(tmp_path, course):
    read = load(tmp_path, course, EXAMPLE)
    handed_in = DUE + timedelta(days=1, hours=3)  # past the grace, into a second day
    assert read.penalty(result(tensors=10, perceptron=5, activations=20), handed_in) == (
        3.0,
        "tensors, perceptron: 1 day 3 h late, 20% off",
    )
    units = {"tensors": 10, "perceptron": 5, "activations": 20}
    assert read.penalty(result(**units), DUE + timedelta(days=8, minutes=1)) == (
        9.5,  # 50% (the cap) of 15, and 10% of 20 (its day started less the grace)
        "tensors, perceptron: 8 days late, 50% off; activations: 1 day late, 10% off",
    )
    assert read.penalty(result("kim", **units), DUE + timedelta(days=1)) == (0.0, "")  # her extension
    assert read.penalty(result(tensors=7), DUE + timedelta(minutes=15)) == (0.0, "")  # the grace
    assert read.penalty(result(tensors=7), DUE + timedelta(minutes=16)) == (0.7, "tensors: 16 min late, 10% off")


def test_hours_and_a_learners_zero_count_too(tmp_path, course):
    by_hour = policy(percent=2.5, per="hour", cap=100, grace=0)
    assert by_hour.penalty(result(tensors=4), DUE + timedelta(hours=2, seconds=1)) == (
        0.3,
        "tensors: 2 h 1 min late, 7.5% off",
    )
    assert by_hour.penalty(result(tensors=0), DUE + timedelta(hours=1)) == (0.0, "tensors: 1 h late, 2.5% off")
    assert by_hour.penalty(result(tensors=3), DUE) == (0.0, "")


def test_naive_submission_times_need_the_policys_timezone():
    with pytest.raises(UserError, match="has no UTC offset"):
        policy().penalty(result(tensors=1), datetime(2026, 12, 11, 9, 0))
    seoul = dataclasses.replace(policy(grace=0), timezone=ZoneInfo("Asia/Seoul"))
    assert seoul.penalty(result(tensors=10), datetime(2026, 12, 11, 0, 0))[0] == 1.0


POLICIES = st.builds(
    policy,
    percent=st.floats(0, 100),
    per=st.sampled_from(["day", "hour"]),
    cap=st.floats(0, 100),
    grace=st.integers(0, 120),
)
EARNED = st.dictionaries(st.sampled_from(["tensors", "perceptron", "losses"]), st.integers(0, 30), min_size=1)
LATENESS = st.integers(-3 * 24 * 60, 30 * 24 * 60).map(lambda minutes: timedelta(minutes=minutes))


@settings(max_examples=200)
@given(POLICIES, EARNED, LATENESS, LATENESS)
def test_the_penalty_is_bounded_and_grows_with_lateness(rules, earned, late, later):
    late, later = sorted((late, later))
    off, why = rules.penalty(result(**earned), DUE + late)
    assert 0 <= off <= rules.cap / 100 * sum(earned.values()) + 0.005  # + the rounding to a cent
    assert off <= rules.penalty(result(**earned), DUE + later)[0]
    if late <= rules.grace:
        assert (off, why) == (0.0, "")


@settings(max_examples=100)
@given(POLICIES, EARNED, LATENESS, st.integers(1, 14))
def test_an_extension_of_days_moves_the_due_date_by_as_many(rules, earned, late, days):
    extended = dataclasses.replace(rules, extensions={"park": timedelta(days=days)})
    handed_in = DUE + late + timedelta(days=days)
    assert extended.penalty(result("park", **earned), handed_in) == rules.penalty(result(**earned), DUE + late)
    assert extended.penalty(result("kim", **earned), handed_in) == rules.penalty(result(**earned), handed_in)


# the times the instructor gives


def test_a_csv_of_times_reads_with_a_bom_any_header_case_and_blank_rows(tmp_path):
    path = tmp_path / "times.csv"
    path.write_bytes(
        "\ufeffLearner, Submitted_At\r\nkim,2026-12-11T10:00:00+09:00\r\n\r\n홍길동,2026-12-11 01:00\r\n".encode()
    )
    assert read_times(path, ZoneInfo("Asia/Seoul")) == {
        "kim": datetime(2026, 12, 11, 10, tzinfo=KST),
        "홍길동": datetime(2026, 12, 11, 1, tzinfo=ZoneInfo("Asia/Seoul")),
    }


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "name,time\nkim,2026-12-11T10:00:00+09:00\n",
            "row 1 is 'name,time'; the first row must be learner,submitted_at",
        ),
        ("", "row 1 is ''; the first row must be learner,submitted_at"),
        ("learner,submitted_at\nkim,yesterday\n", "row 2: submitted_at = 'yesterday' is not a date and time"),
        (
            "learner,submitted_at\nkim,2026-12-11T10:00:00\n",
            "row 2: submitted_at = '2026-12-11T10:00:00' has no UTC offset",
        ),
        ("learner,submitted_at\nkim\n", "row 2: 'kim'; write a learner and a time, e.g. kim,2026"),
        (
            "learner,submitted_at\nkim,2026-12-11T10:00:00Z,late\n",
            "row 2: 'kim,2026-12-11T10:00:00Z,late'; write a learner",
        ),
        (
            "learner,submitted_at\nkim,2026-12-11T10:00Z\nlee,2026-12-11T10:00Z\nkim,2026-12-12T10:00Z\n",
            "row 4: kim is listed in row 2 too; keep one row per learner",
        ),
    ],
)
def test_each_bad_csv_row_is_named_with_its_fix(tmp_path, text, said):
    path = tmp_path / "times.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as raised:
        read_times(path)
    assert str(raised.value).startswith(str(path)) and said in str(raised.value), raised.value


def test_a_csv_that_is_not_utf8_or_not_there_is_said_so(tmp_path):
    path = tmp_path / "times.csv"
    path.write_bytes("learner,submitted_at\n홍길동,2026-12-11T10:00Z\n".encode("cp949"))
    with pytest.raises(UserError, match="is not UTF-8 text; save it as UTF-8"):
        read_times(path)
    with pytest.raises(UserError, match="No such file"):
        read_times(tmp_path / "missing.csv")


def test_parse_time_takes_iso_with_z_and_refuses_a_bare_date():
    assert parse_time("2026-12-11T01:00:00Z", None, "--submitted-at") == datetime(2026, 12, 11, 1, tzinfo=UTC)
    with pytest.raises(UserError, match=r"^--submitted-at = '20261211' is not a date and time"):
        parse_time("20261211", UTC, "--submitted-at")


# Gradescope's submission_metadata.json (gradescope-autograders.readthedocs.io: submission_metadata)


def metadata(tmp_path: Path, due: str | None = "2026-12-10T23:59:00.000000+09:00") -> Path:
    path = tmp_path / "submission_metadata.json"
    data = {
        "id": 1,
        "created_at": "2026-12-11T10:00:32.365935+09:00",
        "assignment": {"due_date": due, "late_due_date": None},
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_gradescope_gives_the_submission_time_and_the_due_date(tmp_path):
    path = metadata(tmp_path)
    assert submission_time(tmp_path / "submission", "kim", None, path) == (
        datetime(2026, 12, 11, 10, 0, 32, 365935, tzinfo=KST),
        "Gradescope submission_metadata.json",
    )
    assert gradescope_due(path) == DUE
    assert gradescope_due(metadata(tmp_path, due=None)) is None
    assert gradescope_due(tmp_path / "absent.json") is None


def test_gradescope_metadata_without_its_times_is_said_so(tmp_path):
    path = tmp_path / "submission_metadata.json"
    path.write_text('{"id": 1}', encoding="utf-8")
    with pytest.raises(UserError, match=r"no assignment.due_date .*is it Gradescope's submission_metadata.json"):
        gradescope_due(path)
    with pytest.raises(UserError, match=r"no created_at"):
        submission_time(tmp_path, "kim", None, path)


# git: read without running git


def git(repo: Path, *args: str, date: str = "2026-12-11T10:00:00+09:00") -> None:
    env = {
        **os.environ,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_COMMITTER_DATE": date,
        "GIT_AUTHOR_DATE": "2020-01-01T00:00:00Z",
    }  # the author's date is not the one that counts
    subprocess.run(
        ["git", "-c", "user.name=Kim", "-c", "user.email=kim@example.com", "-C", str(repo), *args],
        check=True,
        capture_output=True,
        env=env,
    )


@pytest.fixture
def repo(tmp_path) -> Path:
    folder = tmp_path / "kim"
    folder.mkdir()
    git(folder, "init", "-q")
    (folder / "tensors.py").write_text("x = 1\n", encoding="utf-8")
    git(folder, "add", "tensors.py")
    git(folder, "commit", "-q", "-m", "first", date="2026-12-09T10:00:00+09:00")
    git(folder, "commit", "-q", "--allow-empty", "-m", "last")
    return folder


LAST_COMMIT = (datetime(2026, 12, 11, 10, tzinfo=KST), "git: last commit")


def test_a_git_folder_gives_its_last_commits_committer_time(repo):
    found = submission_time(repo, "kim", None, None)
    assert found == LAST_COMMIT and found[0].utcoffset() == timedelta(hours=9)


def test_a_packed_repository_as_a_clone_leaves_it_reads_the_same(repo):
    git(repo, "gc", "-q", "--aggressive")
    git(repo, "pack-refs", "--all")
    assert not list((repo / ".git" / "objects").glob("??/*")) and not (repo / ".git/refs/heads/main").exists()
    assert submission_time(repo, "kim", None, None) == LAST_COMMIT


def test_a_detached_head_reads_its_commit(repo):
    git(repo, "checkout", "-q", "--detach", "HEAD~1")
    assert submission_time(repo, "kim", None, None)[0] == datetime(2026, 12, 9, 10, tzinfo=KST)


def test_a_hostile_git_config_runs_nothing(repo, monkeypatch):
    marker = repo.parent / "ran"
    hostile = f"""[core]
    fsmonitor = touch {marker}; false
    pager = touch {marker}; cat
[log]
    showSignature = true
[gpg]
    program = touch {marker}
[alias]
    log = !touch {marker}
[include]
    path = {marker}.config
"""
    (repo / ".git" / "config").write_text(hostile, encoding="utf-8")
    hook = repo / ".git" / "hooks" / "post-checkout"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n", encoding="utf-8")
    hook.chmod(0o755)
    subprocess.run(
        ["git", "-C", str(repo), "status"],
        check=False,
        capture_output=True,
        env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1"},
    )
    assert marker.exists(), "git itself would run the learner's command"
    marker.unlink()

    def refuse(*args, **kwargs):
        raise AssertionError(f"started a process: {args}")

    for name in ("Popen", "run", "call", "check_output"):
        monkeypatch.setattr(subprocess, name, refuse)
    monkeypatch.setattr(os, "posix_spawn", refuse)
    monkeypatch.setattr(os, "system", refuse)
    assert submission_time(repo, "kim", None, None) == LAST_COMMIT
    assert not marker.exists()


def test_a_broken_or_borrowed_git_folder_has_no_time(repo, tmp_path):
    os.unlink(repo / ".git" / "HEAD")
    os.mkfifo(repo / ".git" / "HEAD")  # would block a reader that waits on it
    assert submission_time(repo, "kim", None, None) is None
    os.unlink(repo / ".git" / "HEAD")
    (repo / ".git" / "HEAD").symlink_to(tmp_path / "elsewhere")
    assert submission_time(repo, "kim", None, None) is None
    pointer = tmp_path / "lee"
    pointer.mkdir()
    (pointer / ".git").write_text(f"gitdir: {repo / '.git'}\n", encoding="utf-8")  # a .git file is not followed
    assert submission_time(pointer, "lee", None, None) is None


# zips


def zipped(path: Path, *stamps: tuple[int, ...]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for number, stamp in enumerate(stamps):
            archive.writestr(zipfile.ZipInfo(f"tensors{number}.py", date_time=stamp), "x = 1\n")
    return path


def test_a_zip_gives_its_newest_entry_in_the_policys_timezone_else_utc(tmp_path):
    path = zipped(tmp_path / "kim.zip", (2026, 12, 9, 8, 0, 0), (2026, 12, 11, 10, 0, 0), (1980, 0, 0, 0, 0, 0))
    assert submission_time(path, "kim", None, None) == (datetime(2026, 12, 11, 10, tzinfo=UTC), "zip: newest entry")
    seoul = submission_time(path, "kim", None, None, timezone=ZoneInfo("Asia/Seoul"))
    assert seoul[0] == datetime(2026, 12, 11, 10, tzinfo=KST)


def test_a_broken_zip_or_a_plain_folder_or_notebook_has_no_time(tmp_path):
    (tmp_path / "kim.zip").write_bytes(b"PK\x03\x04 not really")
    (tmp_path / "lee").mkdir()
    (tmp_path / "park.ipynb").write_text("{}", encoding="utf-8")
    for name in ("kim.zip", "lee", "park.ipynb"):
        assert submission_time(tmp_path / name, name, None, None) is None


# which source counts


def test_the_instructors_time_comes_first_then_gradescope_then_the_submission(repo, tmp_path):
    given = {"kim": datetime(2026, 12, 10, 12, tzinfo=UTC)}
    path = metadata(tmp_path)
    assert submission_time(repo, "kim", given, path) == (given["kim"], "--submitted-at")
    assert submission_time(repo, "kim", given, path, given_from="times.csv")[1] == "times.csv"
    assert submission_time(repo, "kim", {"lee": given["kim"]}, path)[1] == "Gradescope submission_metadata.json"
    assert submission_time(repo, "kim", {}, tmp_path / "absent.json") == LAST_COMMIT


def test_a_given_time_without_an_offset_needs_a_timezone(repo):
    naive = {"kim": datetime(2026, 12, 11, 10)}
    with pytest.raises(UserError, match="^--submitted-at = '2026-12-11T10:00:00' has no UTC offset"):
        submission_time(repo, "kim", naive, None)
    assert submission_time(repo, "kim", naive, None, timezone=ZoneInfo("Asia/Seoul"))[0] == LAST_COMMIT[0]

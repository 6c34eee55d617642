"""The instructor's term on top of grading: late penalties, scores set by hand, and a learner's
history. Grading says what the code does; these say what the learner gets.

A batch's results pass through `settle` before they are reported: the gradebook's overrides
take the place of the graded scores (a regrade keeps them, and says so), and each submission's
time, where it came from, and its late penalty are set and recorded (graders.deadlines).
"""

from __future__ import annotations

import difflib
import getpass
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from graders import deadlines
from graders.course import Course
from graders.errors import UserError
from graders.results import SubmissionResult
from graders.submissions import learner_of


def settle(course: Course, results: list[SubmissionResult], paths: list[Path], gradebook, times: Times) -> None:
    """Overrides, then late penalties, on a batch's results, in place; both recorded."""
    for result, path in zip(results, paths, strict=True):
        if gradebook is not None:
            for record in gradebook.apply_overrides(result):
                print(
                    f"{result.submission}: {record.id} keeps the score set by hand, {record.override}", file=sys.stderr
                )
        times.settle(result, path)
        if gradebook is not None:
            gradebook.record_late(result)


class Times:
    """Where a batch's submission times come from, and the policy that turns them into penalties."""

    def __init__(
        self, course: Course, submitted_at: str | None, submissions: list[Path], gradescope_metadata: Path | None = None
    ):
        self.policy = deadlines.load_policy(course.root, course)
        self.metadata = gradescope_metadata if gradescope_metadata and gradescope_metadata.is_file() else None
        if self.policy is not None and self.policy.due is None and self.metadata is not None:
            self.policy = replace(self.policy, due=deadlines.gradescope_due(self.metadata))
        self.given: dict[str, datetime] | None = None
        self.given_from = ""
        if submitted_at:
            self.given, self.given_from = self._given(submitted_at, submissions)

    def _given(self, submitted_at: str, submissions: list[Path]) -> tuple[dict[str, datetime], str]:
        zone = self.policy.timezone if self.policy else None
        if Path(submitted_at).suffix.lower() == ".csv":
            return deadlines.read_times(Path(submitted_at), zone), Path(submitted_at).name
        if len(submissions) > 1:
            raise UserError(
                f"--submitted-at {submitted_at}: one time is for one submission; for a class give a CSV "
                f"of learner,submitted_at rows (--submitted-at times.csv)"
            )
        return {
            learner_of(submissions[0]): deadlines.parse_time(submitted_at, zone, "--submitted-at")
        }, "--submitted-at"

    def settle(self, result: SubmissionResult, path: Path) -> None:
        """Set the result's submission time, its source and its penalty (none without a policy)."""
        if self.policy is None and self.given is None:
            return
        found = deadlines.submission_time(
            path,
            result.submission,
            self.given,
            self.metadata,
            given_from=self.given_from,
            timezone=self.policy and self.policy.timezone,
        )
        if found is None:
            result.submitted_at, result.submitted_from, result.penalties, result.late = "", "", {}, ""
            if self.policy is not None:
                result.late = "no submission time found: no late penalty"
            return
        when, source = found
        result.submitted_at = when.isoformat(timespec="seconds")
        result.submitted_from = source
        result.penalties, result.late = penalties(self.policy, result, when)


def penalties(policy, result: SubmissionResult, when: datetime) -> tuple[dict[str, float], str]:
    """The points off by unit (the units that lose some), and what for; none without a policy."""
    if policy is None:
        return {}, ""
    off, why = policy.penalties(result, when)
    return {unit: round(points, 2) for unit, points in off.items() if points}, why


# --- course override ---------------------------------------------------------------------------


def override(args, course: Course, console) -> int:
    from graders.gradebook import Gradebook

    exercise = _exercise(course, args.exercise)
    if args.remove == (args.score is not None):
        raise UserError("give --score N to set a score, or --remove to take the standing override back")
    if args.score is not None and not 0 <= args.score <= exercise.points:
        raise UserError(f"--score {args.score:g}: {exercise.id} is worth 0 to {exercise.points} points")
    if not args.reason.strip():
        raise UserError("--reason says why, for the learner's history: give it a few words")
    with Gradebook(args.gradebook) as gradebook:
        learner = _learner(gradebook, args.learner)
        (before,) = gradebook.results([learner])
        if args.remove and exercise.id not in gradebook.overrides(learner):
            raise UserError(f"{learner} has no override of {exercise.id} to remove")
        gradebook.override(
            learner, exercise.id, None if args.remove else args.score, args.reason, args.by or getpass.getuser()
        )
        (after,) = gradebook.results([learner])
        if after.submitted_at:  # the penalty is of the score, which changed
            policy = deadlines.load_policy(course.root, course)
            after.penalties, after.late = penalties(policy, after, datetime.fromisoformat(after.submitted_at))
            gradebook.record_late(after)
    record = next(r for r in after.exercises if r.id == exercise.id)
    console.print(
        f"{learner}: {exercise.id} {record.override or f'back to its graded {record.score}/{record.max_score}'}"
    )
    console.print(f"{learner}: {_standing(before)} → {_standing(after)}")
    return 0


def _standing(result: SubmissionResult) -> str:
    late = f" − {result.penalty:g} late = {result.final:g}" if result.penalty else ""
    return f"{result.score}/{result.max_score}{late}"


def _exercise(course: Course, name: str):
    exercises = {ex.id: ex for ex in course.exercises}
    if name in exercises:
        return exercises[name]
    near = difflib.get_close_matches(name, exercises, n=1)
    raise UserError(
        f"no exercise {name!r} in this course"
        + (f"; did you mean {near[0]}?" if near else "; `course list` names them all")
    )


def _learner(gradebook, name: str) -> str:
    learners = gradebook.learners()
    if name in learners:
        return name
    near = difflib.get_close_matches(name, learners, n=1)
    raise UserError(
        f"the gradebook {gradebook.path} has no learner {name!r}"
        + (f"; did you mean {near[0]}?" if near else "; grade their submission first")
    )


# --- course history ----------------------------------------------------------------------------


def history(args, course: Course, console) -> int:
    """A line per grading and override, oldest first (times in UTC), then where the learner stands."""
    from rich.text import Text

    from graders.gradebook import Gradebook
    from graders.untrusted import printable

    with Gradebook(args.gradebook, read_only=True) as gradebook:
        learner = _learner(gradebook, args.learner)
        events = gradebook.history(learner)
        (now,) = gradebook.results([learner])
    lines = [f"{learner}: every grading and override, oldest first (UTC)"]
    for at, kind, row in events:
        at = at.replace("T", " ")[:19]  # recorded in UTC, to the second
        if kind == "graded":
            source, score, max_score, exercises, passed, sandbox = row
            lines.append(
                f"{at}  graded    {score}/{max_score}, {passed}/{exercises} exercises passed, from {source}"
                + (f"; {sandbox}" if sandbox else "")
            )
        else:
            exercise, score, reason, by = row
            lines.append(
                f"{at}  override  {exercise} "
                + ("removed" if score is None else f"set to {score:g}")
                + f" by {by}: {reason}"
            )
    lines.append(f"Now: {_standing(now)} points" + (f" ({now.late})" if now.late else ""))
    if now.submitted_at:
        lines.append(f"Submitted at {now.submitted_at} (from {now.submitted_from})")
    for line in lines:
        console.print(Text(printable(line)), soft_wrap=True)  # learners' texts: never markup
    return 0

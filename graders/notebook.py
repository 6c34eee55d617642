"""Checking an answer inside a notebook: what nbgrader's generated test cells call.

nbgrader runs a notebook's tests in the learner's own kernel, so here the learner's function is
called in-process (as nbgrader does) by the same engine, cases and PyTorch references as
`course grade`, and a failure raises AssertionError with the same learner message. Nothing is
written to stderr: nbgrader gives no points to a test cell that writes there, and the NumPy
warnings the grader judges are captured, not printed.
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from pathlib import Path

from graders.course import Exercise
from graders.engine import grade, prepare
from graders.sandbox import wire
from graders.sandbox.handle import Outcome
from graders.submissions import learner_of


class _InKernel:
    """The engine's runner for a function the notebook defined: plain data in and out, as from
    the worker, so the comparison cannot tell the difference."""

    submission = Path("notebook")
    level = "none"  # the learner's function runs in the learner's own kernel, as nbgrader runs it

    def __init__(self, fn):
        from graders.sandbox.worker import Worker  # the same call machinery the sandboxed worker uses

        self.fn = fn
        self.worker = Worker(Path.cwd())

    def calls(self, module: str, function: str, cases: list[list | dict], encoded: bytes | None = None):
        return (self._call(function, args) for args in cases)

    def _call(self, function: str, args: list | dict) -> Outcome:
        reply = self.worker.run(self.fn, function, wire.decode(wire.encode(args)))
        try:
            reply = wire.decode(wire.encode(reply))
        except wire.Unsupported as err:
            reply = {**reply, "ok": False, "kind": "unsupported", "message": str(err), "value": None}
        return Outcome.from_reply(reply)


def autograded_learner() -> str | None:
    """The learner whose notebook nbgrader autograde runs in this kernel: nbgrader sets
    $NBGRADER_EXECUTION to "autograde" around the kernel's start, and starts it in the
    notebook's build folder, autograded/<student_id>/<assignment_id>/ (nbgrader's default
    directory_structure, which the course's nbgrader_config.py keeps). None elsewhere: a learner
    running the notebook at home, or nbgrader validating it, is no one nbgrader names."""
    if os.environ.get("NBGRADER_EXECUTION") != "autograde":
        return None
    return learner_of(Path.cwd().parent)  # named as `course grade` names a learner's folder


# Read once, when the notebook's first cell imports this module: the learner's own cells run
# after it, and one that changes the working folder must not change whose cases are drawn.
AUTOGRADED_LEARNER = autograded_learner()


def check(exercise_id: str, fn, hidden_key: str | None = None) -> None:
    """Grade `fn` as the answer to `exercise_id`, with its hidden cases where `hidden_key` (the
    exercise's engine.hidden_key) is given; raise AssertionError with the message if wrong. At
    nbgrader autograde the hidden cases are the learner's own, as `course grade` draws them;
    elsewhere the exercise key's (engine._drawing_key says why)."""
    unit, _, function = exercise_id.partition(".")
    exercise = Exercise(exercise_id, unit, function, title={}, points=1, hints=())
    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")  # torch's import-time notices are no concern of the learner's
        prepared = prepare(
            [exercise],
            ["cpu"],
            hidden_keys={exercise_id: hidden_key} if hidden_key else None,
            learner=AUTOGRADED_LEARNER,
        )
    (result,) = grade(prepared, _InKernel(fn), "notebook").exercises
    # which hidden cases, as the gradebook of `course grade` records them: the two can be compared
    shown = f"{exercise_id} [hidden cases {result.variant}]" if result.variant else exercise_id
    if not result.passed:
        raise AssertionError(f"{shown} ({result.status}):\n{result.message}")
    print(f"✓ {shown} passed")

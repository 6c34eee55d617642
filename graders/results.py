"""Results as data: one record per (submission, exercise). Every display renders these."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from graders.untrusted import printable

STATUSES = ("passed", "failed", "error", "timeout", "missing", "not-implemented")
MARK = {
    "passed": "✓",
    "failed": "✗",
    "error": "!",
    "timeout": "⧗",
    "missing": "?",
    "not-implemented": "·",
}  # in every display


@dataclass
class ExerciseResult:
    id: str
    status: str
    score: int
    max_score: int
    message: str = ""
    devices: list[str] = field(default_factory=list)
    mistake: str | None = None  # the known mistake the answer matched, if any
    seconds: float = 0.0
    variant: str = ""  # which learner's hidden cases it met (graders.engine.variant); "" with none
    override: str = ""  # an instructor set `score` by hand: who, when, why, and what grading gave

    def __setattr__(self, name, value):
        if name == "message":  # it quotes the learner's output and exceptions: a lone surrogate
            value = printable(value)  # would stop every report (none is UTF-8), a control character break some
        super().__setattr__(name, value)

    @property
    def passed(self) -> bool:
        return self.status == "passed"


@dataclass
class SubmissionResult:
    submission: str
    exercises: list[ExerciseResult]
    sandbox: str = ""  # what confined the learner's code, e.g. "seccomp-bpf + Landlock ABI 7"; "" if unknown
    submitted_at: str = ""  # ISO 8601, where known
    submitted_from: str = ""  # where that time came from: --submitted-at, a CSV, git, a zip...
    penalties: dict[str, float] = field(default_factory=dict)  # points off for lateness, by unit (graders.deadlines)
    late: str = ""  # what the penalty is for, e.g. "tensors: 2 days late, 20% off"

    def __setattr__(self, name, value):
        if name == "submission":  # a folder's name, as a file system gave it
            value = printable(value)
        super().__setattr__(name, value)

    @property
    def score(self) -> int:
        return sum(r.score for r in self.exercises)

    @property
    def max_score(self) -> int:
        return sum(r.max_score for r in self.exercises)

    @property
    def penalty(self) -> float:
        return round(sum(self.penalties.values()), 2)

    @property
    def final(self) -> float:
        """The score after the late penalty: what the learner gets."""
        return round(self.score - self.penalty, 2)

    @property
    def percent(self) -> float:
        return 100.0 * self.final / self.max_score if self.max_score else 100.0

    def to_dict(self) -> dict:
        return {
            "submission": self.submission,
            "score": self.score,
            "max_score": self.max_score,
            "penalty": self.penalty,
            "penalties": self.penalties,
            "final": self.final,
            "late": self.late,
            "submitted_at": self.submitted_at,
            "submitted_from": self.submitted_from,
            "sandbox": self.sandbox,
            "exercises": [asdict(r) for r in self.exercises],
        }


def to_json(results: list[SubmissionResult]) -> str:
    """The records as JSON: one object for one submission, else a list."""
    data = [r.to_dict() for r in results]
    return json.dumps(data[0] if len(data) == 1 else data, indent=2, ensure_ascii=False)

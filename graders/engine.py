"""Grading: prepare cases and references once, then judge each submission's answers.

`prepare` (and `for_learner`, for one learner's hidden cases) is the only place torch runs;
`grade` only talks to the sandboxed worker and compares. A batch prepares once and grades many
submissions against the same public references, each with its learner's hidden ones.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import hmac
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from graders import cache, feedback
from graders.compare import compare, only_form
from graders.course import Course, Exercise
from graders.devices import select_devices
from graders.i18n import t
from graders.reference import Ref, to_numpy
from graders.results import ExerciseResult, SubmissionResult
from graders.sandbox import wire
from graders.sandbox.handle import Outcome, Sandbox, encode_request
from graders.spec import Attempt, Case, Grader, Raises
from graders.units import grader_for

PUBLIC_SEED = "public"

# what a call that produced no answer means for the exercise
STATUS_OF = {
    "not-implemented": "not-implemented",
    "missing": "missing",
    "import-error": "error",
    "signature": "error",
    "exception": "error",
    "crashed": "error",
    "unsupported": "failed",
    "timeout": "timeout",
}


@dataclass
class Prepared:
    exercise: Exercise
    grader: Grader
    cases: list[Case]
    expected: list[dict[str, Any] | str]  # per case: {device: answer}, or why the reference failed
    devices: list[str]
    # the cases' inputs, encoded (a learner's: the public ones', then the hidden ones'): part of
    # the cache key, and of a batch's fingerprint
    inputs: bytes
    hidden_feedback: str = "summary"  # what a failed hidden case tells: "values" (expected and got) or "summary"
    key: str = ""  # the exercise's hidden key, from which each learner's hidden cases are drawn; "" for none
    variant: str = ""  # which hidden cases these are (engine.variant); "" for none
    use_cache: bool = True  # whether a learner's hidden references, computed later, are cached too

    # Pickled to reach Dask workers as data: the grader (code) is looked up again where it lands.
    def __getstate__(self) -> dict:
        return {**self.__dict__, "grader": None}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, grader=grader_for(state["exercise"]))

    @functools.cached_property
    def each_input(self) -> frozenset[bytes]:
        """Each case's inputs, encoded once for every learner: their hidden cases leave these out."""
        return frozenset(wire.encode(dict(case.inputs)) for case in self.cases)

    @functools.cached_property
    def request(self) -> bytes:
        """The sandbox's request for these cases, encoded once for every submission."""
        return encode_request(self.exercise.unit, self.exercise.function, [case.sent for case in self.cases])


def case_rng(exercise_id: str, seed: str) -> np.random.Generator:
    digest = hashlib.sha256(f"{seed}\0{exercise_id}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


def hidden_key(hidden_seed: str, exercise_id: str) -> str:
    """The exercise's key to its hidden cases, all that a notebook's test cell holds: learners
    may see that cell, and the key tells neither the seed nor any other exercise's cases."""
    return hmac.new(hidden_seed.encode(), exercise_id.encode(), hashlib.sha256).hexdigest()


def learner_key(exercise_key: str, learner: str) -> str:
    """The learner's own key to the exercise's hidden cases. Made from the exercise's key, not
    the seed, so that a notebook's test cell (which holds only that) draws the same cases as
    `course grade`; no two learners share one, so one's hidden feedback tells another nothing."""
    return hmac.new(exercise_key.encode(), learner.encode(), hashlib.sha256).hexdigest()


def variant(key: str) -> str:
    """A short name for the hidden cases `key` draws, to record beside a result: the same
    cases on a regrade give the same name, and the name tells nothing of the key."""
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def prepare(
    exercises,
    devices: list[str],
    hidden_seed: str | None = None,
    use_cache: bool = True,
    hidden_keys: dict[str, str] | None = None,
    hidden_feedback: str = "summary",
    learner: str | None = None,
    per_learner: bool = False,
) -> list[Prepared]:
    """Cases and references for each exercise: the public cases, then with a secret seed the
    hidden ones, which a learner who hard-coded the public answers cannot have seen. They are
    drawn from the exercise's hidden_key (made from `hidden_seed`, or given in `hidden_keys`:
    a notebook's, without the seed), through `learner`'s own key where the learner is known.
    With `per_learner` (a batch of learners) they are left out here, and `for_learner` adds
    each learner's. References come from the on-disk cache where it holds them (torch is then
    never imported). A failed hidden case never shows its inputs; with
    `hidden_feedback` "values" it shows what was expected and what came back, with "summary"
    only that it failed, and how."""
    prepared = []
    use_cache = use_cache and cache.enabled()
    for exercise in exercises:
        grader = grader_for(exercise)
        cases = grader.cases(case_rng(exercise.id, PUBLIC_SEED))
        key = (
            hidden_keys.get(exercise.id)
            if hidden_keys
            else hidden_key(hidden_seed, exercise.id)
            if hidden_seed
            else None
        ) or ""
        inputs = wire.encode([dict(case.inputs) for case in cases])
        expected = _expected(exercise, grader, cases, inputs, devices, use_cache)
        public = Prepared(exercise, grader, cases, expected, devices, inputs, hidden_feedback, key, use_cache=use_cache)
        prepared.append(public if per_learner else for_learner(public, learner))
    return prepared


def for_learner(public: Prepared, learner: str | None) -> Prepared:
    """`public` with the hidden cases `learner` meets after its own (those of the public ones
    left out), and their references: computed here (torch), or read from the cache. `public`
    itself where the exercise has no hidden key."""
    if not public.key:
        return public
    key = _drawing_key(public, learner)
    hidden = [
        dataclasses.replace(case, hidden=True)
        for case in public.grader.cases(case_rng(public.exercise.id, key))
        if wire.encode(dict(case.inputs)) not in public.each_input
    ]
    hidden_inputs = wire.encode([dict(case.inputs) for case in hidden])
    expected = _expected(public.exercise, public.grader, hidden, hidden_inputs, public.devices, public.use_cache)
    # the public and the hidden encodings side by side name these cases as well as one encoding
    # of them all would, without encoding every case again for every learner
    return dataclasses.replace(
        public,
        cases=public.cases + hidden,
        expected=public.expected + expected,
        variant=variant(key),
        inputs=public.inputs + hidden_inputs,
    )


def _drawing_key(public: Prepared, learner: str | None) -> str:
    """The learner's own key; where no learner is known (a notebook's hidden test run outside
    nbgrader autograde, as a learner may run their feedback copy), the exercise's key alone: an
    id guessed there could be another learner's, and the exercise key's cases are no one's."""
    return learner_key(public.key, learner) if learner is not None else public.key


def _expected(
    exercise: Exercise, grader: Grader, cases: list[Case], inputs: bytes, devices: list[str], use_cache: bool
) -> list[dict[str, Any] | str]:
    """Per case, every device's reference answer, or why they can't be trusted."""
    answers = {device: _answers(exercise, grader, cases, inputs, device, use_cache) for device in devices}
    return [_agreed(case, {device: answers[device][i] for device in devices}) for i, case in enumerate(cases)]


def _answers(
    exercise: Exercise, grader: Grader, cases: list[Case], inputs: bytes, device: str, use_cache: bool
) -> list:
    """The device's reference answer to each case (a string where the reference failed)."""
    entry = cache.key(exercise.id, _code(exercise.unit), inputs, device)
    if use_cache and (stored := cache.load(entry)) is not None:
        return stored
    answers = [_reference(grader, case, _ref(device)) for case in cases]
    if use_cache and not any(isinstance(answer, str) for answer in answers):
        cache.store(entry, answers)
    return answers


@functools.cache
def _code(unit: str) -> tuple[Path, ...]:
    """The files a unit's references come from: its grader, the reference toolkit, and how torch is set up."""
    here = Path(__file__).parent
    return Path(sys.modules[f"graders.units.{unit}"].__file__), here / "reference.py", here / "devices.py"


def _reference(grader: Grader, case: Case, ref: Ref):
    if case.defaults:  # the contract's own: no reference to run
        return dict(case.inputs)
    try:
        return to_numpy(grader.reference(ref, *case.args))
    except Exception as err:  # our bug, reported as such, never a traceback
        return f"the {ref.device} reference failed on case {case.label!r}: {type(err).__name__}: {err}"


def _agreed(case: Case, answers: dict[str, Any]) -> dict[str, Any] | str:
    """Every device's answer, or why the references can't be trusted on this case."""
    if failed := next((answer for answer in answers.values() if isinstance(answer, str)), None):
        return failed
    first, *others = answers
    for device in others:
        if _disagree(answers[first], answers[device], case):
            return f"the {first} and {device} references disagree on case {case.label!r}"
    return answers


def _disagree(a, b, case: Case) -> bool:
    if a is None or isinstance(a, Raises) or b is None or isinstance(b, Raises):
        return a != b
    return compare(a, b, case.dtype, check_dtype=False) is not None


def grade(prepared: list[Prepared], sandbox: Sandbox, name: str) -> SubmissionResult:
    exercises = [_grade_exercise(p, sandbox) for p in prepared]
    return SubmissionResult(name, exercises, sandbox.level)


def grade_folder(
    course: Course, submission: Path, target: str | None = None, device: str = "auto", use_cache: bool = True
) -> SubmissionResult:
    """Grade one folder of unit modules on the public cases; its worker starts first, so that
    NumPy loads while the references are read (or computed)."""
    exercises = course.select(target)
    with Sandbox(submission, course.limits) as sandbox:
        prepared = prepare(exercises, select_devices(device), use_cache=use_cache)
        return grade(prepared, sandbox, submission.name)


def _grade_exercise(p: Prepared, sandbox: Sandbox) -> ExerciseResult:
    ex = p.exercise
    result = ExerciseResult(ex.id, "passed", ex.points, ex.points, devices=list(p.devices), variant=p.variant)
    if bug := next((expected for expected in p.expected if isinstance(expected, str)), None):
        return _fail(result, "error", feedback.grader_bug(bug))
    outcomes = sandbox.calls(ex.unit, ex.function, [case.sent for case in p.cases], p.request)
    try:
        return _judge_outcomes(
            p, result, zip(p.cases, p.expected, outcomes, strict=False), f"{sandbox.submission.name}/{ex.unit}.py"
        )
    finally:
        outcomes.close()  # the first failure ends the exercise; the sandbox drops the other answers


def _judge_outcomes(p: Prepared, result: ExerciseResult, runs, source: str) -> ExerciseResult:
    """The exercise's result from its cases' outcomes, in order: the first failure is the one told."""
    for case, expected, outcome in runs:
        result.seconds += outcome.seconds
        wanted = next(iter(expected.values()))
        output = "" if case.hidden else outcome.output  # what the learner's code printed may be a hidden input
        if isinstance(wanted, Raises):
            if outcome.kind == "exception" and wanted.error in outcome.types:
                continue
            if outcome.kind == "ok":
                text = _told(
                    p,
                    case,
                    " " + feedback.should_raise(wanted.error, outcome.value),
                    " " + t("hidden.should-raise", error=wanted.error),
                )
                return _fail(result, "failed", *_with_mistake(p, text, case, wanted, outcome), output)
        if outcome.kind != "ok":
            text = feedback.problem(outcome, source)
            brief = feedback.hidden_raised(outcome) if outcome.kind == "exception" else text
            if isinstance(wanted, Raises):
                text += t("contract-raises", error=wanted.error)
                brief += t("contract-raises", error=wanted.error)
            if (
                outcome.kind in ("exception", "signature", "timeout", "crashed", "unsupported")
                and not outcome.importing
            ):
                text = _told(p, case, " " + text, " " + brief)
            if outcome.kind == "exception":
                return _fail(result, "error", *_with_mistake(p, text, case, wanted, outcome), output)
            return _fail(result, STATUS_OF[outcome.kind], text, output=output)
        if verdict := _judge(p, case, expected, outcome):
            text, mistake = verdict
            return _fail(result, "failed", text, mistake, output)
    return result


def _told(p: Prepared, case: Case, detail: str, brief: str) -> str:
    """The case, then its `detail`. A hidden case names only its largest input's shape and its
    dtype, and unless the instructor shows hidden values, gives the `brief` (how it failed)."""
    if case.hidden and p.hidden_feedback != "values":
        return f"{feedback.on_input(case)}:{brief}\n  {t('hidden.note')}"
    return f"{feedback.on_input(case)}:{detail}"


def _judge(p: Prepared, case: Case, expected: dict[str, Any], outcome: Outcome):
    """None when the answer is right on every device; else (message, mistake name)."""
    wrong, brief, device = _what_is_wrong(p.grader, case, expected, outcome.value)
    runtime = tuple(w for w in outcome.warnings if w.startswith("RuntimeWarning"))
    if not (wrong or runtime or outcome.mutated):
        return None
    lines, briefs = [], []
    if wrong:
        lines.append("  " + wrong)
        briefs.append("  " + brief)
        if device and len(expected) > 1:
            lines.append(t("checked-with", device=device))
    if runtime:
        lines.append("  " + feedback.warnings_raised(list(runtime)))
        briefs.append("  " + t("hidden.warned"))
    if outcome.mutated:
        lines.append("  " + feedback.mutated(case, outcome.mutated))
        briefs.append(lines[-1])
    text = _told(p, case, "\n" + "\n".join(lines), "\n" + "\n".join(briefs))
    return _with_mistake(p, text, case, next(iter(expected.values())), outcome)


def _with_mistake(p: Prepared, text: str, case: Case, expected, outcome: Outcome) -> tuple[str, str | None]:
    """The message, and the name of the first known mistake the answer (or its error) fits.

    None where the case asks for an exception: every mistake models a wrong value, and an answer
    to an invalid input fits none of them. An answer whose only fault is its form (the right
    numbers as a list, in float64, in another shape) may only fit a mistake about that form.
    None for a case of defaults either: no mistake models a signature."""
    if isinstance(expected, Raises) or case.defaults:
        return text, None
    g = p.grader
    runtime = tuple(w for w in outcome.warnings if w.startswith("RuntimeWarning"))
    error = f"{outcome.type}: {outcome.message}" if outcome.kind == "exception" else ""
    attempt = Attempt(case, outcome.value, expected, runtime, tuple(outcome.mutated), error, g.parts, g.histories)
    form = (
        outcome.kind == "ok"
        and g.accept is None
        and not runtime
        and not outcome.mutated
        and only_form(
            expected, outcome.value, case.dtype, check_dtype=g.check_dtype, parts=g.parts, histories=g.histories
        )
    )
    mistake = next((m for m in g.mistakes if m.form in (form, None) and _safely(m.test, attempt)), None)
    if mistake is None:
        return text, None
    return f"{text}\n{feedback.likely(p.exercise.unit, p.exercise.function, mistake)}", mistake.name


def _what_is_wrong(
    grader: Grader, case: Case, expected: dict[str, Any], got
) -> tuple[str | None, str | None, str | None]:
    """The first device's verdict on the answer: a mismatch with its reference, or what `accept`
    finds wrong with it (once: it needs no device); with it, the verdict without any value, and
    the device."""
    if grader.accept is not None:
        try:
            wrong = grader.accept(case, got)
        except Exception as err:  # an answer of a shape the check cannot even read
            wrong = feedback.unreadable(err)
        return (wrong, t("hidden.value"), None) if wrong else (None, None, None)
    for device, answer in expected.items():
        mismatch = compare(
            answer, got, case.dtype, check_dtype=grader.check_dtype, parts=grader.parts, histories=grader.histories
        )
        if mismatch and case.defaults and isinstance(got, dict) and mismatch.path in got:
            # one parameter's default: told as the signature, not as arrays (any other reply is
            # no worker's own, and is told as any mismatch is)
            wrong = feedback.wrong_default(mismatch.path, case.inputs[mismatch.path], got[mismatch.path])
            return wrong, wrong, None
        if mismatch:
            return feedback.mismatch(mismatch), feedback.hidden_mismatch(mismatch), device
    return None, None, None


@functools.cache
def _ref(device: str) -> Ref:
    return Ref(device)


def _safely(test, attempt: Attempt) -> bool:
    try:
        return bool(test(attempt))
    except Exception:  # a test written for one shape of answer meeting another
        return False


def _fail(
    result: ExerciseResult, status: str, text: str, mistake: str | None = None, output: str = ""
) -> ExerciseResult:
    result.status, result.score, result.mistake = status, 0, mistake
    result.message = "\n".join(filter(None, [text, feedback.printed(output)]))
    return result

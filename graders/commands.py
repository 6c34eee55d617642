"""What each `course` command does (graders.cli parses the command line and calls these).

Exit codes: OK, NOT_PASSED, and a UserError (any subclass) for a usage problem, which the CLI
prints and turns into exit 2.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shlex
import sys
import tempfile
from pathlib import Path

from graders import course as course_data
from graders import i18n
from graders.devices import select_devices
from graders.engine import grade, grade_folder, prepare
from graders.errors import UserError
from graders.files import write_atomically
from graders.i18n import t
from graders.results import to_json
from graders.sandbox.handle import Sandbox

# The instructors' commands import what they need when they run: `course check` stays quick.
# rich (25 ms to import) comes with graders.report, and only where a command prints for people.

OK, NOT_PASSED = 0, 1
INTERRUPTED = 130  # what a shell reports for a command ended by Ctrl-C: 128 + SIGINT


def _list(args, course, console) -> int:
    from graders import report

    result = grade_folder(course, course.root / "exercises", device=args.device, use_cache=args.use_cache)
    for table in report.unit_tables(course, result):
        console.print(table)
    console.print(report.progress(result))
    return OK


def _check(args, course, console) -> int:
    if args.target and args.target.endswith(".ipynb"):
        return _check_notebook(Path(args.target), args, course, console)
    from graders import report

    result = grade_folder(course, course.root / "exercises", args.target, args.device, args.use_cache)
    report.print_check(console, course, result)
    return OK if all(r.passed for r in result.exercises) else NOT_PASSED


def _check_notebook(path: Path, args, course, console) -> int:
    """A notebook outside nbgrader: its code cells are its unit's module, graded as `check` grades."""
    from graders import report
    from graders.submissions import open_submission  # zipfile and notebooks: not for a unit's check

    if not path.is_file():
        raise UserError(t("path-missing", path=path))
    with tempfile.TemporaryDirectory() as scratch:
        submission = open_submission(path, course, Path(scratch))
        units = [unit.name for unit in course.units if (submission.folder / f"{unit.name}.py").exists()]
        result = grade_folder(course, submission.folder, units[0], args.device, args.use_cache)
    report.print_check(console, course, result)
    return OK if all(r.passed for r in result.exercises) else NOT_PASSED


def _hint(args, course, console) -> int:
    """An exercise's hints; a unit's exercises, each with its first hint; with no target, the
    hints of the first exercise not passed, graded as `course check` grades."""
    from rich.markup import escape  # a hint's code, x[x < 0] or grads[name], is no markup

    if args.target is None:
        result = grade_folder(course, course.root / "exercises", None, args.device, args.use_cache)
        todo = next((r for r in result.exercises if not r.passed), None)
        if todo is None:
            console.print(t("hint.all-passed"))
            return OK
        console.print(t("hint.first-unpassed", id=todo.id, status=t(f"status.{todo.status}")))
        found = course.resolve(todo.id)
    else:
        found = course.resolve(args.target)
    if isinstance(found, course_data.Unit):
        for exercise in found.exercises:
            first = f"\n   {escape(i18n.pick(exercise.hints[0]))}" if exercise.hints else ""
            console.print(f"[bold]{exercise.id}[/] — {escape(i18n.pick(exercise.title))}{first}")
        console.print(t("hint.more", id=found.exercises[0].id), style="dim")
        return OK
    other = "en" if i18n.language() == "ko" else "ko"
    console.print(f"[bold]{found.id}[/] — {escape(i18n.pick(found.title))} · {escape(found.title[other])}")
    for number, hint in enumerate(found.hints, 1):  # the other language dimmed below: the notes are Korean
        console.print(f"{number}. {escape(i18n.pick(hint))}\n   [dim]{escape(hint[other])}[/]")
    return OK


def _plot(args, course, console) -> int:
    from graders.plots import plot_unit

    written = plot_unit(course, args.unit, course.root / "exercises", args.out, args.device)
    for path in written:
        console.print(str(path), soft_wrap=True)
    if not written:
        console.print(
            f"Nothing to plot for {args.unit}: it has no figure of its own, and none of its exercises "
            f"fails on an array answer."
        )
    return OK


def _watch(args, course, console) -> int:
    from graders.watch import Watch

    return Watch(course, console, args.device, args.use_cache).run()


def _reset(args, course, console) -> int:
    from graders.reset import reset

    console.print(reset(course, args.target))
    return OK


def _verify(args, course, console) -> int:
    solutions = course.root / "solutions"
    if not solutions.is_dir():
        raise UserError(
            f"no solutions/ in {course.root}: `course verify` is for the instructor's copy of the course; "
            "learners run `course check`"
        )
    from rich.table import Table

    devices = select_devices(args.device)
    # live references, computed once for both folders; hidden cases too, where the instructor has a secret
    prepared = prepare(course.exercises, devices, course_data.hidden_seed(course.root), use_cache=False)
    results = {}
    for name in ("solutions", "exercises"):
        with Sandbox(course.root / name, course.limits) as sandbox:
            results[name] = grade(prepared, sandbox, name)
    out = Table(title=f"course verify ({', '.join(devices)})", title_justify="left")
    for column in ("exercise", "solution", "stub", "verdict"):
        out.add_column(column)
    problems = []
    for solved, stub in zip(results["solutions"].exercises, results["exercises"].exercises, strict=True):
        good = solved.passed and not stub.passed
        out.add_row(solved.id, solved.status, stub.status, "[green]ok[/]" if good else "[bold red]WRONG[/]")
        if not solved.passed:
            problems.append(f"solution of {solved.id} does not pass:\n{solved.message}")
        if stub.passed:
            problems.append(f"the stub of {stub.id} passes its grader")
    console.print(out)
    for problem in problems:
        console.print(f"[bold red]✗[/] {problem}")
    console.print(f"{len(course.exercises) - len(problems)}/{len(course.exercises)} exercises verified")
    return NOT_PASSED if problems else OK


def _grade(args, course, console) -> int:
    if args.format in ("gradescope", "classroom") and len(args.submissions) > 1:
        raise UserError(f"--format {args.format} reports one submission; grade them one at a time")
    for path in args.submissions:
        if not os.path.lexists(path):  # a link that leads nowhere is its learner's error record, not the batch's end
            raise UserError(f"{path} does not exist; pass submission folders, .zip files or .ipynb notebooks")
    if args.scheduler and args.executor != "dask":
        raise UserError("--scheduler is the address of a Dask scheduler: add --executor dask")
    if args.out is not None and not args.out.parent.is_dir():
        raise UserError(f"--out {args.out}: the folder {args.out.parent} does not exist")
    _weak_sandbox(args)
    from graders import term
    from graders.batch import Interrupted, grade_many

    try:
        secret = course_data.hidden_seed(course.root, args.hidden_seed_file)
        prepared = prepare(
            course.select(args.only),
            select_devices(args.device),
            secret,
            args.use_cache,
            hidden_feedback=course_data.hidden_feedback(course.root),
            per_learner=True,
        )
        _load_graders(course)
        times = term.Times(course, args.submitted_at, args.submissions, args.submission_metadata)
        with _gradebook(args.gradebook) as gradebook:
            results = grade_many(
                course, args.submissions, prepared, args.jobs, gradebook, args.regrade, args.executor, args.scheduler
            )
            term.settle(course, results, args.submissions, gradebook, times)
    except KeyboardInterrupt:  # before the batch began (grade_many turns one into Interrupted)
        return _interrupted(args, Interrupted(0, len(args.submissions)))
    except Interrupted as stopped:
        return _interrupted(args, stopped)
    if args.format == "table" and not args.out:
        from graders import report

        for renderable in report.batch_tables(course, results, args.details):
            console.print(renderable)
    else:
        text = _render(args.format, course, results, args.details)
        if args.out:
            write_atomically(args.out, text)
        else:
            sys.stdout.write(text)
    short = [r for r in results if r.percent < args.fail_under] if args.fail_under is not None else []
    if short:  # on stderr: a --format json on stdout stays the records alone
        print(
            f"--fail-under {args.fail_under:g}: {len(short)} of {len(results)} submissions scored under "
            f"{args.fail_under:g}%:",
            file=sys.stderr,
        )
        for r in short:
            print(
                f"  {r.submission}: {r.percent:.1f}%, {args.fail_under - r.percent:.1f} percentage points short",
                file=sys.stderr,
            )
        return NOT_PASSED
    return OK


def _interrupted(args, stopped) -> int:
    """One line on stderr: how many were graded, how many were not, and how to go on."""
    command = shlex.join(["course", *args.argv])
    if args.gradebook:
        print(
            f"Interrupted: {stopped.graded} graded (recorded in {args.gradebook}), {stopped.left} left. Resume "
            f"with the same command, which skips what the gradebook holds: {command}",
            file=sys.stderr,
        )
    else:
        print(
            f"Interrupted: {stopped.graded} graded, {stopped.left} left, and nothing recorded without --gradebook. "
            f"Run it again with --gradebook PATH to keep each result as it finishes: {command}",
            file=sys.stderr,
        )
    return INTERRUPTED


ONE_CONTAINER = ("gradescope", "classroom")  # one submission per container: a refused grade is a zero


def _weak_sandbox(args) -> None:
    """Say once where the kernel layer is incomplete; then refuse to grade for credit, unless
    told to, or where a refusal would be the learner's zero."""
    from graders.sandbox import backends

    layer = backends.kernel_layer()
    if layer["complete"]:
        return
    missing = "; ".join(layer["why_not"])
    if not args.allow_weak_sandbox and args.format not in ONE_CONTAINER:
        raise UserError(
            f"the sandbox is weak here ({missing}): learner code could reach the grader and other submissions. "
            "Grade for credit on Linux 5.13 or later with seccomp and Landlock (`course doctor` says what this "
            "machine has), or pass --allow-weak-sandbox to grade anyway: each record then says which sandbox graded it"
        )
    print(
        f"course grade: a weak sandbox ({layer['level'] or 'no kernel layer'}: {missing}); each record says so",
        file=sys.stderr,
    )


def _load_graders(course) -> None:
    """Import every module the grader may still need before any learner code runs: where the
    kernel layer is missing, learner code can write files, and nothing imported after it ran may
    come from a file it could have touched. (Not the workers' scripts, each a process of its own,
    nor the plot and watch commands'.)"""
    import importlib
    import pkgutil

    import graders

    later = {
        "graders.__main__",
        "graders.plots",
        "graders.watch",
        "graders.sandbox.fork_worker",
        "graders.sandbox.spawn_worker",
    }
    for module in pkgutil.walk_packages(graders.__path__, "graders."):
        if module.name not in later:
            importlib.import_module(module.name)
    i18n.messages()  # and the texts it words results in
    for unit in course.units:
        i18n.mistakes(unit.name)


def _gradebook(path: Path | None):
    if path is None:
        return contextlib.nullcontext()
    from graders.gradebook import Gradebook  # SQLite: only when asked for

    return Gradebook(path)


def _render(fmt: str, course, results, details: bool) -> str:
    from graders import ci_formats

    if fmt == "json":
        return to_json(results) + "\n"
    if fmt == "junit":
        return ci_formats.junit_xml(course, results)
    if fmt == "gradescope":
        return json.dumps(ci_formats.gradescope_results(course, results[0]), indent=2, ensure_ascii=False) + "\n"
    if fmt == "classroom":  # also appends to $GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY where set
        return ci_formats.emit_classroom(course, results[0], os.environ) + "\n"
    from rich.console import Console

    from graders import report

    capture = Console(file=io.StringIO(), width=120, highlight=False)
    for renderable in report.batch_tables(course, results, details):
        capture.print(renderable)
    return capture.file.getvalue()


def _export(args, course, console) -> int:
    from graders import exports
    from graders.gradebook import Gradebook

    one_file = args.format in ("csv", "summary", "canvas", "moodle")  # the others write a folder, made as needed
    if one_file and args.out is not None and not args.out.parent.is_dir():
        raise UserError(f"--out {args.out}: the folder {args.out.parent} does not exist")
    with Gradebook(args.gradebook, read_only=True) as gradebook:
        results = gradebook.results([args.learner] if args.learner else None)
    if args.learner and not results:
        raise UserError(f"the gradebook has no learner {args.learner!r}")
    if args.format in ("canvas", "moodle"):
        return _lms_export(args, course, results)
    if args.format in ("csv", "summary") or (args.learner and not args.out):
        render = {"csv": exports.csv_table, "summary": exports.class_summary_html}.get(args.format)
        text = render(course, results) if render else _learner_report(args.format, course, results[0])
        if args.out:
            write_atomically(args.out, text)
            what = "the class summary of " if args.format == "summary" else ""
            print(f"wrote {args.out} ({what}{_count(len(results), 'learner')})", file=sys.stderr)
        else:
            sys.stdout.write(text)
        return OK
    if args.out is None:
        raise UserError(f"--format {args.format} writes one file per learner: pass --out FOLDER (or --learner ID)")
    args.out.mkdir(parents=True, exist_ok=True)
    suffix = ".md" if args.format == "markdown" else ".html"
    for result in results:
        write_atomically(args.out / f"{result.submission}{suffix}", _learner_report(args.format, course, result))
    # on stderr, as every export says what it wrote: stdout is for what an export prints itself
    print(f"wrote {_count(len(results), 'learner report')} ({args.format}) to {args.out}{os.sep}", file=sys.stderr)
    return OK


def _lms_export(args, course, results) -> int:
    """The LMS's import file; on stderr, a line for each learner it can have no row for."""
    from graders import lms

    if args.roster is None:
        raise UserError(
            f"--format {args.format} matches learners to the LMS's students: pass --roster roster.csv "
            f"(columns {','.join(lms.COLUMNS)}; see the README)"
        )
    if args.learner:
        raise UserError(f"--format {args.format} writes the whole class's grades: leave out --learner")
    needs = lms.CANVAS_NEEDS if args.format == "canvas" else ("learner", args.moodle_id)
    found = lms.match(lms.read_roster(args.roster, needs), results)
    text = (
        lms.canvas_csv(course, found, args.per_unit)
        if args.format == "canvas"
        else lms.moodle_csv(course, found, args.per_unit, args.moodle_id)
    )
    for learner in found.not_in_roster:
        print(f"not in {args.roster}, so no row: {learner}", file=sys.stderr)
    for learner in found.no_submission:
        print(f"in {args.roster} but not graded, so no row: {learner}", file=sys.stderr)
    left_out = (
        f"; left out: {len(found.not_in_roster)} not in the roster, {len(found.no_submission)} not graded"
        if found.not_in_roster or found.no_submission
        else ""
    )
    if args.out:
        write_atomically(args.out, text)
        print(f"wrote {args.out} ({args.format}, {_count(len(found.rows), 'learner')}{left_out})", file=sys.stderr)
    else:
        sys.stdout.write(text)
        if left_out:
            print(f"{args.format}: {_count(len(found.rows), 'learner')}{left_out}", file=sys.stderr)
    return OK


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}{'' if n == 1 else 's'}"


def _learner_report(fmt: str, course, result) -> str:
    from graders import exports

    return exports.markdown_report(course, result) if fmt == "markdown" else exports.html_report(course, result)


def _override(args, course, console) -> int:
    from graders import term

    return term.override(args, course, console)


def _history(args, course, console) -> int:
    from graders import term

    return term.history(args, course, console)


def _similarity(args, course, console) -> int:
    from graders import similarity

    if not args.out.parent.is_dir():
        raise UserError(f"--out {args.out}: the folder {args.out.parent} does not exist")
    comparison = similarity.compare(course, args.submissions)
    write_atomically(args.out, similarity.html_report(comparison, args.threshold / 100))
    sys.stdout.write(similarity.top_table(comparison))
    flagged = sum(pair.similarity >= args.threshold / 100 for pair in comparison.pairs)
    print(
        f"wrote {args.out} ({_count(flagged, 'pair')} at or over {args.threshold:g}%, "
        f"{_count(len(comparison.unreadable), 'unreadable submission')})",
        file=sys.stderr,
    )
    return OK


def _gradescope(args, course, console) -> int:
    from graders import release

    if not args.out.parent.is_dir():
        raise UserError(f"--out {args.out}: the folder {args.out.parent} does not exist")
    try:
        members = release.build_gradescope_zip(course.root, args.out)
    except ValueError as err:
        raise UserError(str(err)) from None
    console.print(f"Wrote {args.out} ({len(members)} files): upload it as the assignment's autograder on Gradescope.")
    return OK


def _notebooks(args, course, console) -> int:
    from graders import nbgrader_course

    if not (course.root / "solutions").is_dir():
        raise UserError(f"no solutions/ in {course.root}: the notebooks are built from the instructor's copy")
    secret = course_data.hidden_seed(course.root, args.hidden_seed_file)
    written = nbgrader_course.build(course, args.out, secret, args.install_from)
    console.print(
        f"Wrote {args.out}/nbgrader_config.py and {len(written)} notebooks under {args.out}/source/"
        + ("" if secret else " (no hidden tests: give --hidden-seed-file or an instructor.toml for them)")
    )
    if not args.install_from:
        console.print(
            "The notebooks' install cell has no source: a learner's kernel without the course (Colab) "
            "is told to ask you. Give --install-from git+https://... or a wheel's URL for one."
        )
    console.print(f"Next: cd {args.out} && nbgrader generate_assignment <unit>  (then collect, autograde, export)")
    return OK


def _release(args, course, console) -> int:
    from graders.release import release

    shipped = release(course, args.out)
    console.print(f"Wrote the learners' copy to {args.out}: {', '.join(shipped)}")
    console.print("It has no solutions/ and no instructor.toml; `course check` works there, `course verify` does not.")
    return OK


COMMANDS = {
    "list": _list,
    "check": _check,
    "watch": _watch,
    "reset": _reset,
    "hint": _hint,
    "plot": _plot,
    "verify": _verify,
    "grade": _grade,
    "export": _export,
    "similarity": _similarity,
    "gradescope": _gradescope,
    "notebooks": _notebooks,
    "release": _release,
    "override": _override,
    "history": _history,
}

"""The `course` command line: list, check, watch, reset, hint, plot, verify, grade, and the
instructors' export, similarity, gradescope, notebooks and release. graders.commands does the work.

Exit codes: 0 = ran and (for check/verify) everything passed; 1 = something checked did not
pass, or `grade --fail-under` was not met; 2 = a usage error (bad arguments, no course here,
no such folder, no such device).

Only the standard library is imported before the command is known: a command that runs
learner code starts its worker (an interpreter loading NumPy) first, and NumPy, the engine
and (for output meant for people) rich load here meanwhile.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from graders import i18n
from graders.devices import DEVICE_CHOICES
from graders.errors import UserError
from graders.executors import EXECUTORS
from graders.sandbox import backends

if TYPE_CHECKING:
    from graders.course import Course

USAGE = 2
FORMATS = ("table", "json", "junit", "gradescope", "classroom")
RUN_LEARNER_CODE = ("check", "list", "grade", "verify", "watch", "plot")
# `course watch`'s keys and what each does: graders.watch acts on these, --help lists them
WATCH_KEYS = {
    "h": ("hint", "the hints of the exercise on screen"),
    "l": ("list", "every unit's exercises with their status"),
    "n": ("next", "skip to the next exercise not passed yet"),
    "s": ("solution", "the reference solution of the exercise just passed, to read (your file stays as it is)"),
    "q": ("quit", "stop watching (Ctrl-C too)"),
}


def main(argv: list[str] | None = None) -> int:
    # This process's NumPy only compares answers: starting OpenBLAS's thread pool would cost a
    # check more CPU than its grading, on the cores the worker needs. Workers set their own.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        args = _parser().parse_args(argv)
        args.argv = sys.argv[1:] if argv is None else list(argv)  # as typed: what a resume line repeats
        i18n.set_language(args.lang or i18n.default_language())
        if args.command in RUN_LEARNER_CODE or (args.command == "hint" and args.target is None):
            backends.current().warm()  # a worker loads NumPy while the engine loads here
        if args.command == "doctor":
            return _doctor(args)
        from graders import commands

        return commands.COMMANDS[args.run](args, _course(args), _console(args))
    except UserError as err:
        from rich.console import Console

        Console(stderr=True, highlight=False).print(f"[bold red]error:[/] {err}")
        return USAGE


def _course(args) -> Course:
    from graders import course as course_data  # tomllib and the dataclasses: after the worker starts

    return course_data.load(args.root.resolve() if args.root else course_data.find_root())


def _doctor(args) -> int:
    """What this machine runs the course with; it works where no course folder is found too."""
    from graders import doctor

    try:
        course = _course(args)
    except UserError:
        course = None
    for what, how in doctor.facts(course):
        print(f"{what + ':':<17} {how}")
    return 0


class _Version(argparse.Action):
    """--version: the course's version and its sandbox backend, looked up only when asked."""

    def __call__(self, parser, namespace, values, option_string=None):
        from graders import doctor

        print(doctor.version())
        parser.exit()


class _SecretOnTheCommandLine(argparse.Action):
    """--hidden-seed SECRET, refused without repeating it: every user of the machine can read a
    command line (ps, /proc/PID/cmdline)."""

    def __call__(self, parser, namespace, values, option_string=None):
        parser.error(
            "--hidden-seed is refused: every user of this machine can read a command line, and so the "
            "secret (choose a new one if others use it). Put it in a file only you can read and give "
            "--hidden-seed-file FILE (- reads it from stdin), or set $COURSE_HIDDEN_SEED"
        )


def _jobs(text: str) -> int:
    try:
        jobs = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"{jobs}: grade at least 1 submission at a time")
    return jobs


def _percent(text: str) -> float:
    try:
        percent = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= percent <= 100:  # NaN too
        raise argparse.ArgumentTypeError(f"{text} is not a percentage: give one from 0 to 100")
    return percent


def _console(args):
    """rich's console for the command's output; None where it prints only machine-readable text
    (`course grade --format json`, say), which then never loads rich (25 ms)."""
    if args.run == "grade" and args.format != "table":
        return None
    from rich.console import Console

    return Console(highlight=False)


def run() -> None:
    """The `course` command: main(), then leave at once. What it wrote is flushed and its files
    closed by then; the interpreter's own teardown, tens of milliseconds with NumPy and rich
    loaded, would only make the learner wait. What the sandbox started ahead of need is ended
    first, and waited for: no process of the grader's outlives it."""
    _utf8_output()
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    backends.stop()
    os._exit(code)


def _utf8_output() -> None:
    """Output to a file or a pipe in UTF-8, whatever the locale's code page: Windows would use
    cp1252 or cp949 there, and a Korean hint, or JSON read by CI, would fail to encode or come
    out garbled. A console takes Unicode as it is."""
    for stream in (sys.stdout, sys.stderr):
        if stream is not None and not stream.isatty() and stream.encoding.replace("-", "").lower() != "utf8":
            stream.reconfigure(encoding="utf-8")


def _parser() -> argparse.ArgumentParser:
    keys = "keys in `course watch`:\n" + "\n".join(
        f"  {key}  {action:<9} {what}" for key, (action, what) in WATCH_KEYS.items()
    )
    parser = argparse.ArgumentParser(
        prog="course",
        epilog=keys,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Auto-graded deep-learning exercises (NumPy, checked against PyTorch).",
    )
    parser.add_argument(
        "--root", type=Path, help="the course folder (default: the nearest folder above with course.toml)"
    )
    parser.add_argument(
        "--lang",
        choices=i18n.LANGUAGES,
        help="the language of titles, hints and messages (default: ko where the locale is Korean, else en)",
    )
    parser.add_argument(
        "--version", action=_Version, nargs=0, help="the course's version, and which sandbox backend runs here and why"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser(
        "doctor", help="what this machine runs the course with: Python, sandbox backend, torch build"
    )
    p.set_defaults(run="doctor")

    def device_option(p, cache: bool = True):
        p.add_argument(
            "--device",
            choices=DEVICE_CHOICES,
            default="auto",
            help="where the PyTorch references run (auto = every available device)",
        )
        if cache:
            p.add_argument(
                "--no-cache",
                dest="use_cache",
                action="store_false",
                help="compute the references live instead of reading them from the on-disk cache",
            )

    def hidden_seed_option(p, what: str):
        p.add_argument(
            "--hidden-seed-file",
            metavar="FILE",
            help=f"{what} from the secret on this file's first line (- reads it from stdin; default: "
            f"$COURSE_HIDDEN_SEED, or instructor.toml)",
        )
        p.add_argument("--hidden-seed", action=_SecretOnTheCommandLine, help=argparse.SUPPRESS)

    p = commands.add_parser("list", help="units and exercises with your status and progress")
    device_option(p)
    p.set_defaults(run="list")

    p = commands.add_parser("check", help="grade your exercises/ (all, one unit, or one exercise), or a notebook")
    p.add_argument(
        "target",
        nargs="?",
        help="a unit (activations) or its file (exercises/activations.py), an exercise id "
        "(activations.sigmoid), or a notebook (activations.ipynb)",
    )
    device_option(p)
    p.set_defaults(run="check")

    p = commands.add_parser(
        "watch",
        help="re-check each time you save a file in exercises/ (keys: "
        + ", ".join(f"{key} {action}" for key, (action, _) in WATCH_KEYS.items())
        + ")",
        description="Re-check each time you save a file in exercises/, and show the first "
        "exercise of that file not passed yet, with its message.",
        epilog=keys,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    device_option(p)
    p.set_defaults(run="watch")

    p = commands.add_parser(
        "reset", help="put back one exercise's stub (or a unit's whole file); yours is kept as a backup"
    )
    p.add_argument("target", help="an exercise id (activations.sigmoid) or a unit (activations)")
    p.set_defaults(run="reset")

    p = commands.add_parser(
        "hint",
        help="an exercise's hints, a unit's first hints, or (no argument) the hints of the "
        "first exercise you have not passed",
    )
    p.add_argument(
        "target",
        nargs="?",
        help="an exercise id (activations.sigmoid), or a unit (activations) or its file (exercises/activations.py)",
    )
    device_option(p)
    p.set_defaults(run="hint")

    p = commands.add_parser("plot", help="draw a unit's functions, yours beside the reference, as PNGs")
    p.add_argument("unit", help="a unit, e.g. activations")
    p.add_argument(
        "--out", type=Path, default=Path("plots"), metavar="DIR", help="the folder for the PNGs (default: plots)"
    )
    device_option(p, cache=False)
    p.set_defaults(run="plot")

    p = commands.add_parser("verify", help="instructors: every solution passes, every stub fails (live references)")
    device_option(p, cache=False)
    p.set_defaults(run="verify")

    p = commands.add_parser("grade", help="grade submissions: folders of unit modules, .zip files, .ipynb notebooks")
    p.add_argument("submissions", nargs="+", type=Path, metavar="SUBMISSION")
    p.add_argument(
        "--jobs", type=_jobs, default=os.cpu_count() or 1, help="submissions graded at once (default: the cores)"
    )
    p.add_argument(
        "--gradebook",
        type=Path,
        metavar="PATH",
        help="record each result in this SQLite file as it is done; a re-run skips what it holds",
    )
    p.add_argument("--regrade", action="store_true", help="grade again what the gradebook already holds")
    p.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help="table; json (the records); junit (XML for CI test reports); gradescope (results.json); "
        "classroom (GitHub Classroom: the Points notice, $GITHUB_OUTPUT's result, a job summary)",
    )
    p.add_argument("--out", type=Path, help="write the report to this file instead of the terminal")
    p.add_argument(
        "--fail-under",
        type=_percent,
        metavar="PCT",
        help="exit 1 when a submission scores under PCT percent (0 to 100); stderr says which, by how much",
    )
    p.add_argument(
        "--details",
        action="store_true",
        help="with more than one submission, each one's table of exercises too, not only its line",
    )
    p.add_argument(
        "--allow-weak-sandbox",
        action="store_true",
        help="grade even where the kernel layer (seccomp and Landlock) is incomplete; each record says so "
        "(gradescope and classroom never refuse: they grade with the strongest sandbox there is)",
    )
    p.add_argument(
        "--executor",
        choices=EXECUTORS,
        default="local",
        help="local: this machine, --jobs at once; dask: tasks on a Dask cluster (a LocalCluster of --jobs "
        "worker processes, or the running scheduler at --scheduler)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (with --executor dask)",
    )
    p.add_argument(
        "--only",
        metavar="TARGET",
        help="grade one unit (activations) or one exercise (activations.sigmoid), e.g. a unit's notebooks; "
        "a gradebook keeps the learner's other records",
    )
    p.add_argument(
        "--submitted-at",
        metavar="TIME|CSV",
        help="when it was handed in (ISO 8601, e.g. 2026-12-10T23:30+09:00), or a CSV of learner,submitted_at "
        "for a class; else git's last commit, or a zip's newest entry. With [deadlines] in "
        "instructor.toml, it sets the late penalty",
    )
    p.add_argument(
        "--submission-metadata",
        type=Path,
        metavar="JSON",
        help="Gradescope's submission_metadata.json: its created_at is the submission time, and its due "
        "date the course's where instructor.toml gives none",
    )
    hidden_seed_option(p, "add hidden cases drawn")
    device_option(p)
    p.set_defaults(run="grade")

    p = commands.add_parser(
        "override",
        help="instructors: set a learner's score of an exercise by hand, with why; exports use it, a regrade keeps it",
    )
    p.add_argument("learner", help="the learner, as the gradebook names them")
    p.add_argument("exercise", help="an exercise id, e.g. activations.sigmoid")
    p.add_argument("--score", type=float, metavar="N", help="the points to give (0 to what the exercise is worth)")
    p.add_argument("--remove", action="store_true", help="take the standing override back: the graded score counts")
    p.add_argument("--reason", required=True, help="why, for the learner's history")
    p.add_argument("--by", help="who set it (default: your user name)")
    p.add_argument("--gradebook", type=Path, required=True, metavar="PATH")
    p.set_defaults(run="override")

    p = commands.add_parser(
        "history", help="instructors: every grading and override of one learner, and where they stand"
    )
    p.add_argument("learner", help="the learner, as the gradebook names them")
    p.add_argument("--gradebook", type=Path, required=True, metavar="PATH")
    p.set_defaults(run="history")

    p = commands.add_parser("export", help="instructors: the gradebook as CSV, per-learner reports, or a class summary")
    p.add_argument("--gradebook", type=Path, required=True, metavar="PATH")
    p.add_argument(
        "--format",
        choices=("csv", "markdown", "html", "summary", "canvas", "moodle"),
        default="csv",
        help="csv: a row per learner; markdown/html: a feedback report per learner; summary: the class, as HTML; "
        "canvas/moodle: the LMS's grade import CSV (with --roster)",
    )
    p.add_argument("--learner", help="only this learner (markdown/html)")
    p.add_argument(
        "--out", type=Path, help="a file (csv, summary, canvas, moodle), or a folder for one report per learner"
    )
    p.add_argument(
        "--roster",
        type=Path,
        metavar="CSV",
        help="canvas/moodle: each learner's LMS identity (columns learner,name,lms_id,sis_id,login,email,section)",
    )
    p.add_argument(
        "--per-unit", action="store_true", help="canvas/moodle: a grade column per unit, not one for the total"
    )
    p.add_argument(
        "--moodle-id",
        choices=("email", "login", "sis_id"),
        default="email",
        help="moodle: the roster column that identifies learners to Moodle (default: email)",
    )
    p.set_defaults(run="export")

    p = commands.add_parser(
        "similarity", help="instructors: pairs of submissions with alike code, per unit, as an HTML report"
    )
    p.add_argument("submissions", nargs="+", type=Path, metavar="SUBMISSION")
    p.add_argument(
        "--out",
        type=Path,
        default=Path("similarity.html"),
        metavar="HTML",
        help="the report, one self-contained page (default: similarity.html)",
    )
    p.add_argument(
        "--threshold",
        type=_percent,
        default=50,
        metavar="PCT",
        help="show the matching passages of the pairs at or over PCT percent similar (default: 50)",
    )
    p.set_defaults(run="similarity")

    p = commands.add_parser("gradescope", help="instructors: build the Gradescope autograder zip")
    p.add_argument("--out", type=Path, default=Path("autograder.zip"), metavar="ZIP")
    p.set_defaults(run="gradescope")

    p = commands.add_parser("notebooks", help="instructors: the course as an nbgrader course directory")
    p.add_argument("--out", type=Path, default=Path("nbgrader"), metavar="DIR")
    hidden_seed_option(p, "add hidden tests, each with its exercise's key derived")
    p.add_argument(
        "--install-from",
        metavar="URL",
        help="where each notebook's install cell gets the course, in a kernel without it (Colab): "
        "git+https://github.com/you/course or a wheel's URL",
    )
    p.set_defaults(run="notebooks")

    p = commands.add_parser("release", help="instructors: write the learners' copy (no solutions, no secrets)")
    p.add_argument("out", type=Path, metavar="DIR")
    p.set_defaults(run="release")
    return parser


if __name__ == "__main__":
    run()

"""The speed benchmark: `python bench/run.py [--quick]` prints a table and writes bench/RESULTS.md.

All measurements are taken in this one run, on generated submissions (mostly correct, some
with a realistic wrong answer from tests/wrong), through the installed `course` command:
  1. batch: 200 full-course submissions with --jobs 2 (wall, per submission);
  2. against nbgrader: the same answers as activations notebooks, N = 10, graded by real
     `nbgrader autograde` (once: ~40 s) and by `course grade` (median of 3), per-submission ratio;
  3. learner: `course check activations` cold (--no-cache) and warm, median of 5, beside the
     floor (`python -c "import numpy"`: the interpreter and NumPy), alternating with the warm one;
  4. scaling: batches of 25, 50, 100, 200: time per submission;
  5. memory: peak RSS of the parent and of one worker;
  6. executors: the batch of 1. on a Dask LocalCluster of 2 worker processes, beside local;
  7. backends: the fork and the spawn sandbox side by side (COURSE_SANDBOX), in this same run:
     the warm check of 3., the batch of 1., and `course watch`'s re-check after a save (from the
     file's write to the new progress line on a pseudo-terminal, median of 5 saves).
  8. kernel layer: the batch of 1. with the kernel layer (seccomp-bpf + Landlock) and without it
     (bench/kernel_layer_off.py denies its system calls, as a container may; --allow-weak-sandbox),
     alternating, median of 3 each, in this same run.
  9. per-learner hidden cases: the batch of 1. without a hidden seed, and with one: first when
     each learner's hidden references are computed (a new seed), then when the cache holds them
     (a regrade), alternating, median of 3 each, in this same run.
"""

from __future__ import annotations

import argparse
import compileall
import datetime
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
COURSE = BIN / "course"


def sh(*args, cwd=ROOT, env=None) -> float:
    started = time.perf_counter()
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, encoding="utf-8")
    if done.returncode not in (0, 1):
        raise SystemExit(f"{args[0]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return time.perf_counter() - started


def make_class(where: Path, n: int, seed: int = 0) -> list[Path]:
    """n submissions: three in four correct, the rest with one realistic wrong answer."""
    from tests.test_units import WRONG

    rng = random.Random(seed)
    folders = []
    for i in range(n):
        folder = where / f"learner{i:03d}"
        shutil.copytree(ROOT / "solutions", folder, ignore=shutil.ignore_patterns("__pycache__"))
        if rng.random() < 0.25:
            exercise, source, _ = rng.choice(WRONG)
            with open(folder / f"{exercise.split('.')[0]}.py", "a", encoding="utf-8") as module:
                module.write("\n\n" + source + "\n")
        folders.append(folder)
    return folders


def batch(
    folders: list[Path], env: dict, jobs: int = 2, executor: str = "local", *extra, kernel_layer: bool = True
) -> float:
    without = () if kernel_layer else (sys.executable, ROOT / "bench" / "kernel_layer_off.py")
    weak = () if kernel_layer else ("--allow-weak-sandbox",)
    return sh(
        *without,
        COURSE,
        "--root",
        ROOT,
        "grade",
        *folders,
        "--jobs",
        jobs,
        "--executor",
        executor,
        "--device",
        "cpu",
        "--format",
        "json",
        *weak,
        *extra,
        env=env,
    )


def hidden_per_learner(where: Path, folders: list[Path], env: dict) -> tuple[float, float, float]:
    """Seconds for the batch without a hidden seed; with one, each learner's hidden references
    computed (a seed new to the cache); with it again, the cache holding them. Alternating, a
    new seed each round, median of 3 each."""
    env = {k: v for k, v in env.items() if k != "COURSE_HIDDEN_SEED"}  # "without" is without
    seed = where / "hidden-seed"
    runs: dict[str, list[float]] = {"without": [], "computed": [], "cached": []}
    for i in range(3):
        seed.write_text(f"the bench's seed {i}\n", encoding="utf-8")
        runs["without"].append(batch(folders, env))
        runs["computed"].append(batch(folders, env, 2, "local", "--hidden-seed-file", seed))
        runs["cached"].append(batch(folders, env, 2, "local", "--hidden-seed-file", seed))
    without, computed, cached = (statistics.median(runs[k]) for k in ("without", "computed", "cached"))
    return without, computed, cached


def learner_checks(
    where: Path, env: dict, repeats: int, unit: str = "activations", measure_cold: bool = True
) -> tuple[float | None, float, float]:
    """Seconds of `course check UNIT` cold (None unless `measure_cold`) and warm, and of the
    floor any check pays: an interpreter importing NumPy, in turn with the warm check (median
    of `repeats` each)."""
    copy = where / f"learner-course-{unit}"
    copy.mkdir(parents=True)
    shutil.copy(ROOT / "course.toml", copy)
    shutil.copytree(ROOT / "exercises", copy / "exercises")
    shutil.copy(ROOT / "solutions" / f"{unit}.py", copy / "exercises")

    def check(*extra):
        return sh(COURSE, "check", unit, "--device", "cpu", *extra, cwd=copy, env=env)

    cold = statistics.median(check("--no-cache") for _ in range(repeats)) if measure_cold else None
    check()  # fills the cache
    runs: dict[str, list[float]] = {"warm": [], "floor": []}
    for _ in range(repeats):
        runs["warm"].append(check())
        runs["floor"].append(sh(sys.executable, "-c", "import numpy", cwd=copy, env=env))
    return cold, statistics.median(runs["warm"]), statistics.median(runs["floor"])


def against_nbgrader(where: Path, env: dict, n: int) -> tuple[float, float, float]:
    """Seconds per submission on the same n notebooks: nbgrader autograde as usually run (each
    kernel computes its torch references), nbgrader with our warm cache, and course grade."""
    from tests.test_nbgrader import with_mistakes

    nb = where / "nbgrader"
    sh(COURSE, "--root", ROOT, "notebooks", "--out", nb, env=env)
    sh(BIN / "nbgrader", "generate_assignment", "activations", "--force", cwd=nb, env=env)
    source = json.loads((nb / "source" / "activations" / "activations.ipynb").read_text(encoding="utf-8"))
    handed_in = where / "notebooks"
    handed_in.mkdir()
    for i in range(n):
        notebook = with_mistakes(source, "activations") if i % 3 == 2 else source
        for target in (
            nb / "submitted" / f"learner{i:02d}" / "activations" / "activations.ipynb",
            handed_in / f"learner{i:02d}.ipynb",
        ):
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(notebook), encoding="utf-8")
    live = sh(BIN / "nbgrader", "autograde", "activations", "--force", cwd=nb, env={**env, "COURSE_CACHE": "off"}) / n
    cached = sh(BIN / "nbgrader", "autograde", "activations", "--force", cwd=nb, env=env) / n

    def grade(jobs):
        return (
            sh(
                COURSE,
                "--root",
                ROOT,
                "grade",
                *sorted(handed_in.glob("*.ipynb")),
                "--only",
                "activations",
                "--jobs",
                jobs,
                "--device",
                "cpu",
                "--format",
                "json",
                env=env,
            )
            / n
        )

    ours = {jobs: statistics.median(grade(jobs) for _ in range(3)) for jobs in (1, os.cpu_count())}  # a second each
    return live, cached, ours


def watch_recheck(where: Path, env: dict, saves: int) -> float:
    """Seconds from a save to `course watch`'s new progress line, median of `saves`."""
    from tests.test_watch import Screen

    copy = where / f"watch-course-{env.get('COURSE_SANDBOX', '')}"
    copy.mkdir()
    shutil.copy(ROOT / "course.toml", copy)
    shutil.copytree(ROOT / "exercises", copy / "exercises")
    module = copy / "exercises" / "tensors.py"
    stub = module.read_text(encoding="utf-8")
    solved = (ROOT / "solutions" / "tensors.py").read_text(encoding="utf-8")
    screen = Screen([str(COURSE), "--lang", "en", "watch", "--device", "cpu"], copy, env.get("COURSE_SANDBOX", ""))
    took = []
    try:
        screen.wait_for(r"Keys: h hint", 180)
        for i in range(saves):
            mark = len(screen.text)
            module.write_text(solved if i % 2 == 0 else stub, encoding="utf-8")
            took.append(screen.wait_for(r"Progress: (6|0)/40 exercises", 10, since=mark))
            screen.wait_for(r"Keys: h hint", 10, since=mark)
    finally:
        screen.close()
    return statistics.median(took)


def memory(folders: list[Path]) -> tuple[float, float]:
    """Peak RSS in MB of this process grading (the parent) and of a submission's worker (the
    process that forks the exercises' children)."""
    import resource

    from graders.batch import grade_many
    from graders.course import load
    from graders.engine import prepare
    from graders.sandbox.handle import Sandbox

    course = load(ROOT)
    prepared = prepare(course.exercises, ["cpu"])
    grade_many(course, folders, prepared, jobs=2)
    parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with Sandbox(folders[0], course.limits) as sandbox:
        from graders.engine import grade

        grade(prepared, sandbox, "one")
        status = Path(f"/proc/{sandbox.pid}/status").read_text(encoding="utf-8")
    worker = int(next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1]) / 1024
    return parent, worker


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    import importlib.metadata

    return (
        f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}, "
        f"torch {importlib.metadata.version('torch')}, numpy {importlib.metadata.version('numpy')}"
    )


def main() -> None:
    from graders.course import load

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS.md")
    args = parser.parse_args()
    sizes = (5, 10) if args.quick else (25, 50, 100, 200)
    repeats, notebooks = (2, 3) if args.quick else (5, 10)
    rows = []
    # A user's pip install byte-compiles the package; an editable checkout holds bytecode only for
    # what has run, and none at all under PYTHONDONTWRITEBYTECODE: without this, every command
    # timed here would compile the grader's modules first, which no user's does.
    compileall.compile_dir(ROOT / "graders", quiet=1)
    with tempfile.TemporaryDirectory(prefix="course-bench-") as tmp:
        where = Path(tmp)
        env = {
            **os.environ,
            "COURSE_CACHE_DIR": str(where / "cache"),
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        }  # nbgrader runs alembic by name
        folders = make_class(where / "class", max(sizes))
        batch(folders[:2], env)  # the references, once, into the cache: every batch below reads them
        times = {n: batch(folders[:n], env) for n in sizes}
        big = max(sizes)
        rows.append(
            (
                "1. batch",
                f"{big} full-course submissions, --jobs 2",
                f"{times[big]:.1f} s wall, {times[big] / big:.3f} s per submission",
            )
        )
        live, cached, ours = against_nbgrader(where, env, notebooks)
        serial, default = ours[1], ours[os.cpu_count()]
        full = times[big] / big
        units = len(load(ROOT).units)
        rows.append(
            (
                "2. vs nbgrader",
                (
                    f"{notebooks} activations notebooks, per submission: nbgrader autograde (serial by design, one "
                    f"run) against course grade (median of 3) serial (--jobs 1) and as shipped (--jobs "
                    f"{os.cpu_count()}, the cores)"
                ),
                (
                    f"nbgrader {live:.2f} s (torch in each kernel; {cached:.2f} s with our warm cache); course grade "
                    f"{serial:.3f} s serial: {live / serial:.0f}× faster, {default:.3f} s as shipped: "
                    f"{live / default:.0f}× faster ({cached / serial:.0f}× and {cached / default:.0f}× against the "
                    f"cached); a whole course's submission in the batch of 1. ({full:.3f} s, every unit) against one "
                    f"activations notebook under nbgrader: {live / full:.0f}× faster ({cached / full:.0f}× against "
                    f"the cached); against the same course under nbgrader ({units} unit notebooks, each at the "
                    f"activations notebook's cost): {units * live / full:.0f}× faster"
                ),
            )
        )
        cold, warm, floor = learner_checks(where, env, repeats)
        _, gates, gates_floor = learner_checks(where, env, repeats, "perceptron", measure_cold=False)
        rows.append(
            (
                "3. learner",
                (
                    f'`course check activations`, median of {repeats}; the floor, `python -c "import numpy"`, '
                    "in turn with the warm check; then the same for `course check perceptron`, whose gate weights "
                    "are judged, not compared"
                ),
                (
                    f"cold (--no-cache) {cold:.2f} s, warm {warm:.2f} s; floor {floor:.2f} s: warm is "
                    f"{warm / floor:.2f}× the floor; perceptron warm {gates:.2f} s, {gates / gates_floor:.2f}× its "
                    "floor"
                ),
            )
        )
        rows.append(("4. scaling", "per submission, --jobs 2", ", ".join(f"{n}: {times[n] / n:.3f} s" for n in sizes)))
        parent, worker = memory(folders[: min(25, big)])
        rows.append(("5. memory", "peak RSS", f"parent {parent:.0f} MB, worker {worker:.0f} MB"))
        on_dask = batch(folders[:big], env, executor="dask")
        rows.append(
            (
                "6. executors",
                f"{big} full-course submissions, 2 workers: local vs Dask LocalCluster (its start included)",
                f"local {big / times[big]:.1f}, dask {big / on_dask:.1f} submissions/s ({on_dask:.1f} s wall)",
            )
        )
        by_backend = {}
        for backend in ("fork", "spawn"):
            forced = {**env, "COURSE_SANDBOX": backend}
            checked = learner_checks(where / backend, forced, repeats, measure_cold=False)[1]
            by_backend[backend] = (checked, batch(folders[:big], forced), watch_recheck(where, forced, repeats))
        (warm_f, batch_f, watch_f), (warm_s, batch_s, watch_s) = by_backend["fork"], by_backend["spawn"]
        rows.append(
            (
                "7. backends",
                f"fork against spawn: warm `course check activations` (median of {repeats}); "
                f"{big} submissions, --jobs 2; `course watch` re-check after a save (median of {repeats})",
                f"warm check fork {warm_f:.2f} s, spawn {warm_s:.2f} s ({warm_s / warm_f:.2f}×); batch fork "
                f"{batch_f:.1f} s, spawn {batch_s:.1f} s ({batch_s / batch_f:.2f}×); watch fork {watch_f:.3f} s, "
                f"spawn {watch_s:.3f} s",
            )
        )
        layered = {True: [], False: []}
        for _ in range(3):
            for kernel_layer in (True, False):
                layered[kernel_layer].append(batch(folders[:big], env, kernel_layer=kernel_layer))
        with_layer, without_layer = statistics.median(layered[True]), statistics.median(layered[False])
        rows.append(
            (
                "8. kernel layer",
                (
                    f"{big} full-course submissions, --jobs 2, with the kernel layer and without "
                    "it (its calls denied), alternating, median of 3 each"
                ),
                f"with {with_layer:.1f} s, without {without_layer:.1f} s ({with_layer / without_layer:.2f}×)",
            )
        )
        without, computed, cached = hidden_per_learner(where, folders[:big], env)
        rows.append(
            (
                "9. per-learner hidden cases",
                (
                    f"{big} full-course submissions, --jobs 2, without a hidden seed "
                    "and with one (each learner's hidden references computed, then "
                    "cached: a regrade), alternating, median of 3 each"
                ),
                (
                    f"without {without:.1f} s, with {computed:.1f} s ({computed / without:.2f}×), cached "
                    f"{cached:.1f} s ({cached / without:.2f}×)"
                ),
            )
        )
        targets = [  # issue 18's, each a ratio measured in this run
            (
                "a full-course submission against the same course under nbgrader (2.)",
                f"{units * live / full:.0f}×",
                "≥ 300× faster",
            ),
            (
                'warm `course check activations` against `python -c "import numpy"` (3.)',
                f"{warm / floor:.2f}×",
                "≤ 1.5×",
            ),
            ("`course watch` re-check after a save, fork (7.)", f"{watch_f:.3f} s", "≤ 0.1 s"),
            (
                "the kernel layer's cost on the batch (8.)",
                f"{with_layer / without_layer:.2f}×",
                "no regression (1.06×)",
            ),
            ("a worker's peak RSS (5.)", f"{worker:.0f} MB", "unchanged or lower (25 MB)"),
        ]
    table = "\n".join(["| measure | what | result |", "|---|---|---|", *(f"| {a} | {b} | {c} |" for a, b, c in rows)])
    goals = "\n".join(
        ["| target | this run | goal |", "|---|---|---|", *(f"| {a} | {b} | {c} |" for a, b, c in targets)]
    )
    text = (
        f"# Benchmark results\n\n{datetime.date.today().isoformat()} on {machine()}.\n"
        f"Produced by `python bench/run.py{' --quick' if args.quick else ''}` in one run.\n\n{table}\n\n"
        f"## Speed targets\n\n{goals}\n"
    )
    print(text)
    args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()

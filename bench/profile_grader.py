"""Where the grader's own time goes in a batch: `python bench/profile_grader.py [N] [--jobs J]`.

Grades N copies of the solutions (default 50) with `course grade`, as bench/run.py's row 1
does, under cProfile: the main thread and every grading thread, whose time cProfile alone would
not see (each submission is graded on a thread of its own). Prints the functions with the most
own time, and the parent's CPU time per submission. The worker's side (learner code, forks)
is not in it: `py-spy record --subprocesses -- course grade ...` shows both.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import sys
import tempfile
import threading
import time
from contextlib import redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    from graders import batch, cli

    profiles, lock = [], threading.Lock()
    grade_one = batch.grade_one

    def profiled(*a, **k):  # each submission's grading, on whichever thread grades it
        profile = cProfile.Profile()
        try:
            return profile.runcall(grade_one, *a, **k)
        finally:
            with lock:
                profiles.append(profile)

    batch.grade_one = profiled
    with tempfile.TemporaryDirectory(prefix="course-profile-") as tmp:
        folders = [
            shutil.copytree(
                ROOT / "solutions", Path(tmp) / f"learner{i:03d}", ignore=shutil.ignore_patterns("__pycache__")
            )
            for i in range(args.n)
        ]
        command = [
            "--root",
            str(ROOT),
            "grade",
            *map(str, folders),
            "--jobs",
            str(args.jobs),
            "--device",
            "cpu",
            "--format",
            "json",
        ]
        main_thread = cProfile.Profile()
        wall, cpu = time.perf_counter(), time.process_time()
        with redirect_stdout(io.StringIO()):
            main_thread.runcall(cli.main, command)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    stats = pstats.Stats(main_thread)
    for profile in profiles:
        stats.add(profile)
    print(
        f"{args.n} submissions, --jobs {args.jobs}: {wall:.1f} s wall; the parent's CPU {cpu:.2f} s, "
        f"{cpu / args.n * 1000:.0f} ms per submission"
    )
    stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()

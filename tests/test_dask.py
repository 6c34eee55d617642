"""Grading on Dask: the same records as on one machine, a killed worker costs nothing, and a
scheduler started as separate processes is reached by its address."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from distributed import Client, LocalCluster

from tests.helpers import ROOT, course_argv, run_course
from tests.test_class import make_class, rows, solution_folder

BIN = Path(sys.executable).parent


def grade(*args) -> subprocess.CompletedProcess:
    return run_course("grade", *args, "--device", "cpu", root=ROOT, timeout=900)


def records(stdout: str) -> list[dict]:
    """The JSON records without what may differ from run to run: the time each case took."""
    submissions = json.loads(stdout)
    for submission in submissions:
        for exercise in submission["exercises"]:
            exercise.pop("seconds")
    return submissions


@pytest.fixture(scope="module")
def a_class(tmp_path_factory):
    expected = make_class(tmp_path_factory.mktemp("class"))
    return expected


def on_dask(a_class, scheduler: str, gradebook: Path) -> list[str]:
    """`course grade` of the class on the Dask scheduler at `scheduler`, into `gradebook`."""
    return course_argv(
        "grade",
        *a_class,
        *("--executor", "dask", "--scheduler", scheduler, "--gradebook", gradebook),
        *("--device", "cpu", "--format", "json"),
        root=ROOT,
    )


def test_dask_grades_the_class_exactly_as_local_does(a_class):
    assert len(a_class) >= 40
    local = grade(*a_class, "--executor", "local", "--jobs", "2", "--format", "json")
    dask = grade(*a_class, "--executor", "dask", "--jobs", "2", "--format", "json")
    assert local.returncode == 0, local.stderr
    assert dask.returncode == 0, dask.stderr
    assert records(dask.stdout) == records(local.stdout)
    scores = {r["submission"]: r["score"] for r in records(dask.stdout)}
    assert scores == {(p.name if p.is_dir() else p.stem): score for p, score in a_class.items()}


def test_a_dask_worker_killed_mid_batch_costs_nothing(a_class, tmp_path):
    gradebook = tmp_path / "gradebook.sqlite"
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        batch = subprocess.Popen(
            on_dask(a_class, cluster.scheduler_address, gradebook),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            encoding="utf-8",
        )
        deadline = time.monotonic() + 300
        while len(rows(gradebook)) < 5 and time.monotonic() < deadline and batch.poll() is None:
            time.sleep(0.05)
        killed_at = len(rows(gradebook))
        victim = next(iter(client.run(os.getpid).values()))
        os.kill(victim, signal.SIGKILL)  # a worker process, in the middle of its submissions
        out, err = batch.communicate(timeout=600)
    assert batch.returncode == 0, err
    assert 5 <= killed_at < len(a_class)
    with sqlite3.connect(gradebook) as db:
        learners = [learner for (learner,) in db.execute("SELECT learner FROM submissions")]
        per_learner = dict(db.execute("SELECT learner, COUNT(*) FROM results GROUP BY learner"))
    assert sorted(learners) == sorted(set(learners)) and len(learners) == len(a_class)
    assert set(per_learner.values()) == {40}
    assert dict(rows(gradebook)) == {(p.name if p.is_dir() else p.stem): score for p, score in a_class.items()}
    assert len(json.loads(out)) == len(a_class)


def test_killing_the_client_midway_loses_nothing_and_a_rerun_resumes(a_class, tmp_path):
    gradebook = tmp_path / "gradebook.sqlite"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        command = on_dask(a_class, cluster.scheduler_address, gradebook)
        client = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 300
        while len(rows(gradebook)) < 5 and time.monotonic() < deadline and client.poll() is None:
            time.sleep(0.05)
        client.kill()
        client.wait()
        kept = dict(rows(gradebook))
        assert 5 <= len(kept) < len(a_class)
        with sqlite3.connect(gradebook) as db:
            # an unreadable submission (no digest) is read again each time; the others are not
            graded_at = dict(db.execute("SELECT learner, graded_at FROM submissions WHERE digest != ''"))
        time.sleep(1.1)  # graded_at has one-second resolution
        rerun = subprocess.run(command, capture_output=True, encoding="utf-8", timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert dict(rows(gradebook)) == {(p.name if p.is_dir() else p.stem): score for p, score in a_class.items()}
    with sqlite3.connect(gradebook) as db:
        again = dict(db.execute("SELECT learner, graded_at FROM submissions"))
    assert graded_at and all(again[learner] == at for learner, at in graded_at.items())  # not graded again


def test_a_scheduler_and_workers_started_as_processes_are_reached_by_address(tmp_path):
    file = tmp_path / "scheduler.json"
    started = [
        subprocess.Popen(
            [
                str(BIN / "dask"),
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                str(file),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        started.append(
            subprocess.Popen(
                [
                    str(BIN / "dask"),
                    "worker",
                    "--scheduler-file",
                    str(file),
                    "--nworkers",
                    "2",
                    "--nthreads",
                    "1",
                    "--no-dashboard",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        address = json.loads(file.read_text(encoding="utf-8"))["address"]
        assert address.startswith("tcp://127.0.0.1:")
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        folders = [solution_folder(tmp_path, f"learner{i}") for i in range(4)]
        done = grade(*folders, "--executor", "dask", "--scheduler", address, "--format", "json")
        assert done.returncode == 0, done.stderr
        assert [(r["submission"], r["score"]) for r in records(done.stdout)] == [(f.name, 70) for f in folders]
    finally:
        for process in reversed(started):
            process.terminate()
            process.wait(timeout=60)


def test_scheduler_without_dask_executor_is_a_usage_error(tmp_path):
    done = grade(solution_folder(tmp_path, "ada"), "--scheduler", "tcp://127.0.0.1:8786")
    assert done.returncode == 2 and "--executor dask" in done.stderr

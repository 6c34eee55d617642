"""A notebook run as on Colab: a fresh kernel that has torch and NumPy but not the course.

The notebook's first cell must install the grader from the address the instructor gave
(`course notebooks --install-from`, here a wheel built from this checkout, as a file URL), keep
the kernel's own torch, and let every test cell after it run. The kernel is a fresh virtual
environment whose Python sees this environment's packages (torch, NumPy, ipykernel), through a
folder of links that leaves the course out, and is driven by nbclient, as Jupyter drives it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from tests.conftest import ROOT
from tests.helpers import run_course

THE_COURSE = ("graders", "dl_basics_course", "__editable__")  # what the fresh kernel must not see


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("dl_basics_course-*.whl")
    return built


@pytest.fixture(scope="module")
def colab_kernel(tmp_path_factory) -> tuple[str, Path]:
    """A kernel spec for a fresh venv that has this environment's packages, less the course."""
    where = tmp_path_factory.mktemp("colab")
    venv = where / "venv"
    subprocess.run([sys._base_executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    ours = Path(sysconfig.get_paths()["purelib"])
    shared = where / "shared-packages"
    shared.mkdir()
    for entry in ours.iterdir():
        if not entry.name.startswith(THE_COURSE) and entry.suffix != ".pth":
            (shared / entry.name).symlink_to(entry)
    theirs = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            encoding="utf-8",
        ).stdout.strip()
    )
    (theirs / "colab-like-packages.pth").write_text(f"{shared}\n", encoding="utf-8")
    spec = where / "jupyter" / "kernels" / "colab-like"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Colab-like",
                "language": "python",
            }
        ),
        encoding="utf-8",
    )
    return str(where / "jupyter"), theirs


def run_notebook(path: Path, jupyter_path: str, cwd: Path, monkeypatch) -> nbformat.NotebookNode:
    notebook = nbformat.read(path, as_version=4)
    monkeypatch.setenv("JUPYTER_PATH", jupyter_path)
    NotebookClient(
        notebook, kernel_name="colab-like", timeout=600, resources={"metadata": {"path": str(cwd)}}
    ).execute()
    return notebook


def outputs(cell) -> str:
    return "".join(out.get("text", "") for out in cell.outputs if out.get("output_type") == "stream")


def test_without_an_install_source_the_cell_says_what_to_do(colab_kernel, tmp_path, monkeypatch):
    """(Before the test that installs the course into this kernel.)"""
    jupyter_path, _ = colab_kernel
    made = run_course("notebooks", "--out", tmp_path / "nb", root=ROOT)
    assert made.returncode == 0, made.stderr
    path = tmp_path / "nb" / "source" / "tensors" / "tensors.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.cells = notebook.cells[:1]
    nbformat.write(notebook, path)
    assert not (colab_kernel[1] / "graders").exists()  # this test runs before the one that installs it
    with pytest.raises(CellExecutionError, match="ask your instructor"):
        run_notebook(path, jupyter_path, tmp_path, monkeypatch)


def test_the_install_cell_brings_the_grader_and_keeps_the_kernels_torch(wheel, colab_kernel, tmp_path, monkeypatch):
    jupyter_path, site_packages = colab_kernel
    built = run_course("notebooks", "--out", tmp_path / "nb", "--install-from", wheel.as_uri(), root=ROOT)
    assert built.returncode == 0, built.stderr
    work = tmp_path / "learner"
    work.mkdir()
    notebook = run_notebook(
        tmp_path / "nb" / "source" / "activations" / "activations.ipynb", jupyter_path, work, monkeypatch
    )

    install, *rest = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert "The grader is ready." in outputs(install)
    assert (site_packages / "graders" / "notebook.py").is_file()  # installed into the kernel's own environment
    assert not (site_packages / "torch").exists()  # the kernel's torch was kept, not installed again
    passed = [line for cell in rest for line in outputs(cell).splitlines() if line.startswith("✓ ")]
    assert len(passed) == 10 and all(line.endswith(" passed") for line in passed), passed

    again = run_notebook(
        tmp_path / "nb" / "source" / "activations" / "activations.ipynb", jupyter_path, work, monkeypatch
    )
    assert outputs(again.cells[0]) == "The grader is ready. 채점기가 준비되었습니다.\n"  # installed: nothing to do

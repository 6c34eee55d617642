"""The README's install commands, the project's own CI workflow and .ci/run say the same thing,
and every one of them installs the torch build pyproject.toml names, never an unpinned one.

We cannot run macOS or Windows here, so the workflow must be right by construction: it is
linted with actionlint, and its quick-start steps are the README's blocks, verbatim.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.version import Version

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
WORKFLOW_FILE = ROOT / ".github" / "workflows" / "ci.yml"
WORKFLOW = yaml.safe_load(WORKFLOW_FILE.read_text(encoding="utf-8"))
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
BUILD = PYPROJECT["tool"]["dl-course"]["torch"]
CPU_INDEX = "--index-url https://download.pytorch.org/whl/cpu"
PLATFORMS = {"Linux": "bash", "macOS": "bash", "Windows": "powershell"}


def readme_block(platform: str) -> str:
    """The one-line block under the README's **Linux** / **macOS** / **Windows** heading."""
    language = PLATFORMS[platform]
    found = re.search(rf"^\*\*{platform}\*\*[^\n]*\n\n```{language}\n(.+?)\n```", README, re.MULTILINE | re.DOTALL)
    assert found, f"no {platform} block in the README's quick start"
    return found.group(1)


def test_code_names_exactly_one_torch_build_which_the_dependency_range_admits():
    torch = next(Requirement(d) for d in PYPROJECT["project"]["dependencies"] if d.startswith("torch"))
    assert Version(BUILD) in torch.specifier
    assert not any(spec.operator == "==" for spec in torch.specifier), "a range, so a learner's own torch is kept"
    assert Version("2.3") in torch.specifier and Version("2.2.2") not in torch.specifier


@pytest.mark.parametrize("platform", PLATFORMS)
def test_each_readme_block_is_one_line_that_installs_the_build_then_the_course_then_checks(platform):
    block = readme_block(platform)
    assert "\n" not in block
    index = f" {CPU_INDEX}" if platform == "Linux" else ""  # PyPI's Linux torch is the CUDA build
    scripts = ".venv\\Scripts\\" if platform == "Windows" else ".venv/bin/"
    venv = "py -m venv .venv" if platform == "Windows" else "python3 -m venv .venv"
    steps = re.split(r" && |; ", block)
    assert steps == [
        venv,
        f"{scripts}pip install torch=={BUILD}{index}",
        f"{scripts}pip install -e .",
        f"{scripts}course check",
    ]


def test_the_test_command_installs_the_cpu_build_first_and_is_what_ci_runs():
    command = re.search(r"## Running the tests.*?```bash\n(.+?)\n```", README, re.DOTALL).group(1)
    assert command.startswith(f"python3 -m venv .venv && .venv/bin/pip install torch=={BUILD} {CPU_INDEX} && ")
    # lint is a gate: a finding of ruff's, or a file its formatter would change, fails it
    assert command.endswith(
        " && .venv/bin/ruff check . && .venv/bin/ruff format --check ."
        " && .venv/bin/python -X warn_default_encoding -m pytest"
    )
    assert command in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    (suite,) = [step["run"] for step in WORKFLOW["jobs"]["suite"]["steps"] if "run" in step]
    assert suite == command


def test_no_install_anywhere_takes_an_unpinned_torch():
    """Every pip line that names torch, in every file a user or CI runs, pins the build."""
    texts = {
        "README.md": README,
        ".ci/run": (ROOT / ".ci" / "run").read_text(encoding="utf-8"),
        "ci.yml": WORKFLOW_FILE.read_text(encoding="utf-8"),
        "classroom.yml": (ROOT / "graders" / "templates" / "classroom.yml").read_text(encoding="utf-8"),
    }
    for name, text in texts.items():
        for install in re.findall(r"pip install [^\n;&|`]*torch[^\n;&|`]*", text):
            assert re.search(r"torch==\d", install), (name, install)
            pinned = re.search(r"torch==([\d.]+)", install).group(1)
            assert pinned in (BUILD, "2.3.1"), (name, install)  # 2.3.1: the workflow's oldest-torch job


def test_the_workflow_runs_the_readme_blocks_on_each_platform_and_python():
    learner = WORKFLOW["jobs"]["learner"]
    assert learner["strategy"]["matrix"]["os"] == ["ubuntu-latest", "macos-latest", "windows-latest"]
    pythons = learner["strategy"]["matrix"]["python"]
    assert pythons[0] == PYPROJECT["project"]["requires-python"].removeprefix(">=") and len(pythons) == 2
    steps = {step.get("name"): step for step in learner["steps"]}
    for platform, shell in PLATFORMS.items():
        step = steps[f"Quick start ({platform})"]
        assert step["run"] == readme_block(platform)
        assert step["if"] == f"runner.os == '{platform}'"
        assert step["shell"] == {"bash": "bash", "powershell": "pwsh"}[shell]
    names = list(steps)
    copied = names.index("Solutions copied into exercises/, so that course check passes")
    assert copied < min(names.index(f"Quick start ({p})") for p in PLATFORMS)
    assert any('course" verify' in str(step.get("run", "")) for step in learner["steps"])


def test_actionlint_finds_nothing_in_the_workflows(tmp_path):
    actionlint = shutil.which("actionlint") or str(Path(sys.executable).with_name("actionlint"))
    if not Path(actionlint).exists():
        pytest.fail("actionlint is not installed: pip install -e '.[test]'")
    # the learners' classroom workflow too, as `course release` writes it
    shutil.copy(ROOT / "graders" / "templates" / "classroom.yml", tmp_path / "classroom.yml")
    run = subprocess.run(
        [actionlint, "-no-color", str(WORKFLOW_FILE), str(tmp_path / "classroom.yml")],
        capture_output=True,
        encoding="utf-8",
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_actionlint_would_catch_a_broken_workflow(tmp_path):
    """The check above can fail: a matrix key that does not exist is an error."""
    actionlint = shutil.which("actionlint") or str(Path(sys.executable).with_name("actionlint"))
    broken = tmp_path / "broken.yml"
    broken.write_text(
        WORKFLOW_FILE.read_text(encoding="utf-8").replace("${{ matrix.python }}", "${{ matrix.pyhton }}"),
        encoding="utf-8",
    )
    run = subprocess.run([actionlint, "-no-color", str(broken)], capture_output=True, encoding="utf-8", check=False)
    assert run.returncode == 1 and "pyhton" in run.stdout

"""`course doctor` and `course --version`: what this machine runs the course with, and why.

Standard library only, and nothing is started or imported to find out (torch's build is read
from its version file), so it answers at once, even where the course cannot run yet.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import platform
import re
import sys
from pathlib import Path

from graders import cache
from graders.course import Course, Limits
from graders.sandbox import backends

DISTRIBUTION = "dl-basics-course"


def version() -> str:
    """The course's version and the sandbox backend it picks here, on one line."""
    try:
        number = importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:  # run from a source tree, not installed
        number = "not installed"
    backend = backends.current()
    return f"{DISTRIBUTION} {number} (sandbox: {backend.name}, {backend.why})"


def facts(course: Course | None) -> list[tuple[str, str]]:
    """(what, how it stands here), for `course doctor`."""
    backend = backends.current()
    limits = course.limits if course is not None else Limits()
    return [
        ("course", version().partition(" (")[0]),
        ("python", f"{platform.python_implementation()} {platform.python_version()} ({sys.executable})"),
        ("platform", f"{platform.system()} {platform.release()} ({platform.machine()})"),
        ("sandbox", f"{backend.name}: {backend.why}"),
        ("memory limit", backend.memory_limit(limits.memory_mb)),
        ("kernel layer", kernel_layer()),
        ("time limits", f"{limits.call_seconds:g} s per call, {limits.submission_seconds:g} s per submission"),
        ("torch", torch_build()),
        ("reference cache", str(cache.directory()) if cache.enabled() else "off (COURSE_CACHE=off)"),
        (
            "course folder",
            str(course.root)
            if course is not None
            else "none found from here: run inside your copy of the course, or pass --root",
        ),
        ("text", f"files UTF-8; this terminal {sys.stdout.encoding}"),
    ]


def kernel_layer() -> str:
    """What the kernel refuses to learner code here (graders/sandbox/confine.py), or why nothing."""
    layer = backends.kernel_layer()
    missing = "; ".join(layer["why_not"])
    if not layer["level"]:
        return f"none: {missing} (the audit hook still refuses the usual mistakes)"
    return f"{layer['level']}, with no_new_privs" + (f" ({missing})" if missing else "")


def torch_build() -> str:
    """torch's version and build (CPU, CUDA or ROCm), read from its version.py, not imported (3 s)."""
    spec = importlib.util.find_spec("torch")
    if spec is None or spec.origin is None:
        return "not installed: see the README's quick start for your platform"
    text = (Path(spec.origin).parent / "version.py").read_text(encoding="utf-8")

    def field(name: str) -> str | None:
        found = re.search(rf"^{name}\s*(?::[^=]+)?=\s*['\"]([^'\"]+)['\"]", text, re.MULTILINE)
        return found.group(1) if found else None

    build = (
        f"CUDA {field('cuda')} build"
        if field("cuda")
        else f"ROCm {field('hip')} build"
        if field("hip")
        else "CPU build"
    )
    return f"{field('__version__') or 'unknown version'}, {build}"

"""Which devices the PyTorch references run on: the CPU, and CUDA where there is a GPU.
Standard library only until torch is really needed (it costs ~3 s to import)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from graders.errors import UserError

DEVICE_CHOICES = ("auto", "cpu", "cuda", "all")


def torch_module():
    import torch

    # exact float32 matmuls on GPUs, so CPU and CUDA answers agree to the tolerance
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    return torch


def select_devices(choice: str) -> list[str]:
    """auto = every available device; all and cuda insist on a GPU."""
    if choice not in DEVICE_CHOICES:
        raise UserError(f"--device must be one of {', '.join(DEVICE_CHOICES)}, not {choice!r}")
    if choice == "cpu" or (choice == "auto" and not _may_have_cuda()):
        return ["cpu"]
    has_cuda = torch_module().cuda.is_available()
    if choice == "auto":
        return ["cpu", "cuda"] if has_cuda else ["cpu"]
    if not has_cuda:
        raise UserError(f"--device {choice} needs a CUDA GPU, and torch sees none here; use --device cpu or auto")
    return ["cuda"] if choice == "cuda" else ["cpu", "cuda"]


def _may_have_cuda() -> bool:
    """Whether an NVIDIA driver is installed: if not, `auto` is the CPU without importing torch.
    Linux shows a loaded driver in /proc and /dev; Windows has the CUDA driver's nvcuda.dll."""
    if sys.platform == "win32":
        return Path(os.environ.get("SYSTEMROOT", r"C:\Windows"), "System32", "nvcuda.dll").exists()
    return Path("/proc/driver/nvidia").exists() or any(Path("/dev").glob("nvidia[0-9]*"))

"""PyTorch references: the small toolkit reference functions use.

torch is imported (graders.devices.torch_module) only when a reference is computed, never at
CLI start-up (it costs ~3 s) and never in the worker.
"""

from __future__ import annotations

import numpy as np

from graders.devices import torch_module
from graders.spec import Raises


class Ref:
    """What a reference function gets: torch, F, and tensors on this device."""

    def __init__(self, device: str):
        self.device = device

    @property
    def torch(self):
        return torch_module()  # on first use only: a grader that never needs torch never imports it

    @property
    def F(self):
        return self.torch.nn.functional

    def t(self, x, grad: bool = False):
        """A tensor on this device with the NumPy dtype of `x` (a Python float is float64)."""
        tensor = self.torch.from_numpy(np.array(x)).to(self.device)
        return tensor.requires_grad_() if grad else tensor

    def grad(self, fn, x, grad_out=None):
        """d(fn)/dx by autograd, as the vector-Jacobian product with `grad_out` (ones by default)."""
        xt = self.t(x, grad=True)
        y = fn(xt)
        y.backward(self.torch.ones_like(y) if grad_out is None else self.t(grad_out))
        return xt.grad


def to_numpy(value):
    """Tensors (nested in tuples and dicts) as NumPy arrays on the CPU; plain values as they are."""
    if isinstance(value, tuple):  # torch.Size too
        return tuple(to_numpy(v) for v in value)
    if isinstance(value, dict):
        return {k: to_numpy(v) for k, v in value.items()}
    if hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    if value is None or isinstance(value, (bool, int, float, str, Raises)):
        return value
    return np.asarray(value)

"""Array-level helpers shared by the optimizers: every update runs on the raw arrays of a
parameter (NumPy, CuPy or Array API), in place, with PyTorch's order of operations so results
agree with ``torch.optim`` to rounding."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor, wrap


def grad_array(p: Tensor, maximize: bool) -> Any:
    """The gradient's array (negated for ``maximize``); a fresh array only when negated."""
    g = p.grad._data
    return -g if maximize else g


def lerp_(p: Tensor, a: Any, b: Any, weight: float) -> None:
    """``a.lerp_(b, weight)`` with PyTorch's two-sided formula (exact at both ends)."""
    if weight < 0.5:
        a += weight * (b - a)
    else:
        p._device.backend.setitem(a, ..., b - (b - a) * (1 - weight))


def bump_version(p: Tensor) -> None:
    """Count the in-place update, so a graph that saved the old value raises on backward."""
    p._shared_vbox()[0] += 1


def zeros_like(p: Tensor) -> Tensor:
    return wrap(p._device.xp.zeros_like(p._data), p._device)


def full_like(p: Tensor, value: float) -> Tensor:
    xp = p._device.xp
    return wrap(xp.full(tuple(p._data.shape), value, dtype=p._data.dtype), p._device)


def step_tensor(p: Tensor) -> Tensor:
    """PyTorch keeps ``step`` as a float32 0-d tensor; so do we (state dicts interchange)."""
    from .. import dtypes

    dev = p._device
    return wrap(dev.xp.zeros((), dtype=dev.backend.native[dtypes.float32]), dev)


def incr_step(step: Tensor) -> float:
    """``step += 1`` in place; returns the new count as a Python float."""
    step._data += 1
    return float(step._data)

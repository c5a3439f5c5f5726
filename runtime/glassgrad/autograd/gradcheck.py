"""Finite-difference checks of gradients (first and second order), in float64."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import GlassgradError
from ..tensor import Tensor, wrap
from .engine import grad


class GradcheckError(GlassgradError):
    """Analytical and numerical gradients disagree."""


def _outputs(fn: Callable, inputs: Sequence[Any]) -> list[Tensor]:
    out = fn(*inputs)
    outs = [out] if isinstance(out, Tensor) else list(out)
    return [o for o in outs if isinstance(o, Tensor) and o.dtype.is_floating_point]


def _with_value(t: Tensor, host: np.ndarray) -> Tensor:
    return wrap(t._device.backend.from_numpy(host), t._device, t.requires_grad)


def _numerical(fn: Callable, inputs: list[Any], i: int, eps: float) -> list[np.ndarray]:
    """d(outputs)/d(inputs[i]) by central differences: one (out.numel, in.numel) per output."""
    x = inputs[i]
    base = x._host().astype(np.float64)
    flat = base.reshape(-1)
    cols: list[list[np.ndarray]] = []
    for k in range(flat.size):
        vals = []
        for delta in (eps, -eps):
            bumped = flat.copy()
            bumped[k] += delta
            args = list(inputs)
            args[i] = _with_value(x, bumped.reshape(base.shape).astype(x._host().dtype))
            vals.append([o.detach()._host().astype(np.float64).reshape(-1)
                         for o in _outputs(fn, args)])
        cols.append([(p - m) / (2 * eps) for p, m in zip(*vals)])
    if not cols:  # an empty input: every output's Jacobian has no columns
        return [np.zeros((o.numel(), 0)) for o in _outputs(fn, inputs)]
    return [np.stack([c[j] for c in cols], axis=1) for j in range(len(cols[0]))]


def _analytical(fn: Callable, inputs: list[Any], diff: list[int]) -> list[list[np.ndarray]]:
    """Per output, per differentiable input: the Jacobian from backward, row by row."""
    outs = _outputs(fn, inputs)
    result = []
    for o in outs:
        rows: list[list[np.ndarray]] = [[] for _ in diff]
        n = o.numel()
        for j in range(n):
            onehot = np.zeros(n)
            onehot[j] = 1
            g = _with_value(o, onehot.reshape(o.shape).astype(o._host().dtype))
            gs = grad([o], [inputs[i] for i in diff], [g], retain_graph=True, allow_unused=True)
            for r, (i, gi) in enumerate(zip(diff, gs)):
                rows[r].append(np.zeros(inputs[i].numel()) if gi is None else
                               gi._host().astype(np.float64).reshape(-1))
        result.append([np.stack(r) if r else np.zeros((0, inputs[i].numel()))
                       for r, i in zip(rows, diff)])
    return result


def gradcheck(func: Callable, inputs: Any, *, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True, **_: Any) -> bool:
    """Compare backward's gradients with central finite differences for every input that
    requires grad. Use float64 inputs."""
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    analytical = _analytical(func, inputs, diff)
    for r, i in enumerate(diff):
        numerical = _numerical(func, inputs, i, eps)
        for j, (num, ana) in enumerate(zip(numerical, (a[r] for a in analytical))):
            if num.shape != ana.shape or not np.allclose(ana, num, rtol=rtol, atol=atol):
                if not raise_exception:
                    return False
                worst = np.abs(ana - num).max() if num.shape == ana.shape else float("nan")
                raise GradcheckError(
                    f"Jacobian mismatch for output {j} with respect to input {i} "
                    f"(max abs difference {worst:.3g}):\nnumerical:\n{num}\nanalytical:\n{ana}")
    return True


def gradgradcheck(func: Callable, inputs: Any, grad_outputs: Any = None, *, eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = True,
                  **_: Any) -> bool:
    """gradcheck of the gradient itself: checks second derivatives (``create_graph``)."""
    from ..creation import randn

    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    outs = _outputs(func, inputs)
    if grad_outputs is None:
        grad_outputs = [randn(o.shape, dtype=o.dtype, device=o.device, requires_grad=True)
                        for o in outs]
    grad_outputs = [grad_outputs] if isinstance(grad_outputs, Tensor) else list(grad_outputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    n = len(inputs)

    def first_grads(*args: Any) -> tuple:
        ins, gos = list(args[:n]), list(args[n:])
        o = _outputs(func, ins)
        gs = grad(o, [ins[i] for i in diff], gos, create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_grads, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)

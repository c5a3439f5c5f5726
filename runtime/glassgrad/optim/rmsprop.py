"""RMSprop (Hinton), with PyTorch's centered and momentum variants."""

from __future__ import annotations

from typing import Any

from ._functional import bump_version, grad_array, incr_step, lerp_, step_tensor, zeros_like
from .optimizer import Optimizer, ParamsT


class RMSprop(Optimizer):
    """Divides the gradient by a running RMS of its recent magnitudes (``alpha`` smoothing);
    ``centered`` subtracts the squared running mean, ``momentum`` adds a velocity buffer."""

    def __init__(self, params: ParamsT, lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, *, maximize: bool = False) -> None:
        if lr < 0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if eps < 0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if momentum < 0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if alpha < 0:
            raise ValueError(f"Invalid alpha value: {alpha}")
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps,
                                      centered=centered, weight_decay=weight_decay,
                                      maximize=maximize))

    def _step_group(self, group: dict[str, Any]) -> None:
        lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
        wd, momentum, centered = group["weight_decay"], group["momentum"], group["centered"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if not state:
                state["step"] = step_tensor(p)
                state["square_avg"] = zeros_like(p)
                if momentum > 0:
                    state["momentum_buffer"] = zeros_like(p)
                if centered:
                    state["grad_avg"] = zeros_like(p)
            xp = p._device.xp
            x = p._data
            g = grad_array(p, group["maximize"])
            incr_step(state["step"])
            if wd != 0:
                g = g + wd * x
            sq = state["square_avg"]._data
            sq *= alpha
            sq += (1 - alpha) * g * g
            if centered:
                ga = state["grad_avg"]._data
                lerp_(p, ga, g, 1 - alpha)
                avg = xp.sqrt(sq + (-1 * ga) * ga)
            else:
                avg = xp.sqrt(sq)
            avg += eps
            if momentum > 0:
                buf = state["momentum_buffer"]._data
                buf *= momentum
                buf += g / avg
                x -= lr * buf
            else:
                x += -lr * g / avg
            bump_version(p)

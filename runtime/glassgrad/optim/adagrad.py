"""Adagrad (Duchi et al.): per-coordinate step sizes from the sum of squared gradients."""

from __future__ import annotations

from typing import Any

from ._functional import bump_version, full_like, grad_array, incr_step, step_tensor
from .optimizer import Optimizer, ParamsT


class Adagrad(Optimizer):
    """``sum += g**2; p -= clr * g / (sqrt(sum) + eps)`` with ``clr`` decayed by
    ``lr_decay`` per step, as PyTorch's ``Adagrad``."""

    def __init__(self, params: ParamsT, lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, *, maximize: bool = False) -> None:
        if lr < 0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if lr_decay < 0:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if weight_decay < 0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if initial_accumulator_value < 0:
            raise ValueError(f"Invalid initial_accumulator_value: {initial_accumulator_value}")
        if eps < 0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps,
                                      weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      maximize=maximize))
        # PyTorch makes Adagrad's state eagerly, so a fresh optimizer's state dict has it
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p]["step"] = step_tensor(p)
                self.state[p]["sum"] = full_like(p, group["initial_accumulator_value"])

    def _step_group(self, group: dict[str, Any]) -> None:
        lr, lr_decay, eps, wd = group["lr"], group["lr_decay"], group["eps"], \
            group["weight_decay"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if not state:  # a group added later
                state["step"] = step_tensor(p)
                state["sum"] = full_like(p, group["initial_accumulator_value"])
            x = p._data
            g = grad_array(p, group["maximize"])
            step = incr_step(state["step"])
            if wd != 0:
                g = g + wd * x
            clr = lr / (1 + (step - 1) * lr_decay)
            s = state["sum"]._data
            s += g * g
            std = p._device.xp.sqrt(s)
            std += eps
            x += -clr * g / std
            bump_version(p)

"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from typing import Any

from ._functional import bump_version, grad_array, zeros_like
from .optimizer import Optimizer, ParamsT


class SGD(Optimizer):
    """PyTorch's ``SGD``: ``v = momentum * v + (1 - dampening) * g; p -= lr * v`` (the first
    step sets ``v = g``)."""

    def __init__(self, params: ParamsT, lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False) -> None:
        if lr < 0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))

    def _step_group(self, group: dict[str, Any]) -> None:
        lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
        wd, nesterov = group["weight_decay"], group["nesterov"]
        for p in group["params"]:
            if p.grad is None:
                continue
            x = p._data
            g = grad_array(p, group["maximize"])
            if wd != 0:
                g = g + wd * x
            if momentum != 0:
                state = self.state[p]
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = zeros_like(p)
                    p._device.backend.setitem(buf._data, ..., g)
                else:
                    b = buf._data
                    b *= momentum
                    b += (1 - dampening) * g
                g = g + momentum * buf._data if nesterov else buf._data
            x -= lr * g
            bump_version(p)

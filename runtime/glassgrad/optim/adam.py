"""Adam and AdamW (Kingma & Ba; Loshchilov & Hutter), PyTorch's single-tensor algorithm."""

from __future__ import annotations

from typing import Any

from ._functional import bump_version, grad_array, incr_step, lerp_, step_tensor, zeros_like
from .optimizer import Optimizer, ParamsT


class Adam(Optimizer):
    """Adam with bias correction, optional L2 ``weight_decay`` (added to the gradient) or
    decoupled decay (``decoupled_weight_decay=True``, which is AdamW), and AMSGrad."""

    def __init__(self, params: ParamsT, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False,
                 decoupled_weight_decay: bool = False) -> None:
        if lr < 0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if eps < 0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0 or not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameters: {betas}")
        if weight_decay < 0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _step_group(self, group: dict[str, Any]) -> None:
        lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        amsgrad, decoupled = group["amsgrad"], group["decoupled_weight_decay"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if not state:
                state["step"] = step_tensor(p)
                state["exp_avg"] = zeros_like(p)
                state["exp_avg_sq"] = zeros_like(p)
                if amsgrad:
                    state["max_exp_avg_sq"] = zeros_like(p)
            x = p._data
            g = grad_array(p, group["maximize"])
            step = incr_step(state["step"])
            if wd != 0:
                if decoupled:
                    x *= 1 - lr * wd
                else:
                    g = g + wd * x
            m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
            lerp_(p, m, g, 1 - beta1)
            v *= beta2
            v += (1 - beta2) * g * g
            step_size = lr / (1 - beta1 ** step)
            bc2_sqrt = (1 - beta2 ** step) ** 0.5
            if amsgrad:
                vmax = state["max_exp_avg_sq"]._data
                p._device.backend.setitem(vmax, ..., p._device.xp.maximum(vmax, v))
                v = vmax
            denom = p._device.xp.sqrt(v) / bc2_sqrt
            denom += eps
            x += -step_size * m / denom
            bump_version(p)


class AdamW(Adam):
    """Adam with decoupled weight decay: ``p *= 1 - lr * weight_decay`` before the update."""

    def __init__(self, params: ParamsT, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)

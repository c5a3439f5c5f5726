"""``glassgrad demo``: train a small classifier with nothing but glassgrad's core ops.

Three interleaved spirals, a 2-64-64-3 MLP with hand-written SGD: every forward op and every
backward node of this script is what the debugger and the other tools show.
"""

from __future__ import annotations

import math
import time

import glassgrad as gg


def spirals(n_per_class: int = 200, classes: int = 3, seed: int = 0) -> tuple:
    """Points on ``classes`` noisy spiral arms, with their arm index as the label."""
    gen = gg.Generator().manual_seed(seed)
    r = gg.linspace(0.05, 1.0, n_per_class).repeat(classes)
    label = gg.arange(classes).unsqueeze(1).expand(classes, n_per_class).reshape(-1)
    theta = label * (2 * math.pi / classes) + r * 4 + gg.randn(r.shape, generator=gen) * 0.2
    x = gg.stack([r * theta.cos(), r * theta.sin()], dim=1)
    return x, label


def init_mlp(sizes: list[int], seed: int = 0) -> list[gg.Tensor]:
    gen = gg.Generator().manual_seed(seed)
    params = []
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        bound = 1 / math.sqrt(fan_in)
        params.append(((gg.rand(fan_in, fan_out, generator=gen) * 2 - 1) * bound)
                      .requires_grad_())
        params.append(gg.zeros(fan_out, requires_grad=True))
    return params


def forward(params: list[gg.Tensor], x: gg.Tensor) -> gg.Tensor:
    h = x
    for i in range(0, len(params) - 2, 2):
        h = (h @ params[i] + params[i + 1]).tanh()
    return h @ params[-2] + params[-1]


def cross_entropy(logits: gg.Tensor, target: gg.Tensor) -> gg.Tensor:
    logp = logits.log_softmax(dim=1)
    return -logp.gather(1, target.unsqueeze(1)).mean()


def train(steps: int = 400, lr: float = 0.5, log_every: int = 50, seed: int = 0) -> float:
    """Train and return the final training accuracy."""
    x, y = spirals(seed=seed)
    params = init_mlp([2, 64, 64, 3], seed=seed)
    start = time.perf_counter()
    for step in range(1, steps + 1):
        loss = cross_entropy(forward(params, x), y)
        for p in params:
            p.grad = None
        loss.backward()
        with gg.no_grad():
            for p in params:
                p.sub_(p.grad * lr)
        if step % log_every == 0 or step == steps:
            with gg.no_grad():
                acc = (forward(params, x).argmax(1) == y).float().mean().item()
            print(f"step {step:4d}  loss {loss.item():.4f}  accuracy {acc:.1%}", flush=True)
    print(f"trained {steps} steps in {time.perf_counter() - start:.1f}s")
    return acc

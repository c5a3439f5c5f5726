"""MLP training step (batch 64, 64-256-256-10, ReLU, cross-entropy, SGD): glassgrad vs a
hand-written NumPy step (the floor) vs PyTorch CPU, as ratios in one run.

    python benchmarks/bench_training.py [--json out.json]

The CNN step is benchmarked the same way in bench_conv.py.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _timing import race, table  # noqa: E402

import glassgrad as gg  # noqa: E402

SIZES, BATCH, LR, STEPS = (64, 256, 256, 10), 64, 0.01, 20


def init_params(seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(SIZES, SIZES[1:]):
        bound = 1 / np.sqrt(fan_in)
        params += [rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32),
                   rng.uniform(-bound, bound, fan_out).astype(np.float32)]
    return params


def numpy_step(params: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> float:
    """Forward, hand-derived backward and an in-place SGD update, in plain NumPy."""
    w1, b1, w2, b2, w3, b3 = params
    z1 = x @ w1.T + b1
    h1 = np.maximum(z1, 0)
    z2 = h1 @ w2.T + b2
    h2 = np.maximum(z2, 0)
    logits = h2 @ w3.T + b3
    shifted = logits - logits.max(1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
    loss = -logp[np.arange(len(y)), y].mean()
    g = np.exp(logp)
    g[np.arange(len(y)), y] -= 1
    g /= len(y)
    gw3, gb3 = g.T @ h2, g.sum(0)
    g = (g @ w3) * (z2 > 0)
    gw2, gb2 = g.T @ h1, g.sum(0)
    g = (g @ w2) * (z1 > 0)
    gw1, gb1 = g.T @ x, g.sum(0)
    for p, gp in zip(params, (gw1, gb1, gw2, gb2, gw3, gb3)):
        p -= LR * gp
    return float(loss)


def glassgrad_model() -> tuple:
    model = gg.nn.Sequential(gg.nn.Linear(64, 256), gg.nn.ReLU(), gg.nn.Linear(256, 256),
                             gg.nn.ReLU(), gg.nn.Linear(256, 10))
    with gg.no_grad():
        for p, v in zip(model.parameters(), init_params()):
            p.copy_(gg.tensor(v))
    return model, gg.optim.SGD(model.parameters(), lr=LR), gg.nn.CrossEntropyLoss()


def torch_model() -> tuple:
    import torch

    model = torch.nn.Sequential(torch.nn.Linear(64, 256), torch.nn.ReLU(),
                                torch.nn.Linear(256, 256), torch.nn.ReLU(),
                                torch.nn.Linear(256, 10))
    with torch.no_grad():
        for p, v in zip(model.parameters(), init_params()):
            p.copy_(torch.tensor(v))
    return model, torch.optim.SGD(model.parameters(), lr=LR), torch.nn.CrossEntropyLoss()


def framework_step(model: object, opt: object, loss_fn: object, x: object, y: object) -> float:
    loss = loss_fn(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss


def data(seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((BATCH, 64)).astype(np.float32),
            rng.integers(0, 10, BATCH))


def contenders() -> dict:
    """The MLP step in each implementation (also used by bench_recording.py)."""
    import torch

    torch.set_num_threads(1)
    x, y = data()
    np_params = init_params()
    gm, gopt, gloss = glassgrad_model()
    gx, gy = gg.tensor(x), gg.tensor(y)
    tm, topt, tloss = torch_model()
    tx, ty = torch.tensor(x), torch.tensor(y)

    def run(step: object) -> object:
        return lambda: [step() for _ in range(STEPS)]

    return {
        "numpy (hand-written)": run(lambda: numpy_step(np_params, x, y)),
        "glassgrad": run(lambda: framework_step(gm, gopt, gloss, gx, gy)),
        "torch": run(lambda: framework_step(tm, topt, tloss, tx, ty)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    times = {k: v / STEPS * 1e3 for k, v in race(contenders(), rounds=5, repeats=3).items()}
    base = times["numpy (hand-written)"]
    rows = [["MLP step (batch 64, 64-256-256-10)", "ms/step", "vs numpy", "vs torch"]]
    for name, ms in times.items():
        rows.append([name, f"{ms:.3f}", f"{ms / base:.2f}x", f"{ms / times['torch']:.2f}x"])
    print(table(rows))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"mlp_step_ms": times}, f, indent=2)


if __name__ == "__main__":
    main()

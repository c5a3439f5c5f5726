"""Per-op overhead and large-matmul speed, against PyTorch CPU and plain NumPy in one run.

    python benchmarks/bench_ops.py [--json out.json]

Per-op overhead: a chain of 1000 elementwise ops (alternating ``x * c`` and ``x + c``) on a
1-element tensor, forward alone and forward+backward, in microseconds per op. glassgrad
records every op's call site while it builds the graph, as it always does.
Matmul: 1024x1024 float32, forward + backward (the two products of the gradient).
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

N_OPS = 1000


def chain(x: object) -> object:
    for _ in range(N_OPS // 2):
        x = x * 1.0001
        x = x + 0.0001
    return x


def tape_chain(x: np.ndarray) -> float:
    """The floor for an eager autograd in Python: a bare tape of (op, saved) closures."""
    tape = []
    for _ in range(N_OPS // 2):
        x = x * 1.0001
        tape.append(lambda g: g * 1.0001)
        x = x + 0.0001
        tape.append(lambda g: g)
    g = np.ones_like(x)
    for back in reversed(tape):
        g = back(g)
    return g


def overhead() -> dict[str, float]:
    import torch

    torch.set_num_threads(1)
    gx = gg.ones(1, requires_grad=True)
    tx = torch.ones(1, requires_grad=True)
    nx = np.ones(1, dtype=np.float32)
    times = race({
        "numpy forward": lambda: chain(nx),
        "tape forward+backward": lambda: tape_chain(nx),
        "glassgrad forward": lambda: chain(gx),
        "glassgrad forward+backward": lambda: chain(gx).sum().backward(),
        "torch forward": lambda: chain(tx),
        "torch forward+backward": lambda: chain(tx).sum().backward(),
    })
    return {k: v / N_OPS * 1e6 for k, v in times.items()}


def matmul(n: int = 1024) -> dict[str, float]:
    import torch

    rng = np.random.default_rng(0)
    a, b, g = (rng.standard_normal((n, n), dtype=np.float32) for _ in range(3))

    def numpy_step() -> None:
        _ = a @ b
        _ = g @ b.T
        _ = a.T @ g

    ga = gg.tensor(a, requires_grad=True)
    gb = gg.tensor(b, requires_grad=True)
    gg_g = gg.tensor(g)

    def gg_step() -> None:
        ga.grad = gb.grad = None
        (ga @ gb).backward(gg_g)

    ta = torch.tensor(a, requires_grad=True)
    tb = torch.tensor(b, requires_grad=True)
    tg = torch.tensor(g)

    def torch_step() -> None:
        ta.grad = tb.grad = None
        (ta @ tb).backward(tg)

    torch.set_num_threads(os.cpu_count() or 1)
    times = race({"numpy": numpy_step, "glassgrad": gg_step, "torch": torch_step}, rounds=3)
    return {k: v * 1e3 for k, v in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    ov = overhead()
    mm = matmul()
    rows = [["per-op overhead (1-element tensor)", "us/op", "vs torch", "vs numpy"]]
    for name, us in ov.items():
        side = "forward+backward" if "backward" in name else "forward"
        rows.append([name, f"{us:.2f}", f"{us / ov[f'torch {side}']:.2f}x",
                     f"{us / ov['numpy forward']:.2f}x"])
    print(table(rows))
    print()
    rows = [["1024x1024 matmul forward+backward", "ms", "vs torch", "vs numpy"]]
    for name, ms in mm.items():
        rows.append([name, f"{ms:.1f}", f"{ms / mm['torch']:.2f}x", f"{ms / mm['numpy']:.2f}x"])
    print(table(rows))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"overhead_us_per_op": ov, "matmul_ms": mm}, f, indent=2)


if __name__ == "__main__":
    main()

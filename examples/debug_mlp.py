"""A small MLP trained with plain glassgrad tensors: the debugger's end-to-end example.

Two layers (``x @ w``, tanh, ``@ w2``), a log-softmax/gather cross-entropy and manual SGD.
The ``# @label`` comments mark the lines the debugger tests put breakpoints on.

    python examples/debug_mlp.py [--steps N] [--time]
"""

from __future__ import annotations

import argparse
import time

import glassgrad as gg


def make_data(n: int = 64, d: int = 8, classes: int = 3) -> tuple[gg.Tensor, gg.Tensor]:
    gg.manual_seed(0)
    x = gg.randn(n, d)
    y = (x @ gg.randn(d, classes)).argmax(dim=1)
    return x, y


def train(steps: int = 20, hidden: int = 16, lr: float = 0.5, timed: bool = False) -> float:
    x, y = make_data()
    w = (gg.randn(x.shape[1], hidden) * 0.5).requires_grad_()
    w2 = (gg.randn(hidden, 3) * 0.5).requires_grad_()
    loss = None
    t0 = time.perf_counter()
    for step in range(steps):
        h = x @ w  # @matmul
        a = h.tanh()  # @tanh
        logits = a @ w2  # @logits
        loss = -logits.log_softmax(dim=1).gather(1, y.unsqueeze(1)).mean()  # @loss
        loss.backward()  # @backward
        with gg.no_grad():  # @after_backward
            w.sub_(lr * w.grad)  # @update
            w2.sub_(lr * w2.grad)
        w.grad = None
        w2.grad = None
        if step % 5 == 0 and not timed:
            print(f"step {step} loss {loss.item():.6f}")
    if False:
        print("never runs")  # @never
    if timed:
        ms = (time.perf_counter() - t0) / steps * 1e3
        print(f"step_ms {ms:.4f}")
    print(f"final loss {loss.item():.8f}")  # @final
    return loss.item()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--time", action="store_true", help="print the mean step time")
    args = parser.parse_args()
    train(args.steps, timed=args.time)


if __name__ == "__main__":
    main()

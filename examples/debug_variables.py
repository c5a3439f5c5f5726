"""What the debugger's Variables view shows: a module, its parameters, a large tensor and
a tensor holding NaN and Inf. One training step of a small ``nn.Sequential``, then a line to
stop on (labelled ``inspect``); the debugger tests expand these locals.

    python examples/debug_variables.py
"""

from __future__ import annotations

import glassgrad as gg


def main() -> None:
    gg.manual_seed(0)
    model = gg.nn.Sequential(gg.nn.Linear(8, 16), gg.nn.Tanh(), gg.nn.Linear(16, 3))
    x = gg.randn(64, 8)
    y = gg.randint(0, 3, (64,))
    logits = model(x)
    loss = gg.nn.functional.cross_entropy(logits, y)
    loss.backward()
    big = gg.randn(4000, 4000)
    bad = gg.tensor([1.0, float("nan"), float("inf"), 2.0, float("nan")])
    print(f"loss {loss.item():.6f} big {tuple(big.shape)} bad {bad.shape[0]}")  # @inspect


if __name__ == "__main__":
    main()

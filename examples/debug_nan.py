"""NaN/Inf on purpose, for the debugger's NaN/Inf exception filters.

    python examples/debug_nan.py backward   # sqrt at 0: an infinite gradient in backward
    python examples/debug_nan.py forward    # log of a negative number: NaN in forward
"""

from __future__ import annotations

import sys

import glassgrad as gg


def backward_nan() -> None:
    x = gg.tensor([0.0, 1.0, 4.0, 9.0], requires_grad=True)
    s = x * 2.0  # @scale
    r = s.sqrt()  # @sqrt
    loss = (r * 3.0).sum()  # @sum
    loss.backward()  # @backward
    print("x.grad", x.grad)


def forward_nan() -> None:
    z = gg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    e = z.exp()  # @exp
    l = (z - 0.5).log()  # @log
    loss = (l + e).sum()  # @sum2
    print("loss", loss.item())


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "backward"
    backward_nan() if which == "backward" else forward_nan()
    print("done")

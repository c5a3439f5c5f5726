"""MLP training-step time under ``glassgrad dap`` against the plain run.

Three runs of examples/debug_mlp.py --time: plain ``python``; under the adapter with no
breakpoint hit; under the adapter with a backward-mode breakpoint on a line that never runs.
The target is within 1.3x of the plain run. debugpy's own adapter is timed too: on
Python < 3.12 pydevd traces with ``sys.settrace``, whose cost per Python call dominates a
small step (glassgrad's rules, which exclude the runtime, make it cheaper than plain debugpy).

    python benchmarks/bench_debugger.py [--steps N] [--repeat R]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "debugger"))

from dap_client import EXAMPLES, DAPClient, label_line  # noqa: E402

MLP = os.path.join(EXAMPLES, "debug_mlp.py")


def _ms(text: str) -> float:
    return float(re.search(r"step_ms ([0-9.]+)", text).group(1))


def plain(steps: int) -> float:
    out = subprocess.run([sys.executable, MLP, "--steps", str(steps), "--time"],
                         capture_output=True, text=True, check=True).stdout
    return _ms(out)


def under_adapter(steps: int, breakpoints: list[dict], command: list[str] | None = None) -> float:
    with DAPClient(command) as dap:
        dap.start(MLP, ["--steps", str(steps), "--time"], breakpoints={MLP: breakpoints})
        _, e = dap.next_stop_or_end(0, timeout=300)
        assert e["event"] != "stopped", "a breakpoint was hit"
        dap.wait_event("terminated", timeout=60)
        return _ms(dap.output())


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args()
    never = label_line(MLP, "never")
    cases = {
        "plain python": lambda: plain(a.steps),
        "debugpy's own adapter (reference), no breakpoints": lambda: under_adapter(
            a.steps, [], [sys.executable, "-m", "debugpy.adapter"]),
        "glassgrad dap, no breakpoints": lambda: under_adapter(a.steps, []),
        "glassgrad dap, backward bp on a line not run": lambda: under_adapter(
            a.steps, [{"line": never, "mode": "backward"}]),
    }
    base = None
    for name, fn in cases.items():
        ms = statistics.median(fn() for _ in range(a.repeat))
        base = base or ms
        print(f"{name:48s} {ms:8.3f} ms/step  {ms / base:5.2f}x")


if __name__ == "__main__":
    main()

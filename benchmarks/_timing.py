"""Timing helpers shared by the benchmarks: best-of-N wall time, interleaved contenders."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable


def best_of(fn: Callable[[], object], repeats: int = 7, warmup: int = 1) -> float:
    """Fastest of ``repeats`` calls in seconds (the least disturbed by a noisy machine)."""
    for _ in range(warmup):
        fn()
    best = float("inf")
    gc_was = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t0)
    finally:
        if gc_was:
            gc.enable()
    return best


def race(contenders: dict[str, Callable[[], object]], rounds: int = 5,
         repeats: int = 3) -> dict[str, float]:
    """Best time of each contender, interleaving rounds so drifts in machine speed hit all."""
    best = {name: float("inf") for name in contenders}
    for fn in contenders.values():
        fn()  # warm up
    for _ in range(rounds):
        for name, fn in contenders.items():
            best[name] = min(best[name], best_of(fn, repeats, warmup=0))
    return best


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows)

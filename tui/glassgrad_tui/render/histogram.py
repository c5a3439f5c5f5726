"""A tensor's statistics and histogram as text: what the viewer prints beside its heatmap."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from rich.text import Text

from .pictures import fmt

BINS = 32
EIGHTHS = " ▏▎▍▌▋▊▉█"
STAT_KEYS = ("min", "max", "mean", "std", "norm")


def tensor_stats(a: np.ndarray) -> dict[str, Any]:
    """min, max, mean, std, norm of the finite values, and the NaN and Inf counts (the
    statistics the run store records, so both sources print alike)."""
    a = np.asarray(a)
    if a.dtype.kind not in "fc":
        a = a.astype(np.float64)
    ok = np.isfinite(a)
    nan = int(np.isnan(a).sum())
    inf = int(a.size - ok.sum()) - nan
    finite = a[ok].astype(np.float64, copy=False)
    if finite.size == 0:
        return dict.fromkeys(STAT_KEYS) | {"nan": nan, "inf": inf}
    return {"min": float(finite.min()), "max": float(finite.max()),
            "mean": float(finite.mean()), "std": float(finite.std()),
            "norm": float(np.sqrt(np.dot(finite, finite))), "nan": nan, "inf": inf}


def value_histogram(a: np.ndarray, bins: int = BINS) -> tuple[np.ndarray, np.ndarray] | None:
    """Counts of the finite values over ``bins`` equal bins of [min, max], and the edges;
    None when no value is finite."""
    a = np.asarray(a, dtype=np.float64).ravel()
    finite = a[np.isfinite(a)]
    if finite.size == 0:
        return None
    lo, hi = float(finite.min()), float(finite.max())
    counts, edges = np.histogram(finite, bins=bins, range=(lo, hi if hi > lo else lo + 1))
    return counts, edges


def merge_bins(counts: np.ndarray, edges: np.ndarray, most: int) -> tuple[np.ndarray, np.ndarray]:
    """At most ``most`` bins, by adding neighbours (exact, as the bins are equal)."""
    counts, edges = np.asarray(counts), np.asarray(edges)
    k = max(1, math.ceil(len(counts) / max(most, 1)))
    if k == 1:
        return counts, edges
    groups = np.arange(0, len(counts), k)
    return np.add.reduceat(counts, groups), np.append(edges[groups], edges[-1])


def histogram_lines(counts: np.ndarray | None, edges: np.ndarray | None, width: int,
                    height: int, ascii_only: bool = False) -> list[Text]:
    """One line per bin, ``[lo, hi) bar count``, bins merged to fit ``height`` lines."""
    if counts is None or edges is None or len(counts) == 0 or height <= 0:
        return [Text("no finite values", style="dim")]
    counts, edges = merge_bins(counts, edges, height)
    labels = [f"{fmt(edges[i], 3)}…{fmt(edges[i + 1], 3)}" for i in range(len(counts))]
    label_w = max(len(s) for s in labels)
    count_w = max(len(str(int(c))) for c in counts)
    bar_w = max(1, width - label_w - count_w - 2)
    top = max(int(counts.max()), 1)
    lines = []
    for label, c in zip(labels, counts):
        eighths = round(int(c) / top * bar_w * 8)
        if ascii_only:
            bar = "#" * (eighths // 8)
        else:
            bar = "█" * (eighths // 8) + (EIGHTHS[eighths % 8] if eighths % 8 else "")
        if c and not bar:
            bar = "▏" if not ascii_only else "."  # a non-empty bin never looks empty
        line = Text(no_wrap=True, end="")
        line.append(label.rjust(label_w) + " ", "dim")
        line.append(bar.ljust(bar_w), "bold")
        line.append(" " + str(int(c)).rjust(count_w))
        lines.append(line)
    return lines


def stats_text(stats: dict[str, Any] | None) -> Text:
    """``min -1.2 max 3.4 mean 0.01 std 0.98 norm 12.3 NaN 0 Inf 0``; NaN/Inf counts stand out
    when not zero."""
    stats = stats or {}
    out = Text(no_wrap=True, end="")
    for key in STAT_KEYS:
        out.append(f"{key} ", "dim")
        out.append(fmt(stats.get(key)) + "  ")
    for key, label in (("nan", "NaN"), ("inf", "Inf")):
        n = stats.get(key)
        out.append(f"{label} ", "dim")
        out.append(("-" if n is None else str(n)) + "  ", "bold reverse" if n else None)
    out.rstrip()
    return out

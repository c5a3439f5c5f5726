"""A tensor's sketch: a histogram and bounded thumbnails, so offline viewers (the TUI, the VS
Code tensor viewer) can picture a recorded tensor on any machine without its values.

At most ``BINS`` counts and ``THUMB`` (+ ``SLICES`` x ``SLICE_THUMB``) float16 block means:
a few kilobytes per tensor whatever its size. Computed only for iterations recorded with
statistics (``stats="cheap"`` or ``"full"``). Huge tensors are subsampled (a regular stride)
on their device before the small remainder is copied to the host.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

BINS = 32
THUMB = (32, 48)        # rows, cols of the whole tensor's picture (terminal cells are ~1:2)
SLICES = 8              # rank >= 3: pictures of the first 2-D slices over the last two dims
SLICE_THUMB = (16, 24)
_MAX_HOST = 1 << 20     # elements copied to the host at most
NO_SKETCH = (None,) * 11


def as_matrix(shape: tuple[int, ...]) -> tuple[int, int]:
    """The 2-D view a thumbnail pictures: leading dims flattened into rows."""
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return 1, shape[0]
    return math.prod(shape[:-1]), shape[-1]


def sketch(t: Any) -> tuple:
    """(lo, hi, hist, rows, cols, thumb, slice_rows, slice_cols, slices, n_slices, bins) of a
    tensor, as stored in the run store's ``sketches`` table (blobs little-endian)."""
    data = t._data
    if data.size == 0:
        return NO_SKETCH
    shape = tuple(data.shape)
    rows, cols = as_matrix(shape)
    backend = t._device.backend
    mat = data.reshape(rows, cols)
    sr, sc = _stride(rows, THUMB[0], cols, THUMB[1])
    host = np.asarray(backend.to_numpy(mat[::sr, ::sc]), dtype=np.float32)
    ok = np.isfinite(host)
    all_finite = bool(ok.all())
    thumb = _blocks(host, THUMB, None if all_finite else ok)
    finite = host if all_finite else host[ok]
    if finite.size:
        lo, hi = float(finite.min()), float(finite.max())
        scale = BINS / (hi - lo) if hi > lo else 0.0
        idx = ((finite.reshape(-1) - lo) * scale).astype(np.int32)
        hist = np.bincount(idx, minlength=BINS + 1)[:BINS + 1]
        hist[BINS - 1] += hist[BINS]  # the maximum belongs to the last bin
        hist = hist[:BINS]
    else:
        lo = hi = None
        hist = np.zeros(BINS, np.int64)
    slices, n = None, 0
    if len(shape) >= 3:
        n = min(SLICES, math.prod(shape[:-2]))
        stack = data.reshape(-1, shape[-2], shape[-1])[:n]
        r2, c2 = _stride(shape[-2], SLICE_THUMB[0], shape[-1], SLICE_THUMB[1])
        part = np.asarray(backend.to_numpy(stack[:, ::r2, ::c2]), dtype=np.float32)
        part_ok = np.isfinite(part)
        pics = [_blocks(p, SLICE_THUMB, None if m.all() else m) for p, m in zip(part, part_ok)]
        slices = np.stack(pics).astype("<f2").tobytes()
        s_rows, s_cols = pics[0].shape
    else:
        s_rows = s_cols = None
    return (lo, hi, hist.astype("<u4").tobytes(), thumb.shape[0], thumb.shape[1],
            thumb.astype("<f2").tobytes(), s_rows, s_cols, slices, n, BINS)


def _stride(rows: int, max_rows: int, cols: int, max_cols: int) -> tuple[int, int]:
    """Strides that keep at most ``_MAX_HOST`` elements and at least the blocks' worth."""
    step = 1
    while (rows // step + 1) * (cols // step + 1) > _MAX_HOST:
        step *= 2
    return (min(step, max(rows // max_rows, 1)), min(step, max(cols // max_cols, 1)))


def _blocks(a: np.ndarray, size: tuple[int, int], ok: np.ndarray | None) -> np.ndarray:
    """Block means of ``a`` down to at most ``size``; ``ok`` marks its finite elements (None:
    all are). NaN where a block holds no finite value."""
    rows, cols = a.shape
    if rows <= size[0] and cols <= size[1] and ok is None:
        return a
    left, right, counts = _summing(rows, cols, size)
    if ok is None:
        total = left @ a @ right  # two small GEMMs: faster than NumPy's blocked reductions
    else:
        total = left @ np.where(ok, a, 0.0).astype(np.float32) @ right
        counts = left @ ok.astype(np.float32) @ right
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, total / np.maximum(counts, 1), np.nan).astype(np.float32)


@functools.lru_cache(maxsize=256)
def _summing(rows: int, cols: int, size: tuple[int, int]) -> tuple:
    """0/1 matrices that sum rows and columns into blocks, and each block's element count."""
    br, bc = math.ceil(rows / size[0]), math.ceil(cols / size[1])
    left = (np.arange(rows)[None, :] // br == np.arange(math.ceil(rows / br))[:, None])
    right = (np.arange(cols)[:, None] // bc == np.arange(math.ceil(cols / bc))[None, :])
    left, right = left.astype(np.float32), right.astype(np.float32)
    return left, right, np.outer(left.sum(1), right.sum(0))


def unpack(row: dict[str, Any]) -> dict[str, Any]:
    """A ``sketches`` row as arrays: ``hist`` (counts), ``edges``, ``thumb`` (2-D),
    ``slices`` (3-D or None)."""
    out = dict(row)
    out["hist"] = np.frombuffer(row["hist"], "<u4") if row["hist"] else None
    lo, hi = row["lo"], row["hi"]
    out["edges"] = (np.linspace(lo, hi if hi > lo else lo + 1, row["bins"] + 1)
                    if lo is not None else None)
    out["thumb"] = (np.frombuffer(row["thumb"], "<f2").astype(np.float32)
                    .reshape(row["rows"], row["cols"]) if row["thumb"] else None)
    out["slices"] = (np.frombuffer(row["slices"], "<f2").astype(np.float32)
                     .reshape(row["n_slices"], row["slice_rows"], row["slice_cols"])
                     if row["slices"] else None)
    return out

"""What a tensor viewer can show of one tensor: pictures (2-D matrices of values or of block
means), each knowing which elements of the tensor a cell stands for.

A recorded sketch gives block means (``thumb``: the whole tensor with leading dims flattened
into rows; ``slices``: the first matrices over the last two dims); live values give elements.
Either can be shown coarser (``downsample``), and a cell's read-out names the index range it
covers, e.g. ``mean 0.012 over [0, 8:16, 32:34] (16 elements)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np


def as_matrix(shape: tuple[int, ...]) -> tuple[int, int]:
    """The 2-D view of a tensor: leading dims flattened into rows (as the run store's
    thumbnails)."""
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return 1, shape[0]
    return math.prod(shape[:-1]), shape[-1]


def fmt(v: float | None, digits: int = 4) -> str:
    """A number in a few columns (``-0.01234``, ``1.2e+05``, ``nan``); ``-`` for None."""
    if v is None:
        return "-"
    v = float(v)
    if v == 0:
        return "0"
    return f"{v:.{digits}g}"


@dataclass
class Picture:
    """A 2-D matrix to draw, and how its cells map to the tensor's elements."""

    data: np.ndarray                 # 2-D float matrix (values, or block means)
    label: str                       # which part: "all 256×96 (leading dims as rows)", "[2]"
    dims: tuple[int, ...]            # shape of the part pictured (whole tensor, or one slice)
    prefix: tuple[int, ...] = ()     # leading index of that part in the tensor
    block: tuple[int, int] = (1, 1)  # rows, cols of the part's matrix per cell of ``data``

    @property
    def exact(self) -> bool:
        """Cells are single elements (not block means)."""
        return self.block == (1, 1)

    def cell_range(self, r: int, c: int, k: int = 1) -> tuple[int, int, int, int]:
        """Matrix rows r0:r1 and cols c0:c1 of the part covered by display cell (r, c) when
        ``data`` is shown ``k`` x ``k`` cells at a time."""
        rows, cols = as_matrix(self.dims)
        br, bc = self.block[0] * k, self.block[1] * k
        return (r * br, min((r + 1) * br, rows), c * bc, min((c + 1) * bc, cols))

    def index_text(self, r: int, c: int, k: int = 1) -> str:
        """The tensor index (or index range) of display cell (r, c)."""
        return index_text(self.prefix, self.dims, *self.cell_range(r, c, k))

    def readout(self, r: int, c: int, k: int = 1, shown: np.ndarray | None = None) -> str:
        """``[2, 5, 7] = 0.25``, or ``mean 0.25 over [0, 8:16, 32:34] (16 elements)`` for a
        block (with its NaN and Inf counts when the elements are at hand); ``shown`` is the
        matrix as displayed (``downsample(data, k)``)."""
        index = self.index_text(r, c, k)
        if self.exact and k == 1:
            return f"{index} = {fmt(float(self.data[r, c]), 6)}"
        r0, r1, c0, c1 = self.cell_range(r, c, k)
        n = (r1 - r0) * (c1 - c0)
        if self.exact:  # live values: the block's own elements
            block = np.asarray(self.data[r0:r1, c0:c1], dtype=np.float64)
            ok = np.isfinite(block)
            value = float(block[ok].mean()) if ok.any() else math.nan
            nan = int(np.isnan(block).sum())
            bad = f", {nan} NaN, {int(block.size - ok.sum()) - nan} Inf" if not ok.all() else ""
        else:
            shown = self.data if shown is None else shown
            value, bad = float(shown[r, c]), ""
        if not math.isfinite(value):
            return f"no finite value in {index} ({n} elements{bad})"
        return f"mean {fmt(value, 6)} over {index} ({n} elements{bad})"


def _span(a: int, b: int) -> str:
    return str(a) if b - a == 1 else f"{a}:{b}"


def _row_parts(lead: tuple[int, ...], r0: int, r1: int) -> list[str] | None:
    """Index parts for flattened rows r0:r1 over the dims ``lead``; None when the rows are no
    rectangular block of those dims."""
    if len(lead) == 1:
        return [_span(r0, r1)]
    s = [int(i) for i in np.unravel_index(r0, lead)]
    e = [int(i) for i in np.unravel_index(r1 - 1, lead)]
    if s == e:
        return [str(i) for i in s]
    k = next(j for j in range(len(lead)) if s[j] != e[j])
    if all(s[j] == 0 and e[j] == lead[j] - 1 for j in range(k + 1, len(lead))):
        return [str(i) for i in s[:k]] + [f"{s[k]}:{e[k] + 1}"] + [":"] * (len(lead) - k - 1)
    return None


def index_text(prefix: tuple[int, ...], dims: tuple[int, ...], r0: int, r1: int, c0: int,
               c1: int) -> str:
    """``[b, r0:r1, c0:c1]`` for the matrix block of a part of shape ``dims`` at ``prefix``."""
    head = [str(i) for i in prefix]
    if len(dims) == 0:
        return "[" + ", ".join(head) + "]"
    if len(dims) == 1:
        return "[" + ", ".join(head + [_span(c0, c1)]) + "]"
    lead = tuple(dims[:-1])
    rows = _row_parts(lead, r0, r1)
    if rows is None:
        s = tuple(prefix) + tuple(int(i) for i in np.unravel_index(r0, lead))
        e = tuple(prefix) + tuple(int(i) for i in np.unravel_index(r1 - 1, lead))
        return f"rows {list(s)}…{list(e)}, cols {_span(c0, c1)}"
    return "[" + ", ".join(head + rows + [_span(c0, c1)]) + "]"


def slice_label(prefix: tuple[int, ...], free: int = 2) -> str:
    """``[2, :, :]``: the part of a tensor at a leading index, ``free`` dims left."""
    return "[" + ", ".join([str(i) for i in prefix] + [":"] * free) + "]"


def whole_label(shape: tuple[int, ...]) -> str:
    """``all``, or ``all as 256×96`` when leading dims are flattened into rows."""
    rows, cols = as_matrix(shape)
    return f"all as {rows}×{cols}" if len(shape) > 2 else "all"


def sketch_pictures(shape: tuple[int, ...], sketch: dict[str, Any]) -> list[Picture]:
    """The recorded pictures of a tensor: the whole (flattened) thumbnail, then the first
    slices over the last two dims (rank >= 3)."""
    shape = tuple(shape)
    out = []
    thumb = sketch.get("thumb")
    if thumb is not None:
        thumb = np.asarray(thumb, dtype=np.float32).reshape(np.shape(thumb)[0], -1)
        rows, cols = as_matrix(shape)
        block = (math.ceil(rows / thumb.shape[0]), math.ceil(cols / thumb.shape[1]))
        out.append(Picture(thumb, whole_label(shape), shape, (), block))
    slices = sketch.get("slices")
    if slices is not None and len(shape) >= 3:
        slices = np.asarray(slices, dtype=np.float32)
        block = (math.ceil(shape[-2] / slices.shape[1]), math.ceil(shape[-1] / slices.shape[2]))
        for k in range(slices.shape[0]):
            prefix = tuple(int(i) for i in np.unravel_index(k, shape[:-2]))
            out.append(Picture(slices[k], slice_label(prefix), shape[-2:], prefix, block))
    return out


def value_pictures(shape: tuple[int, ...], array: np.ndarray,
                   index: tuple[int, ...] | None = None) -> list[Picture]:
    """Pictures of live values: ``array`` is the tensor (``index`` None: the whole, then each
    slice over the last two dims for rank >= 3) or ``tensor[index]``."""
    shape = tuple(shape)
    a = np.asarray(array)
    if index is not None:
        index = tuple(int(i) for i in index)
        dims = shape[len(index):]
        return [Picture(_float(a).reshape(as_matrix(dims)), slice_label(index, len(dims)), dims,
                        index)]
    out = [Picture(_float(a).reshape(as_matrix(shape)), whole_label(shape), shape)]
    if len(shape) >= 3:
        stack = _float(a).reshape((-1,) + shape[-2:])
        for k in range(stack.shape[0]):
            prefix = tuple(int(i) for i in np.unravel_index(k, shape[:-2]))
            out.append(Picture(stack[k], slice_label(prefix), shape[-2:], prefix))
    return out


def _float(a: np.ndarray) -> np.ndarray:
    return a if a.dtype.kind == "f" else a.astype(np.float64)


def downsample(a: np.ndarray, k: int) -> np.ndarray:
    """``k`` x ``k`` blocks of ``a`` as one cell each: the mean of the block's finite values,
    but NaN (else +Inf, else -Inf) where the block holds one, so no NaN is ever hidden."""
    if k <= 1:
        return a
    rows, cols = a.shape
    pad = ((0, -rows % k), (0, -cols % k))
    ok = np.isfinite(a)
    shape = (-(-rows // k), k, -(-cols // k), k)

    def blocks(x: np.ndarray) -> np.ndarray:
        return np.pad(x, pad).reshape(shape)

    total = blocks(np.where(ok, a, 0.0)).sum(axis=(1, 3), dtype=np.float64)
    n = blocks(ok).sum(axis=(1, 3))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(n > 0, total / np.maximum(n, 1), np.nan)
    if not ok.all():
        for test, value in ((np.isneginf, -np.inf), (np.isposinf, np.inf), (np.isnan, np.nan)):
            out[blocks(test(a)).any(axis=(1, 3))] = value
    return out

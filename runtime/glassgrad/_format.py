"""``repr`` of a tensor in PyTorch's style: ``tensor([1.0000, 2.5000], requires_grad=True)``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from . import dtypes

if TYPE_CHECKING:
    from .tensor import Tensor

_PREFIX = "tensor("
_EDGE = 3
_LINEWIDTH = 80


def _summarized(arr: np.ndarray, edge: int = 3) -> np.ndarray:
    """The values a summarized print shows (PyTorch decides the format from these only)."""
    for axis, n in enumerate(arr.shape):
        if n > 2 * edge:
            arr = np.concatenate([arr.take(range(edge), axis),
                                  arr.take(range(n - edge, n), axis)], axis)
    return arr


def _float_format(arr: np.ndarray) -> Callable[[float], str]:
    """PyTorch's ``_Formatter`` for floats: integer, fixed or scientific mode, one width."""
    vals = arr.astype(np.float64, copy=False).reshape(-1)
    nz = vals[np.isfinite(vals) & (vals != 0)]
    if nz.size == 0:
        width, int_mode, sci = 1, True, False
    else:
        absval = np.abs(nz)
        lo, hi = absval.min(), absval.max()
        int_mode = bool(np.all(nz == np.ceil(nz)))
        sci = bool(hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4)
        if sci:
            width = max(len(f"{v:.4e}") for v in nz)
        elif int_mode:
            width = max(len(f"{v:.0f}") + 1 for v in nz)
        else:
            width = max(len(f"{v:.4f}") for v in nz)
        width = max(width, 1)

    def fmt(v: float) -> str:
        if sci:
            return f"{v:{width}.4e}"
        if int_mode:
            r = f"{v:.0f}" + ("." if np.isfinite(v) else "")
        else:
            r = f"{v:.4f}"
        return r.rjust(width)

    return fmt


def _other_format(arr: np.ndarray) -> Callable[[object], str]:
    width = max([len(str(v)) for v in arr.reshape(-1).tolist()] + [1])
    return lambda v: str(v).rjust(width)


def _nested(arr: np.ndarray, indent: int, summarize: bool, fmt: Callable, width: int) -> str:
    """PyTorch's ``_tensor_str_with_formatter``: rows wrapped at 80 columns, ``...`` in the
    middle of long dimensions when summarizing."""
    if arr.ndim == 0:
        return fmt(arr.item())
    n = arr.shape[0]
    cut = summarize and n > 2 * _EDGE
    if arr.ndim == 1:
        per_line = max(1, (_LINEWIDTH - indent) // (width + 2))
        vals = arr.tolist()
        data = [fmt(v) for v in vals[:_EDGE]] + [" ..."] + [fmt(v) for v in vals[-_EDGE:]] \
            if cut else [fmt(v) for v in vals]
        lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    rows = list(range(_EDGE)) + [None] + list(range(n - _EDGE, n)) if cut else range(n)
    parts = ["..." if i is None else _nested(arr[i], indent + 1, summarize, fmt, width)
             for i in rows]
    return "[" + ("," + "\n" * (arr.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _values(arr: np.ndarray) -> str:
    if arr.size == 0:
        return "[]"
    summarize = arr.size > 1000
    shown = _summarized(arr) if summarize else arr
    fmt = _float_format(shown) if arr.dtype.kind == "f" else _other_format(shown)
    width = len(fmt(shown.reshape(-1)[0].item()))
    return _nested(arr, len(_PREFIX), summarize, fmt, width)


def tensor_repr(t: Tensor) -> str:
    host = t._host()
    body = _values(host)
    extras = []
    if t.device.type != "cpu":
        extras.append(f"device='{t.device}'")
    d = t.dtype
    if host.size == 0 and host.ndim != 1:
        extras.append(f"size={tuple(host.shape)}")
    if d not in (dtypes.get_default_dtype(), dtypes.int64, dtypes.bool):
        extras.append(f"dtype=glassgrad.{d.name}")
    if t._grad_fn is not None:
        extras.append(f"grad_fn={t._grad_fn!r}")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return _PREFIX + body + "".join(", " + e for e in extras) + ")"

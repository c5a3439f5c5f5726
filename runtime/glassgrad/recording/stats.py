"""Tensor statistics and non-finite checks, written against the tensor's array namespace."""

from __future__ import annotations

from typing import Any

Stats = tuple  # (min, max, mean, std, norm, nan_count, inf_count)
NO_STATS: Stats = (None,) * 7


def nonfinite(t: Any) -> tuple[int, int]:
    """(NaN count, Inf count) of a floating tensor; (0, 0) for other dtypes."""
    a = t._data
    xp = t._device.xp
    if a.dtype not in t._device.backend.floats:
        return 0, 0
    if bool(xp.all(xp.isfinite(a))):
        return 0, 0
    return int(xp.sum(xp.isnan(a))), int(xp.sum(xp.isinf(a)))


def summarize(t: Any) -> Stats:
    """min, max, mean, std, L2 norm over the finite elements, and NaN/Inf counts."""
    a = t._data
    if a.size == 0:
        return NO_STATS
    xp = t._device.xp
    backend = t._device.backend
    is_float = a.dtype in backend.floats
    if not is_float:
        a = xp.astype(a, backend.native[_float64()])
    nan, inf = nonfinite(t) if is_float else (0, 0)
    if nan or inf:
        a = a[xp.isfinite(a)]
        if a.size == 0:
            return (None, None, None, None, None, nan, inf)
    return (float(xp.min(a)), float(xp.max(a)), float(xp.mean(a)), float(xp.std(a)),
            float(xp.sqrt(xp.sum(a * a))), nan, inf)


def _float64() -> Any:
    from .. import dtypes

    return dtypes.float64

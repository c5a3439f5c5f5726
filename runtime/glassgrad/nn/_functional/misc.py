"""``interpolate`` (nearest, nearest-exact, linear, bilinear, trilinear), composed from
indexing ops.

Both families are separable, so each spatial dim is resampled in turn: nearest is one gather
along the dim, linear is a blend of two gathers. Source positions are computed on the host in
the precision PyTorch uses (float32 for nearest; the input's precision for linear), so the
same output pixels are picked. Gradients come from the gathers' own rule (scatter-add).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ...creation import tensor as _tensor
from ...tensor import Tensor

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear"]

_LINEAR = {"linear": 3, "bilinear": 4, "trilinear": 5}


def _pairs(value: Any, n: int, name: str) -> list:
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"Input and {name} must have the same number of spatial dimensions, "
                             f"but got input with spatial dimensions of {n} and {name} of "
                             f"{list(value)}.")
        return list(value)
    return [value] * n


def _nearest_index(in_size: int, out_size: int, scale: float | None, exact: bool) -> np.ndarray:
    """PyTorch's nearest source index: floor(dst * s) (or floor((dst + .5) * s)), in float32."""
    if out_size == in_size and not exact:
        return np.arange(out_size)
    s = np.float32(1.0 / scale) if scale else np.float32(in_size) / np.float32(out_size)
    dst = np.arange(out_size, dtype=np.float32)
    if exact:
        dst = dst + np.float32(0.5)
    return np.minimum(np.floor(dst * s).astype(np.int64), in_size - 1)


def _linear_weights(in_size: int, out_size: int, scale: float | None, align_corners: bool,
                    dtype: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Left index, right index and the right weight of each output position (PyTorch's
    ``area_pixel_compute_source_index``)."""
    if align_corners:
        s = dtype.type((in_size - 1) / (out_size - 1)) if out_size > 1 else dtype.type(0)
        src = np.arange(out_size, dtype=dtype) * s
    else:
        s = dtype.type(1.0 / scale) if scale else dtype.type(in_size) / dtype.type(out_size)
        src = (np.arange(out_size, dtype=dtype) + dtype.type(0.5)) * s - dtype.type(0.5)
        src = np.maximum(src, dtype.type(0))
    i0 = src.astype(np.int64)
    i1 = np.where(i0 < in_size - 1, i0 + 1, i0)
    lam = np.clip(src - i0.astype(dtype), 0, 1).astype(dtype)
    return i0, i1, lam


def _take(x: Tensor, dim: int, index: np.ndarray) -> Tensor:
    return x[(slice(None),) * dim + (index,)]


def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None,  # noqa: A002
                mode: str = "nearest", align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None, antialias: bool = False) -> Tensor:
    """Resize the spatial dims of ``(N, C, *spatial)`` to ``size`` or by ``scale_factor``."""
    spatial = input.ndim - 2
    if spatial < 1:
        raise ValueError(f"interpolate: expected a batched input with spatial dims, got "
                         f"{input.shape}")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    if mode in ("nearest", "nearest-exact", "area") and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if mode in _LINEAR and _LINEAR[mode] != input.ndim:
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs "
                                  f"{_LINEAR[mode]}D input")
    if mode not in ("nearest", "nearest-exact") and mode not in _LINEAR:
        raise NotImplementedError(f"interpolate: mode {mode!r} is not supported")
    if (size is None) == (scale_factor is None):
        raise ValueError("only one of size or scale_factor should be defined")
    in_sizes = list(input.shape[2:])
    if size is not None:
        out_sizes = [int(s) for s in _pairs(size, spatial, "size")]
        scales: list = [None] * spatial
    else:
        scales = [float(s) for s in _pairs(scale_factor, spatial, "scale_factor")]
        out_sizes = [math.floor(i * s) for i, s in zip(in_sizes, scales)]
        if recompute_scale_factor:
            scales = [None] * spatial
    if any(o <= 0 for o in out_sizes):
        raise ValueError(f"interpolate: output size {out_sizes} must be positive")

    x = input
    if mode in ("nearest", "nearest-exact"):
        for d, (i, o, s) in enumerate(zip(in_sizes, out_sizes, scales)):
            if i != o or mode == "nearest-exact":
                x = _take(x, 2 + d, _nearest_index(i, o, s, mode == "nearest-exact"))
        return x

    dtype = np.dtype(np.float64) if input.dtype.name == "float64" else np.dtype(np.float32)
    for d, (i, o, s) in enumerate(zip(in_sizes, out_sizes, scales)):
        i0, i1, lam = _linear_weights(i, o, s, bool(align_corners), dtype)
        shape = [o] + [1] * (spatial - 1 - d)
        w1 = _tensor(lam.reshape(shape), dtype=x.dtype, device=x.device)
        left, right = _take(x, 2 + d, i0), _take(x, 2 + d, i1)
        x = left * (1 - w1) + right * w1
    return x


def upsample(input: Tensor, size: Any = None, scale_factor: Any = None,  # noqa: A002
             mode: str = "nearest", align_corners: bool | None = None) -> Tensor:
    """Deprecated alias of ``interpolate``."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size: Any = None,  # noqa: A002
                     scale_factor: Any = None) -> Tensor:
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size: Sequence[int] | int | None = None,  # noqa: A002
                      scale_factor: Any = None) -> Tensor:
    """Deprecated: bilinear with align_corners=True, as in PyTorch."""
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)

"""Indexing ops: ``x[...]``, gather, scatter_add, index_select, masked_fill, ``x[...] = v``.

Two primitives carry every gradient here: ``GetItem`` reads positions, ``IndexPut`` adds values
into zeros at positions. Each is the other's gradient, so any order of derivative works.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..errors import OpError, OpIndexError
from ..function import Function
from ..tensor import Tensor
from ._util import dim_index, dtype_of


def _has_int_array(index: tuple, backend: Any) -> bool:
    """Whether an index has integer arrays (positions may repeat, so values must add up)."""
    kinds = backend.from_native
    return any(kinds.get(getattr(i, "dtype", None), dtypes.bool) is not dtypes.bool
               for i in index)


class GetItem(Function):
    is_view = True
    op_name = "getitem"

    def forward(ctx, x, index):
        ctx.shape, ctx.index = x.shape, index
        return ctx.device.backend.getitem(x, index)

    def backward(ctx, grad_output):
        return IndexPut.apply(grad_output, index=ctx.index, shape=ctx.shape)


class Gather(GetItem):
    op_name = "gather"


class IndexSelect(GetItem):
    op_name = "index_select"


class IndexPut(Function):
    """zeros(shape) with ``values`` added at ``index`` (repeated positions accumulate)."""

    op_name = "index_put"

    def forward(ctx, values, index, shape):
        ctx.index = index
        backend = ctx.device.backend
        if _has_int_array(index, backend):
            return backend.index_add(shape, index, values)
        out = ctx.device.xp.zeros(shape, dtype=values.dtype)
        backend.setitem(out, index, values)
        return out

    def backward(ctx, grad_output):
        return GetItem.apply(grad_output, index=ctx.index)


class ScatterAdd(Function):
    op_name = "scatter_add"

    def forward(ctx, x, src, index):
        ctx.index = index
        return x + ctx.device.backend.index_add(x.shape, index, src)

    def backward(ctx, grad_output):
        return grad_output, GetItem.apply(grad_output, index=ctx.index)


class IndexSet(Function):
    """A copy of ``x`` with ``value`` written at ``index`` (what ``x[index] = value`` records)."""

    op_name = "index_set"

    def forward(ctx, x, value, index):
        ctx.index = index
        out = ctx.device.xp.asarray(x, copy=True)
        ctx.device.backend.setitem(out, index, value)
        return out

    def backward(ctx, grad_output):
        gx = IndexSet.apply(grad_output, 0.0, index=ctx.index) if ctx.needs_input_grad[0] \
            else None
        gv = GetItem.apply(grad_output, index=ctx.index) if ctx.needs_input_grad[1] else None
        return gx, gv


# index normalisation ---------------------------------------------------------------------------


def normalize_index(t: Tensor, index: Any) -> tuple:
    """Turn a user index into a tuple of ints, slices, None, Ellipsis and device arrays."""
    if not isinstance(index, tuple):
        index = (index,)
    backend = t._device.backend
    out = []
    for i in index:
        if isinstance(i, Tensor):
            if i._device is not t._device:
                raise OpIndexError(f"indices on {i.device} can't index a tensor on {t.device}")
            if dtype_of(i).is_floating_point:
                raise OpIndexError("tensors used as indices must be long, int or bool tensors")
            out.append(i._data)
        elif isinstance(i, (list, np.ndarray)):
            host = np.asarray(i)
            if host.dtype.kind == "f":
                raise OpIndexError("tensors used as indices must be long, int or bool tensors")
            out.append(backend.from_numpy(host.astype(np.int64) if host.dtype.kind in "iu"
                                          else host))
        elif isinstance(i, (bool, np.bool_)):
            out.append(backend.from_numpy(np.asarray(bool(i))))
        elif isinstance(i, (int, slice, type(None), type(Ellipsis))) or hasattr(i, "__index__"):
            out.append(i if isinstance(i, (slice, type(None), type(Ellipsis))) else int(i))
        else:
            raise OpIndexError(f"unsupported index type {type(i).__name__}")
    return tuple(out)


def _along(t: Tensor, dim: int, index: Tensor) -> tuple:
    """The advanced-index tuple that picks ``index`` along ``dim`` (gather/scatter)."""
    xp = t._device.xp
    if index.ndim != t.ndim:
        raise OpError(f"Index tensor must have the same number of dimensions as input tensor "
                      f"(index {index.shape}, input {t.shape})")
    idx = []
    for d, size in enumerate(index.shape):
        if d == dim:
            idx.append(index._data)
        else:
            if size > t.shape[d]:
                raise OpError(f"Size does not match at dimension {d}: index {index.shape} is "
                              f"larger than input {t.shape} outside dimension {dim}")
            shape = [1] * index.ndim
            shape[d] = size
            idx.append(xp.reshape(xp.arange(size), tuple(shape)))
    return tuple(idx)


# public functions ------------------------------------------------------------------------------


def getitem(input: Tensor, index: Any) -> Tensor:  # noqa: A002
    return GetItem.apply(input, index=normalize_index(input, index))


def setitem(input: Tensor, index: Any, value: Any) -> None:  # noqa: A002
    idx = normalize_index(input, index)
    if isinstance(value, Tensor):
        value = value._cast(input.dtype) if value.dtype is not input.dtype else value
    if input._check_inplace("setitem") and (input.requires_grad or (
            isinstance(value, Tensor) and value.requires_grad)):
        input._apply_inplace("setitem", IndexSet.apply(input, value, index=idx))
        return
    input._device.backend.setitem(input._data, idx,
                                  value._data if isinstance(value, Tensor) else value)
    input._shared_vbox()[0] += 1


def gather(input: Tensor, dim: int, index: Tensor) -> Tensor:  # noqa: A002
    d = dim_index(dim, input.ndim)
    return Gather.apply(input, index=_along(input, d, index))


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:  # noqa: A002
    d = dim_index(dim, input.ndim)
    idx = _along(input, d, index)
    src = src[tuple(slice(0, s) for s in index.shape)] if src.shape != index.shape else src
    return ScatterAdd.apply(input, src._cast(input.dtype), index=idx)


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:  # noqa: A002
    d = dim_index(dim, input.ndim)
    if index.ndim > 1:
        raise OpIndexError("index_select(): Index is supposed to be a vector")
    return IndexSelect.apply(input, index=(slice(None),) * d + (index.reshape(-1)._data,))


def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:  # noqa: A002
    if dtype_of(mask) is not dtypes.bool:
        raise OpError(f"masked_fill only supports boolean masks, but got mask with dtype "
                      f"{dtype_of(mask).name}")
    if isinstance(value, Tensor):
        if value.ndim:
            raise OpError("masked_fill only supports a 0-dimensional value tensor, but got "
                          f"tensor with {value.ndim} dimension(s)")
        return input.where(~mask, value._cast(input.dtype))
    return input.where(~mask, value)


def masked_select(input: Tensor, mask: Tensor) -> Tensor:  # noqa: A002
    shape = np.broadcast_shapes(input.shape, mask.shape)
    return input.expand(*shape)[mask.expand(*shape)]


def take_along_dim(input: Tensor, indices: Tensor, dim: int) -> Tensor:  # noqa: A002
    return gather(input, dim, indices)

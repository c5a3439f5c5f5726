"""Ops that move, copy or reshape elements without computing new values."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .. import dtypes
from ..errors import OpError
from ..function import Function
from ..tensor import Tensor
from ._util import dim_index, dtype_of, size_args


class Reshape(Function):
    is_view = True

    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return ctx.device.xp.reshape(x, shape)

    def backward(ctx, grad_output):
        return grad_output.reshape(ctx.shape)


class Squeeze(Reshape):
    """A reshape that drops size-1 dims (its own name in the graph)."""


class Unsqueeze(Reshape):
    """A reshape that inserts a size-1 dim."""


class Flatten(Reshape):
    """A reshape that merges a range of dims."""


class Permute(Function):
    is_view = True

    def forward(ctx, x, dims):
        ctx.dims = dims
        return ctx.device.xp.permute_dims(x, dims)

    def backward(ctx, grad_output):
        inverse = [0] * len(ctx.dims)
        for i, d in enumerate(ctx.dims):
            inverse[d] = i
        return grad_output.permute(*inverse)


class Transpose(Permute):
    """A permute that swaps two dims."""


class Expand(Function):
    """Broadcast to a larger shape without copying; the engine sums the gradient back."""

    is_view = True

    def forward(ctx, x, shape):
        return ctx.device.xp.broadcast_to(x, shape)

    def backward(ctx, grad_output):
        return grad_output


class Repeat(Function):
    def forward(ctx, x, repeats):
        x = ctx.device.xp.reshape(x, (1,) * (len(repeats) - x.ndim) + tuple(x.shape))
        ctx.shape, ctx.repeats = x.shape, repeats
        return ctx.device.xp.tile(x, repeats)

    def backward(ctx, grad_output):
        split = []
        for r, s in zip(ctx.repeats, ctx.shape):
            split += [r, s]
        g = grad_output.reshape(*split).sum(tuple(range(0, len(split), 2)))
        return g  # leading dims added by repeat are reduced by the engine


class Cat(Function):
    def forward(ctx, *xs, dim=0):
        ctx.dim, ctx.sizes = dim, [x.shape[dim] for x in xs]
        return ctx.device.xp.concat(xs, axis=dim)

    def backward(ctx, grad_output):
        out, start = [], 0
        lead = (slice(None),) * ctx.dim
        for size in ctx.sizes:
            out.append(grad_output[lead + (slice(start, start + size),)])
            start += size
        return tuple(out)


class Flip(Function):
    def forward(ctx, x, dims):
        ctx.dims = dims
        return ctx.device.xp.flip(x, axis=dims)

    def backward(ctx, grad_output):
        return grad_output.flip(ctx.dims)


class Pad(Function):
    def forward(ctx, x, widths, value=0.0):
        ctx.widths = widths
        return ctx.device.backend.pad(x, widths, value)

    def backward(ctx, grad_output):
        index = tuple(slice(lo, grad_output.shape[i] - hi)
                      for i, (lo, hi) in enumerate(ctx.widths))
        return grad_output[index]


# public functions ------------------------------------------------------------------------------


def _infer_shape(shape: tuple[int, ...], numel: int, op: str,
                 input: Tensor | None = None) -> tuple[int, ...]:  # noqa: A002
    operands = {"input": input} if input is not None else None
    if shape.count(-1) > 1:
        raise OpError(f"{op}: only one dimension can be inferred, got shape {shape}",
                      operands=operands)
    if -1 in shape:
        known = math.prod(s for s in shape if s != -1)
        if known == 0 or numel % known:
            raise OpError(f"{op}: shape {list(shape)} is invalid for input of size {numel}",
                          operands=operands)
        shape = tuple(numel // known if s == -1 else s for s in shape)
    if math.prod(shape) != numel:
        raise OpError(f"{op}: shape {list(shape)} is invalid for input of size {numel}",
                      operands=operands)
    return shape


def reshape(input: Tensor, *shape: Any) -> Tensor:  # noqa: A002
    target = _infer_shape(size_args(shape), math.prod(input._data.shape), "reshape", input)
    if target == input._data.shape:
        return input
    return Reshape.apply(input, shape=target)


def view(input: Tensor, *shape: Any) -> Tensor:  # noqa: A002
    if len(shape) == 1 and isinstance(shape[0], dtypes.dtype):
        raise OpError("view(dtype) is not supported; use .to(dtype)")
    return reshape(input, *shape)


def view_as(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    return reshape(input, other.shape)


reshape_as = view_as


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:  # noqa: A002
    shape = input.shape
    if not shape:
        return Flatten.apply(input, shape=(1,))
    s, e = dim_index(start_dim, len(shape)), dim_index(end_dim, len(shape))
    if s > e:
        raise OpError("flatten() has invalid args: start_dim cannot come after end_dim")
    target = shape[:s] + (math.prod(shape[s:e + 1]),) + shape[e + 1:]
    return input if target == shape else Flatten.apply(input, shape=target)


def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:  # noqa: A002
    d = dim_index(dim, input.ndim)
    shape = input.shape
    inner = _infer_shape(tuple(sizes), shape[d], "unflatten")
    return reshape(input, shape[:d] + inner + shape[d + 1:])


def squeeze(input: Tensor, dim: Any = None) -> Tensor:  # noqa: A002
    shape = input.shape
    if dim is None:
        drop = {i for i, s in enumerate(shape) if s == 1}
    else:
        ds = (dim,) if isinstance(dim, int) else tuple(dim)
        drop = {dim_index(d, len(shape)) for d in ds}
        drop = {d for d in drop if shape and shape[d] == 1}
    if not drop:
        return input
    return Squeeze.apply(input, shape=tuple(s for i, s in enumerate(shape) if i not in drop))


def unsqueeze(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    shape = input.shape
    d = dim_index(dim, len(shape) + 1)
    return Unsqueeze.apply(input, shape=shape[:d] + (1,) + shape[d:])


def permute(input: Tensor, *dims: Any) -> Tensor:  # noqa: A002
    order = size_args(dims)
    n = input.ndim
    if len(order) != n:
        raise OpError(f"permute: number of dims don't match: the input has {n} dims but "
                      f"{len(order)} were given ({order})")
    order = tuple(dim_index(d, n) for d in order)
    if sorted(order) != list(range(n)):
        raise OpError(f"permute: repeated dim in {order}")
    if order == tuple(range(n)):
        return input
    return Permute.apply(input, dims=order)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:  # noqa: A002
    n = input.ndim
    if n == 0:
        return input
    a, b = dim_index(dim0, n), dim_index(dim1, n)
    if a == b:
        return input
    order = list(range(n))
    order[a], order[b] = b, a
    return Transpose.apply(input, dims=tuple(order))


swapaxes = swapdims = transpose


def t(input: Tensor) -> Tensor:  # noqa: A002
    if input.ndim > 2:
        raise OpError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return transpose(input, 0, 1) if input.ndim == 2 else input


def movedim(input: Tensor, source: int, destination: int) -> Tensor:  # noqa: A002
    n = input.ndim
    order = [d for d in range(n) if d != dim_index(source, n)]
    order.insert(dim_index(destination, n), dim_index(source, n))
    return permute(input, *order)


def expand(input: Tensor, *sizes: Any) -> Tensor:  # noqa: A002
    sizes = size_args(sizes)
    shape = input.shape
    if len(sizes) < len(shape):
        raise OpError(f"expand: the number of sizes provided ({len(sizes)}) must be greater or "
                      f"equal to the number of dimensions in the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    target = tuple(shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes))
    for i, s in enumerate(shape):
        if s != 1 and s != target[lead + i]:
            raise OpError(f"expand: the expanded size of the tensor ({target[lead + i]}) must "
                          f"match the existing size ({s}) at non-singleton dimension {lead + i}."
                          f"  Target sizes: {list(sizes)}.  Tensor sizes: {list(shape)}",
                          operands={"input": input})
    if target == shape:
        return input
    return Expand.apply(input, shape=target)


def expand_as(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    return expand(input, other.shape)


def broadcast_to(input: Tensor, shape: Sequence[int]) -> Tensor:  # noqa: A002
    return expand(input, tuple(shape))


def repeat(input: Tensor, *sizes: Any) -> Tensor:  # noqa: A002
    sizes = size_args(sizes)
    if len(sizes) < input.ndim:
        raise OpError("repeat: number of repeat dims can not be smaller than number of dimensions "
                      f"of tensor ({len(sizes)} < {input.ndim})")
    return Repeat.apply(input, repeats=sizes)


def _common(tensors: Sequence[Tensor], op: str) -> list[Tensor]:
    tensors = list(tensors)
    if not tensors:
        raise OpError(f"{op}(): expected a non-empty list of Tensors")
    kinds = {dtype_of(t) for t in tensors}
    if len(kinds) == 1:
        return tensors
    target = dtypes.result_type([(d, 2) for d in kinds])
    return [t._cast(target) for t in tensors]


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    tensors = _common(tensors, "cat")
    d = dim_index(dim, tensors[0].ndim)
    return Cat.apply(*tensors, dim=d)


concat = concatenate = cat


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    tensors = _common(tensors, "stack")
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise OpError(f"stack expects each tensor to be equal size, but got {sorted(shapes)}")
    d = dim_index(dim, tensors[0].ndim + 1)
    return cat([unsqueeze(t, d) for t in tensors], d)


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    return cat([t if t.ndim > 1 else t.reshape(1, -1) for t in tensors], 0)


def split(tensor: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    d = dim_index(dim, tensor.ndim)
    n = tensor.shape[d]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size <= 0 and n:
            raise OpError(f"split expects split_size be positive, but got {size}")
        sections = [min(size, n - i) for i in range(0, n, size)] if n else [0]
    else:
        sections = list(split_size_or_sections)
        if sum(sections) != n:
            raise OpError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input "
                          f"tensor's size at dimension {dim}), but got split_sizes={sections}")
    lead = (slice(None),) * d
    out, start = [], 0
    for s in sections:
        out.append(tensor[lead + (slice(start, start + s),)])
        start += s
    return tuple(out)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    n = input.shape[dim_index(dim, input.ndim)]
    return split(input, max(1, math.ceil(n / chunks)), dim)


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    d = dim_index(dim, input.ndim)
    lead = (slice(None),) * d
    return tuple(input[lead + (i,)] for i in range(input.shape[d]))


def flip(input: Tensor, dims: Any) -> Tensor:  # noqa: A002
    axes = (dims,) if isinstance(dims, int) else tuple(dims)
    return Flip.apply(input, dims=tuple(dim_index(d, input.ndim) for d in axes))


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant",  # noqa: A002
        value: float | None = None) -> Tensor:
    """PyTorch's ``F.pad``: ``pad`` lists (left, right) pairs starting from the last dim."""
    if mode != "constant":
        raise OpError(f"pad: mode {mode!r} is not supported (only 'constant')")
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise OpError(f"pad: padding length {len(pad)} must be even and at most twice the "
                      f"number of dims ({input.ndim})")
    if any(p < 0 for p in pad):
        raise OpError("pad: negative padding is not supported")
    widths = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        widths[input.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    return Pad.apply(input, widths=widths, value=0.0 if value is None else value)

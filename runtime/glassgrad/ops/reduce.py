"""Reductions and normalising ops: sum, mean, prod, amax/amin, max/min, var/std, norm,
logsumexp, softmax, log_softmax, cumsum, argmax/argmin, all/any."""

from __future__ import annotations

import math
from collections import namedtuple
from typing import Any

from .. import dtypes
from ..creation import eye
from ..function import Function
from ..tensor import Tensor
from ._util import dim_index, dims, dtype_of, floating, kept_shape

_values_indices = namedtuple("_values_indices", ["values", "indices"])


def _expand_back(g: Tensor, shape: tuple, axes: tuple | None, keepdim: bool) -> Tensor:
    """Broadcast a reduced gradient back over the reduced axes of ``shape``."""
    if not keepdim:
        g = g.reshape(kept_shape(shape, axes))
    return g.expand(*shape)


class Sum(Function):
    def forward(ctx, x, dim=None, keepdim=False):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, dim, keepdim
        return ctx.device.xp.sum(x, axis=dim, keepdims=keepdim)

    def backward(ctx, grad_output):
        return _expand_back(grad_output, ctx.shape, ctx.axes, ctx.keepdim)


class Mean(Function):
    def forward(ctx, x, dim=None, keepdim=False):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, dim, keepdim
        ctx.count = math.prod(x.shape[a] for a in dim) if dim is not None else math.prod(x.shape)
        return ctx.device.xp.mean(x, axis=dim, keepdims=keepdim)

    def backward(ctx, grad_output):
        return _expand_back(grad_output, ctx.shape, ctx.axes, ctx.keepdim) / ctx.count


class Prod(Function):
    saves = ("x", "out")

    def forward(ctx, x, dim=None, keepdim=False):
        ctx.axes, ctx.keepdim = dim, keepdim
        out = ctx.device.xp.prod(x, axis=dim, keepdims=keepdim)
        return out

    def backward(ctx, grad_output, x, out):
        g = _expand_back(grad_output, x.shape, ctx.axes, ctx.keepdim)
        if x.ndim == 0:
            return g
        if not (x == 0).any():
            return g * _expand_back(out, x.shape, ctx.axes, ctx.keepdim) / x
        # with zeros: each entry's gradient is the product of the *other* entries of its
        # slice, taken explicitly (one row per entry with itself set to 1), so that it stays
        # differentiable (double backward) as in PyTorch's prod_safe_zeros_backward
        axes = ctx.axes if ctx.axes is not None else tuple(range(x.ndim))
        kept = [d for d in range(x.ndim) if d not in axes]
        order = kept + list(axes)
        moved = x.permute(*order)
        rows = moved.reshape(*moved.shape[:len(kept)], -1)
        n = rows.shape[-1]
        itself = eye(n, dtype=dtypes.bool, device=x.device)
        others = rows.unsqueeze(-2).masked_fill(itself, 1).prod(-1)
        inverse = [order.index(d) for d in range(x.ndim)]
        return g * others.reshape(moved.shape).permute(*inverse)


class Amax(Function):
    saves = ("x", "out")

    def forward(ctx, x, dim=None, keepdim=False):
        ctx.axes, ctx.keepdim = dim, keepdim
        out = ctx.device.xp.max(x, axis=dim, keepdims=keepdim)
        return out

    def backward(ctx, grad_output, x, out):
        # ties share the gradient equally, as in PyTorch
        hit = x == _expand_back(out, x.shape, ctx.axes, ctx.keepdim)
        count = hit.sum(ctx.axes, keepdim=True) if ctx.axes is not None else hit.sum()
        return _expand_back(grad_output, x.shape, ctx.axes, ctx.keepdim) * hit / count


class Amin(Amax):
    def forward(ctx, x, dim=None, keepdim=False):
        ctx.axes, ctx.keepdim = dim, keepdim
        out = ctx.device.xp.min(x, axis=dim, keepdims=keepdim)
        return out


def _max_or_zero(xp: Any, x: Any, dim: int) -> Any:
    """The max over ``dim`` (kept) to shift by; 0 for empty inputs, which have no max."""
    return xp.max(x, axis=dim, keepdims=True) if x.size else xp.zeros_like(x)


class Softmax(Function):
    saves = ("out",)

    def forward(ctx, x, dim):
        xp = ctx.device.xp
        ctx.dim = dim
        e = xp.exp(x - _max_or_zero(xp, x, dim))
        out = e / xp.sum(e, axis=dim, keepdims=True)
        return out

    def backward(ctx, grad_output, out):
        return out * (grad_output - (grad_output * out).sum(ctx.dim, keepdim=True))


class LogSoftmax(Function):
    op_name = "log_softmax"
    saves = ("out",)

    def forward(ctx, x, dim):
        xp = ctx.device.xp
        ctx.dim = dim
        shifted = x - _max_or_zero(xp, x, dim)
        out = shifted - xp.log(xp.sum(xp.exp(shifted), axis=dim, keepdims=True))
        return out

    def backward(ctx, grad_output, out):
        return LogSoftmaxBackward.apply(grad_output, out, dim=ctx.dim)


class LogSoftmaxBackward(Function):
    """log_softmax's gradient as one op: ``grad - exp(out) * sum(grad)`` (four ops composed;
    it runs on every classification step)."""

    op_name = "log_softmax_backward"
    saves = ("grad", "out")

    def forward(ctx, grad, out, dim):
        xp = ctx.device.xp
        ctx.dim = dim
        return grad - xp.exp(out) * xp.sum(grad, axis=dim, keepdims=True)

    def backward(ctx, grad_output, grad, out):
        d = ctx.dim
        e = out.exp()
        g_grad = grad_output - (grad_output * e).sum(d, keepdim=True)
        g_out = -grad_output * e * grad.sum(d, keepdim=True)
        return g_grad, g_out


class Cumsum(Function):
    def forward(ctx, x, dim):
        ctx.dim = dim
        return ctx.device.xp.cumulative_sum(x, axis=dim)

    def backward(ctx, grad_output):
        return grad_output.flip(ctx.dim).cumsum(ctx.dim).flip(ctx.dim)


class Norm(Function):
    saves = ("x", "out")

    def forward(ctx, x, p=2.0, dim=None, keepdim=False):
        xp = ctx.device.xp
        ctx.p, ctx.axes, ctx.keepdim = p, dim, keepdim
        a = xp.abs(x)
        if p == 2:
            out = xp.sqrt(xp.sum(x * x, axis=dim, keepdims=keepdim))
        elif p == 1:
            out = xp.sum(a, axis=dim, keepdims=keepdim)
        elif p == math.inf:
            out = xp.max(a, axis=dim, keepdims=keepdim)
        elif p == -math.inf:
            out = xp.min(a, axis=dim, keepdims=keepdim)
        elif p == 0:
            out = xp.sum(xp.astype(x != 0, x.dtype), axis=dim, keepdims=keepdim)
        else:
            out = xp.sum(a ** p, axis=dim, keepdims=keepdim) ** (1.0 / p)
        return out

    def backward(ctx, grad_output, x, out):
        p = ctx.p
        g = _expand_back(grad_output, x.shape, ctx.axes, ctx.keepdim)
        n = _expand_back(out, x.shape, ctx.axes, ctx.keepdim)
        if p == 0:
            return g * 0
        if p == 1:
            return g * x.sign()
        if p in (math.inf, -math.inf):
            hit = x.abs() == n
            count = hit.sum(ctx.axes, keepdim=True) if ctx.axes is not None else hit.sum()
            return g * x.sign() * hit / count
        if p == 2:
            scale = x / n
        else:
            scale = x.sign() * x.abs() ** (p - 1) / n ** (p - 1)
        # a zero norm has zero subgradient (PyTorch's convention)
        return g * scale.masked_fill(n == 0, 0)


class _Index(Function):
    """argmax / argmin: int64 indices, no gradient."""

    differentiable = False
    fn = ""

    def forward(ctx, x, dim=None, keepdim=False):
        xp = ctx.device.xp
        if dim is None:
            out = getattr(xp, ctx.fn)(xp.reshape(x, (-1,)))
            return xp.reshape(out, (1,) * x.ndim) if keepdim else out
        return getattr(xp, ctx.fn)(x, axis=dim, keepdims=keepdim)


class Argmax(_Index):
    fn = op_name = "argmax"


class Argmin(_Index):
    fn = op_name = "argmin"


class _Truth(Function):
    """all / any: bool results, no gradient."""

    differentiable = False
    fn = ""

    def forward(ctx, x, dim=None, keepdim=False):
        xp = ctx.device.xp
        if x.dtype != xp.bool:
            x = x != 0
        return getattr(xp, ctx.fn)(x, axis=dim, keepdims=keepdim)


class All(_Truth):
    fn = op_name = "all"


class AnyTrue(_Truth):
    fn = op_name = "any"


# public functions ------------------------------------------------------------------------------


def _reduce(cls: type[Function], input: Tensor, dim: Any, keepdim: bool) -> Tensor:  # noqa: A002
    return cls.apply(input, dim=dims(dim, input._data.ndim), keepdim=keepdim)


def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *,  # noqa: A001, A002
        dtype: dtypes.dtype | None = None) -> Tensor:
    if dtype is not None:
        input = input._cast(dtype)
    elif not dtype_of(input).is_floating_point and dtype_of(input) is not dtypes.int64:
        input = input._cast(dtypes.int64)
    return _reduce(Sum, input, dim, keepdim)


def mean(input: Tensor, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
         dtype: dtypes.dtype | None = None) -> Tensor:
    if dtype is not None:
        input = input._cast(dtype)
    if not dtype_of(input).is_floating_point:
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {dtype_of(input).name}")
    return _reduce(Mean, input, dim, keepdim)


def prod(input: Tensor, dim: int | None = None, keepdim: bool = False, *,  # noqa: A002
         dtype: dtypes.dtype | None = None) -> Tensor:
    if dtype is not None:
        input = input._cast(dtype)
    elif not dtype_of(input).is_floating_point:
        input = input._cast(dtypes.int64)
    return _reduce(Prod, input, dim, keepdim)


def amax(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:  # noqa: A002
    return _reduce(Amax, input, None if dim == () else dim, keepdim)


def amin(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:  # noqa: A002
    return _reduce(Amin, input, None if dim == () else dim, keepdim)


def _max_min(reduce: Any, pick: Any, binary: Any, input: Tensor, dim: Any,  # noqa: A002
             keepdim: bool) -> Any:
    if isinstance(dim, Tensor):
        return binary(input, dim)
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError("max(): Expected reduction dim to be specified for input.numel() "
                               "== 0. Specify the reduction dim with the 'dim' argument.")
        return reduce(input)
    indices = pick(input, dim, keepdim=True)
    values = input.gather(dim, indices)
    if not keepdim:
        values, indices = values.squeeze(dim), indices.squeeze(dim)
    return _values_indices(values, indices)


def max(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001, A002
    """``max(x)``: the largest value; ``max(x, dim)``: (values, indices); ``max(x, y)``:
    elementwise maximum."""
    from .elementwise import maximum

    return _max_min(amax, argmax, maximum, input, dim, keepdim)


def min(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001, A002
    from .elementwise import minimum

    return _max_min(amin, argmin, minimum, input, dim, keepdim)


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    return Argmax.apply(input, dim=None if dim is None else dim_index(dim, input.ndim),
                        keepdim=keepdim)


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    return Argmin.apply(input, dim=None if dim is None else dim_index(dim, input.ndim),
                        keepdim=keepdim)


def all(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001, A002
    return _reduce(All, input, dim, keepdim)


def any(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001, A002
    return _reduce(AnyTrue, input, dim, keepdim)


def var(input: Tensor, dim: Any = None, unbiased: bool | None = None,  # noqa: A002
        keepdim: bool = False, *, correction: float | None = None) -> Tensor:
    """Variance with Bessel's correction by default (``correction=1``)."""
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    x = floating(input)
    axes = dims(dim, x.ndim)
    n = math.prod(x.shape[a] for a in axes) if axes is not None else x.numel()
    centered = x - x.mean(axes, keepdim=True)
    return (centered * centered).sum(axes, keepdim=keepdim) / (n - correction)


def std(input: Tensor, dim: Any = None, unbiased: bool | None = None,  # noqa: A002
        keepdim: bool = False, *, correction: float | None = None) -> Tensor:
    return var(input, dim, unbiased, keepdim, correction=correction).sqrt()


def norm(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False,  # noqa: A002
         dtype: dtypes.dtype | None = None) -> Tensor:
    """Vector p-norm over ``dim`` (all elements by default); ``"fro"`` is the 2-norm."""
    x = floating(input if dtype is None else input._cast(dtype))
    if p == "fro" or p is None:
        p = 2.0
    if isinstance(p, str):
        raise ValueError(f"norm: unsupported p={p!r} (use a number, inf or 'fro')")
    return Norm.apply(x, p=float(p), dim=dims(dim, x.ndim), keepdim=keepdim)


def logsumexp(input: Tensor, dim: Any, keepdim: bool = False) -> Tensor:  # noqa: A002
    """log(sum(exp(x))) computed stably; its gradient is softmax."""
    x = floating(input)
    axes = dims(dim, x.ndim)
    m = x.amax(axes, keepdim=True).detach()
    m = m.masked_fill(m.isinf(), 0)
    out = (x - m).exp().sum(axes, keepdim=True).log() + m
    return out if keepdim else out.squeeze(axes)


def softmax(input: Tensor, dim: int, dtype: dtypes.dtype | None = None) -> Tensor:  # noqa: A002
    x = floating(input if dtype is None else input._cast(dtype))
    return Softmax.apply(x, dim=dim_index(dim, x.ndim))


def log_softmax(input: Tensor, dim: int,  # noqa: A002
                dtype: dtypes.dtype | None = None) -> Tensor:
    x = floating(input if dtype is None else input._cast(dtype))
    return LogSoftmax.apply(x, dim=dim_index(dim, x.ndim))


def cumsum(input: Tensor, dim: int, *, dtype: dtypes.dtype | None = None) -> Tensor:  # noqa: A002
    if dtype is not None:
        input = input._cast(dtype)
    elif not dtype_of(input).is_floating_point:
        input = input._cast(dtypes.int64)
    return Cumsum.apply(input, dim=dim_index(dim, input.ndim))

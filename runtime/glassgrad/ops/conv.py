"""Convolution and pooling primitives on sliding windows.

``Unfold`` views a padded (N, C, H, W) input as its sliding windows (N, C, H_out, W_out, kh, kw)
(``backend.windows``: a strided view, no copy); ``Fold`` is its adjoint (col2im: scatter-add the
windows back, looping only over the kh * kw kernel offsets). Each is the other's gradient.

``Conv2d`` and ``MaxPool2d`` are single graph nodes for speed (one GEMM per group, one argmax)
whose gradient rules are written with ``Unfold``, ``Fold`` and matmul, so higher-order gradients
work and the backward frame shows ``x``, ``weight`` and ``grad_output``.

Geometry arguments are normalised pairs: ``kernel``, ``stride``, ``dilation`` as (h, w) and
``padding`` as ((top, bottom), (left, right)).
"""

from __future__ import annotations

from typing import Any

from ..function import Function
from ..tensor import Tensor, wrap

Pair = tuple[int, int]
Pad = tuple[Pair, Pair]


def out_size(size: int, k: int, s: int, lo: int, hi: int, d: int) -> int:
    return (size + lo + hi - d * (k - 1) - 1) // s + 1


def windows(ctx: Any, x: Any, kernel: Pair, stride: Pair, padding: Pad, dilation: Pair,
            value: float = 0.0) -> Any:
    """(N, C, Ho, Wo, kh, kw) strided view of the windows of ``x`` padded with ``value``."""
    backend = ctx.device.backend
    if any(padding[0]) or any(padding[1]):
        x = backend.pad(x, [(0, 0)] * (x.ndim - 2) + list(padding), value)
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    v = backend.windows(x, (dh * (kh - 1) + 1, dw * (kw - 1) + 1), (-2, -1))
    return v[..., ::sh, ::sw, ::dh, ::dw]


def fold(ctx: Any, cols: Any, shape: tuple, kernel: Pair, stride: Pair, padding: Pad,
         dilation: Pair) -> Any:
    """col2im: the (N, C, H, W) array whose windows' gradients are ``cols`` (overlaps add)."""
    xp = ctx.device.xp
    (pt, pb), (pl, pr) = padding
    h, w = shape[-2], shape[-1]
    out = xp.zeros(tuple(shape[:-2]) + (h + pt + pb, w + pl + pr), dtype=cols.dtype)
    ho, wo = cols.shape[-4], cols.shape[-3]
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    for i in range(kh):
        for j in range(kw):
            r, c = i * dh, j * dw
            out[..., r:r + sh * (ho - 1) + 1:sh, c:c + sw * (wo - 1) + 1:sw] += cols[..., i, j]
    if pt or pb or pl or pr:
        out = out[..., pt:pt + h, pl:pl + w]
    return out


def _named(geometry: tuple) -> dict:
    return dict(zip(("kernel", "stride", "padding", "dilation"), geometry))


class Unfold(Function):
    """Sliding windows of ``x``: (N, C, H, W) -> (N, C, H_out, W_out, kh, kw)."""

    def forward(ctx, x, *, kernel, stride, padding, dilation):
        ctx.shape, ctx.geometry = x.shape, (kernel, stride, padding, dilation)
        return windows(ctx, x, kernel, stride, padding, dilation)

    def backward(ctx, grad_output):
        return Fold.apply(grad_output, shape=ctx.shape, **_named(ctx.geometry))


class Fold(Function):
    """Sum overlapping windows back into an image: the adjoint of ``Unfold``."""

    def forward(ctx, cols, *, shape, kernel, stride, padding, dilation):
        ctx.geometry = (kernel, stride, padding, dilation)
        return fold(ctx, cols, shape, kernel, stride, padding, dilation)

    def backward(ctx, grad_output):
        return Unfold.apply(grad_output, **_named(ctx.geometry))


def _group_cols(cols: Any, groups: int) -> Any:
    """(N, C, Ho, Wo, kh, kw) windows -> (G, N*Ho*Wo, C/G*kh*kw) rows for one GEMM per group."""
    n, c, ho, wo, kh, kw = cols.shape
    rows = cols.transpose(0, 2, 3, 1, 4, 5).reshape(n * ho * wo, groups, (c // groups) * kh * kw)
    return rows.transpose(1, 0, 2)


class Conv2d(Function):
    """2-D cross-correlation of x (N, C, H, W) with weight (O, C/groups, kh, kw), plus bias."""

    op_name = "conv2d"
    saves = ("x", "weight")
    save_if = {"x": 1, "weight": 0}

    def forward(ctx, x, weight, bias, *, stride, padding, dilation, groups):
        xp = ctx.device.xp
        o, _, kh, kw = weight.shape
        ctx.geometry = ((kh, kw), stride, padding, dilation)
        ctx.groups, ctx.x_shape = groups, x.shape
        cols = windows(ctx, x, (kh, kw), stride, padding, dilation)
        n, _, ho, wo = cols.shape[:4]
        rows = _group_cols(cols, groups)                                # (G, N*L, K)
        w = weight.reshape(groups, o // groups, -1)                     # (G, Og, K)
        out = xp.matmul(rows, w.transpose(0, 2, 1))                     # (G, N*L, Og)
        out = out.reshape(groups, n, ho, wo, o // groups).transpose(1, 0, 4, 2, 3)
        out = out.reshape(n, o, ho, wo)
        if bias is not None:
            out = out + bias.reshape(-1, 1, 1)
        return out

    def backward(ctx, grad_output, x, weight):
        need = ctx.needs_input_grad
        n, o, ho, wo = grad_output.shape
        g = ctx.groups
        kernel = ctx.geometry[0]
        # grad_output as (G, N*L, Og) rows, matching the forward's GEMM
        rows_g = grad_output.reshape(n, g, o // g, ho, wo).permute(1, 0, 3, 4, 2) \
            .reshape(g, n * ho * wo, o // g)
        gx = gw = gb = None
        if need[0]:
            c = ctx.x_shape[1]
            cols = rows_g @ weight.reshape(g, o // g, -1)               # (G, N*L, K)
            cols = cols.permute(1, 0, 2).reshape(n, ho, wo, c, *kernel).permute(0, 3, 1, 2, 4, 5)
            gx = Fold.apply(cols, shape=ctx.x_shape, **_named(ctx.geometry))
        if need[1]:
            cols = Unfold.apply(x, **_named(ctx.geometry)).permute(0, 2, 3, 1, 4, 5) \
                .reshape(n * ho * wo, g, -1).permute(1, 0, 2)           # (G, N*L, K)
            gw = (rows_g.mT @ cols).reshape(o, -1, *kernel)
        if need[2]:
            gb = grad_output.sum((0, 2, 3))
        return gx, gw, gb


class MaxPool2d(Function):
    """Max over each window (the first maximum, as PyTorch); the gradient goes to it alone."""

    op_name = "max_pool2d"

    def forward(ctx, x, *, kernel, stride, padding, dilation):
        xp = ctx.device.xp
        ctx.shape, ctx.geometry = x.shape, (kernel, stride, padding, dilation)
        value = -xp.inf if x.dtype.kind == "f" else xp.iinfo(x.dtype).min
        cols = windows(ctx, x, kernel, stride, padding, dilation, value)
        flat = cols.reshape(cols.shape[:-2] + (-1,))
        arg = xp.argmax(flat, axis=-1)
        if x.dtype.kind == "f":
            nan = xp.isnan(flat)
            if nan.any():  # NaN wins, as in PyTorch
                arg = xp.where(nan.any(-1), xp.argmax(nan, axis=-1), arg)
        ctx.arg = arg
        return xp.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]

    def backward(ctx, grad_output):
        xp = ctx.device.xp
        kh, kw = ctx.geometry[0]
        onehot = (ctx.arg[..., None] == xp.arange(kh * kw)).reshape(ctx.arg.shape + (kh, kw))
        mask = wrap(onehot.astype(grad_output._data.dtype), ctx.device)
        return Fold.apply(grad_output.unsqueeze(-1).unsqueeze(-1) * mask, shape=ctx.shape,
                          **_named(ctx.geometry))

    def indices(self, w_in: int) -> Any:
        """PyTorch's ``return_indices``: flat positions (h * W + w) in the unpadded input."""
        xp = self.device.xp
        (kh, kw), (sh, sw), ((pt, _), (pl, _)), (dh, dw) = self.geometry
        ho, wo = self.arg.shape[-2:]
        i, j = self.arg // kw, self.arg % kw
        h = xp.arange(ho).reshape(-1, 1) * sh - pt + i * dh
        w = xp.arange(wo) * sw - pl + j * dw
        return h * w_in + w


def unfold_windows(x: Tensor, kernel: Pair, stride: Pair, padding: Pad,
                   dilation: Pair) -> Tensor:
    """The differentiable (N, C, Ho, Wo, kh, kw) windows of ``x``."""
    return Unfold.apply(x, kernel=kernel, stride=stride, padding=padding, dilation=dilation)


def fold_windows(cols: Tensor, shape: tuple, kernel: Pair, stride: Pair, padding: Pad,
                 dilation: Pair) -> Tensor:
    return Fold.apply(cols, shape=tuple(shape), kernel=kernel, stride=stride, padding=padding,
                      dilation=dilation)

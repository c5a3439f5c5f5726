"""Convolutions: conv1d, conv2d, conv_transpose1d/2d, unfold and fold (im2col / col2im).

conv2d is one graph node (``ops.conv.Conv2d``: windows + one GEMM per group); the rest are
compositions of it, of ``Unfold``/``Fold`` and of matmul.
"""

from __future__ import annotations

from typing import Any

from ...ops import conv as C
from ...tensor import Tensor

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "unfold", "fold"]


def _pair(v: Any, n: int = 2) -> tuple[int, ...]:
    if isinstance(v, int):
        return (v,) * n
    v = tuple(int(i) for i in v)
    if len(v) == 1:
        return v * n
    if len(v) != n:
        raise ValueError(f"expected {n} values, got {v}")
    return v


def _padding(padding: Any, kernel: tuple, dilation: tuple, stride: tuple) -> C.Pad:
    """Normalise ``padding`` (int, pair, 'valid' or 'same') to ((top, bottom), (left, right))."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0), (0, 0))
        if padding != "same":
            raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                             "{'valid', 'same'}")
        if any(s != 1 for s in stride):
            raise ValueError("padding='same' is not supported for strided convolutions")
        out = []
        for k, d in zip(kernel, dilation):
            total = d * (k - 1)
            out.append((total // 2, total - total // 2))
        return tuple(out)  # type: ignore[return-value]
    ph, pw = _pair(padding)
    return ((ph, ph), (pw, pw))


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
           stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-D cross-correlation, as ``torch.nn.functional.conv2d`` (also unbatched (C, H, W))."""
    if input.ndim == 3:
        return conv2d(input.unsqueeze(0), weight, bias, stride, padding, dilation,
                      groups).squeeze(0)
    if input.ndim != 4 or weight.ndim != 4:
        raise ValueError(f"conv2d: expected 4-D input and weight, got input of size "
                         f"{list(input.shape)} and weight of size {list(weight.shape)}")
    stride, dilation = _pair(stride), _pair(dilation)
    kernel = tuple(weight.shape[2:])
    pad = _padding(padding, kernel, dilation, stride)
    c = input.shape[1]
    if weight.shape[1] * groups != c or weight.shape[0] % groups:
        raise ValueError(f"conv2d: given groups={groups}, weight of size {list(weight.shape)}, "
                         f"expected input{list(input.shape)} to have "
                         f"{weight.shape[1] * groups} channels, but got {c} channels instead")
    for size, k, (lo, hi), d in zip(input.shape[2:], kernel, pad, dilation):
        if size + lo + hi < d * (k - 1) + 1:
            raise ValueError("conv2d: kernel size can't be greater than actual input size")
    if input.dtype is not weight.dtype:
        raise TypeError(f"conv2d: input type ({input.dtype.name}) and weight type "
                        f"({weight.dtype.name}) should be the same")
    return C.Conv2d.apply(input, weight, bias, stride=stride, padding=pad, dilation=dilation,
                         groups=groups)


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
           stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-D cross-correlation: conv2d over a height-1 image."""
    if input.ndim == 2:
        return conv1d(input.unsqueeze(0), weight, bias, stride, padding, dilation,
                      groups).squeeze(0)
    (s,), (d,) = _pair(stride, 1), _pair(dilation, 1)
    pad: Any = padding if isinstance(padding, str) else (0, _pair(padding, 1)[0])
    out = conv2d(input.unsqueeze(2), weight.unsqueeze(2), bias, (1, s), pad, (1, d), groups)
    return out.squeeze(2)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """The adjoint of conv2d: each input pixel scatters a weighted kernel into the output
    (matmul to windows, then ``Fold``); weight is (C_in, C_out / groups, kh, kw)."""
    if input.ndim == 3:
        return conv_transpose2d(input.unsqueeze(0), weight, bias, stride, padding,
                                output_padding, groups, dilation).squeeze(0)
    stride, dilation = _pair(stride), _pair(dilation)
    (ph, pw), (oph, opw) = _pair(padding), _pair(output_padding)
    if oph >= max(stride[0], dilation[0]) or opw >= max(stride[1], dilation[1]):
        raise ValueError("conv_transpose2d: output padding must be smaller than either stride "
                         "or dilation")
    n, cin, h, w = input.shape
    if weight.shape[0] != cin or cin % groups:
        raise ValueError(f"conv_transpose2d: weight of size {list(weight.shape)} does not fit "
                         f"input of size {list(input.shape)} with groups={groups}")
    cog, kh, kw = weight.shape[1], weight.shape[2], weight.shape[3]
    g, cig = groups, cin // groups
    hout = (h - 1) * stride[0] - 2 * ph + dilation[0] * (kh - 1) + oph + 1
    wout = (w - 1) * stride[1] - 2 * pw + dilation[1] * (kw - 1) + opw + 1
    # cols[n, g, co, kh, kw, h, w] = sum_ci W[g, ci, co, kh, kw] x[n, g, ci, h, w]
    wt = weight.reshape(g, cig, cog * kh * kw).mT                     # (G, Cog*K, Cig)
    cols = wt @ input.reshape(n, g, cig, h * w)                        # (N, G, Cog*K, L)
    cols = cols.reshape(n, g * cog, kh, kw, h, w).permute(0, 1, 4, 5, 2, 3)
    out = C.fold_windows(cols, (n, g * cog, hout, wout), (kh, kw), stride,
                         ((ph, ph), (pw, pw)), dilation)
    return out if bias is None else out + bias.reshape(-1, 1, 1)


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    if input.ndim == 2:
        return conv_transpose1d(input.unsqueeze(0), weight, bias, stride, padding,
                                output_padding, groups, dilation).squeeze(0)
    out = conv_transpose2d(input.unsqueeze(2), weight.unsqueeze(2), bias,
                           (1, _pair(stride, 1)[0]), (0, _pair(padding, 1)[0]),
                           (0, _pair(output_padding, 1)[0]), groups,
                           (1, _pair(dilation, 1)[0]))
    return out.squeeze(2)


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0,  # noqa: A002
           stride: Any = 1) -> Tensor:
    """im2col as ``torch.nn.functional.unfold``: (N, C * kh * kw, L)."""
    kernel, dilation, stride = _pair(kernel_size), _pair(dilation), _pair(stride)
    ph, pw = _pair(padding)
    cols = C.unfold_windows(input, kernel, stride, ((ph, ph), (pw, pw)), dilation)
    n, c, ho, wo, kh, kw = cols.shape
    return cols.permute(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kw, ho * wo)


def fold(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1,  # noqa: A002
         padding: Any = 0, stride: Any = 1) -> Tensor:
    """col2im as ``torch.nn.functional.fold``: (N, C * kh * kw, L) -> (N, C, H, W)."""
    kernel, dilation, stride = _pair(kernel_size), _pair(dilation), _pair(stride)
    (ph, pw), (h, w) = _pair(padding), _pair(output_size)
    pad = ((ph, ph), (pw, pw))
    ho = C.out_size(h, kernel[0], stride[0], ph, ph, dilation[0])
    wo = C.out_size(w, kernel[1], stride[1], pw, pw, dilation[1])
    n = input.shape[0]
    cols = input.reshape(n, -1, kernel[0], kernel[1], ho, wo).permute(0, 1, 4, 5, 2, 3)
    return C.fold_windows(cols, (n, cols.shape[1], h, w), kernel, stride, pad, dilation)

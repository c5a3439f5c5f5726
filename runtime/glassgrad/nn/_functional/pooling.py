"""Pooling: max_pool1d/2d, avg_pool1d/2d, adaptive_avg_pool1d/2d, adaptive_max_pool2d.

max_pool2d is one graph node (argmax over strided windows, gradient by ``Fold``); average
pooling is a window sum divided by PyTorch's divisor; adaptive average pooling is two small
matmuls with PyTorch's start/end index formula (exact for any input and output size).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import ops
from ...ops import conv as C
from ...tensor import Tensor, wrap
from .conv import _pair

__all__ = ["max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d", "lp_pool2d"]


def _pool_geometry(size: tuple, kernel: tuple, stride: tuple, padding: tuple,
                   dilation: tuple, ceil_mode: bool) -> tuple[tuple, tuple]:
    """Output size and (lo, hi) padding per dim; ceil_mode adds right padding for the last
    window, which must start inside the input or the left padding (PyTorch's rule)."""
    outs, pads = [], []
    for n, k, s, p, d in zip(size, kernel, stride, padding, dilation):
        if p > (k // 2):
            raise ValueError(f"pad should be at most half of effective kernel size, but got "
                             f"pad={p}, kernel_size={k}")
        span = n + 2 * p - d * (k - 1) - 1
        o = (-(-span // s) if ceil_mode else span // s) + 1
        if ceil_mode and (o - 1) * s >= n + p:
            o -= 1
        if o <= 0:
            raise ValueError(f"pooling: output size is too small ({o}) for input size {n}")
        outs.append(o)
        pads.append((p, max(p, (o - 1) * s + d * (k - 1) + 1 - n - p)))
    return tuple(outs), tuple(pads)


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None,  # noqa: A002
               padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Any:
    """Max over windows; with ``return_indices`` also the flat (h * W + w) argmax positions."""
    if input.ndim == 3:
        out = max_pool2d(input.unsqueeze(0), kernel_size, stride, padding, dilation,
                         ceil_mode, return_indices)
        return tuple(o.squeeze(0) for o in out) if return_indices else out.squeeze(0)
    kernel = _pair(kernel_size)
    stride = kernel if stride is None or stride == [] else _pair(stride)
    _, pads = _pool_geometry(input.shape[2:], kernel, stride, _pair(padding), _pair(dilation),
                             ceil_mode)
    out = C.MaxPool2d.apply(input, kernel=kernel, stride=stride, padding=pads,
                            dilation=_pair(dilation))
    if not return_indices:
        return out
    from ... import dtypes

    node = out._grad_fn
    if node is None:  # no graph: recompute the argmax through a throwaway node
        from ...autograd.grad_mode import enable_grad

        with enable_grad():
            node = C.MaxPool2d.apply(input.detach().requires_grad_(), kernel=kernel,
                                     stride=stride, padding=pads,
                                     dilation=_pair(dilation))._grad_fn
    idx = wrap(node.indices(input.shape[-1]), input._device).to(dtypes.int64)
    return out, idx


def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = None,  # noqa: A002
               padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Any:
    k, s = _pair(kernel_size, 1)[0], None if stride is None else _pair(stride, 1)[0]
    out = max_pool2d(input.unsqueeze(-2), (1, k), (1, s if s is not None else k),
                     (0, _pair(padding, 1)[0]), (1, _pair(dilation, 1)[0]), ceil_mode,
                     return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None,  # noqa: A002
               padding: Any = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean over windows; the divisor counts padding when ``count_include_pad`` (never the
    extra ``ceil_mode`` padding), or is ``divisor_override``."""
    if input.ndim == 3:
        return avg_pool2d(input.unsqueeze(0), kernel_size, stride, padding, ceil_mode,
                          count_include_pad, divisor_override).squeeze(0)
    kernel = _pair(kernel_size)
    stride = kernel if stride is None or stride == [] else _pair(stride)
    padding = _pair(padding)
    h, w = input.shape[-2:]
    _, pads = _pool_geometry((h, w), kernel, stride, padding, (1, 1), ceil_mode)
    sums = C.unfold_windows(input, kernel, stride, pads, (1, 1)).sum((-2, -1))
    if divisor_override:
        return sums / divisor_override
    # divisor per output cell: the window's overlap with the counted region
    (pt, _), (pl, _) = pads
    hp, wp = h + sum(pads[0]), w + sum(pads[1])
    mask = np.zeros((hp, wp))
    if count_include_pad:
        mask[:h + 2 * padding[0], :w + 2 * padding[1]] = 1
    else:
        mask[pt:pt + h, pl:pl + w] = 1
    win = np.lib.stride_tricks.sliding_window_view(mask, kernel)[::stride[0], ::stride[1]]
    counts = win.sum((-2, -1))[:sums.shape[-2], :sums.shape[-1]]
    backend = input._device.backend
    div = wrap(backend.from_numpy(counts.astype(np.dtype(input.dtype.name))), input._device)
    return sums / div


def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None,  # noqa: A002
               padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    k = _pair(kernel_size, 1)[0]
    s = k if stride is None else _pair(stride, 1)[0]
    return avg_pool2d(input.unsqueeze(-2), (1, k), (1, s), (0, _pair(padding, 1)[0]),
                      ceil_mode, count_include_pad).squeeze(-2)


def _cells(n: int, o: int) -> list[tuple[int, int]]:
    """PyTorch's adaptive pooling cells: [floor(i*n/o), ceil((i+1)*n/o))."""
    return [((i * n) // o, -(-((i + 1) * n) // o)) for i in range(o)]


def _averaging(n: int, o: int, dtype: Any) -> np.ndarray:
    a = np.zeros((o, n), dtype=dtype)
    for i, (lo, hi) in enumerate(_cells(n, o)):
        a[i, lo:hi] = 1.0 / (hi - lo)
    return a


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Average over PyTorch's adaptive cells: avg_pool2d when the sizes divide, else
    A_h @ x @ A_w.T with averaging matrices (separable, exact)."""
    h, w = input.shape[-2:]
    size = (output_size, output_size) if isinstance(output_size, int) or output_size is None \
        else tuple(output_size)
    oh, ow = (h if size[0] is None else size[0]), (w if size[1] is None else size[1])
    if h % oh == 0 and w % ow == 0:
        if (oh, ow) == (1, 1):
            return input.mean((-2, -1), keepdim=True)
        return avg_pool2d(input, (h // oh, w // ow))
    backend, dt = input._device.backend, np.dtype(input.dtype.name)
    ah = wrap(backend.from_numpy(_averaging(h, oh, dt)), input._device)
    aw = wrap(backend.from_numpy(_averaging(w, ow, dt).T.copy()), input._device)
    return ops.matmul(ops.matmul(ah, input), aw)


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    o = output_size if isinstance(output_size, int) else output_size[0]
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, o)).squeeze(-2)


def adaptive_max_pool2d(input: Tensor, output_size: Any,  # noqa: A002
                        return_indices: bool = False) -> Any:
    """Max over PyTorch's adaptive cells (max_pool2d when the sizes divide; else one amax per
    output cell, fine for the small outputs this is used with)."""
    h, w = input.shape[-2:]
    size = (output_size, output_size) if isinstance(output_size, int) else tuple(output_size)
    oh, ow = (h if size[0] is None else size[0]), (w if size[1] is None else size[1])
    if h % oh == 0 and w % ow == 0:
        return max_pool2d(input, (h // oh, w // ow), return_indices=return_indices)
    if return_indices:
        raise NotImplementedError("adaptive_max_pool2d: return_indices needs divisible sizes")
    rows = []
    for hlo, hhi in _cells(h, oh):
        rows.append(ops.stack([input[..., hlo:hhi, wlo:whi].amax((-2, -1))
                               for wlo, whi in _cells(w, ow)], -1))
    return ops.stack(rows, -2)


def adaptive_max_pool1d(input: Tensor, output_size: Any,  # noqa: A002
                        return_indices: bool = False) -> Any:
    o = output_size if isinstance(output_size, int) else output_size[0]
    out = adaptive_max_pool2d(input.unsqueeze(-2), (1, o), return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size: Any,  # noqa: A002
              stride: Any = None, ceil_mode: bool = False) -> Tensor:
    """(sum over each window of x^p)^(1/p)."""
    kh, kw = _pair(kernel_size)
    out = avg_pool2d(input ** norm_type, (kh, kw), stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(kh * kw) ** (1.0 / norm_type)


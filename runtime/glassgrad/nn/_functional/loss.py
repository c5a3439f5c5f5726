"""Loss functions of ``nn.functional``, composed from glassgrad ops so each step of a loss shows
up in the graph (and in the debugger) as an ordinary op.

Numerical stability comes from the formulation, not from special kernels: cross-entropy goes
through ``log_softmax``; BCE-with-logits is ``(1 - y) x + w softplus(-x)``. The one primitive
here is ``BinaryCrossEntropy``, because PyTorch clamps its logs at -100 *and* gives a finite
gradient at probabilities of exactly 0 or 1, which no composition of clamp and log reproduces.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ... import dtypes
from ...function import Function
from ...ops import softplus, where
from ...ops._util import dtype_of, floating
from ...tensor import Tensor

__all__ = [
    "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div",
]


def _legacy_reduction(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    """PyTorch's deprecated ``size_average``/``reduce`` flags, mapped to ``reduction``."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _class_shape(weight: Tensor, ndim: int, class_dim: int) -> Tensor:
    """A per-class weight shaped to broadcast along ``class_dim`` of an ``ndim``-d input."""
    shape = [1] * ndim
    shape[class_dim] = weight.shape[0]
    return weight.reshape(shape)


# classification --------------------------------------------------------------------------------


class NllLoss(Function):
    """Negative log-likelihood of class indices as one node: it runs once per training step,
    and as a composition it was a dozen small ops (measured in benchmarks/bench_training.py).
    Its gradient scatters ``-weight / denominator`` into the picked positions."""

    op_name = "nll_loss"
    saves = ("scale", "index")

    def forward(ctx, input, target, weight=None, ignore_index=-100, reduction="mean"):  # noqa: A002
        xp = ctx.device.xp
        class_dim = 0 if input.ndim == 1 else 1
        n_classes = input.shape[class_dim]
        ignored = target == ignore_index
        safe = xp.where(ignored, xp.zeros_like(target), target)
        bad = (safe < 0) | (safe >= n_classes)
        if bool(xp.any(bad)):
            raise IndexError(f"Target {int(xp.max(xp.where(bad, safe, -1)))} is out of bounds "
                             f"for {n_classes} classes.")
        index = xp.expand_dims(safe, axis=class_dim)
        picked = xp.squeeze(xp.take_along_axis(input, index, axis=class_dim), axis=class_dim)
        keep = xp.astype(~ignored, input.dtype)
        if weight is not None:
            keep = keep * xp.reshape(xp.take(weight, xp.reshape(safe, (-1,))), safe.shape)
        if reduction == "mean":
            scale = -keep / xp.sum(keep)
        elif reduction in ("sum", "none"):
            scale = -keep
        else:
            raise ValueError(f"{reduction} is not a valid value for reduction")
        ctx.class_dim, ctx.input_shape = class_dim, input.shape
        ctx.save(scale=scale, index=index)
        loss = picked * scale
        return loss if reduction == "none" else xp.sum(loss)

    def backward(ctx, grad_output, scale, index):
        d = ctx.class_dim
        grad = (grad_output * scale).unsqueeze(d)
        return grad.new_zeros(ctx.input_shape).scatter_add(d, index, grad), None, None


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
             size_average: bool | None = None, ignore_index: int = -100,
             reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of class indices, from log-probabilities ``(N, C, ...)``
    or ``(C,)``. A weighted mean divides by the summed weights of the counted targets."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if dtype_of(target).is_floating_point or dtype_of(target) is dtypes.bool:
        raise RuntimeError(f"nll_loss: expected target of an integer dtype, got "
                           f"{dtype_of(target).name}")
    if target.ndim != input.ndim - 1 or (input.ndim > 1 and target.shape[0] != input.shape[0]):
        raise ValueError(f"nll_loss: expected target of shape {input.shape[:1] + input.shape[2:]}"
                         f" for input of shape {input.shape}, got {target.shape}")
    if weight is not None and weight.dtype is not input.dtype:
        weight = weight.to(input.dtype)
    return NllLoss.apply(input, target, weight, ignore_index=ignore_index, reduction=reduction)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                  size_average: bool | None = None, ignore_index: int = -100,
                  reduce: bool | None = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of logits against class indices or class probabilities, through
    ``log_softmax`` (stable for any logit scale), with PyTorch's label smoothing."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    x = floating(input)
    class_dim = 0 if x.ndim == 1 else 1
    n_classes = x.shape[class_dim]
    logp = x.log_softmax(class_dim)
    cw = _class_shape(weight, x.ndim, class_dim) if weight is not None else None

    if dtype_of(target).is_floating_point:  # class probabilities
        if target.shape != x.shape:
            raise ValueError(f"cross_entropy: probability target of shape {target.shape} must "
                             f"match the input's {x.shape}")
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / n_classes
        term = logp * target if cw is None else logp * target * cw
        loss = -term.sum(class_dim)
        if reduction == "mean":
            return loss.sum() / (x.numel() // n_classes)
        return _reduce(loss, reduction)

    nll = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing == 0:
        return nll
    ignored = target == ignore_index
    smooth = -(logp if cw is None else logp * cw).sum(class_dim)
    smooth = smooth.masked_fill(ignored, 0.0)
    if reduction == "mean":
        if weight is not None:
            denom = (weight[target.masked_fill(ignored, 0)] * ~ignored).sum()
        else:
            denom = (~ignored).sum()
        smooth = smooth.sum() / denom
    else:
        smooth = _reduce(smooth, reduction)
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / n_classes)


_EPS = float(np.float32(1e-12))  # PyTorch's epsilon is a float literal


class BinaryCrossEntropy(Function):
    """Elementwise ``-(y log x + (1 - y) log(1 - x))`` with logs clamped at -100, as PyTorch.

    A primitive because the gradient must stay finite where x is exactly 0 or 1:
    ``(x - y) / max(x (1 - x), 1e-12)`` (PyTorch's rule), which clamp∘log would turn into NaN.
    """

    op_name = "binary_cross_entropy"
    saves = ("x", "y")

    def forward(ctx, x, y):
        xp = ctx.device.xp
        with _quiet(xp):
            log_x = xp.maximum(xp.log(x), -100.0)
            log_1mx = xp.maximum(xp.log(1 - x), -100.0)
        return -(y * log_x + (1 - y) * log_1mx)

    def backward(ctx, grad_output, x, y):
        gx = gy = None
        if ctx.needs_input_grad[0]:
            gx = grad_output * (x - y) / (x * (1 - x)).clamp(min=_EPS)
        if ctx.needs_input_grad[1]:
            gy = grad_output * ((1 - x).log() - x.log())
        return gx, gy


class _quiet:
    """NumPy's errstate around log(0); other array libraries do not warn."""

    def __init__(self, xp: Any) -> None:
        self.state = getattr(xp, "errstate", None)
        self.cm = self.state(divide="ignore") if self.state is not None else None

    def __enter__(self) -> None:
        if self.cm is not None:
            self.cm.__enter__()

    def __exit__(self, *exc: object) -> None:
        if self.cm is not None:
            self.cm.__exit__(*exc)


def binary_cross_entropy(input: Tensor, target: Tensor,  # noqa: A002
                         weight: Tensor | None = None, size_average: bool | None = None,
                         reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """BCE of probabilities in [0, 1]; logs are clamped to >= -100 as in PyTorch."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input "
                         f"size ({input.shape}) is deprecated. Please ensure they have the same "
                         "size.")
    x = floating(input)
    if bool(((x < 0) | (x > 1)).any()):
        raise RuntimeError("all elements of input should be between 0 and 1")
    loss = BinaryCrossEntropy.apply(x, target._cast(x.dtype) if target.dtype is not x.dtype
                                    else target)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,  # noqa: A002
                                     weight: Tensor | None = None,
                                     size_average: bool | None = None,
                                     reduce: bool | None = None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """BCE of logits as ``(1 - y) x + (1 + (p - 1) y) softplus(-x)``: no exp overflows, and
    the gradient is exact at x = 0 (softplus' gradient is the sigmoid)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})")
    x = floating(input)
    sp = softplus(-x, 1.0, math.inf)
    if pos_weight is not None:
        sp = sp * ((pos_weight - 1) * target + 1)
    loss = (1 - target) * x + sp
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


# regression ------------------------------------------------------------------------------------


def mse_loss(input: Tensor, target: Tensor, size_average: bool | None = None,  # noqa: A002
             reduce: bool | None = None, reduction: str = "mean",
             weight: Tensor | None = None) -> Tensor:
    """Mean squared error ``(x - y)^2``."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    d = input - target
    loss = d * d
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,  # noqa: A002
            reduce: bool | None = None, reduction: str = "mean",
            weight: Tensor | None = None) -> Tensor:
    """Mean absolute error ``|x - y|`` (gradient 0 where x == y, as PyTorch)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    loss = (input - target).abs()
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def smooth_l1_loss(input: Tensor, target: Tensor,  # noqa: A002
                   size_average: bool | None = None, reduce: bool | None = None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """``0.5 d^2 / beta`` below ``beta``, ``|d| - 0.5 beta`` above (L1 when beta is 0)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    d = (input - target).abs()
    if beta == 0:
        return _reduce(d, reduction)
    loss = where(d < beta, d * d * (0.5 / beta), d - 0.5 * beta)
    return _reduce(loss, reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean",  # noqa: A002
               delta: float = 1.0, weight: Tensor | None = None) -> Tensor:
    """``0.5 d^2`` below ``delta``, ``delta (|d| - 0.5 delta)`` above."""
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    d = (input - target).abs()
    loss = where(d < delta, d * d * 0.5, (d - 0.5 * delta) * delta)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


# distributions ---------------------------------------------------------------------------------


def kl_div(input: Tensor, target: Tensor, size_average: bool | None = None,  # noqa: A002
           reduce: bool | None = None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """KL(target || exp(input)) pointwise, ``input`` being log-probabilities; ``batchmean``
    divides by the batch size (the mathematically meaningful mean)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        # xlogy(y, y): 0 where y == 0, instead of 0 * -inf
        safe = target.masked_fill(target == 0, 1)
        loss = target * safe.log() - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.ndim else loss.sum()
    return _reduce(loss, reduction)

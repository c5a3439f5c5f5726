"""Dropout: zero elements with probability p (glassgrad's seeded generator), scale the rest."""

from __future__ import annotations

from ... import creation
from ...tensor import Tensor

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout"]


def _check(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(input: Tensor, shape: tuple, p: float) -> Tensor:  # noqa: A002
    """1/(1-p) where kept, 0 where dropped, in the input's dtype."""
    u = creation.rand(shape, dtype=input.dtype, device=input.device)
    return (u >= p).to(input.dtype) * (1.0 / (1.0 - p))


def _apply(input: Tensor, mask: Tensor, inplace: bool) -> Tensor:  # noqa: A002
    out = input * mask
    return input._inplace("dropout_", lambda s: out) if inplace else out


def dropout(input: Tensor, p: float = 0.5, training: bool = True,  # noqa: A002
            inplace: bool = False) -> Tensor:
    """Identity when not training (or p == 0); all zeros when p == 1."""
    _check(p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return _apply(input, input.new_zeros(()), inplace)
    return _apply(input, _keep_mask(input, input.shape, p), inplace)


def _channel_dropout(input: Tensor, p: float, training: bool, inplace: bool,  # noqa: A002
                     spatial: int) -> Tensor:
    """Drop whole channels: one draw per (N, C) (or per C for unbatched input)."""
    _check(p)
    if not training or p == 0.0:
        return input
    batched = input.ndim == spatial + 2
    lead = input.shape[:2] if batched else input.shape[:1]
    shape = tuple(lead) + (1,) * spatial
    if p == 1.0:
        return _apply(input, input.new_zeros(shape), inplace)
    return _apply(input, _keep_mask(input, shape, p), inplace)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True,  # noqa: A002
              inplace: bool = False) -> Tensor:
    return _channel_dropout(input, p, training, inplace, 1)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,  # noqa: A002
              inplace: bool = False) -> Tensor:
    return _channel_dropout(input, p, training, inplace, 2)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True,  # noqa: A002
              inplace: bool = False) -> Tensor:
    return _channel_dropout(input, p, training, inplace, 3)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,  # noqa: A002
                  inplace: bool = False) -> Tensor:
    """Dropout that keeps SELU's self-normalising mean and variance."""
    _check(p)
    if not training or p == 0.0:
        return input
    alpha_p = -1.7580993408473766  # -selu_scale * selu_alpha
    keep = (creation.rand(input.shape, dtype=input.dtype, device=input.device) >= p) \
        .to(input.dtype)
    a = (1 / ((1 - p) * (1 + p * alpha_p ** 2))) ** 0.5
    b = -a * alpha_p * p
    out = (input * keep + (1 - keep) * alpha_p) * a + b
    return input._inplace("alpha_dropout_", lambda s: out) if inplace else out

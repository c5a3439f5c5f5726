"""``embedding``: rows of a weight table; the gradient adds rows back with index_put."""

from __future__ import annotations

from ...function import Function
from ...ops.indexing import IndexPut
from ...tensor import Tensor, wrap

__all__ = ["embedding", "one_hot"]


class Embedding(Function):
    """weight[indices]; the row ``padding_idx`` gets no gradient, as in PyTorch."""

    op_name = "embedding"

    def forward(ctx, weight, indices, padding_idx=None):
        ctx.shape, ctx.indices, ctx.padding_idx = weight.shape, indices, padding_idx
        return weight[indices]

    def backward(ctx, grad_output):
        g = grad_output
        if ctx.padding_idx is not None:
            keep = ctx.device.xp.expand_dims(ctx.indices != ctx.padding_idx, -1)
            g = g * wrap(keep.astype(g._data.dtype), ctx.device)
        return IndexPut.apply(g, index=(ctx.indices,), shape=ctx.shape), None


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,  # noqa: A002
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Look up rows of ``weight`` (num_embeddings, dim) for integer ``input`` of any shape."""
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: max_norm, scale_grad_by_freq and sparse are not "
                                  "supported")
    if input.dtype.is_floating_point:
        raise TypeError("embedding: indices must be an integer tensor, got "
                        f"{input.dtype.name}")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += weight.shape[0]
    return Embedding.apply(weight, input._data, padding_idx=padding_idx)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding along a new last dim."""
    from ... import dtypes

    if num_classes < 0:
        num_classes = int(tensor.max().item()) + 1
    xp = tensor._device.xp
    eye = xp.eye(num_classes, dtype=xp.int64)
    return wrap(eye[tensor._data], tensor._device).to(dtypes.int64)



"""``linear`` and ``bilinear``.

``linear`` is one op (PyTorch's addmm): ``x @ W.T + b`` as a single graph node, because an MLP
is a handful of these and three nodes per layer (transpose, matmul, add) cost more in Python
overhead than the products themselves at small batch sizes.
"""

from __future__ import annotations

from ... import ops
from ...errors import OpError
from ...function import Function
from ...ops._util import operands
from ...tensor import Tensor

__all__ = ["linear", "bilinear"]


class Linear(Function):
    saves = ("input", "weight")
    save_if = {"input": 1, "weight": 0}

    def forward(ctx, input, weight, bias=None):  # noqa: A002
        ctx.sizes = (weight.shape[1], weight.shape[0])
        out = input @ weight.mT
        if bias is not None:
            out += bias
        return out

    def backward(ctx, grad_output, input, weight):
        need = ctx.needs_input_grad
        in_f, out_f = ctx.sizes
        g2 = grad_output if grad_output.ndim == 2 else grad_output.reshape(-1, out_f)
        gx = grad_output @ weight if need[0] else None
        gw = g2.mT @ (input if input.ndim == 2 else input.reshape(-1, in_f)) if need[1] else None
        if len(need) == 2:  # no bias
            return gx, gw
        return gx, gw, (g2.sum(0) if need[2] else None)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """input @ weight.T + bias, over any leading batch dims."""
    if weight.ndim != 2:
        raise OpError(f"linear: weight must be 2-D (out_features, in_features), got "
                      f"{weight.shape}")
    if input.shape[-1:] != weight.shape[1:]:
        raise OpError(f"linear: input of shape {input.shape} does not match weight of shape "
                      f"{weight.shape} (in_features {weight.shape[1]})")
    if input.dtype is not weight.dtype:
        input, weight = operands(input, weight)
    if bias is None:
        return Linear.apply(input, weight)
    if bias.dtype is not weight.dtype:
        bias = bias.to(weight.dtype)
    return Linear.apply(input, weight, bias)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor,
             bias: Tensor | None = None) -> Tensor:
    """y_k = x1 @ W_k @ x2 + b_k for weight (out, in1, in2)."""
    out = ops.einsum("...i,kij,...j->...k", input1, weight, input2)
    return out if bias is None else out + bias

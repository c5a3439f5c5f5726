"""Matrix products: matmul (batched, broadcasting, 1-D cases) and einsum."""

from __future__ import annotations

import string
from typing import Any

from ..errors import OpError
from ..function import Function
from ..tensor import Tensor


class Matmul(Function):
    saves = ("a", "b")
    save_if = {"a": 1, "b": 0}

    def forward(ctx, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError("both arguments to matmul need to be at least 1D")
        ctx.ndims = (a.ndim, b.ndim)
        return a @ b

    def backward(ctx, grad_output, a, b):
        g, need = grad_output, ctx.needs_input_grad
        na, nb = ctx.ndims
        if na == 1 and nb == 1:
            return (g * b if need[0] else None), (g * a if need[1] else None)
        ga = gb = None
        if need[0]:
            if nb == 1:
                ga = g.unsqueeze(-1) @ b.unsqueeze(0)
            elif na == 1:
                ga = (g.unsqueeze(-2) @ b.mT).squeeze(-2)
            else:
                ga = g @ b.mT
        if need[1]:
            if na == 1:
                gb = a.unsqueeze(-1) @ g.unsqueeze(-2)
            elif nb == 1:
                gb = (a.mT @ g.unsqueeze(-1)).squeeze(-1)
            else:
                gb = a.mT @ g
        return ga, gb


class Einsum(Function):
    """``einsum`` with explicit subscripts; each operand's gradient is another einsum."""

    def forward(ctx, *operands, equation):
        ctx.equation = equation
        return ctx.device.backend.einsum(equation, *operands)

    def backward(ctx, grad_output):
        ins, out = ctx.equation.split("->")
        subs = ins.split(",")
        operands = ctx.saved_operands
        grads = []
        for i, sub in enumerate(subs):
            if not ctx.needs_input_grad[i]:
                grads.append(None)
                continue
            if len(set(sub)) != len(sub):
                raise OpError(f"einsum: the gradient of an operand with a repeated index "
                              f"({sub!r} in {ctx.equation!r}) is not supported")
            others = [(s, operands[j]) for j, s in enumerate(subs) if j != i]
            available = set(out).union(*[set(s) for s, _ in others])
            kept = "".join(c for c in sub if c in available)
            eq = ",".join([out] + [s for s, _ in others]) + "->" + kept
            g = einsum(eq, grad_output, *[o for _, o in others])
            if kept != sub:  # indices summed in this operand alone: broadcast back
                shape = [operands[i].shape[k] if c in available else 1
                         for k, c in enumerate(sub)]
                g = g.reshape([s if c in available else 1 for c, s in zip(sub, shape)]) \
                    .expand(*operands[i].shape)
            grads.append(g)
        return tuple(grads)


def matmul(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Matrix product with NumPy's broadcasting and 1-D rules. Like PyTorch, both operands
    must have the same dtype (no silent promotion of an integer matrix)."""
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError("matmul expects two Tensors")
    if input._data.dtype != other._data.dtype:
        raise OpError(f"matmul: expected both operands to have the same dtype, but got "
                      f"{input.dtype.name} and {other.dtype.name}",
                      operands={"input": input, "other": other})
    return Matmul.apply(input, other)


def mm(input: Tensor, mat2: Tensor) -> Tensor:  # noqa: A002
    if input.ndim != 2 or mat2.ndim != 2:
        raise OpError(f"mm: expected 2-D tensors, got {input.shape} and {mat2.shape}")
    return matmul(input, mat2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:  # noqa: A002
    if input.ndim != 3 or mat2.ndim != 3:
        raise OpError(f"bmm: expected 3-D tensors, got {input.shape} and {mat2.shape}")
    return matmul(input, mat2)


def dot(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    if input.ndim != 1 or other.ndim != 1:
        raise OpError(f"dot: 1D tensors expected, but got {input.ndim}D and {other.ndim}D")
    return matmul(input, other)


def outer(input: Tensor, vec2: Tensor) -> Tensor:  # noqa: A002
    return input.unsqueeze(-1) * vec2


def _explicit(equation: str, operands: tuple[Tensor, ...]) -> str:
    """Expand ``...`` into letters and add the implicit output, so gradients can permute it."""
    eq = equation.replace(" ", "")
    ins, arrow, out = eq.partition("->")
    subs = ins.split(",")
    if len(subs) != len(operands):
        raise OpError(f"einsum(): {len(subs)} subscripts for {len(operands)} operands "
                      f"in {equation!r}")
    used = set(eq) - set(".,->")
    spare = [c for c in string.ascii_letters if c not in used]
    ell_dims = max((op.ndim - (len(s) - 3) for s, op in zip(subs, operands) if "..." in s),
                   default=0)
    ell = "".join(spare[:ell_dims])
    expanded = []
    for s, op in zip(subs, operands):
        if "..." in s:
            n = op.ndim - (len(s) - 3)
            s = s.replace("...", ell[ell_dims - n:])
        if len(s) != op.ndim:
            raise OpError(f"einsum(): subscript {s!r} has {len(s)} indices for an operand with "
                          f"{op.ndim} dims ({op.shape})")
        expanded.append(s)
    if arrow:
        out = out.replace("...", ell)
    else:
        letters = "".join(expanded)
        out = ell + "".join(sorted(c for c in set(letters) if letters.count(c) == 1
                                   and c not in ell))
    return ",".join(expanded) + "->" + out


def einsum(equation: str, *operands: Any) -> Tensor:
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    eq = _explicit(equation, operands)
    ops = operands
    if len({o.dtype for o in ops}) > 1:
        from .movement import _common

        ops = tuple(_common(ops, "einsum"))
    out = Einsum.apply(*ops, equation=eq)
    if out._grad_fn is not None:
        out._grad_fn.saved_operands = ops
    return out

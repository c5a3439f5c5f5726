"""The op table: every op class, its public function, and the Tensor methods bound to them.

``registry()`` lists every op (name -> Function subclass) defined anywhere in glassgrad
(``gg.OPS`` is that table once everything is imported); tests, docs and the UIs read it.
"""

from __future__ import annotations

from typing import Any

from ..backends import get_device
from ..function import Function
from ..tensor import Tensor
from . import conv, elementwise, indexing, linalg, movement, reduce
from .elementwise import *  # noqa: F403
from .indexing import (
    gather,
    getitem,
    index_select,
    masked_fill,
    masked_select,
    scatter_add,
    setitem,
    take_along_dim,
)
from .linalg import bmm, dot, einsum, matmul, mm, outer
from .movement import *  # noqa: F403
from .reduce import *  # noqa: F403


def registry() -> dict[str, type[Function]]:
    """Every built-in op class by op name (user-defined autograd.Functions excluded)."""
    from ..autograd.function import Function as CustomFunction

    found: dict[str, type[Function]] = {}
    stack = list(Function.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("glassgrad.") and not cls.__name__.startswith("_") \
                and not issubclass(cls, CustomFunction):
            found[cls.op_name] = cls
    return dict(sorted(found.items()))


class ToDevice(Function):
    """A copy to another device; the gradient is copied back."""

    op_name = "to_device"

    def forward(ctx, x, target):
        ctx.source, ctx.device = ctx.device, target
        return target.backend.from_numpy(ctx.source.backend.to_numpy(x))

    def backward(ctx, grad_output):
        return _move(grad_output, ctx.source)


def _move(self: Tensor, dev: Any) -> Tensor:
    return ToDevice.apply(self, target=get_device(dev))


_METHODS: dict[str, Any] = {
    # elementwise
    "add": add, "sub": sub, "subtract": sub, "mul": mul, "multiply": mul, "div": div,
    "divide": div, "true_divide": true_divide, "neg": neg, "negative": neg, "pow": pow,
    "square": square, "exp": exp, "log": log, "log1p": log1p, "sqrt": sqrt,
    "rsqrt": rsqrt, "abs": abs, "sin": sin, "cos": cos, "tanh": tanh,
    "sigmoid": sigmoid, "erf": erf, "relu": relu, "clamp": clamp, "clip": clamp,
    "where": lambda self, condition, other: where(condition, self, other),
    "maximum": maximum, "minimum": minimum, "sign": sign, "floor": floor,
    "ceil": ceil, "round": round, "trunc": trunc, "eq": eq, "ne": ne, "lt": lt,
    "le": le, "gt": gt, "ge": ge, "logical_and": logical_and,
    "logical_or": logical_or, "logical_xor": logical_xor,
    "logical_not": logical_not, "isnan": isnan, "isinf": isinf,
    "isfinite": isfinite, "_cast": cast, "_move": _move, "clone": clone,
    "softmax": softmax, "log_softmax": log_softmax,
    # reductions
    "sum": sum, "mean": mean, "prod": prod, "amax": amax, "amin": amin, "max": max,
    "min": min, "argmax": argmax, "argmin": argmin, "all": all, "any": any,
    "var": var, "std": std, "norm": norm, "logsumexp": logsumexp,
    "cumsum": cumsum,
    # movement
    "reshape": reshape, "view": view, "view_as": view_as, "reshape_as": reshape_as,
    "flatten": flatten, "unflatten": unflatten, "squeeze": squeeze,
    "unsqueeze": unsqueeze, "permute": permute, "transpose": transpose,
    "swapaxes": swapaxes, "t": t, "movedim": movedim, "expand": expand,
    "expand_as": expand_as, "broadcast_to": broadcast_to, "repeat": repeat,
    "split": split, "chunk": chunk, "unbind": unbind, "flip": flip,
    # indexing and products
    "gather": gather, "scatter_add": scatter_add, "index_select": index_select,
    "masked_fill": masked_fill, "masked_select": masked_select,
    "take_along_dim": take_along_dim, "matmul": matmul, "mm": mm, "bmm": bmm, "dot": dot,
    "outer": outer,
    "__getitem__": getitem, "__setitem__": setitem,
}


def _reflected(fn: Any) -> Any:
    return lambda self, other: fn(other, self)


_OPERATORS: dict[str, Any] = {
    "__add__": elementwise._add, "__radd__": _reflected(elementwise._add),
    "__sub__": elementwise._sub, "__rsub__": _reflected(elementwise._sub),
    "__mul__": mul, "__rmul__": _reflected(mul), "__truediv__": div,
    "__rtruediv__": _reflected(div), "__pow__": pow, "__rpow__": _reflected(pow),
    "__matmul__": matmul, "__rmatmul__": _reflected(matmul),
    "__floordiv__": lambda a, b: div(a, b, rounding_mode="floor"),
    "__rfloordiv__": lambda a, b: div(b, a, rounding_mode="floor"),
    "__neg__": neg, "__pos__": lambda a: a, "__abs__": abs,
    "__eq__": eq, "__ne__": ne, "__lt__": lt, "__le__": le, "__gt__": gt, "__ge__": ge,
    "__and__": logical_and, "__or__": logical_or, "__xor__": logical_xor,
    "__rand__": _reflected(logical_and), "__ror__": _reflected(logical_or),
    "__invert__": logical_not,
    # augmented assignment updates in place, as in PyTorch (w -= lr * w.grad keeps w)
    "__iadd__": Tensor.add_, "__isub__": Tensor.sub_, "__imul__": Tensor.mul_,
    "__itruediv__": Tensor.div_, "__ipow__": Tensor.pow_,
}

for _name, _fn in {**_METHODS, **_OPERATORS}.items():
    setattr(Tensor, _name, _fn)

del _name, _fn

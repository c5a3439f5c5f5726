"""Elementwise ops: arithmetic, math functions, activations, comparisons, dtype casts.

Each class is one table entry: forward on arrays, gradient rule on tensors, side by side.
"""

from __future__ import annotations

import math
from typing import Any

from .. import dtypes
from ..function import Function
from ..tensor import Tensor
from . import _special
from ._util import binary, binary_op, dtype_of, floating, operands

# arithmetic ------------------------------------------------------------------------------------


class Add(Function):
    def forward(ctx, a, b):
        try:
            return a + b
        except TypeError:  # bool + bool is logical or (the Array API has no bool arithmetic)
            return ctx.device.xp.logical_or(a, b)

    def backward(ctx, grad_output):
        return grad_output, grad_output


class Sub(Function):
    def forward(ctx, a, b):
        return a - b

    def backward(ctx, grad_output):
        return grad_output, -grad_output if ctx.needs_input_grad[1] else None


class Mul(Function):
    saves = ("a", "b")
    save_if = {"a": 1, "b": 0}

    def forward(ctx, a, b):
        try:
            return a * b
        except TypeError:  # bool * bool is logical and
            return ctx.device.xp.logical_and(a, b)

    def backward(ctx, grad_output, a, b):
        return (grad_output * b if ctx.needs_input_grad[0] else None,
                grad_output * a if ctx.needs_input_grad[1] else None)


class Div(Function):
    saves = ("a", "b")
    save_if = {"a": 1}

    def forward(ctx, a, b):
        return a / b

    def backward(ctx, grad_output, a, b):
        ga = grad_output / b if ctx.needs_input_grad[0] else None
        gb = -grad_output * a / (b * b) if ctx.needs_input_grad[1] else None
        return ga, gb


class Neg(Function):
    def forward(ctx, x):
        return -x

    def backward(ctx, grad_output):
        return -grad_output


class Pow(Function):
    saves = ("base", "exponent", "out")
    save_if = {"out": 1}

    def forward(ctx, base, exponent):
        out = base ** exponent
        return out

    def backward(ctx, grad_output, base, exponent, out):
        gb = ge = None
        if ctx.needs_input_grad[0]:
            if isinstance(exponent, Tensor):
                gb = grad_output * exponent * base ** (exponent - 1)
            elif exponent == 0:
                gb = grad_output * 0
            else:
                gb = grad_output * exponent * base ** (exponent - 1)
        if ctx.needs_input_grad[1]:
            # d(b^e)/de = b^e * log(b); PyTorch defines it as 0 where b == 0 and e >= 0
            logb = base.log() if isinstance(base, Tensor) else math.log(base) if base > 0 else (
                math.nan if base < 0 else -math.inf)
            ge = grad_output * out * logb
            if isinstance(base, Tensor):
                ge = ge.masked_fill((base == 0) & (exponent >= 0), 0)
            elif base == 0:
                ge = ge.masked_fill(exponent >= 0, 0)
        return gb, ge


# math functions --------------------------------------------------------------------------------


class Exp(Function):
    saves = ("out",)

    def forward(ctx, x):
        out = ctx.device.xp.exp(x)
        return out

    def backward(ctx, grad_output, out):
        return grad_output * out


class Log(Function):
    saves = ("x",)

    def forward(ctx, x):
        return ctx.device.xp.log(x)

    def backward(ctx, grad_output, x):
        return grad_output / x


class Log1p(Function):
    saves = ("x",)

    def forward(ctx, x):
        return ctx.device.xp.log1p(x)

    def backward(ctx, grad_output, x):
        return grad_output / (x + 1)


class Sqrt(Function):
    saves = ("out",)

    def forward(ctx, x):
        out = ctx.device.xp.sqrt(x)
        return out

    def backward(ctx, grad_output, out):
        return grad_output / (out * 2)


class Rsqrt(Function):
    saves = ("out",)

    def forward(ctx, x):
        out = 1 / ctx.device.xp.sqrt(x)
        return out

    def backward(ctx, grad_output, out):
        return grad_output * out ** 3 * -0.5


class Abs(Function):
    saves = ("x",)

    def forward(ctx, x):
        return ctx.device.xp.abs(x)

    def backward(ctx, grad_output, x):
        return grad_output * x.sign()


class Sin(Function):
    saves = ("x",)

    def forward(ctx, x):
        return ctx.device.xp.sin(x)

    def backward(ctx, grad_output, x):
        return grad_output * x.cos()


class Cos(Function):
    saves = ("x",)

    def forward(ctx, x):
        return ctx.device.xp.cos(x)

    def backward(ctx, grad_output, x):
        return -grad_output * x.sin()


class Tanh(Function):
    saves = ("out",)

    def forward(ctx, x):
        out = ctx.device.xp.tanh(x)
        return out

    def backward(ctx, grad_output, out):
        return grad_output * (1 - out * out)


class Sigmoid(Function):
    saves = ("out",)

    def forward(ctx, x):
        # 0.5 * (1 + tanh(x / 2)): no overflow for large |x|, one transcendental
        out = (ctx.device.xp.tanh(x * 0.5) + 1) * 0.5
        return out

    def backward(ctx, grad_output, out):
        return grad_output * out * (1 - out)


class Erf(Function):
    saves = ("x",)

    def forward(ctx, x):
        return _special.erf(ctx.device.xp, x)

    def backward(ctx, grad_output, x):
        return grad_output * (x * x * -1).exp() * (2 / math.sqrt(math.pi))


class Relu(Function):
    saves = ("out",)

    def forward(ctx, x):
        out = ctx.device.xp.maximum(x, 0)
        return out

    def backward(ctx, grad_output, out):
        return ThresholdBackward.apply(grad_output, out)


class ThresholdBackward(Function):
    """ReLU's gradient as one op (PyTorch's threshold_backward): ``grad`` where ``result > 0``,
    else 0. Linear in ``grad``, so its own gradient is itself."""

    op_name = "threshold_backward"
    saves = ("result",)

    def forward(ctx, grad, result):
        xp = ctx.device.xp  # a product: NumPy's where() is several times slower here
        return grad * xp.astype(result > 0, grad.dtype)

    def backward(ctx, grad_output, result):
        return ThresholdBackward.apply(grad_output, result), None


class LeakyRelu(Function):
    op_name = "leaky_relu"
    saves = ("x",)

    def forward(ctx, x, negative_slope=0.01):
        ctx.negative_slope = negative_slope
        return ctx.device.xp.where(x > 0, x, x * negative_slope)

    def backward(ctx, grad_output, x):
        return grad_output.where(x > 0, grad_output * ctx.negative_slope)


class Softplus(Function):
    saves = ("x",)

    def forward(ctx, x, beta=1.0, threshold=20.0):
        xp = ctx.device.xp
        ctx.beta, ctx.threshold = beta, threshold
        z = x * beta
        soft = (xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))) / beta
        return xp.where(z > threshold, x, soft)

    def backward(ctx, grad_output, x):
        z = x * ctx.beta
        return grad_output.where(z > ctx.threshold, grad_output * z.sigmoid())


class Clamp(Function):
    saves = ("x",)

    def forward(ctx, x, min=None, max=None):  # noqa: A002
        ctx.min, ctx.max = min, max
        return ctx.device.xp.clip(x, min, max)

    def backward(ctx, grad_output, x):
        keep = None
        if ctx.min is not None:
            keep = x >= ctx.min
        if ctx.max is not None:
            keep = (x <= ctx.max) if keep is None else keep & (x <= ctx.max)
        return grad_output * keep


class Where(Function):
    saves = ("condition",)

    def forward(ctx, condition, a, b):
        return ctx.device.xp.where(condition, a, b)

    def backward(ctx, grad_output, condition):
        return (None,
                grad_output.where(condition, 0) if ctx.needs_input_grad[1] else None,
                grad_output.masked_fill(condition, 0) if ctx.needs_input_grad[2] else None)


class Maximum(Function):
    saves = ("a", "b")

    def forward(ctx, a, b):
        try:
            return ctx.device.xp.maximum(a, b)
        except TypeError:  # bool
            return ctx.device.xp.logical_or(a, b)

    def backward(ctx, grad_output, a, b):
        # ties share the gradient equally, as in PyTorch
        share = (a > b) + (a == b) * 0.5
        return grad_output * share, grad_output * (1 - share)


class Minimum(Function):
    saves = ("a", "b")

    def forward(ctx, a, b):
        try:
            return ctx.device.xp.minimum(a, b)
        except TypeError:  # bool
            return ctx.device.xp.logical_and(a, b)

    def backward(ctx, grad_output, a, b):
        share = (a < b) + (a == b) * 0.5
        return grad_output * share, grad_output * (1 - share)


class Cast(Function):
    """A dtype conversion; gradients flow back between floating dtypes."""

    def forward(ctx, x, dtype=None):
        ctx.source = ctx.device.backend.from_native[x.dtype]
        return ctx.device.backend.astype(x, dtype)

    def backward(ctx, grad_output):
        return grad_output._cast(ctx.source) if ctx.source.is_floating_point else None


class Clone(Function):
    def forward(ctx, x, memory_format=None):
        return ctx.device.xp.asarray(x, copy=True)

    def backward(ctx, grad_output):
        return grad_output


class _Piecewise(Function):
    """Piecewise-constant functions (floor, round, sign, ...): zero gradient everywhere."""

    fn = ""

    def forward(ctx, x):
        return getattr(ctx.device.xp, ctx.fn)(x)

    def backward(ctx, grad_output):
        return grad_output * 0


class Sign(_Piecewise):
    fn = "sign"


class Floor(_Piecewise):
    fn = "floor"


class Ceil(_Piecewise):
    fn = "ceil"


class Round(_Piecewise):
    fn = "round"


class Trunc(_Piecewise):
    fn = "trunc"


class _Predicate(Function):
    """Comparisons and logical ops: bool results, no gradient."""

    differentiable = False
    fn = ""

    def forward(ctx, *args):
        return getattr(ctx.device.xp, ctx.fn)(*args)


def _predicate(name: str, fn: str) -> type[_Predicate]:
    return type(name, (_Predicate,), {"fn": fn, "op_name": fn, "__module__": __name__,
                                      "__doc__": f"``{fn}``: elementwise, bool result."})


Eq, Ne, Lt = _predicate("Eq", "equal"), _predicate("Ne", "not_equal"), _predicate("Lt", "less")
Le, Gt = _predicate("Le", "less_equal"), _predicate("Gt", "greater")
Ge = _predicate("Ge", "greater_equal")
LogicalAnd, LogicalOr = _predicate("LogicalAnd", "logical_and"), _predicate("LogicalOr",
                                                                              "logical_or")
LogicalXor, LogicalNot = _predicate("LogicalXor", "logical_xor"), _predicate("LogicalNot",
                                                                               "logical_not")
IsNan, IsInf = _predicate("IsNan", "isnan"), _predicate("IsInf", "isinf")
IsFinite = _predicate("IsFinite", "isfinite")


# public functions ------------------------------------------------------------------------------


_add = binary_op(Add, "add", "input + other, broadcasting.")
_sub = binary_op(Sub, "sub", "input - other, broadcasting.")
mul = binary_op(Mul, "mul", "input * other, broadcasting.")


def add(input: Any, other: Any, *, alpha: float = 1) -> Tensor:  # noqa: A002
    """input + alpha * other, broadcasting."""
    return _add(input, other if alpha == 1 else other * alpha)


def sub(input: Any, other: Any, *, alpha: float = 1) -> Tensor:  # noqa: A002
    """input - alpha * other, broadcasting."""
    return _sub(input, other if alpha == 1 else other * alpha)


def div(input: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:  # noqa: A002
    """True division (integers divide as floats); ``rounding_mode`` "floor" or "trunc"."""
    a, b = operands(input, other)  # PyTorch's promotion first (float16 / int32 is float16)
    if not dtype_of(a if isinstance(a, Tensor) else b).is_floating_point:
        # integer and bool operands divide as the default float dtype
        a, b = operands(floating(a) if isinstance(a, Tensor) else input,
                        floating(b) if isinstance(b, Tensor) else other)
    q = Div.apply(a, b)
    if rounding_mode is None:
        return q
    if rounding_mode not in ("floor", "trunc"):
        raise ValueError(f"div: rounding_mode must be None, 'floor' or 'trunc', got "
                         f"{rounding_mode!r}")
    out = q.floor() if rounding_mode == "floor" else q.trunc()
    ints = [dtype_of(t) for t in (input, other) if isinstance(t, Tensor)]
    if all(not d.is_floating_point for d in ints) and not isinstance(input, float) and \
            not isinstance(other, float):
        out = out._cast(dtypes.int64 if dtypes.int64 in ints else ints[0])
    return out


def true_divide(input: Any, other: Any) -> Tensor:  # noqa: A002
    return div(input, other)


def neg(input: Tensor) -> Tensor:  # noqa: A002
    return Neg.apply(input)


def pow(input: Any, exponent: Any) -> Tensor:  # noqa: A001, A002
    if not isinstance(input, Tensor) or isinstance(exponent, Tensor):
        return binary(Pow, input, exponent)
    if isinstance(exponent, int) and not isinstance(exponent, bool) and exponent < 0 and \
            not dtype_of(input).is_floating_point:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    return binary(Pow, input, exponent)


def square(input: Tensor) -> Tensor:  # noqa: A002
    return Mul.apply(input, input)


def _unary(cls: type[Function], doc: str) -> Any:
    def op(input: Tensor) -> Tensor:  # noqa: A002
        return cls.apply(floating(input))

    op.__name__ = op.__qualname__ = cls.op_name
    op.__doc__ = doc
    return op


exp = _unary(Exp, "e ** input, elementwise.")
log = _unary(Log, "Natural logarithm, elementwise.")
log1p = _unary(Log1p, "log(1 + input), accurate for small input.")
sqrt = _unary(Sqrt, "Square root, elementwise.")
rsqrt = _unary(Rsqrt, "1 / sqrt(input), elementwise.")
sin = _unary(Sin, "Sine, elementwise.")
cos = _unary(Cos, "Cosine, elementwise.")
tanh = _unary(Tanh, "Hyperbolic tangent, elementwise.")
sigmoid = _unary(Sigmoid, "1 / (1 + exp(-input)), computed without overflow.")
erf = _unary(Erf, "The error function, elementwise.")


def abs(input: Tensor) -> Tensor:  # noqa: A001, A002
    return Abs.apply(input)


def relu(input: Tensor) -> Tensor:  # noqa: A002
    return Relu.apply(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01) -> Tensor:  # noqa: A002
    return LeakyRelu.apply(input, negative_slope=negative_slope)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    x = floating(input)
    if approximate == "tanh":
        inner = (x + x * x * x * 0.044715) * math.sqrt(2 / math.pi)
        return x * 0.5 * (inner.tanh() + 1)
    if approximate != "none":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return x * 0.5 * ((x * (1 / math.sqrt(2))).erf() + 1)


def silu(input: Tensor) -> Tensor:  # noqa: A002
    x = floating(input)
    return x * x.sigmoid()


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    return Softplus.apply(floating(input), beta=beta, threshold=threshold)


def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A001, A002
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        # as PyTorch: at the boundary the gradient goes to input, not to the bound
        out = input
        if min is not None:
            out = where(out < min, min, out)
        if max is not None:
            out = where(out > max, max, out)
        return out
    if isinstance(min, float) or isinstance(max, float):
        input = floating(input)
    return Clamp.apply(input, min=min, max=max)


def where(condition: Tensor, input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input`` where ``condition`` holds, else ``other`` (either may be a Python scalar)."""
    if not isinstance(condition, Tensor) or dtype_of(condition) is not dtypes.bool:
        raise TypeError("where: condition must be a bool Tensor")
    if isinstance(input, Tensor) or isinstance(other, Tensor):
        input, other = operands(input, other)
    else:
        input = condition.new_full((), input, dtype=dtypes.scalar_dtype(input) if not
                                   isinstance(input, float) else dtypes.get_default_dtype())
        input, other = operands(input, other)
    return Where.apply(condition, input, other)


def maximum(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    return binary(Maximum, input, other)


def minimum(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    return binary(Minimum, input, other)


def clone(input: Tensor, *, memory_format: Any = None) -> Tensor:  # noqa: A002
    return Clone.apply(input)


def _piecewise(cls: type[Function]) -> Any:
    def op(input: Tensor) -> Tensor:  # noqa: A002
        return cls.apply(input)

    op.__name__ = op.__qualname__ = cls.fn
    op.__doc__ = f"``{cls.fn}``, elementwise (zero gradient)."
    return op


sign, floor, ceil = _piecewise(Sign), _piecewise(Floor), _piecewise(Ceil)
round, trunc = _piecewise(Round), _piecewise(Trunc)  # noqa: A001


def _compare(cls: type[Function]) -> Any:
    def op(input: Any, other: Any) -> Tensor:  # noqa: A002
        return binary(cls, input, other)

    op.__name__ = op.__qualname__ = cls.fn
    op.__doc__ = cls.__doc__
    return op


eq, ne, lt, le = _compare(Eq), _compare(Ne), _compare(Lt), _compare(Le)
gt, ge = _compare(Gt), _compare(Ge)


def _as_bool(t: Any) -> Any:
    return t._cast(dtypes.bool) if isinstance(t, Tensor) and dtype_of(t) is not dtypes.bool \
        else t


def _logical(cls: type[Function]) -> Any:
    def op(input: Any, other: Any) -> Tensor:  # noqa: A002
        return cls.apply(_as_bool(input), _as_bool(other) if isinstance(other, Tensor)
                         else bool(other))

    op.__name__ = op.__qualname__ = cls.fn
    op.__doc__ = cls.__doc__
    return op


logical_and, logical_or = _logical(LogicalAnd), _logical(LogicalOr)
logical_xor = _logical(LogicalXor)


def logical_not(input: Tensor) -> Tensor:  # noqa: A002
    return LogicalNot.apply(_as_bool(input))


def isnan(input: Tensor) -> Tensor:  # noqa: A002
    return IsNan.apply(input)


def isinf(input: Tensor) -> Tensor:  # noqa: A002
    return IsInf.apply(input)


def isfinite(input: Tensor) -> Tensor:  # noqa: A002
    return IsFinite.apply(input)


def cast(input: Tensor, dtype: dtypes.dtype) -> Tensor:  # noqa: A002
    if dtype_of(input) is dtype:
        return input
    return Cast.apply(input, dtype=dtype)

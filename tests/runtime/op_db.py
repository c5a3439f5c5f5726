"""The op test table (in the spirit of PyTorch's OpInfo).

One ``OpInfo`` per public op or variant. ``op(m, *args, **kwargs)`` is written once against
the module ``m``, which is either ``glassgrad`` or ``torch`` (their APIs match); ``torch_op``
overrides it where PyTorch spells the op differently (``F.gelu`` for ``gg.gelu``).

Each sample lists the op's arguments:

* a tuple of ints: a random floating tensor of that shape (differentiable);
* ``F(values)``: a floating tensor with fixed values (differentiable; ties, zeros);
* ``C(values)``: a constant tensor (int, bool or float; not differentiable);
* ``V(value)``: a plain value that looks like a shape (dims, sizes);
* anything else: passed as is (Python scalars, dims, lists of tensors via ``L``).

``test_ops.py`` builds glassgrad and torch tensors from the same NumPy arrays and compares
forward values and dtypes, gradients, ``gradcheck``/``gradgradcheck`` in float64 and
non-contiguous inputs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as TF  # noqa: N812


@dataclass(frozen=True)
class F:
    """Fixed floating values (differentiable)."""

    values: Any


@dataclass(frozen=True)
class C:
    """A constant tensor (indices, masks, non-differentiable floats)."""

    values: Any
    dtype: str | None = None


@dataclass(frozen=True)
class V:
    """A plain value that would otherwise read as a shape (dims, sizes, paddings)."""

    value: Any


@dataclass(frozen=True)
class L:
    """A list of tensor arguments (cat, stack, einsum operands)."""

    items: tuple


class S:
    """One sample: the op's arguments and keyword arguments."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args, self.kwargs = args, kwargs

    def __repr__(self) -> str:
        parts = [_short(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return ",".join(parts)


def _short(a: Any) -> str:
    if isinstance(a, tuple):
        return "x".join(map(str, a)) or "scalar"
    if isinstance(a, F):
        return "F" + str(np.shape(a.values))
    if isinstance(a, C):
        return "C" + str(np.shape(a.values))
    if isinstance(a, L):
        return "[" + ",".join(_short(i) for i in a.items) + "]"
    if isinstance(a, V):
        return repr(a.value).replace(" ", "")
    return repr(a)


@dataclass
class OpInfo:
    name: str
    op: Callable
    samples: list
    torch_op: Callable | None = None
    grad: bool = True  # differentiable (forward-only ops: comparisons, logical, argmax)
    gradgrad: bool = True  # PyTorch supports double backward for it
    gradcheck: bool = True
    domain: tuple[float, float] = (-2.0, 2.0)
    rtol: float = 1e-5  # float32; float64 uses 1e-10-ish
    atol: float = 1e-6
    grad_rtol: float = 1e-4
    grad_atol: float = 1e-5
    noncontig: bool = True
    float_dtypes: tuple[str, ...] = ("float32", "float64")
    tags: tuple = field(default_factory=tuple)

    def torch_fn(self) -> Callable:
        return self.torch_op or self.op


# shapes: broadcasting, size-1 and empty dims --------------------------------------------------

UNARY = [S((3, 4)), S(()), S((1, 5)), S((2, 0, 3)), S((2, 1, 3))]
BINARY = [S((3, 4), (3, 4)), S((3, 4), (4,)), S((2, 1, 4), (3, 1)), S((), (2, 3)),
          S((0, 3), (1, 3)), S((1,), (2, 2))]
POS = (0.3, 2.0)


def _unary(name: str, op: Callable, **kw: Any) -> OpInfo:
    return OpInfo(name, op, kw.pop("samples", UNARY), **kw)


def _binary(name: str, op: Callable, **kw: Any) -> OpInfo:
    return OpInfo(name, op, kw.pop("samples", BINARY), **kw)


def _scalar_variants(name: str, op: Callable, scalars: tuple = (2, 0.5, -1.5), **kw: Any) -> list:
    """``x op s`` and ``s op x`` (the reflected operator) for Python scalars."""
    out = []
    for s in scalars:
        out.append(OpInfo(f"{name}_scalar_{s}", lambda m, x, s=s: op(x, s), UNARY, **kw))
        out.append(OpInfo(f"{name}_rscalar_{s}", lambda m, x, s=s: op(s, x), UNARY, **kw))
    return out


_add, _sub, _mul, _div = (lambda a, b: a + b), (lambda a, b: a - b), (lambda a, b: a * b), \
    (lambda a, b: a / b)

# the table ------------------------------------------------------------------------------------

OPS: list[OpInfo] = [
    # arithmetic and reflected operators
    _binary("add", lambda m, a, b: m.add(a, b)),
    _binary("add_alpha", lambda m, a, b: m.add(a, b, alpha=2.5)),
    _binary("__add__", lambda m, a, b: a + b),
    _binary("sub", lambda m, a, b: m.sub(a, b)),
    _binary("sub_alpha", lambda m, a, b: m.sub(a, b, alpha=-0.5)),
    _binary("__sub__", lambda m, a, b: a - b),
    _binary("mul", lambda m, a, b: m.mul(a, b)),
    _binary("__mul__", lambda m, a, b: a * b),
    _binary("div", lambda m, a, b: m.div(a, b), samples=[
        S((3, 4), F(np.full((3, 4), 1.5) + np.arange(12).reshape(3, 4) / 7)),
        S((2, 1, 4), F([[0.7], [-1.3], [2.1]])), S((), F([[1.5, -2.0]])),
        S((0, 3), F([[0.5, 1.5, -1.0]]))]),
    _binary("__truediv__", lambda m, a, b: a / b, samples=[
        S((3, 4), F(np.linspace(0.5, 2.0, 4)))]),
    _unary("neg", lambda m, x: -x),
    *_scalar_variants("add", _add),
    *_scalar_variants("sub", _sub),
    *_scalar_variants("mul", _mul),
    *_scalar_variants("div", _div, scalars=(2, 0.5, -1.5), domain=POS),
    # pow
    _unary("pow_scalar_2", lambda m, x: x ** 2),
    _unary("pow_scalar_3", lambda m, x: m.pow(x, 3)),
    _unary("pow_scalar_0", lambda m, x: x ** 0),
    _unary("pow_scalar_-1", lambda m, x: x ** -1, domain=POS),
    _unary("pow_scalar_0.5", lambda m, x: x ** 0.5, domain=POS),
    _unary("pow_scalar_-1.5", lambda m, x: x ** -1.5, domain=POS),
    _unary("rpow_2", lambda m, x: 2 ** x),
    _unary("rpow_0.5", lambda m, x: 0.5 ** x),
    _unary("rpow_e", lambda m, x: math.e ** x),
    _binary("pow_tensor", lambda m, a, b: m.pow(a, b), domain=POS, samples=[
        S((3, 4), (3, 4)), S((2, 1, 4), (3, 1)), S((), (2, 3)), S((0, 3), (1, 3))]),
    OpInfo("pow_zero_base", lambda m, a, b: a ** b, [S(F([0.0, 0.0, 1.5]), F([2.0, 0.5, 1.0]))],
           gradcheck=False),
    # math functions
    _unary("exp", lambda m, x: m.exp(x)),
    _unary("log", lambda m, x: m.log(x), domain=POS),
    _unary("log1p", lambda m, x: m.log1p(x), domain=(-0.7, 2.0)),
    _unary("sqrt", lambda m, x: m.sqrt(x), domain=POS),
    _unary("rsqrt", lambda m, x: m.rsqrt(x), domain=POS),
    _unary("abs", lambda m, x: m.abs(x)),
    _unary("abs_at_zero", lambda m, x: abs(x), samples=[S(F([-1.0, 0.0, 2.0, 0.0]))],
           gradcheck=False),
    _unary("sin", lambda m, x: m.sin(x)),
    _unary("cos", lambda m, x: m.cos(x)),
    _unary("tanh", lambda m, x: m.tanh(x)),
    _unary("sigmoid", lambda m, x: m.sigmoid(x)),
    _unary("sigmoid_large", lambda m, x: m.sigmoid(x), samples=[S(F([-50.0, -5.0, 0, 5, 50]))]),
    _unary("erf", lambda m, x: m.erf(x)),
    # activations
    _unary("relu", lambda m, x: m.relu(x)),
    _unary("relu_at_zero", lambda m, x: m.relu(x), samples=[S(F([-1.0, 0.0, 2.0]))],
           gradcheck=False),
    _unary("leaky_relu", lambda m, x: m.leaky_relu(x), torch_op=lambda m, x: TF.leaky_relu(x)),
    _unary("leaky_relu_slope", lambda m, x: m.leaky_relu(x, 0.2),
           torch_op=lambda m, x: TF.leaky_relu(x, 0.2)),
    _unary("gelu", lambda m, x: m.gelu(x), torch_op=lambda m, x: TF.gelu(x)),
    _unary("gelu_tanh", lambda m, x: m.gelu(x, approximate="tanh"),
           torch_op=lambda m, x: TF.gelu(x, approximate="tanh")),
    _unary("silu", lambda m, x: m.silu(x), torch_op=lambda m, x: TF.silu(x)),
    _unary("softplus", lambda m, x: m.softplus(x), torch_op=lambda m, x: TF.softplus(x)),
    _unary("softplus_beta", lambda m, x: m.softplus(x, beta=2.0, threshold=3.0),
           torch_op=lambda m, x: TF.softplus(x, beta=2.0, threshold=3.0), domain=(-3, 3)),
    # clamp, where, maximum, minimum
    _unary("clamp", lambda m, x: m.clamp(x, -0.5, 0.7)),
    _unary("clamp_min", lambda m, x: x.clamp(min=-0.5)),
    _unary("clamp_max", lambda m, x: x.clamp(max=0.5)),
    _unary("clamp_boundary", lambda m, x: x.clamp(-1.0, 1.0),
           samples=[S(F([-2.0, -1.0, 0.0, 1.0, 2.0]))], gradcheck=False),
    OpInfo("clamp_tensor", lambda m, x, lo, hi: m.clamp(x, lo, hi),
           [S((3, 4), F(np.full((3, 4), -0.5)), F(np.full((4,), 0.5))),
            S((2, 3), F(np.full((1,), -0.3)), F(np.full((2, 1), 0.6)))]),
    OpInfo("clamp_tensor_boundary", lambda m, x, lo, hi: m.clamp(x, lo, hi),
           [S(F([-2.0, -1.0, 0.0, 1.0, 2.0]), F([-1.0] * 5), F([1.0] * 5))], gradcheck=False),
    OpInfo("clamp_tensor_min", lambda m, x, lo: m.clamp(x, min=lo),
           [S((3, 4), F(np.zeros((1, 4))))], gradcheck=False),
    OpInfo("where", lambda m, c, a, b: m.where(c, a, b),
           [S(C([[True, False, True, False]] * 3), (3, 4), (3, 4)),
            S(C([True, False, True]), (2, 3), (1,)), S(C(np.zeros((0, 2), bool)), (0, 2), ())]),
    OpInfo("where_scalar", lambda m, c, a: m.where(c, a, 0.5),
           [S(C([[True, False, True, False]] * 3), (3, 4))]),
    OpInfo("tensor_where", lambda m, c, a, b: a.where(c, b),
           [S(C([[True, False, True, False]] * 3), (3, 4), (4,))]),
    _binary("maximum", lambda m, a, b: m.maximum(a, b)),
    _binary("minimum", lambda m, a, b: m.minimum(a, b)),
    OpInfo("maximum_ties", lambda m, a, b: m.maximum(a, b),
           [S(F([1.0, 2.0, 3.0]), F([1.0, 3.0, 2.0]))], gradcheck=False),
    OpInfo("minimum_ties", lambda m, a, b: m.minimum(a, b),
           [S(F([1.0, 2.0, 3.0]), F([1.0, 3.0, 2.0]))], gradcheck=False),
    _binary("max_binary", lambda m, a, b: m.max(a, b)),
    _binary("min_binary", lambda m, a, b: m.min(a, b)),
    # reductions
    _unary("sum", lambda m, x: x.sum()),
    *[OpInfo(f"{n}_dim", lambda m, x, d, k, n=n: getattr(x, n)(d, keepdim=k),
             [S((3, 4), 1, False), S((3, 4), -1, True), S((2, 3, 4), V((0, 2)), False),
              S((2, 0, 3), 1, False), S((2, 0, 3), 2, True), S((1, 5), 0, True),
              S((2, 3, 4), V((-1, 0)), True)])
      for n in ("sum", "mean")],
    _unary("mean", lambda m, x: x.mean(), samples=[S((3, 4)), S(()), S((1, 5)), S((2, 1, 3))]),
    _unary("prod", lambda m, x: x.prod(), samples=[S((3, 4)), S(()), S((1, 5)), S((2, 0, 3))]),
    OpInfo("prod_dim", lambda m, x, d, k: x.prod(d, keepdim=k),
           [S((3, 4), 1, False), S((3, 4), -2, True), S((2, 0, 3), 2, False)]),
    OpInfo("prod_zeros", lambda m, x: x.prod(),
           [S(F([1.5, 0.0, 2.0, -1.0])), S(F([0.0, 0.0, 2.0]))]),
    OpInfo("prod_zeros_dim", lambda m, x: x.prod(1),
           [S(F([[1.5, 0.0, 2.0], [0.0, 0.0, 3.0], [1.0, 2.0, -1.0]]))]),
    _unary("amax", lambda m, x: x.amax(), samples=[S((3, 4)), S(()), S((1, 5))]),
    _unary("amin", lambda m, x: x.amin(), samples=[S((3, 4)), S(()), S((1, 5))]),
    *[OpInfo(f"{n}_dim", lambda m, x, d, k, n=n: getattr(m, n)(x, d, keepdim=k),
             [S((3, 4), 1, False), S((3, 4), -1, True), S((2, 3, 4), V((0, 2)), False),
              S((2, 0, 3), 2, True)]) for n in ("amax", "amin")],
    *[OpInfo(f"{n}_ties", lambda m, x, n=n: getattr(x, n)(), [S(F([1.0, 3.0, 3.0, -3.0]))],
             gradcheck=False) for n in ("amax", "amin", "max", "min")],
    *[OpInfo(f"{n}_dim_ties", lambda m, x, n=n: getattr(x, n)(1),
             [S(F([[1.0, 3.0, 3.0], [-2.0, -2.0, 0.0]]))], gradcheck=False)
      for n in ("amax", "amin")],
    _unary("max", lambda m, x: x.max(), samples=[S((3, 4)), S(()), S((1, 5))]),
    _unary("min", lambda m, x: m.min(x), samples=[S((3, 4)), S(()), S((1, 5))]),
    *[OpInfo(f"{n}_dim", lambda m, x, d, k, n=n: getattr(x, n)(d, keepdim=k),
             [S((3, 4), 1, False), S((3, 4), -2, True), S((2, 3, 4), 1, False),
              S((1, 5), 0, False)]) for n in ("max", "min")],
    *[OpInfo(f"{n}_dim_ties", lambda m, x, n=n: getattr(x, n)(dim=1),
             [S(F([[1.0, 3.0, 3.0], [-2.0, -2.0, 0.0]]))], gradcheck=False)
      for n in ("max", "min")],
    *[OpInfo(f"{n}_correction", lambda m, x, d, c, k, n=n: getattr(x, n)(d, correction=c,
                                                                         keepdim=k),
             [S((3, 4), None, 1, False), S((3, 4), 1, 0, False), S((3, 4), -1, 1, True),
              S((2, 3, 4), V((0, 2)), 2, False), S((1, 5), 1, 1, False)], atol=1e-5)
      for n in ("var", "std")],
    *[OpInfo(f"{n}_unbiased", lambda m, x, n=n: getattr(x, n)(1, False), [S((3, 4))])
      for n in ("var", "std")],
    _unary("var", lambda m, x: x.var(), samples=[S((3, 4)), S((2, 1, 3))], atol=1e-5),
    _unary("std", lambda m, x: m.std(x), samples=[S((3, 4)), S((5,))], atol=1e-5),
    *[OpInfo(f"norm_p{p}", lambda m, x, d, k, p=p: x.norm(p, d, k),
             [S((3, 4), None, False), S((3, 4), 1, False), S((2, 3, 4), V((0, 2)), True),
              S((3, 4), -1, True), S((5,), None, False)], atol=1e-5)
      for p in (1, 2, math.inf, 3)],
    _unary("norm", lambda m, x: x.norm(), atol=1e-5, samples=[S((3, 4)), S(()), S((1, 5))]),
    *[OpInfo(f"norm_p{p}_at_zero", lambda m, x, p=p: x.norm(p),
             [S(F(np.zeros(3))), S(F([0.0, 1.0, -2.0]))], gradcheck=False, gradgrad=False)
      for p in (1, 2, math.inf, 3)],
    OpInfo("norm_inf_ties", lambda m, x: x.norm(math.inf), [S(F([1.0, -3.0, 3.0, 2.0]))],
           gradcheck=False),
    OpInfo("logsumexp", lambda m, x, d, k: x.logsumexp(d, keepdim=k),
           [S((3, 4), 1, False), S((3, 4), -1, True), S((2, 3, 4), V((0, 2)), False),
            S((1, 5), 0, False)], atol=1e-5),
    OpInfo("logsumexp_large", lambda m, x: m.logsumexp(x, 0),
           [S(F([1000.0, 1000.0, -5.0])), S(F([-math.inf, -math.inf]))], gradcheck=False,
           gradgrad=False),
    *[OpInfo(n, lambda m, x, d, n=n: getattr(x, n)(d),
             [S((3, 4), 1), S((3, 4), 0), S((2, 3, 4), -1), S((1, 5), 0), S((2, 0), 1)],
             atol=1e-5)
      for n in ("softmax", "log_softmax")],
    *[OpInfo(f"{n}_fn", lambda m, x, n=n: getattr(m, n)(x, dim=-1), [S((3, 4))],
             torch_op=lambda m, x, n=n: getattr(TF, n)(x, dim=-1)) for n in ("softmax",
                                                                            "log_softmax")],
    OpInfo("cumsum", lambda m, x, d: x.cumsum(d),
           [S((3, 4), 1), S((3, 4), -2), S((5,), 0), S((2, 0, 3), 2)], atol=1e-5),
    # movement
    OpInfo("reshape", lambda m, x, s: x.reshape(s),
           [S((3, 4), V((4, 3))), S((3, 4), V((-1,))), S((2, 3, 4), V((6, -1))), S((), V((1, 1))),
            S((2, 0, 3), V((0, 6))), S((1, 5), V((5,)))]),
    OpInfo("reshape_args", lambda m, x: x.reshape(2, -1, 3), [S((3, 4))]),
    OpInfo("view", lambda m, x: x.view(4, 3), [S((3, 4))], noncontig=False),
    OpInfo("flatten", lambda m, x, a, b: x.flatten(a, b),
           [S((2, 3, 4), 0, -1), S((2, 3, 4), 1, 2), S((2, 3, 4), 0, 1), S((2, 0, 3), 0, 1)]),
    OpInfo("flatten_fn", lambda m, x: m.flatten(x), [S((2, 3, 4)), S(())]),
    OpInfo("permute", lambda m, x, *d: x.permute(*d),
           [S((2, 3, 4), 2, 0, 1), S((2, 3, 4), -1, 1, 0), S((2, 0, 3), 1, 2, 0)]),
    OpInfo("permute_fn", lambda m, x: m.permute(x, (1, 0)), [S((3, 4))]),
    OpInfo("transpose", lambda m, x, a, b: x.transpose(a, b),
           [S((3, 4), 0, 1), S((2, 3, 4), -1, 0), S((2, 3, 4), 1, 1), S((1, 5), 1, 0)]),
    OpInfo(".T", lambda m, x: x.T, [S((3, 4)), S((5,)), S(())]),
    OpInfo(".t", lambda m, x: x.t(), [S((3, 4)), S((5,))]),
    OpInfo(".mT", lambda m, x: x.mT, [S((3, 4)), S((2, 3, 4)), S((2, 0, 3))]),
    OpInfo("squeeze", lambda m, x: x.squeeze(), [S((1, 3, 1, 4)), S((3, 4)), S((1,)), S(())]),
    OpInfo("squeeze_dim", lambda m, x, d: x.squeeze(d),
           [S((1, 3, 1, 4), 2), S((1, 3, 1, 4), -4), S((3, 4), 0), S((1, 0, 1), 0)]),
    OpInfo("unsqueeze", lambda m, x, d: x.unsqueeze(d),
           [S((3, 4), 0), S((3, 4), -1), S((3, 4), 1), S((), 0), S((2, 0), 2)]),
    OpInfo("expand", lambda m, x, *s: x.expand(*s),
           [S((3, 1), 3, 4), S((1, 4), 2, 3, 4), S((3, 1), -1, 5), S((), 2, 2), S((1,), 0)]),
    OpInfo("expand_as", lambda m, x, y: x.expand_as(y), [S((3, 1), C(np.zeros((2, 3, 4))))]),
    OpInfo("repeat", lambda m, x, *r: x.repeat(*r),
           [S((2, 3), 2, 1), S((2, 3), 1, 2, 3), S((3,), 2), S((), 2, 3), S((2, 0), 2, 2)]),
    OpInfo("cat", lambda m, xs, d: m.cat(xs, d),
           [S(L(((2, 3), (4, 3))), 0), S(L(((2, 3), (2, 1), (2, 2))), -1),
            S(L(((2, 3), (0, 3))), 0), S(L(((3,),)), 0)]),
    OpInfo("stack", lambda m, xs, d: m.stack(xs, d),
           [S(L(((2, 3), (2, 3))), 0), S(L(((2, 3), (2, 3), (2, 3))), -1),
            S(L(((0, 3), (0, 3))), 1), S(L(((), ())), 0)]),
    OpInfo("split", lambda m, x, s, d: x.split(s, d),
           [S((5, 3), 2, 0), S((5, 3), [1, 4], 0), S((3, 4), 3, -1), S((3, 4), [0, 3, 1], 1)]),
    OpInfo("chunk", lambda m, x, c, d: x.chunk(c, d),
           [S((5, 3), 2, 0), S((5, 3), 3, 1), S((3, 4), 4, -1), S((6, 2), 3, 0)]),
    OpInfo("unbind", lambda m, x, d: x.unbind(d), [S((3, 4), 0), S((3, 4), -1), S((2, 0), 0)]),
    OpInfo("flip", lambda m, x, d: x.flip(d),
           [S((3, 4), 0), S((3, 4), V((0, 1))), S((2, 3, 4), V((-1,))), S((2, 0, 3), 1)]),
    OpInfo("pad", lambda m, x, p: m.pad(x, p), [S((3, 4), V((1, 2))), S((2, 3, 4), V((0, 1, 2, 0))),
                                              S((2, 3), V((1, 1, 1, 1))), S((0, 2), V((1, 0)))],
           torch_op=lambda m, x, p: TF.pad(x, p)),
    OpInfo("pad_value", lambda m, x: m.pad(x, (1, 1), value=2.5), [S((3, 4))],
           torch_op=lambda m, x: TF.pad(x, (1, 1), value=2.5)),
    OpInfo("clone", lambda m, x: x.clone(), UNARY),
    # indexing
    OpInfo("getitem_int", lambda m, x: x[1], [S((3, 4)), S((3,))]),
    OpInfo("getitem_neg_int", lambda m, x: x[-1, 2], [S((3, 4))]),
    OpInfo("getitem_slice", lambda m, x: x[1:, ::2], [S((3, 4)), S((4, 5, 2))]),
    OpInfo("getitem_slice_step", lambda m, x: x[::3, 1:4:2], [S((7, 6))]),
    OpInfo("getitem_none_ellipsis", lambda m, x: x[None, ..., 1, None], [S((2, 3, 4))]),
    OpInfo("getitem_ellipsis", lambda m, x: x[..., ::2], [S((2, 3, 4)), S((3,))]),
    OpInfo("getitem_empty_slice", lambda m, x: x[2:2], [S((3, 4))]),
    OpInfo("getitem_bool_mask", lambda m, x, mask: x[mask],
           [S((3, 4), C(np.arange(12).reshape(3, 4) % 3 == 0)),
            S((3, 4), C([True, False, True])), S((3, 4), C(np.zeros((3, 4), bool)))]),
    OpInfo("getitem_int_array", lambda m, x, i: x[i],
           [S((4, 3), C([2, 0, 2, 3, 0])), S((4, 3), C([[1, 1], [0, 3]])),
            S((4, 3), C(np.zeros(0, np.int64)))]),
    OpInfo("getitem_int_arrays", lambda m, x, i, j: x[i, j],
           [S((4, 3), C([2, 0, 2]), C([1, 1, 1])), S((2, 4, 3), C([1, 0, 1]), C([0]))]),
    OpInfo("getitem_list", lambda m, x: x[:, [2, 0, 2]], [S((3, 4))]),
    OpInfo("getitem_mixed", lambda m, x, i: x[1:, i, None], [S((3, 4, 2), C([3, 3, 0]))]),
    OpInfo("index_select", lambda m, x, d, i: x.index_select(d, i),
           [S((4, 3), 0, C([2, 0, 2])), S((4, 3), -1, C([1])), S((2, 3, 4), 2, C([3, 0, 3, 3])),
            S((4, 3), 1, C(np.zeros(0, np.int64)))]),
    OpInfo("gather", lambda m, x, d, i: x.gather(d, i),
           [S((3, 4), 1, C([[0, 0], [3, 1], [2, 2]])), S((3, 4), 0, C([[2, 0, 1, 0]])),
            S((2, 3, 4), -1, C(np.array([1, 3, 3, 0] * 3).reshape(2, 3, 2)))]),
    OpInfo("scatter_add", lambda m, x, d, i, s: x.scatter_add(d, i, s),
           [S((3, 4), 1, C([[0, 0], [3, 1], [2, 2]]), (3, 2)),
            S((3, 4), 0, C([[2, 0, 2, 0]]), (1, 4)),
            S((3, 4), 0, C([[2, 0], [2, 2]]), (2, 2))]),
    OpInfo("masked_fill", lambda m, x, mask: x.masked_fill(mask, -1.5),
           [S((3, 4), C(np.arange(12).reshape(3, 4) % 3 == 0)), S((3, 4), C([True, False] * 2)),
            S((0, 2), C([True, False]))]),
    OpInfo("masked_fill_tensor", lambda m, x, mask, v: x.masked_fill(mask, v),
           [S((3, 4), C(np.arange(12).reshape(3, 4) % 3 == 0), F(2.5))]),
    # products
    OpInfo("matmul", lambda m, a, b: m.matmul(a, b),
           [S((3, 4), (4, 2)), S((2, 3, 4), (4, 5)), S((2, 1, 3, 4), (3, 4, 2)), S((4,), (4,)),
            S((4,), (4, 2)), S((3, 4), (4,)), S((2, 3, 4), (4,)), S((4,), (2, 4, 3)),
            S((0, 4), (4, 2)), S((3, 0), (0, 2)), S((1, 4), (4, 1))], atol=1e-5),
    OpInfo("@", lambda m, a, b: a @ b, [S((3, 4), (4, 2)), S((2, 3, 4), (2, 4, 5))], atol=1e-5),
    OpInfo("mm", lambda m, a, b: m.mm(a, b), [S((3, 4), (4, 2))], atol=1e-5),
    OpInfo("bmm", lambda m, a, b: m.bmm(a, b), [S((2, 3, 4), (2, 4, 5))], atol=1e-5),
    OpInfo("dot", lambda m, a, b: m.dot(a, b), [S((4,), (4,))], atol=1e-5),
    OpInfo("outer", lambda m, a, b: m.outer(a, b), [S((4,), (3,))]),
    OpInfo("einsum", lambda m, eq, xs: m.einsum(eq, *xs),
           [S("ij,jk->ik", L(((3, 4), (4, 2)))), S("bij,bjk->bik", L(((2, 3, 4), (2, 4, 5)))),
            S("ij,ij->i", L(((3, 4), (3, 4)))), S("i,j->ij", L(((3,), (4,)))),
            S("...ij,...jk->...ik", L(((2, 3, 4), (4, 2)))), S("ij->ji", L(((3, 4),))),
            S("ij->", L(((3, 4),))), S("bij,jk", L(((2, 3, 4), (4, 2)))),
            S("ijk,k->ij", L(((2, 3, 4), (4,)))), S("ij,jk,kl->il", L(((2, 3), (3, 4), (4, 2))))],
           atol=1e-5),
    OpInfo("einsum_list", lambda m, xs: m.einsum("ij,jk->ik", list(xs)),
           [S(L(((3, 4), (4, 2))))], atol=1e-5),
    # piecewise-constant (zero gradient)
    *[_unary(n, lambda m, x, n=n: getattr(m, n)(x), domain=(-3, 3), gradgrad=False)
      for n in ("floor", "ceil", "round", "sign", "trunc")],
    *[OpInfo(f"{n}_exact", lambda m, x, n=n: getattr(x, n)(),  # halves, integers, zero
             [S(F([-1.5, -0.5, 0.0, 0.5, 1.5, 2.5, 2.0, -2.0]))], gradcheck=False)
      for n in ("floor", "ceil", "round", "sign", "trunc")],
    # dtype casts
    _unary("to_float64", lambda m, x: x.to(m.float64)),
    _unary("to_float32", lambda m, x: x.to(m.float32), gradcheck=False),  # float32 output
    _unary("double", lambda m, x: x.double()),
    _unary("float", lambda m, x: x.float(), gradcheck=False),
    _unary("to_int64", lambda m, x: x.to(m.int64), grad=False),
    _unary("to_bool", lambda m, x: x.bool(), grad=False, samples=[S(F([0.0, 1.5, -2.0]))]),
    OpInfo("int_to_float", lambda m, x: x.to(m.float32), [S(C([1, 2, -3]))], grad=False),
    # comparisons and logical ops (forward only)
    *[_binary(n, lambda m, a, b, n=n: getattr(m, n)(a, b), grad=False)
      for n in ("eq", "ne", "lt", "le", "gt", "ge")],
    *[OpInfo(f"{n}_op", lambda m, a, b, o=o: o(a, b), [S((3, 4), (4,)), S((3, 4), 0.5)],
             grad=False)
      for n, o in (("eq", lambda a, b: a == b), ("lt", lambda a, b: a < b),
                   ("ge", lambda a, b: a >= b), ("ne", lambda a, b: a != b))],
    OpInfo("eq_ties", lambda m, a, b: a == b, [S(F([1.0, 2.0]), F([1.0, 3.0]))], grad=False),
    *[OpInfo(n, lambda m, a, b, n=n: getattr(m, n)(a, b),
             [S(C([[True, False], [True, True]]), C([True, False])),
              S(C([[1.0, 0.0], [0.0, 2.0]]), C([0.0, 3.0]))], grad=False)
      for n in ("logical_and", "logical_or", "logical_xor")],
    OpInfo("logical_not", lambda m, a: m.logical_not(a), [S(C([True, False])), S(C([0.0, 2.0]))],
           grad=False),
    OpInfo("and_or_invert", lambda m, a, b: (a & b, a | b, ~a),
           [S(C([True, False, True]), C([True, True, False]))], grad=False),
    *[OpInfo(n, lambda m, x, n=n: getattr(m, n)(x),
             [S(C([1.0, math.inf, -math.inf, math.nan]))], grad=False)
      for n in ("isnan", "isinf", "isfinite")],
    *[OpInfo(n, lambda m, x, n=n: getattr(x, n)(1), [S((3, 4)), S(F([[1.0, 3.0, 3.0]]))],
             grad=False) for n in ("argmax", "argmin")],
    OpInfo("argmax_full", lambda m, x: x.argmax(), [S((3, 4))], grad=False),
    *[OpInfo(n, lambda m, x, n=n: getattr(x, n)(1), [S(C([[True, False], [True, True]]))],
             grad=False) for n in ("all", "any")],
]

BY_NAME = {o.name: o for o in OPS}
assert len(BY_NAME) == len(OPS), "duplicate op names in op_db"

# binary elementwise ops for the hypothesis broadcast test: name -> (op(m, a, b), domain of b)
BINARY_ELEMENTWISE = {
    "add": (lambda m, a, b: a + b, None),
    "sub": (lambda m, a, b: a - b, None),
    "mul": (lambda m, a, b: a * b, None),
    "div": (lambda m, a, b: a / b, POS),
    "pow": (lambda m, a, b: m.pow(m.abs(a) + 0.5, b), None),
    "maximum": (lambda m, a, b: m.maximum(a, b), None),
    "minimum": (lambda m, a, b: m.minimum(a, b), None),
    "where": (lambda m, a, b: m.where(a > 0, a, b), None),
}

__all__ = ["OPS", "BY_NAME", "BINARY_ELEMENTWISE", "OpInfo", "S", "F", "C", "L", "V", "torch"]

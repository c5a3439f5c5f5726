"""Argument handling shared by the op modules: promotion, dims, scalar operands."""

from __future__ import annotations

from typing import Any

from .. import dtypes
from ..errors import OpError, OpIndexError
from ..tensor import Tensor

Scalar = (bool, int, float)


def dtype_of(t: Tensor) -> dtypes.dtype:
    return t._device.backend.from_native[t._data.dtype]


def cast(t: Tensor, d: dtypes.dtype) -> Tensor:
    return t if dtype_of(t) is d else t._cast(d)


def floating(t: Tensor) -> Tensor:
    """Integer and bool inputs of floating ops compute in the default float dtype."""
    return t if dtype_of(t).is_floating_point else t._cast(dtypes.get_default_dtype())


def _scalar(value: Any) -> Any:
    if isinstance(value, Scalar):
        return value
    if hasattr(value, "item") and getattr(value, "ndim", 0) == 0 and not isinstance(value, Tensor):
        return value.item()  # NumPy scalars
    raise TypeError(f"unsupported operand type {type(value).__name__}")


def operands(a: Any, b: Any) -> tuple[Any, Any]:
    """Bring a binary op's operands to one dtype by PyTorch's rules. Python scalars stay
    scalars (cheap) and the tensor is cast only when the scalar's category is higher."""
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            if a._data.dtype == b._data.dtype:
                return a, b
            return _promote_tensors(a, b)
        return _with_scalar(a, b)
    if isinstance(b, Tensor):
        b, a = _with_scalar(b, a)
        return a, b
    raise TypeError(f"expected a Tensor operand, got {type(a).__name__} and {type(b).__name__}")


def _promote_tensors(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    da, db = dtype_of(a), dtype_of(b)
    target = dtypes.result_type([(da, 2 if a._data.ndim else 1), (db, 2 if b._data.ndim else 1)])
    return (a if da is target else a._cast(target)), (b if db is target else b._cast(target))


def _with_scalar(t: Tensor, s: Any) -> tuple[Tensor, Any]:
    """The tensor (cast if the scalar's category is higher) and the scalar as a 0-d array."""
    s = _scalar(s)
    d = dtype_of(t)
    sd = dtypes.scalar_dtype(s)
    if sd.category > d.category:
        t, d = t._cast(sd), sd
    value = float(s) if d.is_floating_point else int(s) if d.category == 1 else bool(s)
    backend = t._device.backend
    return t, backend.const(value, backend.native[d])


def binary(cls: Any, a: Any, b: Any, **params: Any) -> Tensor:
    """Apply a binary op after promotion (the one entry point of every binary op)."""
    if a.__class__ is Tensor and b.__class__ is Tensor and a._data.dtype == b._data.dtype:
        return cls.apply(a, b, **params)
    a, b = operands(a, b)
    return cls.apply(a, b, **params)


def binary_op(cls: Any, name: str, doc: str) -> Any:
    """The public function of a binary op, with the common cases (same-dtype tensors, a float
    tensor and a Python number) decided before any general promotion."""
    apply = cls.apply

    def op(input: Any, other: Any) -> Tensor:  # noqa: A002
        if input.__class__ is Tensor:
            kind = other.__class__
            data = input._data
            if kind is Tensor:
                if data.dtype == other._data.dtype:
                    return apply(input, other)
            elif kind is float or kind is int:
                backend = input._device.backend
                if data.dtype in backend.floats:
                    return apply(input, backend.const(float(other), data.dtype))
        a, b = operands(input, other)
        return apply(a, b)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


def dim_index(dim: int, ndim: int) -> int:
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise OpIndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}]"
                           f", but got {dim})")
    return dim % n


def dims(dim: Any, ndim: int) -> tuple[int, ...] | None:
    """Normalise ``dim`` (None, int, or sequence) to sorted non-negative axes; None = all."""
    if dim is None:
        return None
    if isinstance(dim, int):
        return (dim_index(dim, ndim),)
    out = tuple(sorted(dim_index(d, ndim) for d in dim))
    if len(set(out)) != len(out):
        raise OpError(f"dim {tuple(dim)} appears multiple times in the list of dims")
    return out or None


def size_args(size: tuple) -> tuple[int, ...]:
    """Accept ``f(2, 3)`` and ``f((2, 3))`` like PyTorch."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    return tuple(int(s) for s in size)


def kept_shape(shape: tuple, axes: tuple[int, ...] | None) -> tuple[int, ...]:
    """``shape`` with the reduced ``axes`` set to 1 (what keepdim=True gives)."""
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else s for i, s in enumerate(shape))

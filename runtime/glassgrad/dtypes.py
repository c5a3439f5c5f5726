"""glassgrad's dtypes and PyTorch's type-promotion rules.

A dtype is a small named object (``gg.float32``); each backend maps it to its own array dtype.
Promotion follows ``torch.result_type``: the highest *category* (bool < integer < floating)
wins, and within a category dimensioned tensors outrank zero-dim tensors, which outrank Python
scalars.
"""

from __future__ import annotations

__all__ = [
    "dtype", "float16", "float32", "float64", "int32", "int64", "bool",
    "get_default_dtype", "set_default_dtype", "promote_types",
]

_BOOL, _INT, _FLOAT = 0, 1, 2


class dtype:  # noqa: N801 - PyTorch's spelling
    """A tensor element type; compare with ``is`` or ``==``."""

    __slots__ = ("name", "itemsize", "category")

    def __init__(self, name: str, itemsize: int, category: int) -> None:
        self.name = name
        self.itemsize = itemsize
        self.category = category

    @property
    def is_floating_point(self) -> bool:
        return self.category == _FLOAT

    def __repr__(self) -> str:
        return f"glassgrad.{self.name}"

    def __reduce__(self) -> str:
        return self.name


float16 = dtype("float16", 2, _FLOAT)
float32 = dtype("float32", 4, _FLOAT)
float64 = dtype("float64", 8, _FLOAT)
int32 = dtype("int32", 4, _INT)
int64 = dtype("int64", 8, _INT)
bool = dtype("bool", 1, _BOOL)  # noqa: A001 - PyTorch's name

ALL = (float16, float32, float64, int32, int64, bool)
BY_NAME = {d.name: d for d in ALL}
BY_NAME.update(half=float16, float=float32, double=float64, int=int32, long=int64)

_default = [float32]


def get_default_dtype() -> dtype:
    return _default[0]


def set_default_dtype(d: dtype) -> None:
    if not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default[0] = d


def promote_types(a: dtype, b: dtype) -> dtype:
    """The smallest dtype both ``a`` and ``b`` convert to without losing their category."""
    if a is b:
        return a
    if a.category != b.category:
        return a if a.category > b.category else b
    return a if a.itemsize >= b.itemsize else b


def scalar_dtype(value: object) -> dtype:
    """The dtype a Python scalar takes when it decides a result (PyTorch's wrapped numbers)."""
    if value is True or value is False:
        return bool
    if isinstance(value, int):
        return int64
    return _default[0]


def result_type(operands: list[tuple[dtype, int]]) -> dtype:
    """Promote ``(dtype, priority)`` pairs; priority 2 dimensioned, 1 zero-dim, 0 scalar."""
    top = max(d.category for d, _ in operands)
    best = max(p for d, p in operands if d.category == top)
    out = None
    for d, p in operands:
        if d.category == top and p == best:
            out = d if out is None else promote_types(out, d)
    return out

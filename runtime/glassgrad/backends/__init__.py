"""Devices and the array libraries behind them.

Op code is written once against the array namespace ``device.xp`` (NumPy's main namespace,
CuPy, or any Array API standard namespace). The few kernels that differ between libraries
(scatter-add, advanced indexing, einsum, padding, random numbers, host transfer) are methods of
one backend object per library, so a stray library-specific call in op code fails the suite
that runs through array-api-strict.
"""

from __future__ import annotations

import os

from .base import Backend

__all__ = ["Backend", "device", "get_device", "cpu"]


class device:  # noqa: N801 - PyTorch's spelling
    """Where a tensor's array lives: ``device("cpu")`` or ``device("cuda", 0)``."""

    __slots__ = ("type", "index", "backend", "xp")

    def __new__(cls, type: str | device = "cpu", index: int | None = None) -> device:  # noqa: A002
        if isinstance(type, device):
            return type
        return get_device(type if index is None else f"{type}:{index}")

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = get_device(other)
        return self is other

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    # a device is a singleton: copies and pickles refer to the same one
    def __copy__(self) -> device:
        return self

    def __deepcopy__(self, memo: dict) -> device:
        return self

    def __reduce__(self) -> tuple:
        return (get_device, (str(self),))


_DEVICES: dict[str, device] = {}


def _make(type_: str, index: int | None, backend: Backend) -> device:
    d = object.__new__(device)
    d.type, d.index, d.backend, d.xp = type_, index, backend, backend.xp
    backend.device = d
    return d


def _cpu_backend() -> Backend:
    """NumPy, unless GLASSGRAD_CPU_BACKEND names an Array API namespace (tests use
    ``array_api_strict`` to prove op code never calls NumPy on device data)."""
    name = os.environ.get("GLASSGRAD_CPU_BACKEND", "numpy")
    if name == "numpy":
        from .numpy_backend import NumpyBackend

        return NumpyBackend()
    from .array_api_backend import ArrayAPIBackend

    return ArrayAPIBackend(name)


def get_device(spec: str | device | None) -> device:
    """Resolve ``"cpu"``, ``"cuda"``, ``"cuda:1"`` or a device to the device singleton."""
    if spec is None:
        return cpu
    if isinstance(spec, device):
        return spec
    found = _DEVICES.get(spec)
    if found is not None:
        return found
    type_, _, idx = str(spec).partition(":")
    if type_ == "cpu":
        return cpu
    if type_ != "cuda":
        raise RuntimeError(f"unknown device {spec!r}: glassgrad knows 'cpu' and 'cuda[:N]'")
    index = int(idx) if idx else 0
    key = f"cuda:{index}"
    if key not in _DEVICES:
        from .cupy_backend import CupyBackend

        _DEVICES[key] = _make("cuda", index, CupyBackend(index))
    _DEVICES[spec] = _DEVICES[key]
    return _DEVICES[key]


cpu = _make("cpu", None, _cpu_backend())
_DEVICES["cpu"] = cpu

"""Making tensors: from data, filled, ranges, and random (a seeded generator per device)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import dtypes
from .backends import device as Device
from .backends import get_device
from .tensor import Tensor, wrap
from .tensor import _size as size_args

DeviceLike = Device | str | None


def _host_array(data: Any, dtype: dtypes.dtype | None) -> np.ndarray:
    """Python data or a NumPy array as a host array with PyTorch's dtype inference."""
    if isinstance(data, Tensor):
        data = data._host()
    if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in _flat(data)):
        data = _nested_host(data)
    explicit = isinstance(data, np.ndarray) or isinstance(data, np.generic)
    arr = np.asarray(data)
    if dtype is not None:
        return arr.astype(dtype.name, copy=False)
    kind = arr.dtype.kind
    if kind == "f":
        return arr if explicit and arr.dtype.name in dtypes.BY_NAME else arr.astype(
            dtypes.get_default_dtype().name)
    if kind in "iu":
        return arr if explicit and arr.dtype.name in dtypes.BY_NAME else arr.astype(np.int64)
    if kind == "b":
        return arr
    raise TypeError(f"can't convert data of dtype {arr.dtype} to a tensor")


def _flat(data: Any) -> list:
    out = []
    for x in data:
        out.extend(_flat(x) if isinstance(x, (list, tuple)) else [x])
    return out


def _nested_host(data: Any) -> Any:
    if isinstance(data, Tensor):
        return data._host()
    if isinstance(data, (list, tuple)):
        return [_nested_host(x) for x in data]
    return data


def _to_array(data: Any, dtype: dtypes.dtype | None, dev: Device) -> Any:
    if isinstance(data, dev.backend.array_type) and not isinstance(data, np.ndarray):
        return data if dtype is None else dev.backend.astype(data, dtype)
    return dev.backend.from_numpy(np.array(_host_array(data, dtype), copy=True))


def tensor(data: Any, *, dtype: dtypes.dtype | None = None, device: DeviceLike = None,
           requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested lists, scalars, NumPy arrays)."""
    dev = get_device(device)
    t = wrap(_to_array(data, dtype, dev), dev)
    return t.requires_grad_(requires_grad) if requires_grad else t


def as_tensor(data: Any, dtype: dtypes.dtype | None = None,
              device: DeviceLike = None) -> Tensor:
    """Like ``tensor`` but shares memory with a Tensor or NumPy array where it can."""
    if isinstance(data, Tensor):
        return data.to(*(x for x in (device, dtype) if x is not None))
    dev = get_device(device)
    if isinstance(data, np.ndarray) and dev.type == "cpu" and dev.backend.array_type is \
            np.ndarray and data.dtype.name in dtypes.BY_NAME and (
            dtype is None or data.dtype.name == dtype.name):
        return wrap(data, dev)
    return tensor(data, dtype=dtype, device=dev)


def from_numpy(array: np.ndarray) -> Tensor:
    """A CPU tensor sharing memory with ``array``."""
    if array.dtype.name not in dtypes.BY_NAME:
        raise TypeError(f"can't convert np.ndarray of type {array.dtype}; supported: "
                        f"{', '.join(d.name for d in dtypes.ALL)}")
    cpu = get_device("cpu")
    return wrap(cpu.backend.from_numpy(array), cpu)


def _filled(size: tuple, value: Any, dtype: dtypes.dtype | None, device: DeviceLike,
            requires_grad: bool) -> Tensor:
    dev = get_device(device)
    if dtype is None:
        dtype = dtypes.scalar_dtype(value) if not isinstance(value, float) else \
            dtypes.get_default_dtype()
    arr = dev.xp.full(tuple(size), value, dtype=dev.backend.native[dtype])
    return wrap(arr, dev).requires_grad_(requires_grad) if requires_grad else wrap(arr, dev)


def zeros(*size: Any, dtype: dtypes.dtype | None = None, device: DeviceLike = None,
          requires_grad: bool = False) -> Tensor:
    return _filled(size_args(size), 0, dtype or dtypes.get_default_dtype(), device,
                   requires_grad)


def ones(*size: Any, dtype: dtypes.dtype | None = None, device: DeviceLike = None,
         requires_grad: bool = False) -> Tensor:
    return _filled(size_args(size), 1, dtype or dtypes.get_default_dtype(), device,
                   requires_grad)


def empty(*size: Any, dtype: dtypes.dtype | None = None, device: DeviceLike = None,
          requires_grad: bool = False) -> Tensor:
    """Uninitialised in PyTorch; zeros here (never garbage in a debugger view)."""
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def full(size: Any, fill_value: Any, *, dtype: dtypes.dtype | None = None,
         device: DeviceLike = None, requires_grad: bool = False) -> Tensor:
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return _filled(size_args((size,)) if isinstance(size, (tuple, list)) else size_args(
        (size,)), fill_value, dtype, device, requires_grad)


def _like(fn: Any, t: Tensor, dtype: dtypes.dtype | None, device: DeviceLike,
          requires_grad: bool, *args: Any) -> Tensor:
    return fn(t.shape, *args, dtype=dtype or t.dtype, device=device or t.device,
              requires_grad=requires_grad)


def zeros_like(input: Tensor, *, dtype: dtypes.dtype | None = None,  # noqa: A002
               device: DeviceLike = None, requires_grad: bool = False) -> Tensor:
    return _like(zeros, input, dtype, device, requires_grad)


def ones_like(input: Tensor, *, dtype: dtypes.dtype | None = None,  # noqa: A002
              device: DeviceLike = None, requires_grad: bool = False) -> Tensor:
    return _like(ones, input, dtype, device, requires_grad)


def empty_like(input: Tensor, *, dtype: dtypes.dtype | None = None,  # noqa: A002
               device: DeviceLike = None, requires_grad: bool = False) -> Tensor:
    return _like(zeros, input, dtype, device, requires_grad)


def full_like(input: Tensor, fill_value: Any, *,  # noqa: A002
              dtype: dtypes.dtype | None = None, device: DeviceLike = None,
              requires_grad: bool = False) -> Tensor:
    return _like(full, input, dtype, device, requires_grad, fill_value)


def arange(start: float, end: float | None = None, step: float = 1, *,
           dtype: dtypes.dtype | None = None, device: DeviceLike = None,
           requires_grad: bool = False) -> Tensor:
    if end is None:
        start, end = 0, start
    if dtype is None:
        is_int = all(isinstance(v, int) for v in (start, end, step))
        dtype = dtypes.int64 if is_int else dtypes.get_default_dtype()
    n = max(0, math.ceil((end - start) / step))
    host = (start + np.arange(n, dtype=np.float64) * step) if dtype.is_floating_point else \
        np.arange(start, end, step, dtype=np.int64)
    return tensor(host, dtype=dtype, device=device, requires_grad=requires_grad)


def linspace(start: float, end: float, steps: int, *, dtype: dtypes.dtype | None = None,
             device: DeviceLike = None, requires_grad: bool = False) -> Tensor:
    return tensor(np.linspace(start, end, steps), dtype=dtype or dtypes.get_default_dtype(),
                  device=device, requires_grad=requires_grad)


def eye(n: int, m: int | None = None, *, dtype: dtypes.dtype | None = None,
        device: DeviceLike = None, requires_grad: bool = False) -> Tensor:
    return tensor(np.eye(n, m), dtype=dtype or dtypes.get_default_dtype(), device=device,
                  requires_grad=requires_grad)


# random ----------------------------------------------------------------------------------------


class Generator:
    """A seeded random stream on one device (``gg.Generator().manual_seed(0)``)."""

    def __init__(self, device: DeviceLike = "cpu") -> None:
        self.device = get_device(device)
        self._seed = int(np.random.SeedSequence().entropy % (2 ** 63))
        self._rng = self.device.backend.rng(self._seed)

    def manual_seed(self, seed: int) -> Generator:
        self._seed = int(seed)
        self._rng = self.device.backend.rng(self._seed)
        return self

    def initial_seed(self) -> int:
        return self._seed

    def seed(self) -> int:
        return self.manual_seed(int(np.random.SeedSequence().entropy % (2 ** 63)))._seed


_default_generators: dict[Device, Generator] = {}


def default_generator(device: DeviceLike = None) -> Generator:
    dev = get_device(device)
    gen = _default_generators.get(dev)
    if gen is None:
        gen = _default_generators[dev] = Generator(dev)
    return gen


def manual_seed(seed: int) -> Generator:
    """Seed the default generator of every device (as ``torch.manual_seed``)."""
    for gen in list(_default_generators.values()):
        gen.manual_seed(seed)
    return default_generator("cpu").manual_seed(seed)


def initial_seed() -> int:
    return default_generator("cpu").initial_seed()


def _random(kind: str, size: tuple, generator: Generator | None, dtype: dtypes.dtype | None,
            device: DeviceLike, requires_grad: bool, *args: Any) -> Tensor:
    dev = get_device(device if device is not None else
                     (generator.device if generator is not None else None))
    gen = generator or default_generator(dev)
    if gen.device is not dev:
        raise RuntimeError(f"a generator on {gen.device} can't make a tensor on {dev}")
    dtype = dtype or dtypes.get_default_dtype()
    arr = getattr(dev.backend, kind)(gen._rng, *args, tuple(size), dtype) if args else \
        getattr(dev.backend, kind)(gen._rng, tuple(size), dtype)
    t = wrap(arr, dev)
    return t.requires_grad_(requires_grad) if requires_grad else t


def randn(*size: Any, generator: Generator | None = None, dtype: dtypes.dtype | None = None,
          device: DeviceLike = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples."""
    return _random("normal", size_args(size), generator, dtype, device, requires_grad)


def rand(*size: Any, generator: Generator | None = None, dtype: dtypes.dtype | None = None,
         device: DeviceLike = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1)."""
    return _random("uniform", size_args(size), generator, dtype, device, requires_grad)


def randint(low: int, high: int | None = None, size: tuple = (), *,
            generator: Generator | None = None, dtype: dtypes.dtype | None = None,
            device: DeviceLike = None, requires_grad: bool = False) -> Tensor:
    """Integers in [low, high) (``randint(high, size)`` also works)."""
    if high is None or isinstance(high, (tuple, list)):
        low, high, size = 0, low, high if high is not None else size
    return _random("integers", tuple(size), generator, dtype or dtypes.int64, device,
                   requires_grad, int(low), int(high))


def randperm(n: int, *, generator: Generator | None = None, dtype: dtypes.dtype | None = None,
             device: DeviceLike = None) -> Tensor:
    dev = get_device(device)
    gen = generator or default_generator(dev)
    return wrap(dev.backend.astype(dev.backend.permutation(gen._rng, n),
                                   dtype or dtypes.int64), dev)


def randn_like(input: Tensor, *, dtype: dtypes.dtype | None = None,  # noqa: A002
               device: DeviceLike = None, requires_grad: bool = False) -> Tensor:
    return randn(input.shape, dtype=dtype or input.dtype, device=device or input.device,
                 requires_grad=requires_grad)


def rand_like(input: Tensor, *, dtype: dtypes.dtype | None = None,  # noqa: A002
              device: DeviceLike = None, requires_grad: bool = False) -> Tensor:
    return rand(input.shape, dtype=dtype or input.dtype, device=device or input.device,
                requires_grad=requires_grad)


def randint_like(input: Tensor, low: int, high: int | None = None, *,  # noqa: A002
                 dtype: dtypes.dtype | None = None, device: DeviceLike = None) -> Tensor:
    return randint(low, high, input.shape, dtype=dtype or input.dtype,
                   device=device or input.device)

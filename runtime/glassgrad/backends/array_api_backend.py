"""Any Array API standard namespace (tests use ``array_api_strict``).

This backend exists to keep op code honest: everything outside this file must go through the
standard namespace. Kernels the standard lacks (scatter-add, NumPy-style advanced indexing,
einsum, padding, sliding windows, random numbers) round-trip through host NumPy here, which is
fine for a CPU test backend and keeps the rest of glassgrad library-neutral.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

from .. import dtypes
from .base import Backend
from .numpy_backend import NumpyBackend


class ArrayAPIBackend(Backend):
    def __init__(self, module: str) -> None:
        self.xp = importlib.import_module(module)
        self.name = module
        self.array_type = type(self.xp.asarray(0))
        self._np = NumpyBackend()
        super().__init__()

    def from_numpy(self, array: np.ndarray) -> Any:
        # not np.ascontiguousarray: it turns 0-d arrays into shape (1,)
        return self.xp.asarray(np.asarray(array, order="C"))

    def to_numpy(self, array: Any) -> np.ndarray:
        return np.from_dlpack(array).copy()

    def _host(self, fn: Any, *arrays: Any, **kw: Any) -> Any:
        out = fn(*[self.to_numpy(a) if isinstance(a, self.array_type) else a for a in arrays],
                 **kw)
        return self.from_numpy(np.asarray(out))

    def _host_index(self, index: Any) -> Any:
        if isinstance(index, tuple):
            return tuple(self._host_index(i) for i in index)
        return self.to_numpy(index) if isinstance(index, self.array_type) else index

    def getitem(self, array: Any, index: Any) -> Any:
        return self.from_numpy(np.asarray(self.to_numpy(array)[self._host_index(index)]))

    def setitem(self, array: Any, index: Any, values: Any) -> None:
        host = self.to_numpy(array)
        host[self._host_index(index)] = (self.to_numpy(values)
                                         if isinstance(values, self.array_type) else values)
        array[...] = self.from_numpy(host)

    def index_add(self, shape: tuple, index: Any, values: Any) -> Any:
        return self.from_numpy(self._np.index_add(shape, self._host_index(index),
                                                  self.to_numpy(values)))

    def einsum(self, subscripts: str, *operands: Any) -> Any:
        return self._host(np.einsum, subscripts, *operands)

    def pad(self, array: Any, widths: list[tuple[int, int]], value: float) -> Any:
        return self._host(np.pad, array, widths, constant_values=value)

    def windows(self, array: Any, window: tuple[int, ...], axes: tuple[int, ...]) -> Any:
        return self.from_numpy(np.ascontiguousarray(self._np.windows(self.to_numpy(array),
                                                                     window, axes)))

    def rng(self, seed: int | None) -> np.random.Generator:
        return np.random.default_rng(seed)

    def normal(self, rng: Any, shape: tuple, d: dtypes.dtype) -> Any:
        return self.from_numpy(self._np.normal(rng, shape, d))

    def uniform(self, rng: Any, shape: tuple, d: dtypes.dtype) -> Any:
        return self.from_numpy(self._np.uniform(rng, shape, d))

    def integers(self, rng: Any, low: int, high: int, shape: tuple, d: dtypes.dtype) -> Any:
        return self.from_numpy(self._np.integers(rng, low, high, shape, d))

    def permutation(self, rng: Any, n: int) -> Any:
        return self.from_numpy(rng.permutation(n))

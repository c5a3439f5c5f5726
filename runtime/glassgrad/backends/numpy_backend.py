"""NumPy on the CPU: the main namespace already follows the Array API standard."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from .base import Backend


class NumpyBackend(Backend):
    name = "numpy"
    xp = np
    array_type = np.ndarray

    def native_dtype(self, d: dtypes.dtype) -> Any:
        return np.dtype(d.name)

    def from_numpy(self, array: np.ndarray) -> np.ndarray:
        return array

    def to_numpy(self, array: np.ndarray) -> np.ndarray:
        return array

    def astype(self, array: np.ndarray, d: dtypes.dtype) -> np.ndarray:
        return array.astype(self.native[d])

    def index_add(self, shape: tuple, index: Any, values: np.ndarray) -> np.ndarray:
        out = np.zeros(shape, dtype=values.dtype)
        np.add.at(out, index, values)
        return out

    def einsum(self, subscripts: str, *operands: np.ndarray) -> np.ndarray:
        return np.einsum(subscripts, *operands, optimize=len(operands) > 2)

    def pad(self, array: np.ndarray, widths: list[tuple[int, int]], value: float) -> np.ndarray:
        return np.pad(array, widths, constant_values=value)

    def windows(self, array: np.ndarray, window: tuple[int, ...], axes: tuple[int, ...]) -> Any:
        return np.lib.stride_tricks.sliding_window_view(array, window, axis=axes)

    def rng(self, seed: int | None) -> np.random.Generator:
        return np.random.default_rng(seed)

    def normal(self, rng: np.random.Generator, shape: tuple, d: dtypes.dtype) -> np.ndarray:
        if d is dtypes.float16:
            return rng.standard_normal(shape, dtype=np.float32).astype(np.float16)
        return rng.standard_normal(shape, dtype=self.native[d])

    def uniform(self, rng: np.random.Generator, shape: tuple, d: dtypes.dtype) -> np.ndarray:
        if d is dtypes.float16:
            return rng.random(shape, dtype=np.float32).astype(np.float16)
        return rng.random(shape, dtype=self.native[d])

    def integers(self, rng: np.random.Generator, low: int, high: int, shape: tuple,
                 d: dtypes.dtype) -> np.ndarray:
        return rng.integers(low, high, shape, dtype=self.native[d])

    def permutation(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.permutation(n)

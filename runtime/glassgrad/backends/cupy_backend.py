"""CuPy on an NVIDIA GPU. Imported only when a tensor asks for ``device="cuda"``."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from .base import Backend


class CupyBackend(Backend):
    name = "cupy"

    def __init__(self, index: int) -> None:
        try:
            import cupy
            import cupyx
        except ImportError as e:
            raise RuntimeError(
                "device='cuda' needs CuPy: pip install 'glassgrad[cuda]' (and an NVIDIA GPU)"
            ) from e
        try:
            count = cupy.cuda.runtime.getDeviceCount()
        except Exception as e:  # no driver, no GPU
            raise RuntimeError(f"device='cuda:{index}' is not available: {e}") from e
        if index >= count:
            raise RuntimeError(f"device='cuda:{index}' is not available: {count} GPU(s) found")
        self.xp, self._cupyx, self.index = cupy, cupyx, index
        self.array_type = cupy.ndarray
        super().__init__()

    def native_dtype(self, d: dtypes.dtype) -> Any:
        return np.dtype(d.name)

    def from_numpy(self, array: np.ndarray) -> Any:
        with self.xp.cuda.Device(self.index):
            return self.xp.asarray(array)

    def to_numpy(self, array: Any) -> np.ndarray:
        return self.xp.asnumpy(array)

    def astype(self, array: Any, d: dtypes.dtype) -> Any:
        return array.astype(self.native[d])

    def index_add(self, shape: tuple, index: Any, values: Any) -> Any:
        out = self.xp.zeros(shape, dtype=values.dtype)
        self._cupyx.scatter_add(out, index, values)
        return out

    def einsum(self, subscripts: str, *operands: Any) -> Any:
        return self.xp.einsum(subscripts, *operands)

    def pad(self, array: Any, widths: list[tuple[int, int]], value: float) -> Any:
        return self.xp.pad(array, widths, constant_values=value)

    def windows(self, array: Any, window: tuple[int, ...], axes: tuple[int, ...]) -> Any:
        return self.xp.lib.stride_tricks.sliding_window_view(array, window, axis=axes)

    def rng(self, seed: int | None) -> Any:
        return self.xp.random.default_rng(seed)

    def normal(self, rng: Any, shape: tuple, d: dtypes.dtype) -> Any:
        return rng.standard_normal(shape, dtype=np.float32 if d is dtypes.float16 else
                                   self.native[d]).astype(self.native[d])

    def uniform(self, rng: Any, shape: tuple, d: dtypes.dtype) -> Any:
        return rng.random(shape, dtype=np.float32 if d is dtypes.float16 else
                          self.native[d]).astype(self.native[d])

    def integers(self, rng: Any, low: int, high: int, shape: tuple, d: dtypes.dtype) -> Any:
        return rng.integers(low, high, shape).astype(self.native[d])

    def permutation(self, rng: Any, n: int) -> Any:
        return rng.permutation(n)

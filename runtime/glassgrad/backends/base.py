"""The interface every array library's backend implements."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes


class Backend:
    """Library-specific kernels. ``xp`` is the array namespace op code uses everywhere else."""

    name = "base"
    xp: Any
    array_type: type
    device: Any = None

    def __init__(self) -> None:
        native = {d: self.native_dtype(d) for d in dtypes.ALL}
        self.native = {d: n for d, n in native.items() if n is not None}
        self.from_native = {v: k for k, v in self.native.items()}
        self.floats = frozenset(n for d, n in self.native.items() if d.is_floating_point)
        self._consts: dict = {}

    def const(self, value: bool | int | float, native: Any) -> Any:
        """A read-only 0-d array for a Python scalar operand, cached: arrays combine with
        arrays faster than with Python scalars, and the hot path never allocates one."""
        key = (value, native)
        arr = self._consts.get(key)
        if arr is None:
            arr = self.xp.asarray(value, dtype=native)
            flags = getattr(arr, "flags", None)
            if flags is not None and hasattr(flags, "writeable"):
                flags.writeable = False
            if value and len(self._consts) < 4096:  # never 0: 0.0 and -0.0 share a key
                self._consts[key] = arr
        return arr

    # dtypes -----------------------------------------------------------------
    def native_dtype(self, d: dtypes.dtype) -> Any:
        """The library's dtype for ``d``, or None where the library has none."""
        return getattr(self.xp, d.name, None)

    def dtype_of(self, array: Any) -> dtypes.dtype:
        return self.from_native[array.dtype]

    # transfer ----------------------------------------------------------------
    def from_numpy(self, array: np.ndarray) -> Any:
        raise NotImplementedError

    def to_numpy(self, array: Any) -> np.ndarray:
        raise NotImplementedError

    def astype(self, array: Any, d: dtypes.dtype) -> Any:
        return self.xp.astype(array, self.native[d])

    # kernels that differ between libraries ------------------------------------
    def getitem(self, array: Any, index: Any) -> Any:
        return array[index]

    def index_add(self, shape: tuple, index: Any, values: Any) -> Any:
        """zeros(shape) with ``values`` added at ``index`` (repeated indices accumulate)."""
        raise NotImplementedError

    def setitem(self, array: Any, index: Any, values: Any) -> None:
        array[index] = values

    def einsum(self, subscripts: str, *operands: Any) -> Any:
        raise NotImplementedError

    def pad(self, array: Any, widths: list[tuple[int, int]], value: float) -> Any:
        raise NotImplementedError

    def windows(self, array: Any, window: tuple[int, ...], axes: tuple[int, ...]) -> Any:
        """A strided (no-copy where possible) view of sliding windows over ``axes``."""
        raise NotImplementedError

    # random ------------------------------------------------------------------
    def rng(self, seed: int | None) -> Any:
        raise NotImplementedError

    def normal(self, rng: Any, shape: tuple, d: dtypes.dtype) -> Any:
        raise NotImplementedError

    def uniform(self, rng: Any, shape: tuple, d: dtypes.dtype) -> Any:
        raise NotImplementedError

    def integers(self, rng: Any, low: int, high: int, shape: tuple, d: dtypes.dtype) -> Any:
        raise NotImplementedError

    def permutation(self, rng: Any, n: int) -> Any:
        raise NotImplementedError

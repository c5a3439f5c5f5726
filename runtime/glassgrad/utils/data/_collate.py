"""Turning a list of samples into a batch, as ``torch.utils.data.default_collate``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ... import dtypes
from ...creation import as_tensor, tensor
from ...ops import stack
from ...tensor import Tensor, wrap


def default_collate(batch: list[Any]) -> Any:
    """Stack tensors, NumPy arrays and numbers along a new first dimension; recurse into
    mappings, namedtuples and sequences (tuples become lists, as in PyTorch); leave strings."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack(batch)
    if isinstance(elem, np.ndarray) and elem.dtype.kind not in "SUO":
        return _stack([as_tensor(b) for b in batch])
    if isinstance(elem, np.generic) and elem.dtype.kind not in "SUO":
        return as_tensor(np.array(batch))
    if isinstance(elem, bool):
        return tensor(batch, dtype=dtypes.bool)
    if isinstance(elem, float):
        return tensor(batch, dtype=dtypes.float64)
    if isinstance(elem, int):
        return tensor(batch, dtype=dtypes.int64)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, Mapping):
        out = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            return type(elem)(out)
        except TypeError:
            return out
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, Sequence):
        size = len(elem)
        if any(len(b) != size for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        collated = [default_collate(list(s)) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return collated
        try:
            return type(elem)(collated)
        except TypeError:
            return collated
    raise TypeError("default_collate: batch must contain tensors, numpy arrays, numbers, "
                    f"dicts or lists; found {type(elem).__name__}")


def _stack(tensors: list[Tensor]) -> Tensor:
    """Stack on the raw arrays when nothing needs a gradient: no graph and no op events, so
    data loading (possibly on worker threads) stays out of the recorded training step."""
    if any(t.requires_grad for t in tensors):
        return stack(list(tensors), 0)
    dev = tensors[0]._device
    if any(t._device is not dev for t in tensors):
        raise RuntimeError("default_collate: all tensors in a batch must be on one device")
    return wrap(dev.xp.stack([t._data for t in tensors], axis=0), dev)


def default_convert(data: Any) -> Any:
    """Without batching (``batch_size=None``): NumPy arrays become tensors, recursively."""
    if isinstance(data, np.ndarray) and data.dtype.kind not in "SUO":
        return as_tensor(data)
    if isinstance(data, Mapping):
        return {k: default_convert(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, list):
        return [default_convert(d) for d in data]
    return data

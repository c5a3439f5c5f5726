"""``gg.save`` / ``gg.load``: checkpoints in the safetensors format, which holds raw tensor
bytes plus a text header and so cannot run code when it is loaded (unlike pickle).

Tensors go into the safetensors body; everything else (nesting, optimizer hyperparameters,
step counts, integer keys, tuples) is a JSON document in the header's metadata under the
``glassgrad`` key. A flat ``{name: tensor}`` dict keeps its names as the safetensors keys, so
the file is an ordinary safetensors file any library can read, and any safetensors file (for
example one written from a PyTorch ``state_dict`` by ``safetensors.torch.save_file``) loads
as a flat dict of tensors.

JSON document: a tensor is ``{"T": key}``, a NumPy array ``{"N": key}``, a dict
``{"d": [[key, value], ...]}`` (``"o"`` for an OrderedDict), a list ``{"l": [...]}``, a tuple
``{"t": [...]}``; str, int, float, bool and None are themselves.
"""

from __future__ import annotations

import json
import os
import struct
from collections import OrderedDict
from typing import IO, Any

import numpy as np

from . import dtypes
from .backends import get_device
from .creation import from_numpy
from .tensor import Tensor

__all__ = ["save", "load"]

FORMAT_VERSION = 1
_META_KEY = "glassgrad"

PathOrFile = str | os.PathLike | IO[bytes]


class _Encoder:
    """Walks an object, collecting tensors under readable unique keys (``model.fc.weight``)."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self._by_id: dict[int, str] = {}

    def _store(self, array: np.ndarray, path: list[str], obj: object) -> str:
        known = self._by_id.get(id(obj))
        if known is not None:  # the same tensor twice is stored once and shared on load
            return known
        base = ".".join(path) or "tensor"
        key, n = base, 1
        while key in self.arrays:
            key, n = f"{base}#{n}", n + 1
        self.arrays[key] = _contiguous(array)
        self._by_id[id(obj)] = key
        return key

    def encode(self, obj: Any, path: list[str]) -> Any:
        if isinstance(obj, Tensor):
            return {"T": self._store(obj.detach()._host(), path, obj)}
        if isinstance(obj, np.ndarray):
            return {"N": self._store(obj, path, obj)}
        if isinstance(obj, np.generic):
            obj = obj.item()
        if obj is None or isinstance(obj, (bool, int, float, str)):
            return obj
        if isinstance(obj, dict):
            for k in obj:
                if not (k is None or isinstance(k, (bool, int, float, str))):
                    raise TypeError(f"gg.save: dict keys must be str, int, float, bool or None, "
                                    f"got {type(k).__name__} at {'.'.join(path) or 'top'}")
            tag = "o" if isinstance(obj, OrderedDict) else "d"
            return {tag: [[k, self.encode(v, [*path, str(k)])] for k, v in obj.items()]}
        if isinstance(obj, (list, tuple)):
            items = [self.encode(v, [*path, str(i)]) for i, v in enumerate(obj)]
            return {"t" if isinstance(obj, tuple) else "l": items}
        raise TypeError(f"gg.save can't store a {type(obj).__name__} (at "
                        f"{'.'.join(path) or 'top level'}): only tensors, NumPy arrays, numbers, "
                        "strings, None and dicts/lists/tuples of them. It never pickles, so a "
                        "checkpoint can't run code when loaded.")


def _is_flat(obj: Any) -> bool:
    return isinstance(obj, dict) and all(isinstance(k, str) and isinstance(v, Tensor)
                                         for k, v in obj.items())


def save(obj: Any, f: PathOrFile) -> None:
    """Write ``obj`` (a state dict, or nested dicts/lists of tensors and plain values such as
    ``{"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3}``) to a path
    or binary file, as safetensors."""
    from safetensors.numpy import save as st_save
    from safetensors.numpy import save_file as st_save_file

    enc = _Encoder()
    if _is_flat(obj):  # keep the names as they are: a plain safetensors file
        for k, v in obj.items():
            enc.arrays[k] = _contiguous(v.detach()._host())
        doc: Any = {"o" if isinstance(obj, OrderedDict) else "d":
                    [[k, {"T": k}] for k in obj]}
    else:
        doc = enc.encode(obj, [])
    metadata = {"format": "glassgrad", _META_KEY: json.dumps(doc),
                f"{_META_KEY}_version": str(FORMAT_VERSION)}
    if hasattr(f, "write"):
        f.write(st_save(enc.arrays, metadata=metadata))  # type: ignore[union-attr]
    else:
        st_save_file(enc.arrays, os.fspath(f), metadata=metadata)  # type: ignore[arg-type]


def _header(data: bytes) -> dict[str, Any]:
    if len(data) < 8:
        raise ValueError("not a safetensors file (too short)")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8:
        raise ValueError("not a safetensors file (header length past the end of the file)")
    return json.loads(data[8:8 + n])


def load(f: PathOrFile, map_location: Any = None, weights_only: bool = True,
         **_: Any) -> Any:
    """Read what ``save`` wrote (or any safetensors file, as a flat dict of tensors) onto
    ``map_location`` (a device or name; CPU by default). ``weights_only`` is accepted for
    PyTorch compatibility: loading never runs code whatever its value."""
    from safetensors.numpy import load as st_load

    if hasattr(f, "read"):
        data = f.read()  # type: ignore[union-attr]
    else:
        with open(os.fspath(f), "rb") as fh:  # type: ignore[arg-type]
            data = fh.read()
    header = _header(data)
    meta = header.get("__metadata__") or {}
    bad = {k: v["dtype"] for k, v in header.items()
           if k != "__metadata__" and v.get("dtype") not in _SUPPORTED}
    if bad:
        raise TypeError(f"gg.load: tensors of dtypes glassgrad lacks: {bad}; supported: "
                        f"{sorted(_SUPPORTED)}")
    arrays = st_load(data)
    device = get_device(map_location if not callable(map_location) else None)
    cache: dict[str, Any] = {}

    def tensor_of(key: str) -> Tensor:
        if key not in cache:
            t = from_numpy(np.array(arrays[key]))  # a writable copy of the file's bytes
            cache[key] = t if device.type == "cpu" and device is t.device else t.to(device)
        return cache[key]

    def decode(node: Any) -> Any:
        if not isinstance(node, dict):
            return node
        (tag, body), = node.items()
        if tag == "T":
            return tensor_of(body)
        if tag == "N":
            return np.array(arrays[body])
        if tag == "d":
            return {_key(k): decode(v) for k, v in body}
        if tag == "o":
            return OrderedDict((_key(k), decode(v)) for k, v in body)
        if tag == "l":
            return [decode(v) for v in body]
        if tag == "t":
            return tuple(decode(v) for v in body)
        raise ValueError(f"gg.load: unknown tag {tag!r} in the glassgrad metadata")

    if _META_KEY in meta:
        version = int(meta.get(f"{_META_KEY}_version", FORMAT_VERSION))
        if version > FORMAT_VERSION:
            raise ValueError(f"gg.load: the file has glassgrad format {version}, newer than "
                             f"this glassgrad ({FORMAT_VERSION}); upgrade glassgrad")
        return decode(json.loads(meta[_META_KEY]))
    # a plain safetensors file: tensors in file order (by offset)
    names = sorted((k for k in header if k != "__metadata__"),
                   key=lambda k: header[k]["data_offsets"][0])
    return OrderedDict((k, tensor_of(k)) for k in names)


def _key(k: Any) -> Any:
    return k  # JSON already kept int/float/bool/None keys apart from strings


_SUPPORTED = {"F16": dtypes.float16, "F32": dtypes.float32, "F64": dtypes.float64,
              "I32": dtypes.int32, "I64": dtypes.int64, "BOOL": dtypes.bool}


def _contiguous(array: np.ndarray) -> np.ndarray:
    """C-contiguous, keeping 0-d arrays 0-d (``np.ascontiguousarray`` makes them 1-d)."""
    return np.asarray(array, order="C")

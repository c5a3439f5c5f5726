"""``repr`` of a tensor in PyTorch's style: ``tensor([1.0000, 2.5000], requires_grad=True)``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import dtypes

if TYPE_CHECKING:
    from .tensor import Tensor

_PREFIX = "tensor("


def _values(arr: np.ndarray) -> str:
    if arr.size == 0:
        return "[]" if arr.ndim == 1 else "[]"
    opts: dict = {"separator": ", ", "prefix": _PREFIX, "threshold": 1000, "edgeitems": 3,
                  "max_line_width": 80}
    if arr.dtype.kind == "f":
        finite = arr[np.isfinite(arr)]
        integral = finite.size == 0 or bool(np.all(finite == np.round(finite)))
        big = finite.size and (np.abs(finite).max() >= 1e8 or
                               (np.abs(finite[finite != 0]).min() < 1e-4
                                if np.any(finite != 0) else False))
        if integral and not big:
            opts["formatter"] = {"float_kind": lambda v: f"{v:.0f}." if np.isfinite(v)
                                 else str(v)}
        else:
            opts.update(precision=4, floatmode="fixed", suppress_small=False)
            if big:
                opts["formatter"] = {"float_kind": lambda v: f"{v:.4e}"}
    elif arr.dtype.kind == "b":
        opts["formatter"] = {"bool": lambda v: "True" if v else "False"}
    return np.array2string(arr, **opts)


def tensor_repr(t: Tensor) -> str:
    host = t._host()
    body = _values(host)
    extras = []
    if t.device.type != "cpu":
        extras.append(f"device='{t.device}'")
    d = t.dtype
    if host.size == 0 and host.ndim != 1:
        extras.append(f"size={tuple(host.shape)}")
    if d not in (dtypes.get_default_dtype(), dtypes.int64, dtypes.bool):
        extras.append(f"dtype=glassgrad.{d.name}")
    if t._grad_fn is not None:
        extras.append(f"grad_fn={t._grad_fn!r}")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return _PREFIX + body + "".join(", " + e for e in extras) + ")"

"""Event records of the live channel turned into JSON text or dicts, off the training thread.

The training thread captures each event as a tuple (live_events.py); here the tuples become
notification text. Most of an event never changes from one iteration to the next (the op, its
call site and module, a tensor's shape and dtype), so those pieces are encoded once and cached;
only ids, the iteration and the duration are formatted per event. :func:`event_dict` gives the
same event as a dict (for ``getGraph`` and ``stopped``); tests check both agree.

Records (``ref`` is a tensor: ``(id, shape, dtype, device, requires_grad, weakref)``):

- ``("op", iteration, cls, seq, site, module, ref, input_ids, t0, t1)``
- ``("backward", iteration, op_name, seq, site, module, grad_refs, t0, t1)``
- ``("iteration" | "backward_end", iteration)``, ``("step", iteration, optimizer_name)``
- ``("module_enter" | "module_exit", iteration, path, module_class_name)``
"""

from __future__ import annotations

import json
from typing import Any

from ..tensor import Tensor
from .events import uid

NOTE = '{"jsonrpc":"2.0","method":"event","params":'
_dump = json.JSONEncoder(allow_nan=False, separators=(",", ":")).encode
_device_names: dict[Any, str] = {}
_dtype_names: dict[Any, str] = {}
_refs: dict[tuple, tuple] = {}
_op_sites: dict[tuple, tuple] = {}
_backward_sites: dict[tuple, tuple] = {}
_others: dict[tuple, tuple] = {}
_CACHE_MAX = 4096  # distinct shapes or call sites kept; a run with more starts over


def _remember(cache: dict, key: Any, text: Any) -> Any:
    if len(cache) >= _CACHE_MAX:
        cache.clear()
    cache[key] = text
    return text


def tensor_ref(t: Tensor) -> dict[str, Any]:
    """A tensor as events show it: id, shape, dtype, device, requires_grad."""
    data = t._data
    return _ref_dict(uid(t), data.shape, data.dtype, t._device, t.requires_grad)


def _ref_dict(tid: int, shape: tuple, dtype: Any, device: Any, rg: bool) -> dict[str, Any]:
    return {"id": tid, "shape": list(shape), "dtype": _dtype_name(device, dtype),
            "device": _device_name(device), "requires_grad": bool(rg)}


def _device_name(device: Any) -> str:
    name = _device_names.get(device)
    if name is None:
        name = _device_names[device] = str(device)
    return name


def _dtype_name(device: Any, dtype: Any) -> str:
    name = _dtype_names.get(dtype)
    if name is None:
        name = _dtype_names[dtype] = device.backend.from_native[dtype].name
    return name


def _ref_json(ref: tuple | None) -> str:
    if ref is None:
        return "null"
    _, shape, dtype, device, rg, _ = ref
    key = (shape, dtype, rg, id(device))  # a Device hashes in Python: key on its identity
    hit = _refs.get(key)
    if hit is None or hit[0] is not device:
        d = _ref_dict(0, shape, dtype, device, rg)
        del d["id"]
        hit = _remember(_refs, key, (device, "," + _dump(d)[1:]))
    return f'{{"id":{ref[0]}{hit[1]}'


def _site(site: Any) -> tuple:
    return (site[0], site[1], site[2]) if site else (None, None, None)


def _op_template(cls: type, site: Any, module: str | None, ref: tuple) -> str:
    """The text of an op event with ``%s`` where iteration, seq, output id, input ids and
    duration go (built once per op, call site, module and output shape/dtype)."""
    device = ref[3]
    key = (cls, site, module, ref[1], ref[2], ref[4], id(device))
    hit = _op_sites.get(key)
    if hit is None or hit[0] is not device:
        f, line, fn = _site(site)
        static = _dump({"op": cls.op_name, "file": f, "line": line, "function": fn,
                        "module": module})[1:-1].replace("%", "%%")
        tail = _ref_json((0,) + ref[1:])[len('{"id":0'):].replace("%", "%%")
        hit = _remember(_op_sites, key, (device, (
            f'{NOTE}{{"type":"op","iteration":%s,"seq":%s,{static},"output":{{"id":%s{tail},'
            '"inputs":[%s],"duration_ns":%s}}')))
    return hit[1]


def _backward_static(op_name: str, site: Any, module: str | None) -> str:
    f, line, _ = _site(site)
    return _dump({"op": op_name, "file": f, "line": line, "module": module})[1:-1]


def _backward_template(op_name: str, site: Any, module: str | None, ref: tuple) -> str:
    """The text of a backward event with one gradient, ``%s`` where iteration, node,
    gradient id and duration go (built once per node kind, call site and gradient type)."""
    device = ref[3]
    key = (op_name, site, module, ref[1], ref[2], ref[4], id(device))
    hit = _backward_sites.get(key)
    if hit is None or hit[0] is not device:
        static = _backward_static(op_name, site, module).replace("%", "%%")
        tail = _ref_json((0,) + ref[1:])[len('{"id":0'):].replace("%", "%%")
        hit = _remember(_backward_sites, key, (device, (
            f'{NOTE}{{"type":"backward","iteration":%s,"node":%s,{static},'
            f'"grad_output":[{{"id":%s{tail}],"duration_ns":%s}}}}')))
    return hit[1]


def _ids(ids: list) -> str:
    """``[1, None]`` as ``1,null`` (ids are ints or None)."""
    return repr(ids)[1:-1].replace(" ", "").replace("None", "null")


def _null(x: int | None) -> Any:
    return "null" if x is None else x


def event_json(rec: tuple) -> str:
    """The ``event`` notification of one record, as compact JSON text."""
    kind = rec[0]
    if kind == "op":
        _, it, cls, seq, site, module, ref, ids, t0, t1 = rec
        if ref is not None:
            return _op_template(cls, site, module, ref) % (
                it, "null" if seq is None else seq, ref[0], _ids(ids), int((t1 - t0) * 1e9))
        return NOTE + _dump(event_dict(rec)) + "}"
    if kind == "backward":
        _, it, op_name, seq, site, module, grads, t0, t1 = rec
        if len(grads) == 1 and grads[0] is not None:
            return _backward_template(op_name, site, module, grads[0]) % (
                it, "null" if seq is None else seq, grads[0][0], int((t1 - t0) * 1e9))
        refs = ",".join([_ref_json(g) for g in grads])
        return (f'{NOTE}{{"type":"backward","iteration":{it},"node":{_null(seq)},'
                f'{_backward_static(op_name, site, module)},"grad_output":[{refs}],'
                f'"duration_ns":{int((t1 - t0) * 1e9)}}}}}')
    key = rec[:1] + rec[2:]  # all but the iteration is the same every time
    hit = _others.get(key)
    if hit is None:
        fields = event_dict(rec)
        del fields["iteration"]
        head = '{"type":' + _dump(kind)
        tail = _dump(fields)[len(head):]  # the fields after "type", and the closing brace
        hit = _remember(_others, key, (NOTE + head + ',"iteration":', tail + "}"))
    return f"{hit[0]}{rec[1]}{hit[1]}"


def event_dict(rec: tuple) -> dict[str, Any]:
    """The event of one record as a dict (the ``params`` of its notification)."""
    kind, it = rec[0], rec[1]
    if kind == "op":
        _, it, cls, seq, site, module, ref, ids, t0, t1 = rec
        f, line, fn = _site(site)
        return {"type": "op", "iteration": it, "seq": seq, "op": cls.op_name, "file": f,
                "line": line, "function": fn, "module": module,
                "output": None if ref is None else _ref_dict(*ref[:5]), "inputs": list(ids),
                "duration_ns": int((t1 - t0) * 1e9)}
    if kind == "backward":
        _, it, op_name, seq, site, module, grads, t0, t1 = rec
        f, line, _ = _site(site)
        return {"type": "backward", "iteration": it, "node": seq, "op": op_name, "file": f,
                "line": line, "module": module,
                "grad_output": [None if g is None else _ref_dict(*g[:5]) for g in grads],
                "duration_ns": int((t1 - t0) * 1e9)}
    if kind == "step":
        return {"type": "step", "iteration": it, "optimizer": rec[2]}
    if kind in ("module_enter", "module_exit"):
        return {"type": kind, "iteration": it, "path": rec[2], "module": rec[3]}
    return {"type": kind, "iteration": it}

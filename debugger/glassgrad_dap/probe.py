"""Runs inside the debuggee, called through debugpy's ``evaluate`` in a paused frame: the
autograd graph, a tensor's values, and hit counters for mode breakpoints. Every function
returns a JSON string (see docs/debugger.md for the shapes)."""

from __future__ import annotations

import base64
import builtins
import json
import sys
import threading
from typing import Any

_hits: dict[str, int] = {}
_hits_lock = threading.Lock()


def hit(key: str, expression: str) -> bool:
    """Count a hit of breakpoint ``key`` and test it against ``expression`` (``>= 3``)."""
    with _hits_lock:
        n = _hits[key] = _hits.get(key, 0) + 1
    if expression.startswith("%"):
        return n % int(expression[1:]) == 0
    return bool(eval(f"{n} {expression}", {"__builtins__": {}}))


def _frames_above() -> list:
    out = []
    f = sys._getframe(2)
    while f is not None:
        out.append(f)
        f = f.f_back
    return out


def _internal(filename: str) -> bool:
    from glassgrad._callsite import is_internal

    return (is_internal(filename) or "debugpy" in filename or "pydevd" in filename or
            "glassgrad_dap" in filename or filename.startswith("<"))


def _paused_frame(stack: list, frame_locals: dict | None) -> Any:
    from glassgrad.autograd.frames import is_backward_frame

    if frame_locals is not None:
        for f in stack:
            if f.f_locals is frame_locals:
                return f
    for f in stack:
        if is_backward_frame(f) or not _internal(f.f_code.co_filename):
            return f
    return None


def _dtype(d: Any) -> str:
    return str(getattr(d, "name", d))


def graph(frame_locals: dict | None = None) -> str:
    """The autograd graph around the paused frame, as JSON."""
    from glassgrad.autograd import engine
    from glassgrad.autograd.frames import is_backward_frame
    from glassgrad.recording.events import uid
    from glassgrad.tensor import Tensor

    stack = _frames_above()
    paused = _paused_frame(stack, frame_locals)
    current = None
    if paused is not None and is_backward_frame(paused):
        current = paused.f_locals.get("ctx")
    elif current is None:
        for f in stack:  # a frame inside a rule: the nearest backward frame below it
            if is_backward_frame(f):
                current = f.f_locals.get("ctx")
                break
    execute = next((f for f in stack if f.f_code is engine.execute.__code__), None)
    names: dict[int, str] = {}
    roots: list = []
    for f in reversed(stack):
        if f is None or _internal(f.f_code.co_filename) or is_backward_frame(f):
            continue
        for name, v in list(f.f_locals.items()):
            if isinstance(v, Tensor):
                names[id(v)] = name
                if execute is None and v._grad_fn is not None:
                    roots.append(v)
    if execute is not None:
        roots = list(execute.f_locals.get("roots") or [])
        nodes = list(execute.f_locals.get("nodes") or [])
        phase = "backward"
    else:
        from glassgrad.autograd.engine import graph_nodes

        nodes = graph_nodes([t._grad_fn for t in roots])
        phase = "forward"
    outputs: dict[tuple[int, int], dict] = {}
    for t in roots:
        if t._grad_fn is not None:
            outputs[(id(t._grad_fn), t._output_nr)] = {"shape": list(t._data.shape),
                                                       "dtype": _dtype(t.dtype)}
    leaves: dict[int, dict] = {}
    edges, out_nodes = [], []
    for n in nodes:
        for i, e in enumerate(n.next):
            if e is None:
                continue
            target, nr, shape, dtype, leaf = e
            ref = {"shape": list(shape), "dtype": _dtype(dtype)}
            if leaf:
                tid = f"t{uid(target)}"
                leaves.setdefault(id(target), {"id": tid, "name": names.get(id(target)),
                                               "shape": list(shape), "dtype": _dtype(dtype),
                                               "requiresGrad": bool(target.requires_grad)})
            else:
                tid = f"n{target.seq}"
                outputs.setdefault((id(target), nr), ref)
            edges.append({"from": tid, "to": f"n{n.seq}", "output": nr, "input": i, **ref})
    for n in nodes:
        site = n.site
        state = None
        if phase == "backward":
            state = ("current" if n is current else "done" if current is not None and
                     n.seq > current.seq else "pending")
        out_nodes.append({
            "id": f"n{n.seq}", "op": n.op_name, "name": n.display_name(),
            "file": site[0] if site else None, "line": site[1] if site else None,
            "function": site[2] if site else None, "module": n.module,
            "outputs": [outputs.get((id(n), k)) for k in range(n.n_outputs)],
            "state": state})
    body = {"phase": phase, "current": f"n{current.seq}" if current is not None else None,
            "roots": [f"n{t._grad_fn.seq}" for t in roots if t._grad_fn is not None],
            "nodes": out_nodes, "leaves": list(leaves.values()), "edges": edges}
    return json.dumps(body)


def tensor(expression: str, globals_: dict, locals_: dict, index: Any = None,
           max_elements: int = 10_000, fmt: str = "json") -> str:
    """A tensor's (or array's) values, sliced and capped, as JSON or base64 binary."""
    import numpy as np

    from glassgrad.recording.stats import summarize
    from glassgrad.tensor import Tensor

    value = eval(expression, globals_, locals_)
    info: dict[str, Any] = {"expression": expression}
    if isinstance(value, Tensor):
        host = np.asarray(value._host())
        stats = summarize(value)
        info.update(device=str(value.device), requiresGrad=bool(value.requires_grad),
                    gradFn=value._grad_fn.display_name() if value._grad_fn is not None
                    else None)
        info["stats"] = dict(zip(("min", "max", "mean", "std", "norm", "nan", "inf"), stats))
    elif hasattr(value, "__array__"):
        host = np.asarray(value)
        info.update(device="cpu", requiresGrad=False, gradFn=None, stats=None)
    else:
        raise TypeError(f"{expression!r} is a {type(value).__name__}, not a tensor")
    info.update(shape=list(host.shape), dtype=str(host.dtype))
    if index is not None:
        if not isinstance(index, list) or len(index) > host.ndim:
            raise ValueError("slice is a list with one entry per leading dimension: an int, "
                             "null, or [start, stop, step]")
        host = host[tuple(builtins.slice(*s) if isinstance(s, list) else
                          builtins.slice(None) if s is None else int(s) for s in index)]
    limit = max(0, min(int(max_elements), 1_000_000))
    flat = np.ascontiguousarray(host).reshape(-1)
    info.update(sliceShape=list(host.shape), count=int(min(flat.size, limit)),
                truncated=bool(flat.size > limit), format=fmt)
    flat = flat[:limit]
    if fmt == "binary":
        data = flat.astype(flat.dtype.newbyteorder("<"), copy=False).tobytes()
        info.update(encoding="base64", byteOrder="little", data=base64.b64encode(data).decode())
    elif fmt == "json":
        info["values"] = [v if not isinstance(v, float) or v == v and abs(v) != float("inf")
                          else ("nan" if v != v else "inf" if v > 0 else "-inf")
                          for v in flat.tolist()]
    else:
        raise ValueError("format is 'json' or 'binary'")
    return json.dumps(info)

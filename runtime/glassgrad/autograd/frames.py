"""Backward frames: each node's backward runs in a function that *looks like* its forward line.

The function's code object is a copy of one per-op template, with ``co_filename``,
``co_firstlineno`` and ``co_name`` replaced by the forward call site and ``<op>.backward``.
So a debugger breakpoint on the forward line is hit while that line's gradient is computed,
Step Into on ``loss.backward()`` lands on each forward line in reverse order, and a traceback
from inside backward names the line the user wrote. The template is one line of source, so
every instruction maps to the replaced first line.

The frames share a dedicated globals dict whose ``__name__`` marks them as backward frames
(breakpoint conditions and the debugger tell forward from backward by it). The marker is kept
outside the ``glassgrad`` namespace so excluding the runtime from "my code" never hides them.
"""

from __future__ import annotations

import builtins
import sys
import types
from collections.abc import Callable
from typing import Any

from .._callsite import Site

BACKWARD_MODULE = "__glassgrad_backward__"
GLOBALS: dict[str, Any] = {"__name__": BACKWARD_MODULE, "__builtins__": builtins}

_templates: dict[type, types.CodeType] = {}
_frames: dict[tuple[type, Site | None], Callable] = {}


def _template(cls: type) -> types.CodeType:
    code = _templates.get(cls)
    if code is None:
        params, body = cls.frame_signature()
        source = f"def backward({params}): return {body}\n"
        namespace: dict[str, Any] = {}
        exec(compile(source, f"<{cls.op_name}.backward>", "exec"), GLOBALS, namespace)
        code = _templates[cls] = namespace["backward"].__code__
    return code


def frame_for(cls: type, site: Site | None) -> Callable:
    """The backward-frame function for op ``cls`` called at ``site`` (cached per site)."""
    key = (cls, site)
    fn = _frames.get(key)
    if fn is None:
        name = f"{cls.op_name}.backward"
        code = _template(cls)
        changes: dict[str, Any] = {"co_name": name}
        if sys.version_info >= (3, 11):
            changes["co_qualname"] = name
        if site is not None:
            changes.update(co_filename=site[0], co_firstlineno=site[1])
        fn = _frames[key] = types.FunctionType(code.replace(**changes), GLOBALS, name)
    return fn


def is_backward_frame(frame: types.FrameType) -> bool:
    """Whether ``frame`` is a backward frame (for debuggers and breakpoint conditions)."""
    return frame.f_globals is GLOBALS

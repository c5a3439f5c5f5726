"""Stop at the first NaN/Inf under a debugger: the DAP adapter's "NaN/Inf in forward" and
"NaN/Inf in gradients" exception filters.

``GLASSGRAD_BREAK_ON_NONFINITE`` (``forward``, ``backward`` or ``forward,backward``; or the
path of a file holding that text, which is how ``glassgrad dap`` passes the filters the IDE
picks) attaches an observer that checks op outputs and/or the gradients each backward node
returns, with anomaly mode's checker. At the first bad value of a forward pass (or of a
backward pass) it raises :class:`NonFiniteError` from a frame that *is the op's frame* as the
user sees it: a code object whose file, line and name are the op's forward call site and
``<op>.forward`` / ``<op>.backward`` (the backward one shares the backward frames' globals, so
it carries their ``__name__`` marker), with the op's operands, ``grad_output``, the saved
inputs and the produced gradients as locals. The error is caught at once: a debugger breaking
on raised ``NonFiniteError`` stops there, and continuing lets the program run on as it would
without the debugger. Without a debugger the observer does nothing visible.
"""

from __future__ import annotations

import builtins
import os
import sys
import types
from typing import Any

from .._callsite import callsite, is_internal
from ..autograd import frames
from .anomaly import AnomalyError, check_tensor
from .events import Observer, attach, detach

ENV = "GLASSGRAD_BREAK_ON_NONFINITE"
PHASES = ("forward", "backward")


class NonFiniteError(AnomalyError):
    """A NaN or Inf made by an op (forward) or a gradient rule (backward), raised for a
    debugger to stop at; ``op``, ``phase``, ``site``, ``count`` and ``kind`` describe it."""


_raisers: dict[tuple, types.FunctionType] = {}


def _raiser(name: str, site: tuple | None, params: str, globals_: dict) -> types.FunctionType:
    """A function ``f(<params>, nonfinite)`` that raises ``nonfinite`` from a frame at ``site``
    named ``name`` (the trick of autograd/frames.py)."""
    key = (name, site, params, id(globals_))
    fn = _raisers.get(key)
    if fn is None:
        ns: dict[str, Any] = {}
        exec(compile(f"def f({params}, nonfinite): raise nonfinite\n", f"<{name}>", "exec"),
             globals_, ns)
        changes: dict[str, Any] = {"co_name": name}
        if sys.version_info >= (3, 11):
            changes["co_qualname"] = name
        if site is not None:
            changes.update(co_filename=site[0], co_firstlineno=site[1])
        fn = _raisers[key] = types.FunctionType(ns["f"].__code__.replace(**changes), globals_,
                                                name)
    return fn


def _user_globals(site: tuple | None) -> dict:
    f = sys._getframe(2)
    while f is not None:
        if site is not None and f.f_code.co_filename == site[0] and not is_internal(site[0]):
            return f.f_globals
        f = f.f_back
    return {"__name__": "__glassgrad_forward__", "__builtins__": builtins}


class NonFiniteObserver(Observer):
    """Checks op outputs (``forward``) and node gradients (``backward``); see the module doc."""

    def __init__(self, phases: set[str]) -> None:
        self.forward = "forward" in phases
        self.backward = "backward" in phases
        self._forward_done = False
        self._backward_done = False

    # forward ------------------------------------------------------------------------------
    def op(self, node: Any, cls: type, args: tuple, out: Any, t0: float, t1: float) -> None:
        if not self.forward or self._forward_done:
            return
        site = node.site if node is not None else None
        if site is None:
            site = callsite(2)
        bad = check_tensor(out, "forward", cls.op_name, cls.op_name, 0, site)
        if bad is None:
            return
        self._forward_done = True
        kind, count, msg = bad
        err = NonFiniteError(f"NaN/Inf in forward: {msg}", op=cls.op_name, phase="forward",
                             site=site, count=count, kind=kind)
        names = list(cls.input_names[:len(args)]) + [f"arg{i}" for i in
                                                     range(len(cls.input_names), len(args))]
        names = [n if n.isidentifier() and n not in ("output", "nonfinite") else f"arg{i}"
                 for i, n in enumerate(names)]
        fn = _raiser(f"{cls.op_name}.forward", site, ", ".join([*names, "output"]),
                     _user_globals(site))
        try:
            fn(*args, out, err)
        except NonFiniteError:
            pass

    # backward -----------------------------------------------------------------------------
    def backward_begin(self, roots: list, grads: list) -> None:
        # the engine reports each node before freeing its saved values, so the stop frame
        # can show them
        self._forward_done = False
        self._backward_done = False

    def backward_node(self, node: Any, grad_outputs: list, grad_inputs: tuple, t0: float,
                      t1: float) -> None:
        if not self.backward or self._backward_done:
            return
        for i, g in enumerate(grad_inputs):
            bad = check_tensor(g, "backward", node.op_name, node.display_name(), i, node.site)
            if bad is None:
                continue
            self._backward_done = True
            kind, count, msg = bad
            names = type(node).input_names
            of = f" (the gradient of '{names[i]}')" if i < len(names) else ""
            err = NonFiniteError(f"NaN/Inf in gradients: {msg}{of}", op=node.op_name,
                                 phase="backward", site=node.site, count=count, kind=kind)
            self._stop_in_backward_frame(node, grad_outputs, grad_inputs, err)
            return

    def _stop_in_backward_frame(self, node: Any, grad_outputs: list, grad_inputs: tuple,
                                err: NonFiniteError) -> None:
        params, _ = node.frame_signature()
        try:
            saved = node.backward_args()
        except Exception:  # freed or modified: show the gradients only
            saved = None
        if saved is None:
            params, args = "ctx, grad_output", [node, grad_outputs[0] if len(grad_outputs) == 1
                                                else tuple(grad_outputs)]
        else:
            args = [node, *grad_outputs, *saved]
        fn = _raiser(f"{node.op_name}.backward", node.site, params + ", grad_input",
                     frames.GLOBALS)
        try:
            fn(*args, grad_inputs[0] if len(grad_inputs) == 1 else grad_inputs, err)
        except NonFiniteError:
            pass
        except TypeError:  # a custom frame signature the saved values don't fit
            pass

_observer: NonFiniteObserver | None = None


def break_on_nonfinite(phases: Any) -> None:
    """Check ``phases`` (``{"forward", "backward"}``, or a comma-separated string) from now on;
    an empty set turns the checks off."""
    global _observer
    if isinstance(phases, str):
        phases = {p.strip() for p in phases.split(",")}
    phases = set(phases) & set(PHASES)
    if _observer is not None:
        detach(_observer)
        _observer._finish()
        _observer = None
    if phases:
        _observer = NonFiniteObserver(phases)
        attach(_observer)


def start_from_env() -> None:
    value = os.environ.get(ENV, "").strip()
    if not value:
        return
    if os.path.isabs(value):
        try:
            with open(value) as f:
                value = f.read()
        except OSError:
            return
    break_on_nonfinite(value)

"""What glassgrad changes in DAP, as pure functions over message bodies (no I/O, no threads)."""

from __future__ import annotations

import json
import os
import re
import site
from typing import Any

BACKWARD_MARKER = "__glassgrad_backward__"  # glassgrad.autograd.frames.BACKWARD_MODULE
NONFINITE_ERROR = "glassgrad.recording.nonfinite.NonFiniteError"
NONFINITE_ENV = "GLASSGRAD_BREAK_ON_NONFINITE"
TENSOR_MENU_CONTEXT = "glassgrad.tensor"  # pydevd_plugins/extensions/pydevd_plugin_glassgrad.py

FILTER_FORWARD = "glassgrad-nonfinite-forward"
FILTER_BACKWARD = "glassgrad-nonfinite-backward"
FILTER_PHASES = {FILTER_FORWARD: "forward", FILTER_BACKWARD: "backward"}

BREAKPOINT_MODES = [
    {"mode": "both", "label": "Forward and backward",
     "description": "Stop when the line runs and when its gradient is computed (the default)",
     "appliesTo": ["source"]},
    {"mode": "forward", "label": "Forward only",
     "description": "Stop only when the line runs forward, never in its backward frames",
     "appliesTo": ["source"]},
    {"mode": "backward", "label": "Backward only",
     "description": "Stop only in the line's backward frames, while its gradients are computed",
     "appliesTo": ["source"]},
]
MODES = ("both", "forward", "backward")

EXCEPTION_FILTERS = [
    {"filter": FILTER_FORWARD, "label": "NaN/Inf in forward", "default": False,
     "description": "Stop at the forward line of the op whose output is the first NaN or Inf"},
    {"filter": FILTER_BACKWARD, "label": "NaN/Inf in gradients", "default": False,
     "description": "Stop in the backward frame of the op whose gradient is the first NaN or "
                    "Inf"},
]


def runtime_dirs() -> list[str]:
    """Folders that are never "my code": glassgrad's runtime and this adapter's probe."""
    import glassgrad

    return [os.path.dirname(os.path.abspath(glassgrad.__file__)),
            os.path.dirname(os.path.abspath(__file__))]


def plugin_dir() -> str | None:
    """The folder holding ``pydevd_plugins/`` (the Variables view presentation), when the
    debuggee would not find it by itself: an editable install or a source checkout. An
    installed wheel puts it in site-packages, which is on the debuggee's path already."""
    parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if not os.path.isdir(os.path.join(parent, "pydevd_plugins", "extensions")):
        return None
    sites = set(site.getsitepackages()) | {site.getusersitepackages()}
    if any(os.path.normcase(os.path.abspath(s)) == os.path.normcase(parent) for s in sites):
        return None
    return parent


def with_python_path(env: dict[str, Any], folder: str | None,
                     inherited: str | None) -> dict[str, Any]:
    """``env`` with ``folder`` first on PYTHONPATH, keeping the launch configuration's
    PYTHONPATH (or, without one, the one the debuggee would inherit)."""
    if folder is None:
        return env
    current = env["PYTHONPATH"] if "PYTHONPATH" in env else inherited
    parts = [p for p in (current or "").split(os.pathsep) if p]
    if folder not in parts:
        env = {**env, "PYTHONPATH": os.pathsep.join([folder] + parts)}
    return env


def initialize_capabilities(body: dict[str, Any] | None) -> dict[str, Any]:
    """debugpy's capabilities plus breakpoint modes and glassgrad's exception filters."""
    body = dict(body or {})
    body["breakpointModes"] = BREAKPOINT_MODES
    filters = [f for f in body.get("exceptionBreakpointFilters") or []
               if f.get("filter") not in FILTER_PHASES]
    body["exceptionBreakpointFilters"] = filters + EXCEPTION_FILTERS
    body["supportsConditionalBreakpoints"] = True
    body["supportsHitConditionalBreakpoints"] = True
    body["supportsLogPoints"] = True
    return body


def launch_arguments(args: dict[str, Any], control_file: str | None) -> dict[str, Any]:
    """debugpy's launch/attach arguments: glassgrad's runtime excluded from "my code" by path
    (not by module: module rules match frame globals' ``__name__`` and would hide backward
    frames), ``record``/``liveOps``/``torch`` and the NaN/Inf control file as environment
    variables."""
    args = dict(args)
    rules = list(args.get("rules") or [])
    rules += [{"path": d, "include": False} for d in runtime_dirs()]
    args["rules"] = rules
    env = dict(args.get("env") or {})
    if args.pop("record", False):
        env.setdefault("GLASSGRAD_RECORD", "1")
    if args.get("liveOps"):
        env.setdefault("GLASSGRAD_LIVE", "1")
    if args.pop("torch", False):  # `import torch` answered by glassgrad (docs/pytorch.md)
        env.setdefault("GLASSGRAD_TORCH", "1")
    if control_file is not None:
        env.setdefault(NONFINITE_ENV, control_file)
        env = with_python_path(env, plugin_dir(), os.environ.get("PYTHONPATH"))
    if env:
        args["env"] = env
    return args


def hit_expression(hit: str) -> str:
    """pydevd's reading of a DAP hitCondition: ``5`` is ``== 5``, ``>= 5`` as written."""
    hit = hit.strip()
    if hit.isdigit():
        return f"== {hit}"
    if hit[:1] == "%":
        return hit
    return hit if hit[:1] in "<>=!" else f"== {hit}"


def breakpoint_condition(mode: str, condition: str | None, hit_key: str | None,
                         hit: str | None) -> str | None:
    """The Python condition that honours ``mode`` exactly.

    pydevd counts hits (and stops on a met hit condition) *before* it looks at the condition,
    so with a mode the hit count moves into the condition, counted by the debuggee's probe
    only once the mode and the user's condition hold."""
    parts = []
    if mode == "backward":
        parts.append(f"__name__ == {BACKWARD_MARKER!r}")
    elif mode == "forward":
        parts.append(f"__name__ != {BACKWARD_MARKER!r}")
    if condition and condition.strip():
        parts.append(f"({condition})")
    if hit and hit.strip() and hit_key is not None:
        parts.append(f"__import__('glassgrad_dap.probe').probe.hit({hit_key!r}, "
                     f"{hit_expression(hit)!r})")
    if not parts:
        return None
    return " and ".join(parts)


def set_breakpoints_arguments(args: dict[str, Any], generation: int) -> dict[str, Any]:
    """setBreakpoints for debugpy: each breakpoint's ``mode`` becomes part of its condition."""
    args = dict(args)
    path = (args.get("source") or {}).get("path") or ""
    out = []
    for bp in args.get("breakpoints") or []:
        bp = dict(bp)
        mode = bp.pop("mode", None) or "both"
        if mode not in MODES:
            mode = "both"
        if mode != "both":
            key = f"{generation}:{path}:{bp.get('line')}:{mode}"
            hit = bp.pop("hitCondition", None)
            cond = breakpoint_condition(mode, bp.get("condition"), key, hit)
            bp["condition"] = cond
        out.append(bp)
    args["breakpoints"] = out
    return args


def split_exception_filters(args: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """(arguments for debugpy, glassgrad phases to check). With a glassgrad filter on,
    debugpy is asked to break where NonFiniteError is raised; since pydevd reads either
    ``filters`` or ``exceptionOptions``, the ordinary filters become exceptionOptions too."""
    args = dict(args)
    filters = list(args.get("filters") or [])
    options = list(args.get("filterOptions") or [])
    ours = [FILTER_PHASES[f] for f in filters if f in FILTER_PHASES]
    ours += [FILTER_PHASES[o["filterId"]] for o in options
             if o.get("filterId") in FILTER_PHASES and FILTER_PHASES[o["filterId"]] not in ours]
    filters = [f for f in filters if f not in FILTER_PHASES]
    options = [o for o in options if o.get("filterId") not in FILTER_PHASES]
    args["filters"] = filters
    if "filterOptions" in args:
        args["filterOptions"] = options
    if not ours:
        return args, []
    python = {"names": ["Python Exceptions"]}
    exc_options = list(args.get("exceptionOptions") or [])
    modes = {"raised": "always", "uncaught": "unhandled", "userUnhandled": "userUnhandled"}
    for f in filters + [o.get("filterId") for o in options]:
        if f in modes:
            exc_options.append({"path": [python], "breakMode": modes[f]})
    exc_options.append({"path": [python, {"names": [NONFINITE_ERROR]}], "breakMode": "always"})
    args["exceptionOptions"] = exc_options
    return args, sorted(set(ours))


def is_nonfinite_exception(exception_id: str | None) -> bool:
    return bool(exception_id) and exception_id.endswith("NonFiniteError")


def parse_evaluate_result(result: str) -> Any:
    """The JSON a probe returned through ``evaluate`` (pydevd shows a str as its repr)."""
    import ast

    text = result
    if text[:1] in ("'", '"'):
        text = ast.literal_eval(text)
    return json.loads(text)


_TENSOR_VALUE = re.compile(r"^\w+ \((\d+(, \d+)*)?\) \w+ \S+( · |$)")


def is_tensor_variable(variable: dict[str, Any]) -> bool:
    """A variable the Variables view plugin summarized as a tensor
    (``Tensor (64, 256) float32 cpu · ...``)."""
    value = variable.get("value")
    kind = variable.get("type")
    if not isinstance(value, str) or not _TENSOR_VALUE.match(value):
        return False
    return kind is None or value.startswith(str(kind) + " (")


def tag_tensor_variables(body: dict[str, Any] | None) -> dict[str, Any] | None:
    """A ``variables`` response body with tensors marked for the extension's context menu
    (``__vscodeVariableMenuContext``, VS Code's ``debugProtocolVariableMenuContext``)."""
    if not body or not isinstance(body.get("variables"), list):
        return body
    out = []
    for v in body["variables"]:
        if isinstance(v, dict) and "__vscodeVariableMenuContext" not in v and \
                is_tensor_variable(v):
            v = {**v, "__vscodeVariableMenuContext": TENSOR_MENU_CONTEXT}
        out.append(v)
    return {**body, "variables": out}

"""What the example does without any debugger: the order of backward nodes, per-iteration
gradients, the final loss. Computed in-process with glassgrad's own observer API."""

from __future__ import annotations

import contextlib
import io
import os
import runpy
import subprocess
import sys
from typing import Any

from dap_client import EXAMPLES


def backward_nodes(steps: int = 1) -> list[list[tuple[str, int, Any]]]:
    """Per backward pass: ``(frame name, forward line, grad_output max)`` in execution order."""
    from glassgrad.recording.events import Observer, attach, detach

    passes: list[list] = []

    class Watch(Observer):
        def backward_begin(self, roots, grads):
            passes.append([])

        def backward_node(self, node, grad_outputs, grad_inputs, t0, t1):
            site = node.site
            g = grad_outputs[0]
            passes[-1].append((f"{node.op_name}.backward", site[1] if site else None,
                               float(abs(g._host()).max()) if g is not None else None,
                               site[0] if site else None))

    mod = runpy.run_path(os.path.join(EXAMPLES, "debug_mlp.py"))
    w = Watch()
    attach(w)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            mod["train"](steps)
    finally:
        detach(w)
    return passes


def plain_output(script: str, *args: str) -> str:
    return subprocess.run([sys.executable, os.path.join(EXAMPLES, script), *args],
                          capture_output=True, text=True, check=True, timeout=60).stdout

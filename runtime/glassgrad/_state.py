"""Process-wide switches read on every op, kept in one object so each read is one attribute.

Grad mode is process-wide rather than thread-local: the hot path reads it once per op, and
glassgrad runs training on one thread (data loading threads never build graphs).
"""

from __future__ import annotations

import itertools


class _State:
    __slots__ = ("grad_enabled", "anomaly", "module_path", "seq", "observer", "boundary")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly = False  # NaN/Inf checks on op outputs and gradients
        self.module_path: list[str] = []  # names of the nn.Modules now running, outermost first
        self.seq = itertools.count()  # creation order of graph nodes; backward runs it reversed
        # who receives events (recording/events.py); None: nobody listens. ``observer`` gets
        # the per-op events (ops, backward nodes, module calls), ``boundary`` the few per
        # iteration (backward begin/end, optimizer steps, op errors): an observer that skips an
        # iteration's ops leaves the first and stays on the second
        self.observer = None
        self.boundary = None


STATE = _State()

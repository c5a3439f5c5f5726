"""Pause, step and breakpoints of the live channel: when the training thread must stop.

Clients change the state from connection threads; the training thread reads ``armed`` once
per event (False unless a pause, a step or a breakpoint is pending) and, only then, asks
:meth:`Control.reason` whether to stop at that event.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

PHASES = ("forward", "backward", "both")
UNITS = ("op", "backward", "iteration")


class Control:
    """The stepping state machine (no sockets, no events: unit-testable alone)."""

    def __init__(self) -> None:
        self.breakpoints: dict[tuple[str, int], str] = {}
        self.unit: str | None = None  # a pending step: op | backward | iteration
        self.step_from = 0
        self.pause_requested = False
        self.armed = False
        self.paused = False
        self.stop_reason: dict[str, Any] | None = None
        self._resume = threading.Event()
        self._resume.set()

    def _rearm(self) -> None:
        self.armed = bool(self.pause_requested or self.unit is not None or self.breakpoints)

    def pause(self) -> None:
        self.pause_requested = True
        self._rearm()

    def resume(self) -> None:
        self.unit, self.pause_requested = None, False
        self._rearm()
        self._resume.set()

    def step(self, unit: str, iteration: int) -> None:
        self.unit, self.step_from = unit, iteration
        self._rearm()
        self._resume.set()

    def set_breakpoints(self, breakpoints: dict[tuple[str, int], str]) -> None:
        self.breakpoints = breakpoints
        self._rearm()

    def clear(self) -> None:
        """Nobody is left to resume the program: drop everything pending and let it go on."""
        self.unit, self.pause_requested, self.breakpoints = None, False, {}
        self._rearm()
        self._resume.set()

    def breakpoint_list(self) -> list[dict[str, Any]]:
        return [{"file": f, "line": ln, "phase": ph} for (f, ln), ph in self.breakpoints.items()]

    def reason(self, phase: str, file: str | None, line: int | None,
               iteration: int) -> str | None:
        """Why the program stops at this event (``pause``, ``step``, ``breakpoint``), or None."""
        if self.pause_requested:
            return "pause"
        unit = self.unit
        if unit == "op" or (unit == "backward" and phase == "backward") or (
                unit == "iteration" and iteration > self.step_from):
            return "step"
        if self.breakpoints and file is not None:
            want = self.breakpoints.get((abspath(file), line))
            if want is not None and want in (phase, "both"):
                return "breakpoint"
        return None

    def stop(self, stop_reason: dict[str, Any], announce: Callable[[], None],
             go_on: Callable[[], bool]) -> None:
        """Block the training thread until resumed, stepped, or ``go_on()`` says so;
        ``announce()`` tells the clients once the stop is in place (a resume may follow)."""
        self.pause_requested, self.unit = False, None
        self._rearm()
        self._resume.clear()
        self.stop_reason = stop_reason
        self.paused = True
        announce()
        try:
            while not self._resume.wait(0.1):
                if go_on():
                    break
        finally:
            self.paused = False
            self.stop_reason = None


_abspaths: dict[str, str] = {}


def abspath(path: str) -> str:
    """Absolute form of a code file name (cached: it is looked up per op at breakpoints)."""
    full = _abspaths.get(path)
    if full is None:
        full = _abspaths[path] = path if path.startswith("<") else os.path.abspath(path)
    return full

"""Anomaly mode: ``gg.autograd.detect_anomaly()``, as in PyTorch, checking for NaN and Inf.

While it is active every forward op's output and every gradient a backward node produces is
checked; the first NaN or Inf raises :class:`AnomalyError` (a ``RuntimeError``) naming the op,
how many elements are bad and the forward line that made the op. Inside backward the error is
raised from the node's backward frame, so its traceback also ends at that forward line.

Unlike PyTorch (which checks gradients for NaN only) Inf is an anomaly too: an infinite
gradient (``sqrt`` at 0) is where most NaNs start.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from .._callsite import callsite
from .._state import STATE
from ..tensor import Tensor
from .events import Observer, attach, detach
from .stats import nonfinite

__all__ = ["AnomalyError", "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
           "is_anomaly_check_nan_enabled", "check_tensor"]


class AnomalyError(RuntimeError):
    """A NaN or Inf appeared: names the op, the count of bad elements and its forward line."""

    def __init__(self, message: str, *, op: str | None = None, phase: str | None = None,
                 site: tuple | None = None, count: int = 0, kind: str | None = None) -> None:
        super().__init__(message)
        self.op, self.phase, self.site, self.count, self.kind = op, phase, site, count, kind


def check_tensor(t: Any, phase: str, op_name: str, display: str, index: int,
                 site: tuple | None) -> tuple[str, int, str] | None:
    """``(kind, count, message)`` when ``t`` holds NaN or Inf, else None."""
    if not isinstance(t, Tensor):
        return None
    nan, inf = nonfinite(t)
    if not (nan or inf):
        return None
    kind = "nan+inf" if nan and inf else "nan" if nan else "inf"
    values = {"nan": "nan", "inf": "inf", "nan+inf": "nan and inf"}[kind]
    where = f"{site[0]}:{site[1]} in {site[2]}" if site is not None else "<unknown>"
    ordinal = _ordinal(index)
    if phase == "backward":
        msg = (f"Function '{display}' returned {values} values in its {ordinal} output "
               f"({nan + inf} of {t.numel()} elements); forward op '{op_name}' at {where}")
    else:
        msg = (f"op '{op_name}' returned {values} values in its output ({nan + inf} of "
               f"{t.numel()} elements, shape {tuple(t.shape)}) at {where}")
    return kind, nan + inf, msg


def _ordinal(i: int) -> str:
    return f"{i}{'th' if 10 <= i % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(i % 10, 'th')}"


class _AnomalyObserver(Observer):
    """Raises at the first NaN/Inf in an op output or a node's gradients."""

    def op(self, node: Any, cls: type, args: tuple, out: Any, t0: float, t1: float) -> None:
        if not _mode.check_nan:
            return
        site = node.site if node is not None else None
        bad = check_tensor(out, "forward", cls.op_name, cls.op_name, 0, site)
        if bad is None:
            return
        if site is None:
            site = callsite(3)
            bad = check_tensor(out, "forward", cls.op_name, cls.op_name, 0, site)
        kind, count, msg = bad
        raise AnomalyError(msg, op=cls.op_name, phase="forward", site=site, count=count,
                           kind=kind)

    def backward_node(self, node: Any, grad_outputs: list, grad_inputs: tuple, t0: float,
                      t1: float) -> None:
        if not _mode.check_nan:
            return
        for i, g in enumerate(grad_inputs):
            bad = check_tensor(g, "backward", node.op_name, node.display_name(), i, node.site)
            if bad is not None:
                kind, count, msg = bad
                raise AnomalyError(msg, op=node.op_name, phase="backward", site=node.site,
                                   count=count, kind=kind)


class _Mode:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.depth = 0
        self.check_nan = True
        self.observer = _AnomalyObserver()

    def set(self, enabled: bool, check_nan: bool) -> tuple[bool, bool]:
        with self.lock:
            previous = (self.depth > 0, self.check_nan)
            self.check_nan = check_nan
            self.depth = 1 if enabled else 0
            self._apply()
            return previous

    def _apply(self) -> None:
        STATE.anomaly = self.depth > 0
        if self.depth > 0:
            attach(self.observer)
        else:
            detach(self.observer)


_mode = _Mode()


def is_anomaly_enabled() -> bool:
    return _mode.depth > 0


def is_anomaly_check_nan_enabled() -> bool:
    return _mode.depth > 0 and _mode.check_nan


class set_detect_anomaly:  # noqa: N801 - PyTorch's name
    """Turn anomaly mode on or off (for the whole process; also a context manager that
    restores the previous setting on exit)."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.previous = _mode.set(bool(mode), check_nan)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        _mode.set(*self.previous)

    def clone(self) -> set_detect_anomaly:
        return self


class detect_anomaly:  # noqa: N801 - PyTorch's name
    """``with gg.autograd.detect_anomaly():`` (or ``@gg.autograd.detect_anomaly()``): check
    every op output and every gradient for NaN/Inf and raise :class:`AnomalyError` at the first
    one, naming the op and its forward ``file:line``. ``check_nan=False`` turns the checks off
    inside the block."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        self._previous: list[tuple[bool, bool]] = []

    def __enter__(self) -> None:
        self._previous.append(_mode.set(True, self.check_nan))

    def __exit__(self, *exc: object) -> None:
        _mode.set(*self._previous.pop())

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.__class__(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper

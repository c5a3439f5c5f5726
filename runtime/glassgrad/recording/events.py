"""The runtime's event hooks: what observers (recorder, anomaly mode, live channel) receive.

The hot path reads one attribute, ``STATE.observer``; it is None while nobody listens, so
publishing costs a single check. Per-iteration events (backward begin and end, optimizer steps,
op errors) go through ``STATE.boundary``, so an observer can skip an iteration's ops
(``skip_ops``) and still see where iterations begin and end. Observers run on the thread that
made the event and must be quick: heavy work (SQLite, sockets) belongs on their own threads.
"""

from __future__ import annotations

import itertools
from typing import Any

from .._state import STATE

SCHEMA_VERSION = 2
_uids = itertools.count(1)


def uid(t: Any) -> int:
    """A tensor's id in events and the run store, stable for the tensor's lifetime."""
    u = t._uid
    if not u:
        u = t._uid = next(_uids)
    return u


class Observer:
    """Receives the runtime's events; subclasses override the ones they need."""

    def op(self, node: Any, cls: type, args: tuple, out: Any, t0: float, t1: float) -> None:
        """A forward op finished. ``node`` is its graph node, or None when it built none."""

    def op_error(self, cls: type, args: tuple, error: BaseException) -> None:
        """An op rejected its operands (the error is raised right after)."""

    def backward_begin(self, roots: list, grads: list) -> None:
        """``backward()`` / ``autograd.grad`` starts from ``roots``."""

    def backward_node(self, node: Any, grad_outputs: list, grad_inputs: tuple, t0: float,
                      t1: float) -> None:
        """A node's gradient rule ran in its backward frame."""

    def backward_end(self, leaves: dict) -> None:
        """Backward finished; ``leaves`` maps each leaf tensor to its new gradient."""

    def step(self, optimizer: Any) -> None:
        """An optimizer step finished: an iteration boundary."""

    def module_enter(self, module: Any, path: str) -> None:
        """An ``nn.Module``'s forward starts (``path`` like ``Net.encoder.0``)."""

    def module_exit(self, module: Any, path: str) -> None:
        """That forward returned (or raised)."""


class _Fanout(Observer):
    """Several observers behind the one hot-path slot."""

    def __init__(self, observers: list[Observer]) -> None:
        self.observers = observers

    def op(self, *a: Any) -> None:
        for o in self.observers:
            o.op(*a)

    def op_error(self, *a: Any) -> None:
        for o in self.observers:
            o.op_error(*a)

    def backward_begin(self, *a: Any) -> None:
        for o in self.observers:
            o.backward_begin(*a)

    def backward_node(self, *a: Any) -> None:
        for o in self.observers:
            o.backward_node(*a)

    def backward_end(self, *a: Any) -> None:
        for o in self.observers:
            o.backward_end(*a)

    def step(self, *a: Any) -> None:
        for o in self.observers:
            o.step(*a)

    def module_enter(self, *a: Any) -> None:
        for o in self.observers:
            o.module_enter(*a)

    def module_exit(self, *a: Any) -> None:
        for o in self.observers:
            o.module_exit(*a)


_active: list[Observer] = []
_quiet: set[int] = set()  # ids of observers skipping per-op events for now
_op_observer: Observer | None = None
_boundary_observer: Observer | None = None


def _fanout(observers: list[Observer]) -> Observer | None:
    return None if not observers else observers[0] if len(observers) == 1 \
        else _Fanout(list(observers))


def _publish() -> None:
    global _op_observer, _boundary_observer
    _op_observer = _fanout([o for o in _active if id(o) not in _quiet])
    _boundary_observer = _fanout(_active)
    STATE.observer = _op_observer
    STATE.boundary = _boundary_observer


def republish() -> None:
    """Point the hot path at the observers attached now (after code that parked it)."""
    STATE.observer = _op_observer
    STATE.boundary = _boundary_observer


def published_observer() -> Observer | None:
    """Who gets per-op events now (while the engine has parked the hot-path slot)."""
    return _op_observer


def attach(observer: Observer) -> None:
    """Start delivering events to ``observer``."""
    if observer not in _active:
        _active.append(observer)
        _publish()


def detach(observer: Observer) -> None:
    if observer in _active:
        _active.remove(observer)
        _quiet.discard(id(observer))
        _publish()


def skip_ops(observer: Observer, skip: bool) -> None:
    """Stop (or resume) delivering per-op events (``op``, ``backward_node``,
    ``module_enter``/``module_exit``) to an attached observer; it keeps getting the
    per-iteration ones (``backward_begin``/``backward_end``, ``step``, ``op_error``). The
    recorder skips the ops of iterations it does not record, so they cost nothing."""
    if skip == (id(observer) in _quiet):
        return
    if skip:
        _quiet.add(id(observer))
    else:
        _quiet.discard(id(observer))
    if observer in _active:
        _publish()


def observers() -> list[Observer]:
    return list(_active)


class IterationClock:
    """Where iterations begin and end, as every observer counts them: at each optimizer step,
    or, in a loop that never steps an optimizer, at the end of each backward."""

    def __init__(self) -> None:
        self.index = 0
        self.pending = False
        self._seen_step = False

    def before_event(self) -> bool:
        """Call before handling an op or a backward start: True when a new iteration began."""
        if self.pending:
            self.pending = False
            self.index += 1
            return True
        return False

    def backward_ended(self) -> None:
        if not self._seen_step:
            self.pending = True

    def stepped(self) -> None:
        self._seen_step = True
        self.pending = True

    def mark(self) -> None:
        """End the current iteration by hand."""
        self._seen_step = True
        self.pending = True

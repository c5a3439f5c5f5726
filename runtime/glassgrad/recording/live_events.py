"""The live channel's events: captured cheaply on the training thread, built elsewhere.

The training thread only appends a tuple per event (what live_encode.py documents) to one
queue and never waits; it builds no dict and encodes nothing. Whichever connection thread
comes by next (:meth:`EventLog.pump`) turns the tuples into notification text for every
subscribed client and keeps the current iteration's graph and tensors for ``getGraph`` and
``getTensor``. Tensors are captured by value (id, shape, dtype, ...) plus a weak reference, so
a lagging client never keeps a tensor alive.
"""

from __future__ import annotations

import collections
import threading
import time
import weakref
from collections.abc import Iterator
from typing import Any

from ..tensor import Tensor
from .events import IterationClock, Observer, uid
from .live_control import Control
from .live_encode import event_dict, event_json
from .live_rpc import encode

_ref = weakref.ref


class Outbox:
    """One client's notifications waiting to be sent, in chunks (one per pump); bounded to
    ``size`` notifications: what does not fit is dropped and counted (``stopped`` never is)."""

    def __init__(self, size: int) -> None:
        self.chunks: collections.deque = collections.deque()
        self.size = size
        self.subscribed = False
        self.dropped = 0
        self._queued = 0  # written by the pump only
        self._sent = 0  # written by the connection thread only

    def take(self, texts: list[str], nbytes: int, force: bool = False) -> None:
        room = self.size - (self._queued - self._sent)
        if len(texts) > room and not force:
            self.dropped += len(texts) - max(room, 0)
            if room <= 0:
                return
            texts, nbytes = texts[:room], -1
        self.chunks.append((texts, nbytes))
        self._queued += len(texts)

    def batches(self, limit: int) -> Iterator[str]:
        """The waiting notifications as WebSocket messages: one notification as an object,
        several as a JSON-RPC batch (an array), each message under ``limit`` characters."""
        parts: list[str] = []
        size = 0
        while self.chunks:
            texts, nbytes = self.chunks.popleft()
            self._sent += len(texts)
            if nbytes < 0:
                nbytes = sum(map(len, texts))
            if size + nbytes <= limit:
                parts += texts
                size += nbytes
                continue
            for text in texts:
                if parts and size + len(text) > limit:
                    yield _message(parts)
                    parts, size = [], 0
                parts.append(text)
                size += len(text)
        if parts:
            yield _message(parts)


def _message(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else "[" + ",".join(parts) + "]"


class EventLog:
    """Records from the training thread to the clients' outboxes (``raw`` is bounded: when
    no thread pumps it in time, further records are dropped and counted)."""

    def __init__(self, size: int = 20_000) -> None:
        self.raw: collections.deque = collections.deque()
        self.size = size
        self.dropped = 0  # records the training thread could not queue
        self._dropped_told = 0
        self.handled = 0  # records pumped so far (nothing moves while the program is stopped)
        self.iteration = -1
        self.graph: list[tuple] = []  # this iteration's op records that have a graph node
        self.tensors: dict[int, weakref.ref] = {}  # this iteration's outputs and gradients
        self._lock = threading.Lock()
        self._pumped = time.monotonic()

    def idle_for(self) -> float:
        """Seconds since the last pump."""
        return time.monotonic() - self._pumped

    def pump(self, clients: list[Outbox], wait: bool = False) -> None:
        """Turn queued records into notifications for ``clients``; with ``wait``, only return
        once everything queued so far is handled (a request that reads the graph)."""
        if not self._lock.acquire(blocking=wait):
            return  # another thread is pumping for everyone
        try:
            subs = [c for c in clients if c.subscribed]
            lost = self.dropped - self._dropped_told
            if lost:
                self._dropped_told += lost
                for c in subs:
                    c.dropped += lost
            raw = self.raw
            popleft = raw.popleft
            records = [popleft() for _ in range(len(raw))]
            if records:
                stops = self._index(records)
                if stops:
                    self._deliver_with_stops(records, subs, clients)
                elif subs:
                    _deliver(records, subs)
                self.handled += len(records)
            self._pumped = time.monotonic()
        finally:
            self._lock.release()

    def _index(self, records: list[tuple]) -> bool:
        """Keep this iteration's graph and tensors; True when a ``stopped`` record is there."""
        iteration, graph, tensors = self.iteration, self.graph, self.tensors
        stops = False
        for rec in records:
            kind = rec[0]
            if kind == "stopped":
                stops = True
                continue
            if rec[1] != iteration:
                iteration = self.iteration = rec[1]
                graph, tensors = self.graph, self.tensors = [], {}
            if kind == "op":
                ref = rec[6]
                if ref is not None:
                    tensors[ref[0]] = ref[5]
                if rec[3] is not None:
                    graph.append(rec)
            elif kind == "backward":
                for g in rec[6]:
                    if g is not None:
                        tensors[g[0]] = g[5]
        return stops

    @staticmethod
    def _deliver_with_stops(records: list[tuple], subs: list[Outbox],
                            clients: list[Outbox]) -> None:
        """Events to subscribers and each ``stopped`` to every client, in order."""
        start = 0
        for i, rec in enumerate(records):
            if rec[0] == "stopped":
                if subs and i > start:
                    _deliver(records[start:i], subs)
                start = i + 1
                text = encode({"jsonrpc": "2.0", "method": "stopped", "params": rec[1]})
                for c in clients:
                    c.take([text], len(text), force=True)
        if subs and start < len(records):
            _deliver(records[start:], subs)

    def tensor(self, tid: int) -> Tensor | None:
        ref = self.tensors.get(tid)
        return ref() if ref is not None else None

    def graph_nodes(self) -> list[dict[str, Any]]:
        return [event_dict(rec) for rec in self.graph]


def _deliver(records: list[tuple], subs: list[Outbox]) -> None:
    texts = [event_json(rec) for rec in records]
    nbytes = sum(map(len, texts))
    for c in subs:
        c.take(texts, nbytes)


class Capture(Observer):
    """The observer half of the live server: one tuple per event into ``self.events``, and a
    stop (which blocks this thread) only when ``self.control.armed`` says one may be due."""

    def __init__(self) -> None:
        self.events = EventLog()
        self._raw, self._raw_size = self.events.raw, self.events.size
        self.control = Control()
        self.clock = IterationClock()

    def _push(self, rec: tuple) -> None:
        if len(self._raw) < self._raw_size:
            self._raw.append(rec)
        else:
            self.events.dropped += 1

    def op(self, node: Any, cls: type, args: tuple, out: Any, t0: float, t1: float) -> None:
        clock = self.clock
        if clock.before_event():
            self._push(("iteration", clock.index))
        ids = [(a._uid or uid(a)) if isinstance(a, Tensor) else None for a in args]
        if isinstance(out, Tensor):
            data = out._data
            ref = (out._uid or uid(out), data.shape, data.dtype, out._device, out.requires_grad,
                   _ref(out))
        else:
            ref = None
        if node is None:
            rec = ("op", clock.index, cls, None, None, None, ref, ids, t0, t1)
        else:
            rec = ("op", clock.index, cls, node.seq, node.site, node.module, ref, ids, t0, t1)
        raw = self._raw
        if len(raw) < self._raw_size:
            raw.append(rec)
        else:
            self.events.dropped += 1
        if self.control.armed:
            self._maybe_stop("forward", rec)

    def backward_node(self, node: Any, grad_outputs: list, grad_inputs: tuple, t0: float,
                      t1: float) -> None:
        grads = [(g._uid or uid(g), g._data.shape, g._data.dtype, g._device, g.requires_grad,
                  _ref(g)) if isinstance(g, Tensor) else None for g in grad_outputs]
        rec = ("backward", self.clock.index, node.op_name, node.seq, node.site, node.module,
               grads, t0, t1)
        raw = self._raw
        if len(raw) < self._raw_size:
            raw.append(rec)
        else:
            self.events.dropped += 1
        if self.control.armed:
            self._maybe_stop("backward", rec)

    def backward_begin(self, roots: list, grads: list) -> None:
        if self.clock.before_event():
            self._push(("iteration", self.clock.index))

    def backward_end(self, leaves: dict) -> None:
        self.clock.backward_ended()
        self._push(("backward_end", self.clock.index))

    def step(self, optimizer: Any) -> None:
        self.clock.stepped()
        self._push(("step", self.clock.index, type(optimizer).__name__))

    def module_enter(self, module: Any, path: str) -> None:
        self._push(("module_enter", self.clock.index, path, type(module).__name__))

    def module_exit(self, module: Any, path: str) -> None:
        self._push(("module_exit", self.clock.index, path, type(module).__name__))

    def _maybe_stop(self, phase: str, rec: tuple) -> None:
        site = rec[4]
        reason = self.control.reason(phase, site[0] if site else None,
                                     site[1] if site else None, self.clock.index)
        if reason is None:
            return
        stop = {"reason": reason, "phase": phase, **event_dict(rec)}
        self.control.stop(stop, lambda: self.events.raw.append(("stopped", stop)),
                          self._nobody_left)

    def _nobody_left(self) -> bool:
        """True when no client is left to resume the program (the server knows)."""
        return False

"""``gg.record``: record a run (ops, graph, tensors, backward, anomalies) into a run store.

Iterations end at each optimizer step (or, in a script without an optimizer, at the end of
each backward). Which iterations are recorded in full is decided as each one begins
(sampling.py): by default the first ``record_first`` and then as many as fit in a few percent of
the run's time; every other iteration keeps a summary row (loss, counts, time). Statistics are
``none``, ``cheap`` (every ``stats_every``-th recorded iteration) or ``full`` (every recorded
iteration); anomalies (NaN/Inf) are recorded whenever statistics or anomaly checks see them.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import socket
import sys
import threading
import time
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from time import perf_counter
from typing import Any

import numpy as np

from .._callsite import callsite
from .._state import STATE
from ..tensor import Tensor
from . import events, signals
from .anomaly import AnomalyError, check_tensor
from .events import SCHEMA_VERSION, IterationClock, Observer, uid
from .files import DEFAULT_ROOT, new_store_path, prune
from .sampling import Sampler
from .sketch import sketch
from .stats import NO_STATS, summarize
from .store import StoreWriter

STATS_MODES = ("none", "cheap", "full")
# what a process inherited from the process that started it (glassgrad run, a launcher)
_INHERITED = {k: os.environ.get(k) for k in ("GLASSGRAD_RUN_GROUP", "GLASSGRAD_PARENT_RUN",
                                             "GLASSGRAD_PARENT_PID")}


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _sample_every(raw: str) -> int | None:
    return None if raw.strip().lower() in ("", "auto") else int(raw)


@dataclass
class RecordOptions:
    """What to record; every field also reads from a GLASSGRAD_* environment variable."""

    root: str = DEFAULT_ROOT          # GLASSGRAD_RUN_DIR
    stats: str = "none"               # GLASSGRAD_STATS: none | cheap | full
    record_first: int = 10            # GLASSGRAD_RECORD_FIRST: iterations recorded fully
    sample_every: int | None = None   # GLASSGRAD_SAMPLE_EVERY: then every Nth (None: auto)
    budget: float = 0.02              # GLASSGRAD_RECORD_BUDGET: auto's share of the run time
    stats_every: int = 10             # GLASSGRAD_STATS_EVERY: "cheap" stats cadence
    keep: int = 20                    # GLASSGRAD_KEEP_RUNS: newest runs kept in root
    buffer: int = 1_000_000           # GLASSGRAD_BUFFER: rows queued before dropping
    anomaly: bool = False             # GLASSGRAD_DETECT_ANOMALY: raise at the first NaN/Inf
    name: str | None = None
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, **overrides: Any) -> RecordOptions:
        values: dict[str, Any] = {}
        env = {"root": "GLASSGRAD_RUN_DIR", "stats": "GLASSGRAD_STATS",
               "record_first": "GLASSGRAD_RECORD_FIRST", "sample_every": "GLASSGRAD_SAMPLE_EVERY",
               "budget": "GLASSGRAD_RECORD_BUDGET", "stats_every": "GLASSGRAD_STATS_EVERY",
               "keep": "GLASSGRAD_KEEP_RUNS", "buffer": "GLASSGRAD_BUFFER",
               "anomaly": "GLASSGRAD_DETECT_ANOMALY"}
        parse = {"bool": lambda r: r.lower() in ("1", "true", "yes", "on"), "int": int,
                 "float": float, "int | None": _sample_every}
        types = {f.name: f.type for f in fields(cls)}
        for name, var in env.items():
            raw = os.environ.get(var)
            if raw is not None:
                try:
                    values[name] = parse.get(types[name], str)(raw)
                except ValueError as e:
                    raise ValueError(f"{var}={raw!r}: {e}") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        if values.get("sample_every") == "auto":
            values["sample_every"] = None
        opts = cls(**values)
        if opts.stats not in STATS_MODES:
            raise ValueError(f"stats must be one of {STATS_MODES}, got {opts.stats!r}")
        return opts


class _Iteration:
    __slots__ = ("index", "started", "t0", "loss", "recorded", "reason", "stats", "check",
                 "n_ops", "n_backward", "forward_ns", "backward_ns", "anomalies", "own",
                 "dropped_at_start", "optimizer", "lr")

    def __init__(self, index: int, decision: tuple, dropped: int) -> None:
        self.index = index
        # recorded in full; why (or why not); statistics on; values checked (stats/anomaly)
        self.recorded, self.reason, self.stats, self.check = decision
        self.started = time.time()
        self.t0 = perf_counter()
        self.loss = self.optimizer = self.lr = None
        self.n_ops = self.n_backward = self.forward_ns = self.backward_ns = self.anomalies = 0
        self.own = 0.0  # seconds the recorder itself spent on this iteration's events
        self.dropped_at_start = dropped

    def row(self, ended: float | None, dropped: int) -> tuple:
        seen = self.recorded or self.check  # else its ops were skipped: counts unknown
        return (self.index, self.started, ended, self.loss, int(self.recorded), self.reason,
                self.n_ops if seen else None, self.n_backward if seen else None,
                self.forward_ns if seen else None, self.backward_ns if seen else None,
                self.anomalies, dropped - self.dropped_at_start, self.optimizer, self.lr)


_recorders: weakref.WeakSet = weakref.WeakSet()
# decisions for iterations neither recorded nor checked, by reason
_SKIPPED = {r: (False, r, False, False) for r in ("sampled out", "backlog")}


class Recorder(Observer):
    """Records the process's ops into one run store while it is active."""

    def __init__(self, path: str | None = None, *, command: str | None = None,
                 argv: list[str] | None = None, **options: Any) -> None:
        self.options = RecordOptions.from_env(**options)
        self.named = path is not None  # a path the user chose: never pruned
        self.path = path
        self.command, self.argv = command, argv
        self.writer: Any = None
        self.sampler = Sampler(self.options.record_first, self.options.sample_every,
                               self.options.budget)
        self._it: _Iteration | None = None
        self.clock = IterationClock()
        self._force_record = False  # an anomaly in a sampled-out iteration: record the next
        self._shapes: dict[tuple, str] = {}
        self._error_ids = itertools.count(1)
        self.signal: str | None = None
        self._pid = os.getpid()
        self._parent: tuple[str | None, int | None] = (
            _INHERITED["GLASSGRAD_PARENT_RUN"],
            int(_INHERITED["GLASSGRAD_PARENT_PID"] or 0) or None)

    # lifecycle --------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return os.path.splitext(os.path.basename(self.path))[0] if self.path else ""

    def start(self) -> Recorder:
        opts = self.options
        if self.path is None:
            self.path = new_store_path(opts.root, opts.name)
            prune(opts.root, opts.keep - 1)
        else:
            os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
        self._open_store()
        self._producers: dict[int, int] = {}
        self._outputs: dict[int, int] = {}
        self._seen: set[tuple[int, str]] = set()  # (tensor id, kind) written this iteration
        self._files: set[str] = set()
        self._modules: list[tuple] = []  # (path, type, first seq, start time) of open calls
        self._next: tuple | None = None  # the decision for the next iteration, once known
        self._skipping = False  # per-op events are not delivered (an iteration not looked into)
        self._ended_at: tuple[float, float] | None = None
        self._start_iteration(0)
        signals.watch(self._signalled, self._dying)
        _recorders.add(self)
        events.attach(self)
        return self

    def _open_store(self) -> None:
        from .. import __version__  # late: glassgrad imports the recording package early

        opts = self.options
        group = _INHERITED["GLASSGRAD_RUN_GROUP"] or os.environ.get("GLASSGRAD_RUN_GROUP") \
            or uuid.uuid4().hex[:16]
        # processes this one starts, when they record, join the group as this one's children
        os.environ.update(GLASSGRAD_RUN_GROUP=group, GLASSGRAD_PARENT_RUN=self.name,
                          GLASSGRAD_PARENT_PID=str(os.getpid()))
        parent, parent_pid = self._parent
        self.writer = StoreWriter(self.path, {
            "name": self.name, "command": self.command or " ".join(sys.argv),
            "argv": dumps(self.argv if self.argv is not None else sys.argv),
            "cwd": os.getcwd(), "pid": os.getpid(), "started": time.time(),
            "status": "running", "python": sys.version.split()[0], "numpy": np.__version__,
            "glassgrad": __version__, "schema_version": SCHEMA_VERSION, "stats": opts.stats,
            "record_first": opts.record_first, "sample_every": opts.sample_every,
            "sampling": self.sampler.policy, "heartbeat": time.time(),
            "host": socket.gethostname(), "group_id": group, "parent": parent,
            "parent_pid": parent_pid, "named": int(self.named)},
            {"schema_version": SCHEMA_VERSION}, buffer=opts.buffer)

    def stop(self, status: str = "finished", exit_code: int | None = 0,
             error: str | None = None) -> None:
        if self.writer is None:
            return
        events.detach(self)
        if isinstance(self.writer, _ChildStore):  # a forked child that never recorded
            self.writer = None
            return
        signals.unwatch(self._signalled)
        _recorders.discard(self)
        self._end_iteration()
        writer, self.writer = self.writer, None
        if self.signal is not None:
            status = "interrupted"
        writer.close(status=status, exit_code=exit_code, error=error, ended=time.time(),
                     signal=self.signal)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything recorded so far is committed and readable by others."""
        return self.writer is not None and self.writer.sync(timeout)

    def __enter__(self) -> Recorder:
        return self.start()

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        if exc is not None:
            self.record_exception(exc)
        self.stop("finished" if exc is None else
                  "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed",
                  0 if exc is None else 1, None if exc is None else f"{type(exc).__name__}: {exc}")

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return fn(*args, **kwargs)

        return wrapper

    # signals and forks ------------------------------------------------------------------------
    def _signalled(self, signum: int) -> None:
        """SIGTERM/SIGINT/SIGHUP arrived: the run is interrupted; make everything durable."""
        if self.writer is None:
            return
        self.signal = signals.name(signum)
        it, w = self._it, self.writer
        if it is not None:  # the iteration in progress, as far as it got
            w.put_wait("iterations", it.row(None, w.dropped))
        w.update_run(status="interrupted", signal=self.signal)
        self.writer.sync(5.0)

    def _dying(self, signum: int) -> None:
        """The signal's default action is about to end the process: close the record."""
        self.stop("interrupted", 128 + signum, f"terminated by {signals.name(signum)}")

    def _forked(self) -> None:
        """In a forked child: the parent's store is not ours. The child gets its own store,
        linked to the parent's, created when it first records something."""
        self._parent = (self.name, self._pid)
        self._pid = os.getpid()
        self.path = None
        self.named = False
        self.writer = _ChildStore(self)

    def _open_child_store(self) -> StoreWriter:
        self.path = new_store_path(self.options.root, self.options.name)
        self._open_store()
        mp_util = sys.modules.get("multiprocessing.util")
        if mp_util is not None:  # a multiprocessing worker ends with os._exit: close first
            mp_util.Finalize(None, self.stop, exitpriority=100)
        return self.writer

    # iterations -------------------------------------------------------------------------------
    def _decide(self, index: int) -> tuple[bool, str, bool, bool]:
        """(recorded, why or why not, statistics on, values checked) for ``index``."""
        opts = self.options
        forced, self._force_record = self._force_record, False
        recorded, reason = self.sampler.decide(index, forced, self.writer.backlogged)
        if not recorded and not opts.anomaly:
            return _SKIPPED[reason]
        stats = recorded and (opts.stats == "full" or forced or (
            opts.stats == "cheap" and index % max(opts.stats_every, 1) == 0))
        return recorded, reason, stats, stats or opts.anomaly

    def _boundary(self) -> None:
        """The iteration ended (the next event starts the next one): decide now whether the
        next is recorded, so that its ops are not even delivered when it is not."""
        self._ended_at = (time.time(), perf_counter())
        if self._next is None and self.writer is not None:
            s, k = self.sampler, self.clock.index + 1
            if s.sample_every is None and s.record_first <= k < s.next_at and \
                    not self._force_record and not self.options.anomaly:
                self._next = _SKIPPED["sampled out"]  # the common case, decided at once
                if not self._skipping:
                    self._skip(True)
                return
            self._next = nxt = self._decide(k)
            self._skip(not nxt[3] and not nxt[0])

    def _skip(self, skip: bool) -> None:
        if skip != self._skipping:
            self._skipping = skip
            events.skip_ops(self, skip)

    def _start_iteration(self, index: int) -> None:
        w = self.writer
        decision, self._next = self._next or self._decide(index), None
        self._it = it = _Iteration(index, decision, w.dropped)
        if self._ended_at is not None:  # iterations tile time: this one began when the last ended
            it.started, it.t0 = self._ended_at
            self._ended_at = None
        self._skip(not it.recorded and not it.check)
        self._producers.clear()
        self._outputs.clear()
        self._seen.clear()
        self._busy = w.busy
        if it.recorded:  # readers see the recorded iteration that is going on
            w.put_wait("iterations", it.row(None, w.dropped))

    def _end_iteration(self) -> None:
        it, w = self._it, self.writer
        if it is None or w is None:
            return
        self._it = None
        ended, t_end = self._ended_at or (time.time(), perf_counter())
        own = it.own + (w.busy - self._busy)
        self.sampler.finished(it.index, it.recorded, t_end - it.t0, own,
                              3 * (it.n_ops + it.n_backward))
        w.put_wait("iterations", it.row(ended, w.dropped))

    def _tick(self) -> None:
        clock = self.clock
        if not clock.pending:
            return
        clock.pending = False  # IterationClock.before_event, inline: this runs every iteration
        clock.index += 1
        it, nxt, ended_at = self._it, self._next, self._ended_at
        if self._skipping and nxt is not None and nxt[1] == it.reason and ended_at:
            # the common case of a long run, kept short: a skipped iteration after another
            w = self.writer
            self.sampler.plain(ended_at[1] - it.t0)
            w.put_wait("iterations", (it.index, it.started, ended_at[0], it.loss, 0, it.reason,
                                      None, None, None, None, it.anomalies,
                                      w.dropped - it.dropped_at_start, it.optimizer, it.lr))
            it.index, (it.started, it.t0) = clock.index, ended_at
            it.loss = it.optimizer = it.lr = None
            it.anomalies, it.dropped_at_start = 0, w.dropped
            self._next = self._ended_at = None
            return
        self._end_iteration()
        self._start_iteration(clock.index)

    @property
    def iteration(self) -> int:
        return self._it.index if self._it is not None else 0

    def mark_iteration(self, loss: float | None = None) -> None:
        """End the current iteration by hand (for loops without an optimizer step)."""
        if loss is not None and self._it is not None:
            self._it.loss = float(loss)
        self.clock.mark()
        self._boundary()

    # events -----------------------------------------------------------------------------------
    def op(self, node: Any, cls: type, args: tuple, out: Any, t0: float, t1: float) -> None:
        if self.clock.pending:
            self._tick()
        it = self._it
        it.n_ops += 1
        if not it.check and not it.recorded:
            return
        dur = int((t1 - t0) * 1e9)
        it.forward_ns += dur
        if node is not None:
            seq, site, module = node.seq, node.site, node.module
        else:
            seq, site = next(STATE.seq), callsite(3)
            module = STATE.module_path[-1] if STATE.module_path else None
        if it.check:
            self._check("forward", out, cls.op_name, seq, site, module)
        if it.recorded:
            w = self.writer
            out_id = uid(out)
            self._producers[out_id] = seq
            if node is not None:
                self._outputs[seq] = out_id
            file, line, func = site if site is not None else (None, None, None)
            if file is not None and file not in self._files:
                self._source(file)
            w.put("ops", (seq, it.index, cls.op_name, node is not None, file, line, func,
                          module, threading.get_ident(), t0, dur, out_id))
            self._tensor(out, "value", seq, None)
            seen = self._seen
            for idx, a in enumerate(args):
                if isinstance(a, Tensor):
                    aid = uid(a)
                    src = self._producers.get(aid)
                    if src is None and a._grad_fn is not None:
                        src = a._grad_fn.seq
                    w.put("edges", (seq, idx, src, aid))
                    if (aid, "value") not in seen:
                        self._tensor(a, "value", src, None)
        it.own += perf_counter() - t1

    def _tensor(self, t: Tensor, kind: str, op_seq: int | None, of: int | None,
                again: bool = True) -> int:
        """Write ``t``'s row for this iteration (once per kind unless ``again``)."""
        tid = uid(t)
        key = (tid, kind)
        if key in self._seen and not again:
            return tid
        self._seen.add(key)
        it = self._it
        stats = summarize(t) if it.stats else NO_STATS
        shape = t._data.shape
        js = self._shapes.get(shape)
        if js is None:
            js = self._shapes[shape] = dumps(list(shape))
        self.writer.put("tensors", (tid, it.index, kind, of, op_seq, None, js,
                                    t.dtype.name, str(t.device), int(t.requires_grad), *stats))
        if it.stats and t._data.dtype in t._device.backend.floats:
            self.writer.put("sketches", (tid, it.index, kind, *sketch(t)))
        return tid

    def _check(self, phase: str, t: Any, op: str, seq: int, site: Any, module: Any,
               display: str | None = None, index: int = 0) -> None:
        bad = check_tensor(t, phase, op, display or op, index, site)
        if bad is None:
            return
        kind, count, msg = bad
        file, line, func = site if site is not None else (None, None, None)
        self._it.anomalies += 1
        self._force_record = True  # the next iteration is recorded in full, with statistics
        self.writer.put_wait("anomalies", (None, self._it.index, phase, kind, op, seq, file,
                                           line, func, module, uid(t), count, t.numel(), msg,
                                           time.time()))
        if self.options.anomaly:
            raise AnomalyError(msg, op=op, phase=phase, site=site, count=count, kind=kind)

    def _source(self, file: str) -> None:
        """Keep the file (its hash and text) the first time it shows up in the run."""
        self._files.add(file)
        self.writer.put_wait("sources", (file,))

    def op_error(self, cls: type, args: tuple, error: BaseException) -> None:
        site = getattr(error, "site", None) or (None, None, None)
        if site[0] is not None and site[0] not in self._files:
            self._source(site[0])
        error._glassgrad_error_id = eid = next(self._error_ids)  # record_exception completes it
        self.writer.put_wait("errors", (eid, self.iteration, cls.op_name, *site,
                                        STATE.module_path[-1] if STATE.module_path else None,
                                        type(error).__name__, str(error), None, time.time()))

    def backward_begin(self, roots: list, grads: list) -> None:
        if self.clock.pending:
            self._tick()
        it = self._it
        if len(roots) == 1 and roots[0]._data.size == 1:
            root = roots[0]
            data = root._data
            it.loss = loss = float(data if data.ndim == 0 else data.reshape(()))
            if loss - loss != 0:  # NaN or ±Inf
                if not it.check:  # else the op check saw it already
                    fn = root._grad_fn
                    self._check("forward", root, fn.op_name if fn else "loss",
                                fn.seq if fn else None, fn.site if fn else None,
                                fn.module if fn else None)

    def backward_node(self, node: Any, grad_outputs: list, grad_inputs: tuple, t0: float,
                      t1: float) -> None:
        it = self._it
        it.n_backward += 1
        if not it.check and not it.recorded:
            return
        dur = int((t1 - t0) * 1e9)
        it.backward_ns += dur
        if it.check:
            for i, g in enumerate(grad_inputs):
                self._check("backward", g, node.op_name, node.seq, node.site, node.module,
                            node.display_name(), i)
        if it.recorded:
            out_id = self._outputs.get(node.seq)
            # a gradient tensor often passes through several nodes (add, sub, views): its row
            # names the forward tensor it is the gradient of when it is some node's grad_output
            gout = [None if g is None else self._tensor(g, "grad", node.seq, out_id)
                    for g in grad_outputs]
            gin = [None if not isinstance(g, Tensor) else
                   self._tensor(g, "grad", node.seq, None, again=False) for g in grad_inputs]
            file, line, func = node.site if node.site is not None else (None, None, None)
            self.writer.put("backward", (None, it.index, node.seq, node.op_name, file, line,
                                         func, node.module, t0, dur, dumps(gout), dumps(gin)))
        it.own += perf_counter() - t1

    def backward_end(self, leaves: dict) -> None:
        it = self._it
        if it.recorded:
            t = perf_counter()
            for leaf, g in leaves.items():
                self._tensor(g, "grad", None, uid(leaf))
            it.own += perf_counter() - t
        self.clock.backward_ended()
        if self.clock.pending:
            self._boundary()

    def module_enter(self, module: Any, path: str) -> None:
        if self.clock.pending:
            self._tick()
        if self._it.recorded:
            self._modules.append((path, type(module).__name__, next(STATE.seq),
                                  perf_counter()))

    def module_exit(self, module: Any, path: str) -> None:
        if not self._modules or self._modules[-1][0] != path:
            return
        path, kind, first, t0 = self._modules.pop()
        self.writer.put("modules", (None, self._it.index, path, kind, first, next(STATE.seq),
                                    t0, int((perf_counter() - t0) * 1e9)))

    def step(self, optimizer: Any) -> None:
        if self.clock.pending and self._it.optimizer is not None:  # a step in a skipped iteration
            self._tick()
        self.clock.stepped()
        self._boundary()
        it = self._it
        if it.optimizer is None:
            it.optimizer = type(optimizer).__name__
            groups = getattr(optimizer, "param_groups", None)
            lr = groups[0].get("lr") if groups else None
            it.lr = float(lr) if isinstance(lr, (int, float)) else None

    def record_exception(self, exc: BaseException) -> None:
        """Store an exception that ends the run, at the user's line it came from."""
        import traceback

        from ..autograd.frames import GLOBALS

        if self.writer is None:
            return
        site = getattr(exc, "site", None)
        tb = exc.__traceback__
        frames = []  # (frame, the line it was at when the exception passed through it)
        while tb is not None:
            frames.append((tb.tb_frame, tb.tb_lineno))
            tb = tb.tb_next
        for f, line in reversed(frames):  # innermost backward frame, else innermost user frame
            if f.f_globals is GLOBALS:
                site = (f.f_code.co_filename, line, f.f_code.co_name)
                break
        if site is None:
            from .._callsite import is_internal

            for f, line in reversed(frames):
                if not is_internal(f.f_code.co_filename):
                    site = (f.f_code.co_filename, line, f.f_code.co_name)
                    break
        file, line, func = site if site is not None else (None, None, None)
        if file is not None and file not in self._files and not file.startswith("<"):
            self._source(file)
        # an op error's row (op_error) is completed here with the traceback, not doubled
        eid = getattr(exc, "_glassgrad_error_id", None) or next(self._error_ids)
        self.writer.put_wait("errors", (eid, self.iteration, getattr(exc, "op", None), file,
                                        line, func, None, type(exc).__name__, str(exc),
                                        "".join(traceback.format_exception(exc)), time.time()))


class _ChildStore:
    """A forked child's store before its first row: opened (linked to the parent's) on first
    use, so children that never run an op (data workers) leave no file."""

    dropped = 0
    busy = 0.0

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        self._store: StoreWriter | None = None

    def _open(self) -> StoreWriter:
        if self._store is None:
            self._store = self.recorder._open_child_store()
        return self._store

    def backlogged(self) -> bool:
        return False

    def put(self, table: str, row: tuple) -> bool:
        return self._open().put(table, row)

    def put_wait(self, table: str, row: tuple) -> None:
        self._open().put_wait(table, row)

    def update_run(self, **values: Any) -> None:
        self._open().update_run(**values)

    def sync(self, timeout: float = 5.0) -> bool:
        return True

    def close(self, **run_update: Any) -> None:
        pass


def _after_fork_in_child() -> None:
    for rec in list(_recorders):
        if rec.writer is not None:
            rec._forked()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def record(path: str | None = None, **options: Any) -> Recorder:
    """Record everything glassgrad does inside ``with gg.record():`` (or a decorated
    function) into a run store under ``.glassgrad/runs/``. Options: see ``RecordOptions``."""
    return Recorder(path, **options)

"""``gg.record``: record a run (ops, graph, tensors, backward, steps, anomalies) into a store.

Iterations end at each optimizer step (or, in a script without an optimizer, at the end of
each backward). The first ``record_first`` iterations are recorded fully, then every
``sample_every``-th; the others keep a summary row (loss, op counts, times). Statistics are
``none``, ``cheap`` (every ``stats_every``-th recorded iteration) or ``full`` (every recorded
iteration); anomalies (NaN/Inf) are recorded whenever statistics or anomaly checks see them.
"""

from __future__ import annotations

import functools
import itertools
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from .._callsite import callsite
from .._state import STATE
from ..tensor import Tensor
from . import events
from .anomaly import AnomalyError, check_tensor
from .events import SCHEMA_VERSION, IterationClock, Observer, uid
from .stats import NO_STATS, summarize
from .store import StoreWriter, dumps

DEFAULT_ROOT = os.path.join(".glassgrad", "runs")
STATS_MODES = ("none", "cheap", "full")


@dataclass
class RecordOptions:
    """What to record; every field also reads from a GLASSGRAD_* environment variable."""

    root: str = DEFAULT_ROOT          # GLASSGRAD_RUN_DIR
    stats: str = "none"               # GLASSGRAD_STATS: none | cheap | full
    record_first: int = 10            # GLASSGRAD_RECORD_FIRST: iterations recorded fully
    sample_every: int = 10            # GLASSGRAD_SAMPLE_EVERY: then every Nth iteration
    stats_every: int = 10             # GLASSGRAD_STATS_EVERY: "cheap" stats cadence
    keep: int = 20                    # GLASSGRAD_KEEP_RUNS: newest runs kept in root
    buffer: int = 200_000             # GLASSGRAD_BUFFER: rows queued before dropping
    anomaly: bool = False             # GLASSGRAD_DETECT_ANOMALY: raise at the first NaN/Inf
    name: str | None = None
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, **overrides: Any) -> RecordOptions:
        values: dict[str, Any] = {}
        env = {"root": "GLASSGRAD_RUN_DIR", "stats": "GLASSGRAD_STATS",
               "record_first": "GLASSGRAD_RECORD_FIRST", "sample_every": "GLASSGRAD_SAMPLE_EVERY",
               "stats_every": "GLASSGRAD_STATS_EVERY", "keep": "GLASSGRAD_KEEP_RUNS",
               "buffer": "GLASSGRAD_BUFFER", "anomaly": "GLASSGRAD_DETECT_ANOMALY"}
        types = {f.name: f.type for f in fields(cls)}
        for name, var in env.items():
            raw = os.environ.get(var)
            if raw is not None:
                values[name] = (raw.lower() in ("1", "true", "yes") if types[name] == "bool"
                                else int(raw) if types[name] == "int" else raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        opts = cls(**values)
        if opts.stats not in STATS_MODES:
            raise ValueError(f"stats must be one of {STATS_MODES}, got {opts.stats!r}")
        return opts


class _Iteration:
    __slots__ = ("index", "started", "loss", "recorded", "stats", "n_ops", "n_backward",
                 "forward_ns", "backward_ns", "anomalies")

    def __init__(self, index: int, recorded: bool, stats: bool) -> None:
        self.index, self.recorded, self.stats = index, recorded, stats
        self.started = time.time()
        self.loss = None
        self.n_ops = self.n_backward = self.forward_ns = self.backward_ns = self.anomalies = 0

    def row(self, ended: float | None) -> tuple:
        return (self.index, self.started, ended, self.loss, int(self.recorded), self.n_ops,
                self.n_backward, self.forward_ns, self.backward_ns, self.anomalies)


class Recorder(Observer):
    """Records the process's ops into one run store while it is active."""

    def __init__(self, path: str | None = None, *, command: str | None = None,
                 argv: list[str] | None = None, **options: Any) -> None:
        self.options = RecordOptions.from_env(**options)
        self.path = path or self._new_path()
        self.command, self.argv = command, argv
        self.writer: StoreWriter | None = None
        self._it: _Iteration | None = None
        self.clock = IterationClock()
        self._force_record = False  # an anomaly in a sampled-out iteration: record the next
        self._shapes: dict[tuple, str] = {}
        self._error_ids = itertools.count(1)

    # lifecycle --------------------------------------------------------------------------------
    def _new_path(self) -> str:
        root = self.options.root
        os.makedirs(root, exist_ok=True)
        name = self.options.name or os.path.splitext(os.path.basename(sys.argv[0] or "run"))[0] \
            or "run"
        stamp = time.strftime("%Y%m%d-%H%M%S")
        return os.path.join(root, f"{stamp}-{name}-{os.getpid()}.db")

    def start(self) -> Recorder:
        from .. import __version__  # late: glassgrad imports the recording package early

        opts = self.options
        _prune(os.path.dirname(self.path) or ".", opts.keep - 1)
        self.writer = StoreWriter(self.path, {
            "name": os.path.basename(self.path)[:-3], "command": self.command or " ".join(
                sys.argv), "argv": dumps(self.argv if self.argv is not None else sys.argv),
            "cwd": os.getcwd(), "pid": os.getpid(), "started": time.time(),
            "status": "running", "python": sys.version.split()[0], "numpy": np.__version__,
            "glassgrad": __version__, "schema_version": SCHEMA_VERSION, "stats": opts.stats,
            "record_first": opts.record_first, "sample_every": opts.sample_every,
            "heartbeat": time.time()}, buffer=opts.buffer)
        self._producers: dict[int, int] = {}
        self._outputs: dict[int, int] = {}
        self._seen: set[tuple[int, str]] = set()  # (tensor id, kind) written this iteration
        self._files: set[str] = set()
        self._modules: list[tuple] = []  # (path, type, first seq, start time) of open calls
        self._start_iteration(0)
        events.attach(self)
        return self

    def stop(self, status: str = "finished", exit_code: int | None = 0,
             error: str | None = None) -> None:
        if self.writer is None:
            return
        events.detach(self)
        self._end_iteration()
        self.writer.close(status=status, exit_code=exit_code, error=error, ended=time.time())
        self.writer = None

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

    # iterations -------------------------------------------------------------------------------
    def _start_iteration(self, index: int) -> None:
        opts = self.options
        recorded = index < opts.record_first or (
            opts.sample_every > 0 and (index - opts.record_first) % opts.sample_every == 0)
        forced, self._force_record = self._force_record, False
        recorded = recorded or forced
        stats = recorded and (opts.stats == "full" or forced or (
            opts.stats == "cheap" and index % max(opts.stats_every, 1) == 0))
        self._it = _Iteration(index, recorded, stats)
        self._producers.clear()
        self._outputs.clear()
        self._seen.clear()
        if self.writer is not None:  # readers see the iteration that is going on
            self.writer.put_wait("iterations", self._it.row(None))

    def _end_iteration(self) -> None:
        it = self._it
        if it is not None and self.writer is not None:
            self.writer.put_wait("iterations", it.row(time.time()))

    def _tick(self) -> None:
        if self.clock.before_event():
            self._end_iteration()
            self._start_iteration(self.clock.index)

    @property
    def iteration(self) -> int:
        return self._it.index if self._it is not None else 0

    def mark_iteration(self, loss: float | None = None) -> None:
        """End the current iteration by hand (for loops without an optimizer step)."""
        if loss is not None:
            self._it.loss = float(loss)
        self.clock.mark()

    # events -----------------------------------------------------------------------------------
    def op(self, node: Any, cls: type, args: tuple, out: Any, t0: float, t1: float) -> None:
        self._tick()
        it = self._it
        it.n_ops += 1
        dur = int((t1 - t0) * 1e9)
        it.forward_ns += dur
        check = it.stats or self.options.anomaly
        if not it.recorded and not check:
            return
        if node is not None:
            seq, site, module = node.seq, node.site, node.module
        else:
            seq, site = next(STATE.seq), callsite(3)
            module = STATE.module_path[-1] if STATE.module_path else None
        if check:
            self._check("forward", out, cls.op_name, seq, site, module)
        if not it.recorded:
            return
        w = self.writer
        out_id = uid(out)
        self._producers[out_id] = seq
        if node is not None:
            self._outputs[seq] = out_id
        file, line, func = site if site is not None else (None, None, None)
        if file is not None and file not in self._files:
            self._files.add(file)
            w.put_wait("sources", (file,))
        w.put("ops", (seq, it.index, cls.op_name, node is not None, file, line, func, module,
                      threading.get_ident(), t0, dur, out_id))
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

    def _tensor(self, t: Tensor, kind: str, op_seq: int | None, of: int | None,
                again: bool = True) -> int:
        """Write ``t``'s row for this iteration (once per kind unless ``again``)."""
        tid = uid(t)
        key = (tid, kind)
        if key in self._seen and not again:
            return tid
        self._seen.add(key)
        stats = summarize(t) if self._it.stats else NO_STATS
        shape = t._data.shape
        js = self._shapes.get(shape)
        if js is None:
            js = self._shapes[shape] = dumps(list(shape))
        self.writer.put("tensors", (tid, self._it.index, kind, of, op_seq, None, js,
                                    t.dtype.name, str(t.device), int(t.requires_grad), *stats))
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

    def op_error(self, cls: type, args: tuple, error: BaseException) -> None:
        site = getattr(error, "site", None) or (None, None, None)
        error._glassgrad_error_id = eid = next(self._error_ids)  # record_exception completes it
        self.writer.put_wait("errors", (eid, self.iteration, cls.op_name, *site,
                                        STATE.module_path[-1] if STATE.module_path else None,
                                        type(error).__name__, str(error), None, time.time()))

    def backward_begin(self, roots: list, grads: list) -> None:
        self._tick()
        it = self._it
        if len(roots) == 1 and roots[0].numel() == 1:
            root = roots[0]
            it.loss = float(root.detach()._host().reshape(()))
            if it.loss != it.loss or it.loss in (float("inf"), float("-inf")):
                if not (it.stats or self.options.anomaly):  # else the op check saw it already
                    fn = root._grad_fn
                    self._check("forward", root, fn.op_name if fn else "loss",
                                fn.seq if fn else None, fn.site if fn else None,
                                fn.module if fn else None)

    def backward_node(self, node: Any, grad_outputs: list, grad_inputs: tuple, t0: float,
                      t1: float) -> None:
        it = self._it
        it.n_backward += 1
        dur = int((t1 - t0) * 1e9)
        it.backward_ns += dur
        check = it.stats or self.options.anomaly
        if check:
            for i, g in enumerate(grad_inputs):
                self._check("backward", g, node.op_name, node.seq, node.site, node.module,
                            node.display_name(), i)
        if not it.recorded:
            return
        out_id = self._outputs.get(node.seq)
        # a gradient tensor often passes through several nodes (add, sub, views): its row
        # names the forward tensor it is the gradient of when it is some node's grad_output
        gout = [None if g is None else self._tensor(g, "grad", node.seq, out_id)
                for g in grad_outputs]
        gin = [None if not isinstance(g, Tensor) else
               self._tensor(g, "grad", node.seq, None, again=False) for g in grad_inputs]
        file, line, func = node.site if node.site is not None else (None, None, None)
        self.writer.put("backward", (None, it.index, node.seq, node.op_name, file, line, func,
                                     node.module, t0, dur, dumps(gout), dumps(gin)))

    def backward_end(self, leaves: dict) -> None:
        it = self._it
        if it.recorded:
            for leaf, g in leaves.items():
                self._tensor(g, "grad", None, uid(leaf))
        self.clock.backward_ended()

    def module_enter(self, module: Any, path: str) -> None:
        self._tick()
        if self._it.recorded:
            self._modules.append((path, type(module).__name__, next(STATE.seq),
                                  time.perf_counter()))

    def module_exit(self, module: Any, path: str) -> None:
        if not self._modules or self._modules[-1][0] != path:
            return
        path, kind, first, t0 = self._modules.pop()
        self.writer.put("modules", (None, self._it.index, path, kind, first, next(STATE.seq),
                                    t0, int((time.perf_counter() - t0) * 1e9)))

    def step(self, optimizer: Any) -> None:
        self.clock.stepped()
        lr = None
        groups = getattr(optimizer, "param_groups", None)
        if groups:
            lr = groups[0].get("lr")
        self.writer.put("steps", (None, self._it.index, type(optimizer).__name__,
                                  float(lr) if isinstance(lr, (int, float)) else None,
                                  time.time()))

    def record_exception(self, exc: BaseException) -> None:
        """Store an exception that ends the run, at the user's line it came from."""
        import traceback

        from ..autograd.frames import GLOBALS

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
        # an op error's row (op_error) is completed here with the traceback, not doubled
        eid = getattr(exc, "_glassgrad_error_id", None) or next(self._error_ids)
        self.writer.put_wait("errors", (eid, self.iteration, getattr(exc, "op", None), file,
                                        line, func, None, type(exc).__name__, str(exc),
                                        "".join(traceback.format_exception(exc)), time.time()))


def _prune(root: str, keep: int) -> None:
    """Delete the oldest run stores so at most ``keep`` remain (before adding one); a store
    whose run is still going (another process) is never deleted."""
    try:
        runs = sorted((os.path.join(root, f) for f in os.listdir(root) if f.endswith(".db")),
                      key=os.path.getmtime)
    except FileNotFoundError:
        return
    for path in runs[:max(len(runs) - max(keep, 0), 0)]:
        if _running(path):
            continue
        for suffix in ("", "-wal", "-shm"):
            try:
                os.remove(path + suffix)
            except FileNotFoundError:
                pass


def _running(path: str) -> bool:
    import sqlite3

    try:
        conn = sqlite3.connect(f"file:{os.path.abspath(path)}?mode=ro", uri=True, timeout=1)
        try:
            row = conn.execute("SELECT pid, ended FROM run WHERE id = 1").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    if row is None or row[1] is not None or not row[0] or row[0] == os.getpid():
        return False
    try:
        os.kill(row[0], 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def record(path: str | None = None, **options: Any) -> Recorder:
    """Record everything glassgrad does inside ``with gg.record():`` (or a decorated
    function) into a run store under ``.glassgrad/runs/``. Options: see ``RecordOptions``."""
    return Recorder(path, **options)

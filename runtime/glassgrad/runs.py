"""``glassgrad.runs``: the read API of run stores, shared by the CLI, TUI, LSP and debugger.

Readers open a store read-only while its run may still be writing (SQLite WAL). Every query
the UIs make lives here, so none of them writes SQL of its own for the common questions:
"what was made at file:line in iteration k", "the graph of iteration k", "top ops by time",
"what is new since I last looked". Each of those is one query (or a fixed few), so it stays
fast on stores of millions of ops (benchmarks/bench_store_reads.py).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sqlite3
from dataclasses import asdict, dataclass
from typing import Any

from .recording.events import SCHEMA_VERSION
from .recording.files import DEFAULT_ROOT, STALE_SECONDS, run_alive, sqlite_uri
from .recording.sketch import unpack as unpack_sketch

__all__ = ["RunInfo", "Run", "RunStoreError", "list_runs", "open_run", "SCHEMA_VERSION",
           "STALE_SECONDS"]

OLDEST_SCHEMA = 1
_OP_COLS = ("seq", "iter", "op", "has_node", "file", "line", "func", "module", "thread",
            "t_start", "duration_ns", "output")
_TENSOR_COLS = ("shape", "dtype", "device", "requires_grad", "min", "max", "mean", "std",
                "norm", "nan", "inf")


class RunStoreError(RuntimeError):
    """A store that is missing, unreadable, or of a schema this glassgrad cannot read."""


@dataclass
class RunInfo:
    path: str
    name: str
    command: str | None
    argv: list[str]
    cwd: str | None
    pid: int | None
    started: float
    ended: float | None
    status: str          # running | finished | failed | interrupted | incomplete
    exit_code: int | None
    error: str | None
    dropped: int
    stats: str
    iterations: int
    schema_version: int
    recorded_iterations: int = 0
    sampling: str | None = None     # auto | every N
    signal: str | None = None       # the signal that interrupted the run
    writer_error: str | None = None
    host: str | None = None
    group_id: str | None = None     # shared by the stores of one program's processes
    parent: str | None = None       # the parent process's store name
    parent_pid: int | None = None

    @property
    def incomplete(self) -> bool:
        return self.status == "incomplete"

    @property
    def running(self) -> bool:
        return self.status == "running"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# schema 1 stores are read through views that give them schema 2's columns
_V1_VIEWS = (
    """CREATE TEMP VIEW run AS SELECT *, 'every ' || sample_every AS sampling, NULL AS signal,
       NULL AS writer_error, NULL AS host, NULL AS group_id, NULL AS parent,
       NULL AS parent_pid, 0 AS named FROM main.run""",
    """CREATE TEMP VIEW iterations AS SELECT i.iter, i.started, i.ended, i.loss, i.recorded,
       CASE WHEN i.recorded = 0 THEN 'sampled out'
            WHEN i.iter < (SELECT record_first FROM main.run) THEN 'first'
            ELSE 'interval' END AS reason,
       i.n_ops, i.n_backward, i.forward_ns, i.backward_ns, i.anomalies, 0 AS dropped,
       (SELECT optimizer FROM main.steps s WHERE s.iter = i.iter ORDER BY id LIMIT 1)
         AS optimizer,
       (SELECT lr FROM main.steps s WHERE s.iter = i.iter ORDER BY id LIMIT 1) AS lr
       FROM main.iterations i""",
    "CREATE TEMP VIEW sources AS SELECT *, NULL AS text FROM main.sources",
    """CREATE TEMP VIEW op_stats AS SELECT o.op, COALESCE(o.file, '') AS file, o.line,
       COALESCE(o.module, '') AS module, COUNT(*) AS count, SUM(o.duration_ns) AS forward_ns,
       COALESCE(SUM(b.duration_ns), 0) AS backward_ns, COUNT(DISTINCT o.iter) AS iterations,
       MIN(o.iter) AS first_iter, MAX(o.iter) AS last_iter
       FROM main.ops o LEFT JOIN main.backward b ON b.node = o.seq
       GROUP BY o.op, o.file, o.line, o.module""",
)


class Run:
    """One run store, opened read-only."""

    def __init__(self, path: str) -> None:
        if not os.path.isfile(path):
            raise RunStoreError(f"no run store at {path}")
        self.path = path
        try:
            self.db = sqlite3.connect(sqlite_uri(path), uri=True, timeout=30,
                                      check_same_thread=False)
        except sqlite3.Error as e:
            raise RunStoreError(f"cannot open {path}: {e}") from e
        try:
            self.db.row_factory = sqlite3.Row
            row = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            version = int(row[0]) if row else None
            if version is None:
                raise RunStoreError(f"{path} is not a glassgrad run store (no schema version)")
            if version > SCHEMA_VERSION:
                raise RunStoreError(
                    f"{path} has run-store schema {version}, newer than this glassgrad reads "
                    f"(schemas {OLDEST_SCHEMA} to {SCHEMA_VERSION}): upgrade glassgrad")
            if version < OLDEST_SCHEMA:
                raise RunStoreError(f"{path} has run-store schema {version}; this glassgrad "
                                    f"reads schemas {OLDEST_SCHEMA} to {SCHEMA_VERSION}")
            if version == 1:
                for view in _V1_VIEWS:
                    self.db.execute(view)
            self.schema_version = version
        except (sqlite3.DatabaseError, ValueError) as e:
            self.db.close()
            raise RunStoreError(f"{path} is not a glassgrad run store: {e}") from e
        except RunStoreError:
            self.db.close()
            raise

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Run:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _rows(self, sql: str, args: tuple = ()) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.execute(sql, args)]

    # the run ---------------------------------------------------------------------------------
    @property
    def info(self) -> RunInfo:
        r = dict(self.db.execute("SELECT * FROM run WHERE id = 1").fetchone())
        n, rec = self.db.execute("SELECT COUNT(*), COALESCE(SUM(recorded), 0) FROM iterations"
                                 ).fetchone()
        status = r["status"]
        if status == "running" and not run_alive(r["pid"], r["ended"], r["heartbeat"],
                                                 r["host"]):
            status = "incomplete"  # killed (SIGKILL, power loss) before it could finish
        return RunInfo(path=self.path, name=r["name"], command=r["command"],
                       argv=json.loads(r["argv"] or "[]"), cwd=r["cwd"], pid=r["pid"],
                       started=r["started"], ended=r["ended"], status=status,
                       exit_code=r["exit_code"], error=r["error"], dropped=r["dropped"],
                       stats=r["stats"], iterations=n, schema_version=self.schema_version,
                       recorded_iterations=rec, sampling=r["sampling"], signal=r["signal"],
                       writer_error=r["writer_error"], host=r["host"],
                       group_id=r["group_id"], parent=r["parent"], parent_pid=r["parent_pid"])

    def sources(self) -> list[dict[str, Any]]:
        """Source files the run touched, with their sha256 (and text) at the time of the run."""
        return self._rows("SELECT * FROM sources ORDER BY path")

    def source_text(self, path: str) -> str | None:
        """The file as it was when the run recorded it (None when not kept)."""
        row = self.db.execute("SELECT text FROM sources WHERE path = ?", (path,)).fetchone()
        return row[0] if row else None

    def is_stale(self, path: str, text: str | None = None) -> bool:
        """Whether ``path`` (or ``text``, an editor's buffer of it) differs from what the run
        recorded: results for it are stale."""
        row = self.db.execute("SELECT sha256 FROM sources WHERE path = ?", (path,)).fetchone()
        if row is None:
            return True
        if text is not None:
            data = text.encode("utf-8")
        elif os.path.isfile(path):
            with open(path, "rb") as f:
                data = f.read()
        else:
            return True
        return hashlib.sha256(data).hexdigest() != row[0]

    # iterations and ops ----------------------------------------------------------------------
    def iterations(self) -> list[dict[str, Any]]:
        """Every iteration's summary: loss, recorded and why (``reason``), counts, times,
        anomalies, rows dropped, optimizer and lr."""
        return self._rows("SELECT * FROM iterations ORDER BY iter")

    def recorded_iterations(self) -> list[int]:
        return [r[0] for r in self.db.execute(
            "SELECT iter FROM iterations WHERE recorded = 1 ORDER BY iter")]

    def ops(self, iteration: int | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        sql, args = "SELECT * FROM ops", ()
        if iteration is not None:
            sql, args = sql + " WHERE iter = ?", (iteration,)
        sql += " ORDER BY seq"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self._rows(sql, args)

    def ops_at(self, file: str, line: int, iteration: int | None = None,
               limit: int | None = None) -> list[dict[str, Any]]:
        """Everything made at ``file:line`` in ``iteration`` (default: the last recorded one
        that ran the line), each op with its output tensor (``tensor``), its gradient
        (``grad``) and its backward time (``backward_ns``): one query (the first ``limit``
        ops only, if given)."""
        if iteration is None:
            row = self.db.execute("SELECT MAX(iter) FROM ops WHERE file = ? AND line = ?",
                                  (file, line)).fetchone()
            if row[0] is None:
                return []
            iteration = row[0]
        t_cols = ", ".join(f"t.{c}" for c in _TENSOR_COLS)
        g_cols = ", ".join(f"g.{c}" for c in _TENSOR_COLS)
        cur = self.db.execute(
            f"SELECT o.*, b.duration_ns, g.id, {t_cols}, {g_cols} FROM ops o"
            " LEFT JOIN tensors t ON t.id = o.output AND t.iter = o.iter AND t.kind = 'value'"
            " LEFT JOIN backward b ON b.node = o.seq AND b.iter = o.iter"
            " LEFT JOIN tensors g ON g.id = json_extract(b.grad_output, '$[0]')"
            "   AND g.iter = o.iter AND g.kind = 'grad'"
            " WHERE o.file = ? AND o.line = ? AND o.iter = ? ORDER BY o.seq"
            + ("" if limit is None else f" LIMIT {int(limit)}"),
            (file, line, iteration))
        cur.row_factory = None
        n = len(_OP_COLS)
        k = len(_TENSOR_COLS)
        out = []
        for r in cur:
            op = dict(zip(_OP_COLS, r))
            op["backward_ns"] = r[n]
            t, g = r[n + 2:n + 2 + k], r[n + 2 + k:]
            op["tensor"] = None if t[0] is None else _tensor_dict(op["output"], iteration,
                                                                  "value", t)
            op["grad"] = None if g[0] is None else _tensor_dict(r[n + 1], iteration, "grad", g)
            out.append(op)
        return out

    def lines(self, file: str) -> dict[int, dict[str, Any]]:
        """The lines of ``file`` that made ops in recorded iterations: per line, the newest
        iteration that ran it (``last_iter``), ops and forward/backward time per iteration
        that ran it (from the writer's totals: fast on any store)."""
        rows = self.db.execute(
            "SELECT line, MAX(last_iter), MAX(iterations), SUM(count), SUM(forward_ns),"
            " SUM(backward_ns) FROM op_stats WHERE file = ? GROUP BY line", (file,))
        return {line: {"last_iter": last, "ops": n / its, "forward_ns": f / its,
                       "backward_ns": b / its}
                for line, last, its, n, f, b in rows if line is not None and its}

    def line_result(self, file: str, line: int, iteration: int) -> dict[str, Any] | None:
        """What ``file:line`` made last in ``iteration`` (its result): ``op``, ``shape``,
        ``dtype``, ``device``, and ``first_shape``, the output shape of the first call of the
        same op on the line (it differs in a loop whose shapes change): two index lookups,
        whatever the number of ops on the line."""
        query = ("SELECT o.op, t.shape, t.dtype, t.device FROM ops o LEFT JOIN tensors t"
                 " ON t.id = o.output AND t.iter = o.iter AND t.kind = 'value'"
                 " WHERE o.file = ? AND o.line = ? AND o.iter = ?")
        last = self.db.execute(query + " ORDER BY o.seq DESC LIMIT 1",
                               (file, line, iteration)).fetchone()
        if last is None:
            return None
        first = self.db.execute(query + " AND o.op = ? ORDER BY o.seq LIMIT 1",
                                (file, line, iteration, last[0])).fetchone()
        return {"op": last[0], "shape": None if last[1] is None else _shape(last[1]),
                "dtype": last[2], "device": last[3],
                "first_shape": None if first[1] is None else _shape(first[1])}

    def line_shapes(self, file: str, line: int, iteration: int) -> list[dict[str, Any]]:
        """What ``file:line`` made in ``iteration``, grouped: ``op``, ``shape``, ``dtype``,
        ``device``, ``count`` (how many ops of the line had that result), first to last."""
        cur = self.db.execute(
            "SELECT o.op, t.shape, t.dtype, t.device, COUNT(*), MIN(o.seq) FROM ops o"
            " LEFT JOIN tensors t ON t.id = o.output AND t.iter = o.iter AND t.kind = 'value'"
            " WHERE o.file = ? AND o.line = ? AND o.iter = ?"
            " GROUP BY o.op, t.shape, t.dtype, t.device ORDER BY MIN(o.seq)",
            (file, line, iteration))
        cur.row_factory = None
        return [{"op": op, "shape": None if shape is None else _shape(shape), "dtype": dtype,
                 "device": device, "count": n} for op, shape, dtype, device, n, _ in cur]

    def tensor(self, tensor_id: int, iteration: int | None = None,
               kind: str = "value") -> dict[str, Any] | None:
        sql = "SELECT * FROM tensors WHERE id = ? AND kind = ?"
        args: tuple = (tensor_id, kind)
        if iteration is not None:
            sql, args = sql + " AND iter = ?", args + (iteration,)
        row = self.db.execute(sql + " ORDER BY iter DESC LIMIT 1", args).fetchone()
        return _tensor_row(row)

    def sketch(self, tensor_id: int, iteration: int | None = None,
               kind: str = "value") -> dict[str, Any] | None:
        """A tensor's recorded sketch (iterations recorded with statistics): ``hist`` and
        ``edges``, ``thumb`` (2-D block means, leading dims as rows) and ``slices`` (rank >= 3:
        the first 2-D slices), as NumPy arrays; None when none was recorded."""
        sql = "SELECT * FROM sketches WHERE id = ? AND kind = ?"
        args: tuple = (tensor_id, kind)
        if iteration is not None:
            sql, args = sql + " AND iter = ?", args + (iteration,)
        try:
            row = self.db.execute(sql + " ORDER BY iter DESC LIMIT 1", args).fetchone()
        except sqlite3.OperationalError:  # a schema-1 store has no sketches
            return None
        return None if row is None else unpack_sketch(dict(row))

    def grad_of(self, tensor_id: int, iteration: int | None = None) -> dict[str, Any] | None:
        """The gradient recorded for a forward tensor (its node's grad_output, or a leaf's)."""
        sql = ("SELECT g.* FROM ops o JOIN backward b ON b.node = o.seq AND b.iter = o.iter"
               " JOIN tensors g ON g.id = json_extract(b.grad_output, '$[0]')"
               "   AND g.iter = o.iter AND g.kind = 'grad' WHERE o.output = ?")
        args: tuple = (tensor_id,)
        if iteration is not None:
            sql, args = sql + " AND o.iter = ?", args + (iteration,)
        row = self.db.execute(sql + " ORDER BY o.iter DESC LIMIT 1", args).fetchone()
        if row is not None:
            return _tensor_row(row)
        sql = "SELECT * FROM tensors WHERE of = ? AND kind = 'grad'"
        args = (tensor_id,)
        if iteration is not None:
            sql, args = sql + " AND iter = ?", args + (iteration,)
        return _tensor_row(self.db.execute(sql + " ORDER BY iter DESC LIMIT 1", args).fetchone())

    def graph(self, iteration: int | None = None) -> dict[str, Any]:
        """Nodes (ops with their output tensors and backward times) and edges of one
        iteration's graph, and the leaves (inputs no op of the iteration made)."""
        if iteration is None:  # the newest iteration with graph nodes
            row = self.db.execute("SELECT iter FROM ops WHERE has_node = 1 ORDER BY seq DESC"
                                  " LIMIT 1").fetchone()
            iteration = row[0] if row is not None else 0
        t_cols = ", ".join(f"t.{c} AS t_{c}" for c in _TENSOR_COLS)
        cur = self.db.execute(
            f"SELECT o.*, {t_cols}, b.duration_ns AS backward_ns FROM ops o"
            " LEFT JOIN tensors t ON t.id = o.output AND t.iter = o.iter AND t.kind = 'value'"
            " LEFT JOIN backward b ON b.node = o.seq AND b.iter = o.iter"
            " WHERE o.iter = ? ORDER BY o.seq", (iteration,))
        cur.row_factory = None
        names = [d[0] for d in cur.description]
        split = names.index("t_shape")
        op_names, t_names = names[:split], _TENSOR_COLS
        nodes = []
        for r in cur:
            node = dict(zip(op_names, r[:split]))
            t = r[split:split + len(t_names)]
            node["tensor"] = None if t[0] is None else _tensor_dict(
                node["output"], iteration, "value", t)
            node["backward_ns"] = r[-1]
            nodes.append(node)
        cur = self.db.execute(
            "SELECT e.dst, e.idx, e.src, e.tensor FROM ops o JOIN edges e ON e.dst = o.seq"
            " WHERE o.iter = ? ORDER BY e.dst, e.idx", (iteration,))
        cur.row_factory = None
        edges = [{"dst": d, "idx": i, "src": s, "tensor": t} for d, i, s, t in cur]
        leaf_ids = {e["tensor"] for e in edges if e["src"] is None}
        leaves: dict[int, Any] = dict.fromkeys(leaf_ids)
        if leaf_ids:
            cur = self.db.execute(
                f"SELECT id, {', '.join(t_names)} FROM tensors WHERE iter = ? AND"
                " kind = 'value' AND op_seq IS NULL", (iteration,))
            cur.row_factory = None
            for r in cur:
                if r[0] in leaves:
                    leaves[r[0]] = _tensor_dict(r[0], iteration, "value", r[1:])
        return {"iteration": iteration, "nodes": nodes, "edges": edges, "leaves": leaves}

    def backward(self, iteration: int | None = None) -> list[dict[str, Any]]:
        sql, args = "SELECT * FROM backward", ()
        if iteration is not None:
            sql, args = sql + " WHERE iter = ?", (iteration,)
        rows = self._rows(sql + " ORDER BY id", args)
        for r in rows:
            r["grad_output"] = json.loads(r["grad_output"] or "[]")
            r["grad_inputs"] = json.loads(r["grad_inputs"] or "[]")
        return rows

    def top_ops(self, n: int = 10, iteration: int | None = None) -> list[dict[str, Any]]:
        """The op call sites (per module) that took the most time, forward and backward,
        over the recorded iterations (kept up to date by the writer: fast on any store), or
        in one iteration."""
        if iteration is None:
            rows = self._rows(
                "SELECT op, file, line, module, count, forward_ns, backward_ns,"
                " forward_ns + backward_ns AS total_ns, iterations FROM op_stats"
                " ORDER BY total_ns DESC LIMIT ?", (n,))
            for r in rows:
                r["file"], r["module"] = r["file"] or None, r["module"] or None
            return rows
        return self._rows(
            "SELECT o.op, o.file, o.line, o.module, COUNT(*) AS count,"
            " SUM(o.duration_ns) AS forward_ns, COALESCE(SUM(b.duration_ns), 0) AS backward_ns,"
            " SUM(o.duration_ns) + COALESCE(SUM(b.duration_ns), 0) AS total_ns,"
            " 1 AS iterations FROM ops o LEFT JOIN backward b ON b.node = o.seq AND b.iter = o.iter"
            " WHERE o.iter = ? GROUP BY o.op, o.file, o.line, o.module ORDER BY total_ns DESC"
            " LIMIT ?", (iteration, n))

    def top_modules(self, n: int = 10) -> list[dict[str, Any]]:
        """The ``nn.Module`` paths whose own ops took the most time, forward and backward,
        over the recorded iterations (an op counts for the innermost module it ran in)."""
        return self._rows(
            "SELECT module, SUM(count) AS ops, MAX(iterations) AS iterations,"
            " SUM(forward_ns) AS forward_ns, SUM(backward_ns) AS backward_ns,"
            " SUM(forward_ns + backward_ns) AS total_ns FROM op_stats WHERE module != ''"
            " GROUP BY module ORDER BY total_ns DESC LIMIT ?", (n,))

    def line_times(self, file: str) -> dict[int, dict[str, float]]:
        """Mean forward and backward time per line of ``file`` per recorded iteration that
        ran it."""
        rows = self.db.execute(
            "SELECT line, MAX(iterations), SUM(forward_ns), SUM(backward_ns) FROM op_stats"
            " WHERE file = ? GROUP BY line", (file,))
        return {line: {"forward_ns": f / its, "backward_ns": b / its}
                for line, its, f, b in rows if its}

    def modules(self, iteration: int | None = None) -> list[dict[str, Any]]:
        """nn.Module calls (path, type, time) of recorded iterations; the ops with
        ``first < seq < last`` ran inside one, so nested calls form the module tree."""
        sql, args = "SELECT * FROM modules", ()
        if iteration is not None:
            sql, args = sql + " WHERE iter = ?", (iteration,)
        return self._rows(sql + " ORDER BY iter, first", args)

    def anomalies(self, file: str | None = None) -> list[dict[str, Any]]:
        """NaN/Inf found (of ``file``'s lines only, if given), first first."""
        if file is None:
            return self._rows("SELECT * FROM anomalies ORDER BY id")
        return self._rows("SELECT * FROM anomalies WHERE file = ? ORDER BY id", (file,))

    def errors(self, file: str | None = None) -> list[dict[str, Any]]:
        if file is None:
            return self._rows("SELECT * FROM errors ORDER BY id")
        return self._rows("SELECT * FROM errors WHERE file = ? ORDER BY id", (file,))

    def inputs_of(self, seq: int) -> list[dict[str, Any]]:
        """The ops whose outputs op ``seq`` read (``idx``, ``seq``, ``op``, ``file``, ``line``):
        where its inputs, a bad value's sources among them, came from."""
        return self._rows(
            "SELECT e.idx, o.seq, o.op, o.file, o.line, o.module FROM edges e"
            " JOIN ops o ON o.seq = e.src WHERE e.dst = ? ORDER BY e.idx", (seq,))

    def statistics_iteration(self) -> int | None:
        """The newest iteration recorded with tensor statistics (None: none was)."""
        try:
            row = self.db.execute("SELECT MAX(iter) FROM sketches").fetchone()
        except sqlite3.OperationalError:  # schema 1: no sketches; look at the tensors
            row = self.db.execute("SELECT MAX(iter) FROM tensors WHERE mean IS NOT NULL"
                                  ).fetchone()
        return row[0]

    def gradient_norms(self, file: str, iteration: int) -> list[dict[str, Any]]:
        """Norms of the gradients of what ``file``'s ops made in ``iteration`` (recorded with
        statistics), at the op's line: ``line``, ``op``, ``norm``, ``nan``, ``inf``."""
        return self._rows(
            "SELECT o.line, o.op, o.seq, MAX(g.norm) AS norm, MAX(g.nan) AS nan,"
            " MAX(g.inf) AS inf FROM ops o JOIN tensors g ON g.of = o.output AND"
            " g.iter = o.iter AND g.kind = 'grad' WHERE o.iter = ? AND o.file = ?"
            " AND g.norm IS NOT NULL GROUP BY o.seq ORDER BY o.seq", (iteration, file))

    def dead_outputs(self, file: str, iteration: int, op: str = "relu") -> list[dict]:
        """``op`` calls of ``file`` in ``iteration`` whose outputs were all zero (recorded
        with statistics): ``line``, ``count``, ``seq``."""
        return self._rows(
            "SELECT o.line, COUNT(*) AS count, MIN(o.seq) AS seq FROM ops o JOIN tensors t"
            " ON t.id = o.output AND t.iter = o.iter AND t.kind = 'value'"
            " WHERE o.iter = ? AND o.file = ? AND o.op = ? AND t.max <= 0 AND t.min >= 0"
            " GROUP BY o.line", (iteration, file, op))

    # following a live run --------------------------------------------------------------------
    def changes(self, cursor: dict[str, int] | None = None,
                limit: int = 10_000) -> dict[str, Any]:
        """What was added since ``cursor`` (None: since the start), and the cursor to pass
        next time: ``iterations`` (new, or changed since: the one in progress is sent again
        until it ends), ``ops``, ``edges``, ``tensors``, ``backward``, ``modules``,
        ``anomalies``, ``errors`` (each at most ``limit`` rows: call again while ``more``),
        and the run's ``info``. A few indexed range queries, however large the store."""
        cur = dict(cursor or {})
        out: dict[str, Any] = {}
        more = False
        open_from = cur.get("iter_open", -1)
        out["iterations"] = self._rows(
            "SELECT * FROM iterations WHERE iter >= ? ORDER BY iter LIMIT ?",
            (open_from, limit))
        if out["iterations"]:
            still_open = [i["iter"] for i in out["iterations"] if i["ended"] is None]
            last = out["iterations"][-1]["iter"]
            cur["iter_open"] = still_open[0] if still_open else last + 1
            more |= len(out["iterations"]) == limit
        for table in ("ops", "edges", "tensors", "backward", "modules", "anomalies",
                      "errors"):
            after = cur.get(table, 0)
            c = self.db.execute(f"SELECT rowid, * FROM {table} WHERE rowid > ?"
                                " ORDER BY rowid LIMIT ?", (after, limit))
            c.row_factory = None
            rows = c.fetchall()
            if rows:
                cur[table] = rows[-1][0]
                more |= len(rows) == limit
            names = [d[0] for d in c.description][1:]
            items = [dict(zip(names, r[1:])) for r in rows]
            if table == "tensors":
                for d in items:
                    d["shape"] = _shape(d["shape"])
            out[table] = items
        out["info"] = self.info
        out["cursor"] = cur
        out["more"] = more
        return out

    def summary(self, top: int = 10) -> dict[str, Any]:
        """What ``glassgrad show`` prints."""
        info = self.info
        first, last = self.db.execute(
            "SELECT (SELECT loss FROM iterations WHERE loss IS NOT NULL ORDER BY iter LIMIT 1),"
            " (SELECT loss FROM iterations WHERE loss IS NOT NULL ORDER BY iter DESC LIMIT 1)"
            ).fetchone()
        graph_size = self.db.execute(
            "SELECT COUNT(*) FROM ops WHERE has_node = 1 AND iter = (SELECT iter FROM ops"
            " WHERE has_node = 1 ORDER BY seq DESC LIMIT 1)").fetchone()[0]
        reasons = {r[0]: r[1] for r in self.db.execute(
            "SELECT reason, COUNT(*) FROM iterations GROUP BY reason")}
        return {
            "run": info.to_dict(),
            "iterations": info.iterations, "recorded_iterations": info.recorded_iterations,
            "iteration_reasons": reasons,
            "first_loss": first, "last_loss": last,
            "ops": self.db.execute("SELECT COALESCE(SUM(n_ops), 0) FROM iterations").fetchone()[0],
            "graph_nodes": graph_size,
            "top_ops": self.top_ops(top),
            "top_modules": self.top_modules(top),
            "anomalies": self.anomalies(),
            "errors": self.errors(),
            "dropped_events": info.dropped,
        }


@functools.lru_cache(maxsize=4096)
def _shape(text: str) -> tuple[int, ...]:
    """A stored shape (JSON list) as a tuple; a run has few distinct shapes, so cache them."""
    return tuple(json.loads(text))


def _tensor_dict(tid: int, iteration: int, kind: str, values: tuple) -> dict[str, Any]:
    d = dict(zip(_TENSOR_COLS, values))
    d["shape"] = _shape(d["shape"])
    d["id"], d["iter"], d["kind"] = tid, iteration, kind
    return d


def _prefixed(row: dict, prefix: str, tid: int | None, iteration: int,
              kind: str) -> dict[str, Any] | None:
    if row[prefix + "shape"] is None:
        return None
    return _tensor_dict(tid, iteration, kind, tuple(row[prefix + c] for c in _TENSOR_COLS))


def _tensor_row(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    d = dict(row)
    d["shape"] = _shape(d["shape"])
    return d


def list_runs(root: str = DEFAULT_ROOT) -> list[RunInfo]:
    """Every readable run under ``root``, newest first."""
    if not os.path.isdir(root):
        return []
    out = []
    for f in os.listdir(root):
        if f.endswith(".db"):
            try:
                with Run(os.path.join(root, f)) as r:
                    out.append(r.info)
            except (RunStoreError, sqlite3.DatabaseError):
                continue
    return sorted(out, key=lambda i: i.started, reverse=True)


def group_of(info: RunInfo, runs: list[RunInfo]) -> list[RunInfo]:
    """The stores of ``info``'s program (its processes), parent first, then by start."""
    if info.group_id is None:
        return [info]
    same = [r for r in runs if r.group_id == info.group_id]
    return sorted(same, key=lambda r: (r.parent is not None, r.started))


def open_run(spec: str | None = None, root: str = DEFAULT_ROOT) -> Run:
    """A run by path, by name (or a unique prefix of it, or the script name it was recorded
    under: the newest such run), or the newest run when ``spec`` is None."""
    if spec and os.path.exists(spec):
        return Run(spec)
    runs = list_runs(root)
    if not runs:
        raise RunStoreError(f"no runs under {root}")
    if spec is None:
        return Run(runs[0].path)
    hits = [r for r in runs if r.name == spec] or [r for r in runs if r.name.startswith(spec)]
    if not hits:  # the script's name (<stamp>-<name>-<pid>): its newest run
        hits = [r for r in runs if r.name.split("-", 2)[-1].rsplit("-", 1)[0] == spec][:1]
    if len(hits) != 1:
        raise RunStoreError(f"{'no' if not hits else 'several'} runs match {spec!r} under {root}")
    return Run(hits[0].path)

"""``glassgrad.runs``: the read API of run stores, shared by the CLI, TUI, LSP and debugger.

Readers open a store read-only while its run may still be writing (SQLite WAL). Every query
the UIs make lives here, so none of them writes SQL of its own for the common questions:
"what was made at file:line in iteration k", "the graph of iteration k", "top ops by time".
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import asdict, dataclass
from typing import Any

from .recording.events import SCHEMA_VERSION
from .recording.recorder import DEFAULT_ROOT

__all__ = ["RunInfo", "Run", "RunStoreError", "list_runs", "open_run", "SCHEMA_VERSION"]


# a running program commits (and refreshes run.heartbeat) several times a second; a store whose
# heartbeat is older than this and that never recorded its end belongs to a run that died
STALE_SECONDS = 60.0


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

    @property
    def incomplete(self) -> bool:
        return self.status == "incomplete"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Run:
    """One run store, opened read-only."""

    def __init__(self, path: str) -> None:
        if not os.path.exists(path):
            raise RunStoreError(f"no run store at {path}")
        self.path = path
        try:
            self.db = sqlite3.connect(f"file:{os.path.abspath(path)}?mode=ro", uri=True,
                                      timeout=30, check_same_thread=False)
            self.db.row_factory = sqlite3.Row
            row = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        except sqlite3.DatabaseError as e:
            raise RunStoreError(f"{path} is not a glassgrad run store: {e}") from e
        version = int(row[0]) if row else None
        if version != SCHEMA_VERSION:
            raise RunStoreError(f"{path} has run-store schema {version}; this glassgrad reads "
                                f"schema {SCHEMA_VERSION}")

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
        n = self.db.execute("SELECT COUNT(*) FROM iterations").fetchone()[0]
        status = r["status"]
        if r["ended"] is None and (not _alive(r["pid"]) or (
                r["heartbeat"] is not None and time.time() - r["heartbeat"] > STALE_SECONDS)):
            status = "incomplete"  # killed (SIGKILL, power loss) before it could finish
        return RunInfo(path=self.path, name=r["name"], command=r["command"],
                       argv=json.loads(r["argv"] or "[]"), cwd=r["cwd"], pid=r["pid"],
                       started=r["started"], ended=r["ended"], status=status,
                       exit_code=r["exit_code"], error=r["error"], dropped=r["dropped"],
                       stats=r["stats"], iterations=n, schema_version=r["schema_version"])

    def sources(self) -> list[dict[str, Any]]:
        """Source files the run touched, with their sha256 at the time of the run."""
        return self._rows("SELECT * FROM sources ORDER BY path")

    def is_stale(self, path: str) -> bool:
        """Whether ``path`` changed since the run recorded it (results for it are stale)."""
        import hashlib

        row = self.db.execute("SELECT sha256 FROM sources WHERE path = ?", (path,)).fetchone()
        if row is None or not os.path.isfile(path):
            return True
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest() != row[0]

    # iterations and ops ----------------------------------------------------------------------
    def iterations(self) -> list[dict[str, Any]]:
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

    def ops_at(self, file: str, line: int, iteration: int | None = None) -> list[dict[str, Any]]:
        """Everything made at ``file:line`` (in ``iteration``, default the last recorded one),
        each op with its output tensor row and its gradient row when known."""
        if iteration is None:
            row = self.db.execute("SELECT MAX(iter) FROM ops WHERE file = ? AND line = ?",
                                  (file, line)).fetchone()
            if row[0] is None:
                return []
            iteration = row[0]
        ops = self._rows("SELECT * FROM ops WHERE file = ? AND line = ? AND iter = ? ORDER BY seq",
                         (file, line, iteration))
        for op in ops:
            op["tensor"] = self.tensor(op["output"], iteration)
            op["grad"] = self.grad_of(op["output"], iteration)
            bw = self.db.execute("SELECT duration_ns FROM backward WHERE node = ?",
                                 (op["seq"],)).fetchone()
            op["backward_ns"] = bw[0] if bw else None
        return ops

    def tensor(self, tensor_id: int, iteration: int | None = None,
               kind: str = "value") -> dict[str, Any] | None:
        sql = "SELECT * FROM tensors WHERE id = ? AND kind = ?"
        args: tuple = (tensor_id, kind)
        if iteration is not None:
            sql, args = sql + " AND iter = ?", args + (iteration,)
        row = self.db.execute(sql + " ORDER BY iter DESC LIMIT 1", args).fetchone()
        return _tensor_row(row)

    def grad_of(self, tensor_id: int, iteration: int | None = None) -> dict[str, Any] | None:
        """The gradient recorded for a forward tensor (its node's grad_output, or a leaf's)."""
        sql = "SELECT o.seq, o.iter FROM ops o WHERE o.output = ?"
        args0: tuple = (tensor_id,)
        if iteration is not None:
            sql, args0 = sql + " AND o.iter = ?", args0 + (iteration,)
        op = self.db.execute(sql + " ORDER BY o.iter DESC LIMIT 1", args0).fetchone()
        if op is not None:
            bw = self.db.execute("SELECT grad_output FROM backward WHERE node = ? ORDER BY id "
                                 "DESC LIMIT 1", (op[0],)).fetchone()
            ids = json.loads(bw[0] or "[]") if bw is not None else []
            if ids and ids[0] is not None:
                row = self.db.execute("SELECT * FROM tensors WHERE id = ? AND iter = ? AND "
                                      "kind = 'grad'", (ids[0], op[1])).fetchone()
                if row is not None:
                    return _tensor_row(row)
        sql = "SELECT * FROM tensors WHERE of = ? AND kind = 'grad'"
        args: tuple = (tensor_id,)
        if iteration is not None:
            sql, args = sql + " AND iter = ?", args + (iteration,)
        return _tensor_row(self.db.execute(sql + " ORDER BY iter DESC LIMIT 1", args).fetchone())

    def graph(self, iteration: int | None = None) -> dict[str, Any]:
        """Nodes (ops with their output tensors) and edges of one iteration's graph."""
        if iteration is None:
            rec = self.recorded_iterations()
            iteration = rec[-1] if rec else 0
        nodes = self.ops(iteration)
        tensors = {r["id"]: _tensor_row(r) for r in self.db.execute(
            "SELECT * FROM tensors WHERE iter = ? AND kind = 'value'", (iteration,))}
        for n in nodes:
            n["tensor"] = tensors.get(n["output"])
        edges = self._rows("SELECT e.* FROM edges e JOIN ops o ON o.seq = e.dst WHERE o.iter = ? "
                           "ORDER BY e.dst, e.idx", (iteration,))
        leaves = {e["tensor"]: tensors.get(e["tensor"]) for e in edges if e["src"] is None}
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

    def top_ops(self, n: int = 10) -> list[dict[str, Any]]:
        """The op call sites (per module) that took the most time, forward and backward."""
        return self._rows(
            "SELECT o.op, o.file, o.line, o.module, COUNT(*) AS count,"
            " SUM(o.duration_ns) AS forward_ns, COALESCE(SUM(b.duration_ns), 0) AS backward_ns,"
            " SUM(o.duration_ns) + COALESCE(SUM(b.duration_ns), 0) AS total_ns"
            " FROM ops o LEFT JOIN backward b ON b.node = o.seq"
            " GROUP BY o.op, o.file, o.line, o.module ORDER BY total_ns DESC LIMIT ?", (n,))

    def line_times(self, file: str) -> dict[int, dict[str, float]]:
        """Mean forward and backward time per line of ``file`` over recorded iterations."""
        rows = self.db.execute(
            "SELECT o.line, COUNT(DISTINCT o.iter), SUM(o.duration_ns),"
            " COALESCE(SUM(b.duration_ns), 0) FROM ops o LEFT JOIN backward b ON b.node = o.seq"
            " WHERE o.file = ? GROUP BY o.line", (file,))
        return {line: {"forward_ns": f / its, "backward_ns": b / its}
                for line, its, f, b in rows}

    def modules(self, iteration: int | None = None) -> list[dict[str, Any]]:
        """nn.Module calls (path, type, time) of recorded iterations; the ops with
        ``first < seq < last`` ran inside one, so nested calls form the module tree."""
        sql, args = "SELECT * FROM modules", ()
        if iteration is not None:
            sql, args = sql + " WHERE iter = ?", (iteration,)
        return self._rows(sql + " ORDER BY iter, first", args)

    def anomalies(self) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM anomalies ORDER BY id")

    def errors(self) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM errors ORDER BY id")

    def steps(self) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM steps ORDER BY id")

    def summary(self, top: int = 10) -> dict[str, Any]:
        """What ``glassgrad show`` prints."""
        its = self.iterations()
        losses = [i["loss"] for i in its if i["loss"] is not None]
        rec = self.recorded_iterations()
        graph_size = self.db.execute(
            "SELECT COUNT(*) FROM ops WHERE has_node = 1 AND iter = (SELECT MAX(iter) FROM ops"
            " WHERE has_node = 1)").fetchone()[0]
        return {
            "run": self.info.to_dict(),
            "iterations": len(its), "recorded_iterations": len(rec),
            "first_loss": losses[0] if losses else None,
            "last_loss": losses[-1] if losses else None,
            "ops": self.db.execute("SELECT COALESCE(SUM(n_ops), 0) FROM iterations").fetchone()[0],
            "graph_nodes": graph_size,
            "top_ops": self.top_ops(top),
            "anomalies": self.anomalies(),
            "errors": self.errors(),
            "dropped_events": self.info.dropped,
        }


def _tensor_row(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    d = dict(row)
    d["shape"] = tuple(json.loads(d["shape"]))
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


def open_run(spec: str | None = None, root: str = DEFAULT_ROOT) -> Run:
    """A run by path, by name (or a unique prefix of it), or the newest when ``spec`` is None."""
    if spec and os.path.exists(spec):
        return Run(spec)
    runs = list_runs(root)
    if not runs:
        raise RunStoreError(f"no runs under {root}")
    if spec is None:
        return Run(runs[0].path)
    hits = [r for r in runs if r.name == spec] or [r for r in runs if r.name.startswith(spec)]
    if len(hits) != 1:
        raise RunStoreError(f"{'no' if not hits else 'several'} runs match {spec!r} under {root}")
    return Run(hits[0].path)

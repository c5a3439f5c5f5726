"""What the screens read from a recorded run, through ``glassgrad.runs`` only: the overview,
one iteration's graph (loaded once, on demand), a node's details, the timeline, sketches.

Every failure of the store (missing, corrupt, newer schema, cut short) becomes a
``SourceError`` with a sentence for the user; the screens show it and never a traceback.
"""

from __future__ import annotations

import os
import sqlite3
from typing import Any

from glassgrad import runs

from .graph_model import GraphModel, Node


class SourceError(Exception):
    """The run cannot be shown; the message says why, for the user."""


def _guard(what: str):
    def wrap(fn):
        def inner(self: RecordedSource, *args: Any, **kwargs: Any) -> Any:
            try:
                return fn(self, *args, **kwargs)
            except sqlite3.Error as e:
                raise SourceError(f"cannot read {what} from {self.path}: {e}") from e

        inner.__doc__ = fn.__doc__
        inner.__name__ = fn.__name__
        return inner

    return wrap


class RecordedSource:
    """One run store, read-only (it may still be recording)."""

    live = False

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            self.run = runs.Run(path)
            self.run.info  # noqa: B018 - fails now on a store cut short before its run row
        except runs.RunStoreError as e:
            raise SourceError(str(e)) from e
        except (sqlite3.Error, TypeError) as e:
            raise SourceError(f"{path} cannot be read: {e}") from e
        self._graphs: dict[int, GraphModel] = {}

    def close(self) -> None:
        self.run.close()

    @property
    def name(self) -> str:
        return os.path.basename(self.path).removesuffix(".db")

    @_guard("the run")
    def info(self) -> runs.RunInfo:
        return self.run.info

    @_guard("the overview")
    def overview(self, top: int = 10) -> dict[str, Any]:
        """Everything the overview tab shows."""
        run = self.run
        its = run.iterations()
        reasons: dict[str, int] = {}
        for i in its:
            reasons[i["reason"] or "?"] = reasons.get(i["reason"] or "?", 0) + 1
        losses = [(i["iter"], i["loss"]) for i in its if i["loss"] is not None]
        return {"info": run.info, "iterations": its, "reasons": reasons, "losses": losses,
                "top_ops": run.top_ops(top), "top_modules": run.top_modules(top),
                "anomalies": run.anomalies(), "errors": run.errors(),
                "dropped": sum(i["dropped"] or 0 for i in its)}

    @_guard("the iterations")
    def graph_iterations(self) -> list[int]:
        """Recorded iterations that built graph nodes, newest last."""
        return [r[0] for r in self.run.db.execute(
            "SELECT i.iter FROM iterations i WHERE i.recorded = 1 AND EXISTS (SELECT 1 FROM ops"
            " o WHERE o.iter = i.iter AND o.has_node = 1) ORDER BY i.iter")]

    @_guard("the graph")
    def graph(self, iteration: int | None = None) -> GraphModel:
        """One iteration's graph (default: the newest with graph nodes), loaded once."""
        if iteration is None:
            found = self.graph_iterations()
            if not found:
                raise SourceError("this run recorded no graph yet (no op that needs a "
                                  "gradient ran in a recorded iteration)")
            iteration = found[-1]
        model = self._graphs.get(iteration)
        if model is None:
            model = GraphModel.from_recorded(self.run.graph(iteration),
                                             self.run.modules(iteration))
            self._graphs = {iteration: model}  # one at a time: they can be large
        return model

    @_guard("the node")
    def detail(self, model: GraphModel, seq: int) -> dict[str, Any]:
        """A node's inspector data: inputs, output, gradient, backward, anomalies, source."""
        node = model.nodes[seq]
        k = model.iteration
        inputs = []
        for idx, src, tid in node.inputs:
            if src is not None:
                inputs.append({"idx": idx, "src": src, "tensor": model.nodes[src].tensor,
                               "label": f"{model.nodes[src].op} #{src}"})
            else:
                t = model.leaves.get(tid) or self.run.tensor(tid, k)
                inputs.append({"idx": idx, "src": None, "tensor": t, "label": "leaf"})
        grad = self.run.grad_of(node.output, k) if node.output is not None else None
        anomalies = [a for a in self.run.anomalies() if a["seq"] == seq and a["iter"] == k]
        return {"node": node, "inputs": inputs, "grad": grad, "anomalies": anomalies,
                "source": self.source_lines(node.file)}

    def source_lines(self, file: str | None) -> dict[str, Any]:
        """The file as the run recorded it (else as it is now, marked when it changed)."""
        if not file:
            return {"text": None, "note": "no call site"}
        try:
            text = self.run.source_text(file)
        except sqlite3.Error:
            text = None
        if text is not None:
            stale = os.path.isfile(file) and self.run.is_stale(file)
            return {"text": text, "note": "changed since the run; showing the recorded "
                                          "version" if stale else None}
        if not os.path.isfile(file):
            return {"text": None, "note": f"{file} is not recorded in the run and is gone"}
        found = read_source(file)
        if found["text"] is not None and self.run.is_stale(file):
            found["note"] = "changed since the run: lines may not match"
        return found

    @_guard("the timeline")
    def timeline(self, iteration: int) -> list[dict[str, Any]]:
        """The iteration's ops then its backward nodes, in the order they ran."""
        db = self.run.db
        cur = db.execute("SELECT seq, op, file, line, module, t_start, duration_ns, has_node"
                         " FROM ops WHERE iter = ? ORDER BY seq", (iteration,))
        cur.row_factory = None
        rows = [{"phase": "forward", "seq": seq, "op": op, "file": file, "line": line,
                 "module": module, "t": t, "ns": ns or 0, "node": bool(node)}
                for seq, op, file, line, module, t, ns, node in cur]
        cur = db.execute("SELECT node, op, file, line, module, t_start, duration_ns"
                         " FROM backward WHERE iter = ? ORDER BY id", (iteration,))
        cur.row_factory = None
        rows += [{"phase": "backward", "seq": seq, "op": op, "file": file, "line": line,
                  "module": module, "t": t, "ns": ns or 0, "node": True}
                 for seq, op, file, line, module, t, ns in cur]
        return rows

    @_guard("the tensor")
    def sketch(self, tensor_id: int, iteration: int | None, kind: str) -> dict | None:
        return self.run.sketch(tensor_id, iteration, kind)


def read_source(file: str | None) -> dict[str, Any]:
    """A source file as it is now on this machine (what a live program runs)."""
    if not file or file.startswith("<"):
        return {"text": None, "note": "no source file"}
    try:
        with open(file, encoding="utf-8", errors="replace") as f:
            return {"text": f.read(), "note": None}
    except OSError as e:
        return {"text": None, "note": f"cannot read {file}: {e.strerror}"}


def node_label(node: Node) -> str:
    """``matmul (64, 256) float32``: what a node shows in lists."""
    shape = "" if node.shape is None else f" {node.shape}"
    return f"{node.op}{shape} {node.dtype or ''}".rstrip()


def short_path(path: str | None) -> str:
    """A path relative to the working directory when below it, else its file name."""
    if not path:
        return "?"
    if path.startswith("<"):
        return path
    rel = os.path.relpath(path)
    return os.path.basename(path) if rel.startswith("..") else rel


def ms(ns: float | None) -> str:
    if ns is None:
        return "-"
    return f"{ns / 1e6:.3f} ms" if ns < 1e9 else f"{ns / 1e9:.2f} s"

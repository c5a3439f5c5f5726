"""Custom requests for graph views (the VS Code extension's, without a debug session):

- ``glassgrad/runs`` ``{uri?}``: the runs of the workspace folders (of the document's folders
  too, given a uri), newest first: ``[{path, name, status, started, iterations,
  recordedIterations, command}]``;
- ``glassgrad/graph`` ``{run?, uri?, iteration?, maxNodes?}``: one recorded iteration's graph
  (default: the run the document reads, else the newest run; its newest iteration with graph
  nodes) in the shape of the debug adapter's ``glassgrad/graph`` response (docs/debugger.md),
  the newest ``maxNodes`` nodes (default 3,000) when the graph is bigger (``truncated``).
"""

from __future__ import annotations

import os
from typing import Any

from pygls.uris import to_fs_path

from glassgrad import runs

MAX_NODES = 3000


def _get(params: Any, key: str, default: Any = None) -> Any:
    if isinstance(params, dict):
        return params.get(key, default)
    return getattr(params, key, default)


def register(server) -> None:
    @server.feature("glassgrad/runs")
    def list_runs(ls, params: Any) -> list[dict]:
        uri = _get(params, "uri")
        roots = {os.path.join(f, ls.settings.runs_folder) for f in ls.catalog.folders}
        if isinstance(uri, str) and uri.startswith("file:"):
            roots.update(ls.catalog.roots_for(os.path.abspath(to_fs_path(uri))))
        found = [i for root in roots for i in ls.catalog.listing(os.path.abspath(root))]
        found.sort(key=lambda i: i.started, reverse=True)
        return [{"path": i.path, "name": i.name, "status": i.status, "started": i.started,
                 "iterations": i.iterations, "recordedIterations": i.recorded_iterations,
                 "command": i.command} for i in found]

    @server.feature("glassgrad/graph")
    def graph(ls, params: Any) -> dict:
        path = _get(params, "run")
        if not isinstance(path, str):
            uri = _get(params, "uri")
            handle = None
            if isinstance(uri, str) and uri.startswith("file:"):
                handle = ls.catalog.run_for(os.path.abspath(to_fs_path(uri)))
            if handle is None:
                listed = list_runs(ls, params)
                if not listed:
                    raise ValueError("no recorded run in the workspace: record one with "
                                     "`glassgrad run script.py`")
                path = listed[0]["path"]
            else:
                path = handle.path
        handle = ls.catalog.handle(path)
        if handle is None:
            raise ValueError(f"cannot read the run store {path}")
        iteration = _get(params, "iteration")
        limit = _get(params, "maxNodes", MAX_NODES)
        limit = MAX_NODES if not isinstance(limit, int) or limit <= 0 else limit
        return as_view_graph(handle.run, path, iteration if isinstance(iteration, int)
                             else None, limit)


def as_view_graph(run: runs.Run, path: str, iteration: int | None, limit: int) -> dict:
    """The run store's graph of an iteration, as graph views draw the adapter's."""
    g = run.graph(iteration)
    nodes = [n for n in g["nodes"] if n["has_node"]]
    total = len(nodes)
    nodes = sorted(nodes, key=lambda n: -n["seq"])[:limit]
    kept = {n["seq"] for n in nodes}
    consumed = set()
    edges, leaves = [], {}
    for e in g["edges"]:
        if e["dst"] not in kept:
            continue
        if e["src"] is not None and e["src"] in kept:
            source = f"n{e['src']}"
            consumed.add(e["src"])
        elif e["src"] is None:
            source = f"t{e['tensor']}"
            t = g["leaves"].get(e["tensor"])
            leaves[e["tensor"]] = {"id": source, "name": None,
                                   "shape": list(t["shape"]) if t else None,
                                   "dtype": t["dtype"] if t else None,
                                   "requiresGrad": bool(t and t["requires_grad"])}
        else:
            continue  # made by a node left out (truncated) or by an op without a node
        edges.append({"from": source, "to": f"n{e['dst']}", "output": 0, "input": e["idx"]})
    shapes = {n["seq"]: n["tensor"] for n in nodes}
    for edge in edges:
        if edge["from"].startswith("n"):
            t = shapes.get(int(edge["from"][1:]))
        else:
            t = leaves.get(int(edge["from"][1:]))
        edge["shape"] = list(t["shape"]) if t and t.get("shape") is not None else None
        edge["dtype"] = t.get("dtype") if t else None
    return {
        "phase": "recorded", "run": path, "iteration": g["iteration"], "current": None,
        "roots": [f"n{n['seq']}" for n in nodes if n["seq"] not in consumed][:16],
        "nodes": [{"id": f"n{n['seq']}", "op": n["op"], "name": _display(n["op"]),
                   "file": n["file"], "line": n["line"], "function": n["func"],
                   "module": n["module"],
                   "outputs": [{"shape": list(n["tensor"]["shape"]),
                                "dtype": n["tensor"]["dtype"]}] if n["tensor"] else None,
                   "state": None, "forwardNs": n["duration_ns"],
                   "backwardNs": n.get("backward_ns")} for n in nodes],
        "leaves": list(leaves.values()), "edges": edges,
        "truncated": total > len(nodes), "totalNodes": total,
    }


def _display(op: str) -> str:
    """``matmul`` -> ``MatmulBackward``, as ``grad_fn`` names it."""
    return "".join(p[:1].upper() + p[1:] for p in op.split("_")) + "Backward"

"""One iteration's autograd graph, indexed for the explorer: nodes, inputs and consumers, the
``nn.Module`` tree, search. Pure data: built from a recorded iteration (``from_recorded``) or
grown op by op from the live channel (``add_node``), so both views share one model.

A node is an op that built a graph node (``has_node``): the autograd graph runs from the loss
back to the leaves (parameters, inputs). Ops without a node (updates under ``no_grad``) are
left out of the graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Node:
    seq: int
    op: str
    file: str | None
    line: int | None
    func: str | None
    module: str | None
    output: int | None                  # tensor id
    tensor: dict[str, Any] | None       # shape, dtype, device, statistics
    forward_ns: int | None
    backward_ns: int | None = None
    inputs: list[tuple[int, int | None, int]] = field(default_factory=list)  # (idx, src, tensor)
    consumers: list[int] = field(default_factory=list)

    @property
    def site(self) -> str:
        return f"{self.file}:{self.line}" if self.file else "?"

    @property
    def shape(self) -> tuple[int, ...] | None:
        return tuple(self.tensor["shape"]) if self.tensor else None

    @property
    def dtype(self) -> str | None:
        return self.tensor["dtype"] if self.tensor else None


@dataclass
class ModuleGroup:
    """A node of the module tree: an ``nn.Module`` path, its submodules and its own ops."""

    path: str
    type: str | None = None
    children: dict[str, ModuleGroup] = field(default_factory=dict)
    ops: list[int] = field(default_factory=list)  # seqs run directly in this module
    last_seq: int = -1                            # the newest op inside (for ordering)
    n_ops: int = 0                                # ops inside, submodules included
    forward_ns: int = 0
    backward_ns: int = 0

    @property
    def name(self) -> str:
        return self.path.rsplit(".", 1)[-1] if self.path else "(outside any module)"

    def ordered_children(self) -> list[ModuleGroup]:
        """Submodules newest first: from the loss back to the inputs."""
        return sorted(self.children.values(), key=lambda g: -g.last_seq)


class GraphModel:
    """The graph of one iteration."""

    def __init__(self, iteration: int | None = None) -> None:
        self.iteration = iteration
        self.nodes: dict[int, Node] = {}
        self.leaves: dict[int, dict[str, Any] | None] = {}  # tensor id -> tensor (or None)
        self.module_types: dict[str, str] = {}
        self.root = ModuleGroup("")
        self._producer: dict[int, int] = {}  # tensor id -> seq of the op that made it
        self._leaf_consumers: dict[int, list[int]] = {}
        self._chains: dict[str | None, list[ModuleGroup]] = {}

    # building ----------------------------------------------------------------------------------
    @classmethod
    def from_recorded(cls, graph: dict[str, Any],
                      modules: list[dict[str, Any]] | None = None) -> GraphModel:
        """From ``glassgrad.runs.Run.graph(k)`` (and ``Run.modules(k)`` for module types)."""
        model = cls(graph["iteration"])
        for m in modules or ():
            model.module_types.setdefault(m["path"], m["type"])
        inputs: dict[int, list[tuple[int, int | None, int]]] = {}
        for e in graph["edges"]:
            inputs.setdefault(e["dst"], []).append((e["idx"], e["src"], e["tensor"]))
        for n in graph["nodes"]:
            if not n["has_node"]:
                continue
            model.add_node(Node(seq=n["seq"], op=n["op"], file=n["file"], line=n["line"],
                                func=n["func"], module=n["module"], output=n["output"],
                                tensor=n["tensor"], forward_ns=n["duration_ns"],
                                backward_ns=n.get("backward_ns")),
                           inputs.get(n["seq"], []))
        for tid, t in graph["leaves"].items():
            model.leaves[tid] = t
        return model

    def add_node(self, node: Node, inputs: list[tuple[int, int | None, int]]) -> None:
        """Add an op (inputs as (position, producing seq or None, tensor id)); a producer the
        caller did not know is looked up by tensor id among the nodes added before."""
        nodes = self.nodes
        resolved = []
        for idx, src, tid in inputs:
            if src is None:
                src = self._producer.get(tid)
            if src is not None and src not in nodes:
                src = None  # made outside the graph (no node, or another iteration)
            resolved.append((idx, src, tid))
            if src is None:
                self.leaves.setdefault(tid, None)
                self._leaf_consumers.setdefault(tid, []).append(node.seq)
            else:
                nodes[src].consumers.append(node.seq)
        node.inputs = resolved
        nodes[node.seq] = node
        if node.output is not None:
            self._producer[node.output] = node.seq
        self._file_module(node)

    def _chain(self, module: str | None) -> list[ModuleGroup]:
        """The groups from the root down to ``module``'s, made on first use (cached: a graph
        has few module paths and many nodes)."""
        chain = self._chains.get(module)
        if chain is not None:
            return chain
        group = self.root
        chain = [group]
        parts = module.split(".") if module else []
        for i in range(len(parts)):
            path = ".".join(parts[:i + 1])
            child = group.children.get(path)
            if child is None:
                child = group.children[path] = ModuleGroup(path, self.module_types.get(path))
            group = child
            chain.append(group)
        self._chains[module] = chain
        return chain

    def _file_module(self, node: Node) -> None:
        chain = self._chain(node.module)
        chain[-1].ops.append(node.seq)
        fwd, bwd = node.forward_ns or 0, node.backward_ns or 0
        for g in chain:
            g.n_ops += 1
            g.last_seq = max(g.last_seq, node.seq)
            g.forward_ns += fwd
            g.backward_ns += bwd

    def set_backward(self, seq: int, backward_ns: int) -> None:
        """A node's backward ran (live): add its time to the node and its modules."""
        node = self.nodes.get(seq)
        if node is None:
            return
        delta = backward_ns - (node.backward_ns or 0)
        node.backward_ns = backward_ns
        for g in self.module_chain(node):
            g.backward_ns += delta

    def set_module_type(self, path: str, type_name: str) -> None:
        self.module_types.setdefault(path, type_name)
        group = self.group(path)
        if group is not None and group.type is None:
            group.type = type_name

    # questions ----------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.nodes)

    def roots(self) -> list[int]:
        """Nodes nothing in the graph consumed (the loss first: the newest)."""
        return sorted((s for s, n in self.nodes.items() if not n.consumers), reverse=True)

    def inputs_of(self, seq: int) -> list[int]:
        return [src for _, src, _ in self.nodes[seq].inputs if src is not None] \
            if seq in self.nodes else []

    def consumers_of(self, seq: int) -> list[int]:
        return list(self.nodes[seq].consumers) if seq in self.nodes else []

    def group(self, path: str) -> ModuleGroup | None:
        group = self.root
        if not path:
            return group
        parts = path.split(".")
        for i in range(len(parts)):
            group = group.children.get(".".join(parts[:i + 1]))
            if group is None:
                return None
        return group

    def module_chain(self, node: Node) -> list[ModuleGroup]:
        return self._chain(node.module)

    def ops_newest_first(self, group: ModuleGroup) -> list[int]:
        return sorted(group.ops, reverse=True)

    def search(self, query: str, limit: int = 500) -> list[int]:
        """Nodes matching ``query``, newest first: an op name (``matmul``), a module path or
        part of it (``encoder.0``), a call site (``train.py:42`` or ``:42``), or a node
        number (``#123``)."""
        q = query.strip()
        if not q:
            return []
        if q.startswith("#") and q[1:].isdigit():
            return [int(q[1:])] if int(q[1:]) in self.nodes else []
        file_part, _, line_part = q.rpartition(":")
        if line_part.isdigit() and (file_part == "" or "." in file_part or "/" in file_part):
            line = int(line_part)
            hits = [s for s, n in self.nodes.items()
                    if n.line == line and (not file_part or (n.file or "").endswith(file_part))]
        else:
            low = q.lower()
            hits = [s for s, n in self.nodes.items()
                    if n.op.lower() == low or low in (n.module or "").lower()]
            if not hits:
                hits = [s for s, n in self.nodes.items() if low in n.op.lower()]
        return sorted(hits, reverse=True)[:limit]

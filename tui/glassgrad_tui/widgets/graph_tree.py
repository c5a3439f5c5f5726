"""The autograd graph as a tree: from the loss back to the parameters, folded by ``nn.Module``.

Modules are branches (newest first, so the loss's side comes first); their ops are leaves you
can open to see the op's inputs as references (each op appears once in the tree; an input made
by another op is a reference to that op, so shared subgraphs are never duplicated). Branches
are filled when opened, and long lists come in chunks, so a graph of 100,000 nodes opens at
once.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from ..graph_model import GraphModel, ModuleGroup, Node
from ..source import ms, short_path

CHUNK = 200


@dataclass(frozen=True)
class _Module:
    path: str


@dataclass(frozen=True)
class _Op:
    seq: int


@dataclass(frozen=True)
class _Ref:
    seq: int            # the op an input comes from


@dataclass(frozen=True)
class _Chunk:
    path: str
    start: int


def op_label(node: Node, selected_ref: bool = False) -> Text:
    text = Text()
    text.append(node.op, style="bold")
    text.append(f" #{node.seq}", style="dim")
    if node.shape is not None:
        text.append(f" {node.shape}")
    if node.dtype and node.dtype != "float32":
        text.append(f" {node.dtype}", style="italic")
    if node.backward_ns is not None:
        text.append(f"  bw {ms(node.backward_ns)}", style="dim")
    text.append(f"  {short_path(node.file)}:{node.line}", style="dim")
    return text


def module_label(group: ModuleGroup) -> Text:
    text = Text()
    text.append(group.name, style="bold")
    if group.type and group.type != group.name:
        text.append(f" ({group.type})")
    text.append(f"  {group.n_ops} ops  fw {ms(group.forward_ns)}  bw {ms(group.backward_ns)}",
                style="dim")
    return text


class GraphTree(Tree):
    """Shows a ``GraphModel``; posts ``NodeChosen`` when the cursor rests on an op."""

    class NodeChosen(Message):
        def __init__(self, seq: int) -> None:
            super().__init__()
            self.seq = seq

    def __init__(self, **kwargs) -> None:
        super().__init__("graph", **kwargs)
        self.model: GraphModel | None = None
        self._entry_cache: dict[str, tuple[int, list[object]]] = {}
        self.show_root = True
        self.guide_depth = 2

    def show(self, model: GraphModel) -> None:
        """Replace the tree with ``model``'s graph (its top level only; the rest on demand)."""
        self.model = model
        self._entry_cache = {}
        self.clear()
        self.root.set_label(Text.assemble(
            (f"iteration {model.iteration}", "bold"),
            f"  {len(model)} nodes, from the loss back to the parameters"))
        self.root.data = _Module("")
        self._fill_module(self.root, model.root)
        self.root.expand()

    def refresh_model(self) -> None:
        """The live model grew: rebuild the top level, keeping the tree's shape simple."""
        if self.model is not None:
            cursor = self.cursor_node.data if self.cursor_node is not None else None
            self.show(self.model)
            if isinstance(cursor, (_Op, _Ref)):
                self.select_seq(cursor.seq)

    # lazy filling ----------------------------------------------------------------------------
    def _entries(self, group: ModuleGroup) -> list[object]:
        """Submodules and own ops of ``group``, newest first (computed once per group)."""
        cached = self._entry_cache.get(group.path)
        if cached is not None and cached[0] == group.n_ops:
            return cached[1]
        items: list[tuple[int, object]] = [(g.last_seq, _Module(g.path))
                                           for g in group.children.values()]
        items += [(s, _Op(s)) for s in group.ops]
        items.sort(key=lambda kv: -kv[0])
        entries = [v for _, v in items]
        self._entry_cache[group.path] = (group.n_ops, entries)
        return entries

    def _fill_module(self, tree_node: TreeNode, group: ModuleGroup, start: int = 0) -> None:
        """The first ``CHUNK`` entries, then one sibling branch per further chunk (a long list
        stays flat: a chunk is one level down, never deeper)."""
        entries = self._entries(group)
        end = min(start + CHUNK, len(entries))
        for item in entries[start:end]:
            self._add(tree_node, item)
        if start == 0:
            for lo in range(end, len(entries), CHUNK):
                tree_node.add(Text(f"… {lo + 1}–{min(lo + CHUNK, len(entries))} of "
                                   f"{len(entries)}", style="italic"),
                              data=_Chunk(group.path, lo), allow_expand=True)

    def _add(self, parent: TreeNode, item: object) -> TreeNode:
        model = self.model
        if isinstance(item, _Module):
            group = model.group(item.path)
            return parent.add(module_label(group), data=item, allow_expand=True)
        node = model.nodes[item.seq]
        return parent.add(op_label(node), data=item, allow_expand=bool(node.inputs))

    def _on_tree_node_expanded(self, event: Tree.NodeExpanded) -> None:
        tree_node, data = event.node, event.node.data
        if tree_node.children or self.model is None:
            return
        if isinstance(data, _Module) and tree_node is not self.root:
            self._fill_module(tree_node, self.model.group(data.path))
        elif isinstance(data, _Chunk):
            tree_node.set_label(Text(f"{tree_node.label.plain}", style="italic dim"))
            self._fill_module(tree_node, self.model.group(data.path), data.start)
        elif isinstance(data, (_Op, _Ref)):
            node = self.model.nodes[data.seq]
            for idx, src, tid in node.inputs:
                if src is None:
                    leaf = self.model.leaves.get(tid)
                    shape = f" {tuple(leaf['shape'])}" if leaf else ""
                    tree_node.add_leaf(Text(f"← {idx}: leaf tensor{shape}", style="dim"))
                else:
                    label = Text(f"← {idx}: ", style="dim") + op_label(self.model.nodes[src])
                    tree_node.add_leaf(label, data=_Ref(src))

    def _on_tree_node_highlighted(self, event: Tree.NodeHighlighted) -> None:
        data = event.node.data
        if isinstance(data, _Op):
            self.post_message(self.NodeChosen(data.seq))

    def _on_tree_node_selected(self, event: Tree.NodeSelected) -> None:
        data = event.node.data
        if isinstance(data, _Ref):  # a reference: go to the op it names
            self.select_seq(data.seq)

    # navigation --------------------------------------------------------------------------------
    def select_seq(self, seq: int) -> bool:
        """Open the branches down to op ``seq`` and put the cursor on it."""
        model = self.model
        if model is None or seq not in model.nodes:
            return False
        node = model.nodes[seq]
        tree_node = self.root
        for group in model.module_chain(node)[1:]:
            tree_node = self._child(tree_node, _Module(group.path), group.path)
            if tree_node is None:
                return False
        found = self._child(tree_node, _Op(seq), node.module or "")
        if found is None:
            return False
        self.move_cursor(found)
        self.scroll_to_node(found)
        return True

    def _child(self, tree_node: TreeNode, want: object, path: str) -> TreeNode | None:
        """The child of ``tree_node`` holding ``want``, opening its chunk if it is in one."""
        group = self.model.group(path)
        if not tree_node.children and tree_node is not self.root:
            self._fill_module(tree_node, group)
        tree_node.expand()
        try:
            position = self._entries(group).index(want)
        except ValueError:
            return None
        if position >= CHUNK:  # in a chunk branch: the k-th one after the first entries
            chunks = [c for c in tree_node.children if isinstance(c.data, _Chunk)]
            tree_node = chunks[(position - CHUNK) // CHUNK]
            if not tree_node.children:
                self._fill_module(tree_node, group, tree_node.data.start)
            tree_node.expand()
            position = (position - CHUNK) % CHUNK
        for child in tree_node.children:
            if child.data == want:
                return child
        return None

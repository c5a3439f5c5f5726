"""The neighbourhood of the selected node as a layered drawing (inputs above, consumers below).

No data access of its own: the screen passes what to draw (``show``) or a graph model to take
the neighbourhood from (``show_around``); a click on a box posts ``NodeClicked`` upward.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual import events
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from ..render.layered import Scene, lay_out, neighbourhood

DTYPES = {"float32": "f32", "float64": "f64", "float16": "f16", "bfloat16": "bf16",
          "int64": "i64", "int32": "i32", "int8": "i8", "uint8": "u8", "bool": "bool"}


def node_label(node: Any) -> list[str]:
    """Label lines of a graph model node: op and number, shape and dtype, backward time."""
    lines = [f"{node.op} #{node.seq}"]
    tensor = node.tensor or {}
    if tensor.get("shape") is not None:
        dtype = DTYPES.get(tensor.get("dtype") or "", tensor.get("dtype") or "")
        lines.append(f"{tuple(tensor['shape'])} {dtype}".rstrip())
    if node.backward_ns is not None:
        lines.append(f"bw {node.backward_ns / 1e6:.3g} ms")
    elif node.forward_ns is not None:
        lines.append(f"fw {node.forward_ns / 1e6:.3g} ms")
    return lines


class NeighbourhoodView(Widget):
    """Draws nodes and edges laid out by grandalf, cropped around the selected node."""

    DEFAULT_CSS = """
    NeighbourhoodView {
        height: 1fr;
        overflow: hidden;
    }
    """

    ascii_only: reactive[bool] = reactive(False)
    """Draw boxes and arrows with ``+-|v`` (for terminals without box-drawing glyphs)."""

    class NodeClicked(Message):
        """A node's box was clicked: the screen may select it."""

        def __init__(self, node: int) -> None:
            super().__init__()
            self.node = node

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.picture: tuple[dict[int, list[str]], list[tuple[int, int]], int | None] | None = None
        self._scene: Scene | None = None

    def show(self, nodes: dict[int, list[str]], edges: Iterable[tuple[int, int]],
             selected: int | None) -> None:
        """Draw ``nodes`` (id -> label lines) and ``edges`` ((src, dst): src is an input of
        dst); an empty ``nodes`` clears the drawing."""
        self.picture = (dict(nodes), list(edges), selected) if nodes else None
        self._scene = None
        self.refresh()

    def show_around(self, model: Any, seq: int, depth: int = 2, limit: int = 30) -> None:
        """Draw the neighbourhood of node ``seq`` of a graph model (``inputs_of``,
        ``consumers_of``, ``nodes``): call it whenever the selection changes."""
        if model is None or seq not in model.nodes:
            self.show({}, [], None)
            return
        ids, edges = neighbourhood(seq, model.inputs_of, model.consumers_of, depth, limit)
        self.show({n: node_label(model.nodes[n]) for n in ids}, edges, seq)

    def clear(self) -> None:
        self.show({}, [], None)

    def watch_ascii_only(self) -> None:
        self._scene = None
        self.refresh()

    @property
    def scene(self) -> Scene | None:
        """The laid-out drawing (computed once per picture, cropped at each render)."""
        if self._scene is None and self.picture is not None:
            nodes, edges, selected = self.picture
            self._scene = lay_out(nodes, edges, selected, self.ascii_only)
        return self._scene

    def render(self) -> Text:
        scene = self.scene
        width, height = self.content_size
        if scene is None:
            return Text("select a node", style="dim", justify="center")
        return scene.render(width, height)

    def on_resize(self, event: events.Resize) -> None:
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        scene = self.scene
        if scene is None:
            return
        width, height = self.content_size
        offset = event.get_content_offset(self)
        if offset is None:
            return
        node = scene.node_at(offset.x, offset.y, width, height)
        if node is not None:
            self.post_message(self.NodeClicked(node))

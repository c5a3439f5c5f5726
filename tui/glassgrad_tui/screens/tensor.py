"""A tensor (or its gradient) full screen: the recorded sketch of a run, or the values a live
program holds now, fetched slice by slice through the live channel (bounded in size)."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Footer

from ..widgets.tensor_view import TensorView

MAX_ELEMENTS = 100_000  # values fetched from a live program per slice


class TensorScreen(ModalScreen):
    BINDINGS = [Binding("escape,q", "app.pop_screen", "Close"),
                Binding("v", "switch('value')", "Value"),
                Binding("g", "switch('grad')", "Gradient")]

    def __init__(self, source: Any, tensor_id: int, iteration: int | None, kind: str,
                 meta: dict[str, Any], label: str) -> None:
        super().__init__()
        self.source, self.tensor_id, self.iteration = source, tensor_id, iteration
        self.kind, self.meta, self.label = kind, meta, label

    def compose(self) -> ComposeResult:
        yield TensorView(id="tensor-view")
        yield Footer()

    def on_mount(self) -> None:
        view = self.query_one(TensorView)
        view.border_title = f"{self.label} · {'gradient' if self.kind == 'grad' else 'value'}"
        self.load(None)
        view.focus()

    def load(self, index: tuple[int, ...] | None) -> None:
        view = self.query_one(TensorView)
        try:
            if getattr(self.source, "live", False):
                shape = tuple(self.meta.get("shape") or ())
                if index is None and len(shape) >= 3:
                    index = (0,) * (len(shape) - 2)  # the first 2-D slice
                _, values = self.source.tensor_values(self.tensor_id, list(index or ()),
                                                      MAX_ELEMENTS)
                view.show_values(self.meta, values, index, kind=self.kind)
            else:
                sketch = self.source.sketch(self.tensor_id, self.iteration, self.kind)
                if sketch is None:
                    view.show_message("no sketch of this tensor was recorded: record with "
                                      "statistics (glassgrad run --stats cheap or full) to see "
                                      "its values here")
                    return
                view.show_sketch(self.meta, sketch, kind=self.kind)
        except Exception as e:  # noqa: BLE001 - a dead tensor, a lost connection: say so
            view.show_message(f"cannot show this tensor: {e}")

    def on_tensor_view_slice_requested(self, message: TensorView.SliceRequested) -> None:
        self.load(message.index)

    def action_switch(self, kind: str) -> None:
        """Between the value and the gradient of the same node."""
        screen = self.app.screen_stack[-2]
        if kind == self.kind or not hasattr(screen, "action_tensor"):
            return
        self.app.pop_screen()
        screen.action_tensor(kind)

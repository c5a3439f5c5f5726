"""The stores of one program's processes side by side: each one's overview in a column."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Static

from ..source import RecordedSource, SourceError
from ..widgets.overview import Overview


class SideBySideScreen(Screen):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back"),
                Binding("enter", "open", "Open the focused one")]

    def __init__(self, sources: list[RecordedSource], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sources = sources

    def compose(self) -> ComposeResult:
        yield Static(f" glassgrad · {len(self.sources)} processes of one program", id="title")
        with Horizontal(id="columns"):
            for i, _ in enumerate(self.sources):
                yield Overview(id=f"column-{i}", classes="column")
        yield Footer()

    def on_mount(self) -> None:
        for i, source in enumerate(self.sources):
            try:
                self.query_one(f"#column-{i}", Overview).show(source.overview(top=5))
            except SourceError as e:
                self.app.notify(str(e), severity="error")

    def action_open(self) -> None:
        focused = self.focused
        while focused is not None and not isinstance(focused, Overview):
            focused = focused.parent
        if isinstance(focused, Overview):
            index = int(focused.id.split("-")[1])
            self.app.open_run(self.sources[index].path)

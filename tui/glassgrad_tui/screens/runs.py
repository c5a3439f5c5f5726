"""The run list: recorded runs of the folder, newest first, the stores of one program together
(its processes side by side), and the live programs one can attach to."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from glassgrad import runs

from ..live_programs import live_programs
from ..source import RecordedSource, SourceError
from ..widgets.overview import when


class RunsScreen(Screen):
    BINDINGS = [
        Binding("enter", "open", "Open"),
        Binding("a", "attach", "Attach"),
        Binding("s", "side_by_side", "Side by side"),
        Binding("r", "reload", "Reload"),
    ]

    def __init__(self, root: str, message: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.root = root
        self.message = message
        self.rows: list[tuple[str, Any]] = []  # ("run", RunInfo) | ("live", info dict)

    def compose(self) -> ComposeResult:
        yield Static(id="title")
        yield Static(id="runs-message")
        yield DataTable(id="runs", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#runs", DataTable)
        table.add_columns("run", "status", "started", "iterations", "dropped", "command")
        self.query_one("#title", Static).update(f" glassgrad · runs in {self.root}")
        self.action_reload()
        table.focus()

    def action_reload(self) -> None:
        table = self.query_one("#runs", DataTable)
        table.clear()
        self.rows = []
        for info in live_programs():
            table.add_row(Text(f"● {info.get('name') or info['pid']}", style="bold"),
                          Text("live", style="bold reverse"), when(info.get("started")), "",
                          "", f"pid {info['pid']} · a: attach")
            self.rows.append(("live", info))
        found = runs.list_runs(self.root)
        order = {i.group_id or i.path: n for n, i in reversed(list(enumerate(found)))}
        found.sort(key=lambda i: (order[i.group_id or i.path], i.parent is not None,
                                  -i.started))
        for info in found:
            name = info.name if info.parent is None else f"└ {info.name}"
            status = info.status + (f" ({info.signal})" if info.signal else "")
            table.add_row(name, status, when(info.started),
                          f"{info.iterations} ({info.recorded_iterations})", str(info.dropped),
                          info.command or "")
            self.rows.append(("run", info))
        note = self.message or ("" if self.rows else
                                f"no runs in {self.root}: record one with "
                                "`glassgrad run script.py`")
        self.query_one("#runs-message", Static).update(Text(note, style="italic"))

    def _current(self) -> tuple[str, Any] | None:
        table = self.query_one("#runs", DataTable)
        if not self.rows or table.cursor_row is None or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        row = self._current()
        if row is None:
            return
        kind, info = row
        if kind == "live":
            self.app.attach(info["pid"])
            return
        self.app.open_run(info.path)

    def action_attach(self) -> None:
        row = self._current()
        if row is not None and row[0] == "live":
            self.app.attach(row[1]["pid"])
        else:
            self.app.notify("choose a live program (marked ●) to attach to")

    def action_side_by_side(self) -> None:
        """The stores of the chosen run's program (its processes), side by side."""
        row = self._current()
        if row is None or row[0] != "run":
            return
        group = runs.group_of(row[1], [info for kind, info in self.rows if kind == "run"])
        if len(group) < 2:
            self.app.notify("this run was recorded in one process")
            return
        from .side_by_side import SideBySideScreen

        sources = []
        for info in group[:4]:
            try:
                sources.append(RecordedSource(info.path))
            except SourceError as e:
                self.app.notify(str(e), severity="error")
        self.app.push_screen(SideBySideScreen(sources))

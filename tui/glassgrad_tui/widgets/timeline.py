"""An iteration's ops, forward then backward, as bars by duration; select one to inspect it.

Drawn line by line (Textual's line API), so an iteration of 200,000 rows scrolls as fast as
one of twenty.
"""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..source import ms, short_path

_BLOCKS = " ▏▎▍▌▋▊▉█"


def bar(fraction: float, width: int) -> str:
    """A bar of ``fraction`` (0..1) of ``width`` cells, in eighths of a cell."""
    eighths = max(0, min(round(fraction * width * 8), width * 8))
    full, part = divmod(eighths, 8)
    return ("█" * full + (_BLOCKS[part] if part else "")).ljust(width)


class Timeline(ScrollView, can_focus=True):
    """Rows of ``RecordedSource.timeline(k)``; Enter posts ``Chosen`` for the cursor's row."""

    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "move(-20)", "Page up", show=False),
        Binding("pagedown", "move(20)", "Page down", show=False),
        Binding("home", "move(-1000000000)", "First", show=False),
        Binding("end", "move(1000000000)", "Last", show=False),
        Binding("enter", "choose", "Inspect"),
    ]

    cursor = reactive(0)

    class Chosen(Message):
        def __init__(self, row: dict[str, Any]) -> None:
            super().__init__()
            self.row = row

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rows: list[dict[str, Any]] = []
        self._max_ns = 1

    def show(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self._max_ns = max((r["ns"] for r in rows), default=1) or 1
        self.cursor = 0
        self.virtual_size = Size(self.size.width, len(rows) + 1)
        self.refresh()

    def index_of(self, seq: int, phase: str) -> int | None:
        for i, r in enumerate(self.rows):
            if r["seq"] == seq and r["phase"] == phase:
                return i
        return None

    def go_to(self, index: int) -> None:
        self.cursor = max(0, min(index, len(self.rows) - 1))
        self.scroll_to(y=max(0, self.cursor - self.size.height // 2), animate=False)

    def action_move(self, delta: int) -> None:
        if not self.rows:
            return
        self.cursor = max(0, min(self.cursor + delta, len(self.rows) - 1))
        top, height = int(self.scroll_offset.y), self.size.height - 1
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)

    def action_choose(self) -> None:
        if self.rows:
            self.post_message(self.Chosen(self.rows[self.cursor]))

    def on_click(self, event: Any) -> None:
        index = int(self.scroll_offset.y) + event.y - 1
        if 0 <= index < len(self.rows):
            self.cursor = index
            self.action_choose()

    def watch_cursor(self) -> None:
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:  # the header stays on top
            return Strip([Segment(f"{'phase':8} {'op':14} {'where':22} time".ljust(width)[:width],
                                  Style(bold=True, underline=True))])
        index = int(self.scroll_offset.y) + y - 1
        if index >= len(self.rows):
            return Strip.blank(width)
        r = self.rows[index]
        where = f"{short_path(r['file'])}:{r['line']}"[-22:]
        text = f"{r['phase'][:8]:8} {r['op'][:14]:14} {where:22} "
        bar_width = max(width - len(text) - 12, 4)
        line = f"{text}{bar(r['ns'] / self._max_ns, bar_width)} {ms(r['ns']):>10}"
        style = Style(italic=r["phase"] == "backward")
        if index == self.cursor:
            style += Style(reverse=True) if self.has_focus else Style(bold=True, underline=True)
        return Strip([Segment(line.ljust(width)[:width], style)])

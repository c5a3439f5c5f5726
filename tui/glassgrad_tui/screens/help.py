"""Every key of the screen below, with what it does: the footer shows the main ones."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

INTRO = ("glassgrad tui: explore a run's autograd graph, or step a live run. Keys work on the "
         "focused pane; Tab moves between panes; the mouse works too.")


def key_name(key: str) -> str:
    names = {"slash": "/", "less_than_sign": "<", "greater_than_sign": ">",
             "question_mark": "?", "left_square_bracket": "[",
             "right_square_bracket": "]", "space": "space", "escape": "Esc",
             "enter": "Enter", "plus": "+", "minus": "-"}
    return ", ".join(names.get(k, k) for k in key.split(","))


class HelpScreen(ModalScreen):
    """The bindings of ``screen`` (and of the app), one per line."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self.under = screen

    def compose(self) -> ComposeResult:
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        table.add_column("key", no_wrap=True)
        table.add_column("does")
        seen = set()
        sources = [self.under, *self.under.query("*").results(), self.app]
        for node in sources:
            for binding in getattr(node, "BINDINGS", []):
                if not isinstance(binding, Binding):
                    binding = Binding(*binding)
                if binding.key in seen or not binding.description:
                    continue
                seen.add(binding.key)
                table.add_row(key_name(binding.key), binding.description)
        with VerticalScroll(id="help"):
            yield Static(Text(INTRO, style="italic"))
            yield Static(table)
            yield Static(Text("Esc or ? closes this help.", style="dim"))

    def action_dismiss(self) -> None:
        self.app.pop_screen()

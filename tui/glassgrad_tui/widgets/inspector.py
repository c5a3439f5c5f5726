"""The node inspector: what one op did, where, with what, and what came back in backward."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..source import ms, short_path

CONTEXT = 3  # source lines shown above and below the call site


def tensor_line(t: dict[str, Any] | None) -> Text:
    """``(64, 256) float32 cpu  μ 0.01 σ 1.0  [−3.1, 2.9]  NaN 0 Inf 0``."""
    if not t:
        return Text("not recorded", style="dim")
    text = Text(f"{tuple(t['shape'])} {t.get('dtype', '')} {t.get('device', '')}".rstrip())
    if t.get("mean") is not None:
        text.append(f"  μ {t['mean']:.4g} σ {t['std']:.4g}  [{t['min']:.4g}, {t['max']:.4g}]"
                    f"  ‖·‖ {t['norm']:.4g}")
    if t.get("nan") or t.get("inf"):
        text.append(f"  NaN {t['nan']} Inf {t['inf']}", style="bold reverse")
    elif t.get("nan") is not None:
        text.append("  finite", style="dim")
    return text


def source_excerpt(text: str | None, line: int | None, note: str | None) -> Any:
    """The call site with the lines around it, the line itself highlighted."""
    if text is None or line is None:
        return Text(note or "source not available", style="dim")
    lines = text.splitlines()
    lo, hi = max(1, line - CONTEXT), min(len(lines), line + CONTEXT)
    syntax = Syntax(text, "python", line_numbers=True, line_range=(lo, hi),
                    highlight_lines={line}, word_wrap=False, theme="ansi_dark",
                    background_color="default")
    return Group(syntax, Text(note, style="italic")) if note else syntax


class Inspector(VerticalScroll):
    """Shows ``RecordedSource.detail(...)`` (or the live equivalent)."""

    def compose(self):
        yield Static(Text("select a node in the tree", style="dim"), id="inspector-body")

    def show(self, detail: dict[str, Any]) -> None:
        node = detail["node"]
        head = Text()
        head.append(f"{node.op}", style="bold")
        head.append(f"  node #{node.seq}", style="dim")
        if node.module:
            head.append(f"  in {node.module}")
        site = Text(f"{short_path(node.file)}:{node.line}", style="bold")
        if node.func:
            site.append(f" in {node.func}()", style="dim")
        table = Table.grid(padding=(0, 1))
        table.add_column(style="dim", no_wrap=True)
        table.add_column()
        for i in detail["inputs"]:
            table.add_row(f"input {i['idx']}", Text(f"{i['label']}  ") + tensor_line(i["tensor"]))
        table.add_row("output", tensor_line(node.tensor))
        table.add_row("gradient", tensor_line(detail.get("grad")))
        table.add_row("time", f"forward {ms(node.forward_ns)}   backward {ms(node.backward_ns)}")
        table.add_row("backward", f"{node.op}.backward at {short_path(node.file)}:{node.line}"
                      if node.backward_ns is not None else Text("did not run", style="dim"))
        parts: list[Any] = [head, site, table]
        for a in detail.get("anomalies", ()):
            parts.append(Text(f"⚠ {a['phase']} {a['kind']}: {a['message']}",
                              style="bold reverse"))
        src = detail.get("source") or {}
        parts.append(source_excerpt(src.get("text"), node.line, src.get("note")))
        self.query_one("#inspector-body", Static).update(Group(*parts))

    def show_message(self, message: str) -> None:
        self.query_one("#inspector-body", Static).update(Text(message, style="dim"))

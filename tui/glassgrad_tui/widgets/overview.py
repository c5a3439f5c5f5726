"""The run overview: what ran, how it ended, which iterations were recorded and why, the loss
curve (plotext, through textual-plotext), where the time went (top ops, top modules) and what
went wrong (anomalies and errors at their file:line)."""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static
from textual_plotext import PlotextPlot

from ..source import ms, short_path

STATUS_STYLE = {"finished": "bold", "running": "bold", "failed": "bold reverse",
                "interrupted": "bold underline", "incomplete": "bold underline"}


def when(t: float | None) -> str:
    return "-" if t is None else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))


class LossPlot(PlotextPlot):
    """The loss of every iteration (recorded or not: each has its summary row)."""

    def show(self, losses: list[tuple[int, float]]) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        finite = [(i, v) for i, v in losses if v == v and abs(v) != float("inf")]
        if finite:
            step = max(1, len(finite) // 2000)  # plotext draws a few thousand points quickly
            xs, ys = zip(*finite[::step])
            plt.plot(xs, ys, marker="braille")
        plt.title("loss")
        plt.xlabel("iteration")
        if self.app.no_color if hasattr(self.app, "no_color") else False:
            plt.theme("clear")
        self.refresh()


class Overview(VerticalScroll):
    """Shows ``RecordedSource.overview()``; posts ``Jump`` when an anomaly or error row is
    chosen (its iteration and node)."""

    class Jump(Message):
        def __init__(self, iteration: int | None, seq: int | None) -> None:
            super().__init__()
            self.iteration, self.seq = iteration, seq

    def compose(self):
        yield Static(id="run-header")
        yield Static(id="run-iterations")
        yield LossPlot(id="loss-plot")
        yield Static(Text("where the time went (recorded iterations)", style="bold"))
        yield DataTable(id="top-ops", cursor_type="row", zebra_stripes=True)
        yield DataTable(id="top-modules", cursor_type="row", zebra_stripes=True)
        yield Static(Text("problems", style="bold"), id="problems-title")
        yield DataTable(id="problems", cursor_type="row")

    def on_mount(self) -> None:
        self.query_one("#top-ops", DataTable).add_columns("op", "where", "module", "calls",
                                                          "forward", "backward")
        self.query_one("#top-modules", DataTable).add_columns("module", "ops", "forward",
                                                              "backward")
        self.query_one("#problems", DataTable).add_columns("iter", "what", "where", "message")
        self._jumps: list[tuple[int | None, int | None]] = []

    def show(self, data: dict[str, Any]) -> None:
        info = data["info"]
        head = Text()
        head.append(info.name, style="bold")
        head.append("  ")
        status = info.status + (f" by {info.signal}" if info.signal else "")
        head.append(status, style=STATUS_STYLE.get(info.status, ""))
        if info.exit_code not in (None, 0):
            head.append(f"  exit code {info.exit_code}")
        head.append(f"\n{info.command or ''}\n", style="dim")
        head.append(f"started {when(info.started)}  ended {when(info.ended)}"
                    f"  pid {info.pid}")
        if info.parent:
            head.append(f"  started by {info.parent}")
        if info.error:
            head.append(f"\n{info.error}", style="bold")
        if info.writer_error:
            head.append(f"\nwriter: {info.writer_error}", style="bold")
        self.query_one("#run-header", Static).update(head)

        reasons = ", ".join(f"{n} {why}" for why, n in sorted(
            data["reasons"].items(), key=lambda kv: -kv[1]))
        its = Text()
        its.append(f"{info.iterations} iterations", style="bold")
        its.append(f", {info.recorded_iterations} recorded in full ({reasons or 'none'}); "
                   f"sampling {info.sampling or '-'}; rows dropped {info.dropped}")
        if data["losses"]:
            its.append(f"\nloss {data['losses'][0][1]:.4g} → {data['losses'][-1][1]:.4g}")
        self.query_one("#run-iterations", Static).update(its)
        self.query_one("#loss-plot", LossPlot).show(data["losses"])

        ops = self.query_one("#top-ops", DataTable)
        ops.clear()
        for o in data["top_ops"]:
            ops.add_row(o["op"], f"{short_path(o['file'])}:{o['line']}", o["module"] or "",
                        str(o["count"]), ms(o["forward_ns"]), ms(o["backward_ns"]))
        mods = self.query_one("#top-modules", DataTable)
        mods.clear()
        for m in data["top_modules"]:
            mods.add_row(m["module"], str(m["ops"]), ms(m["forward_ns"]), ms(m["backward_ns"]))

        problems = self.query_one("#problems", DataTable)
        problems.clear()
        self._jumps = []
        for a in data["anomalies"]:
            problems.add_row(str(a["iter"]), f"{a['phase']} {a['kind']}",
                             f"{short_path(a['file'])}:{a['line']}", a["message"] or "")
            self._jumps.append((a["iter"], a["seq"]))
        for e in data["errors"]:
            problems.add_row(str(e["iter"]), e["type"], f"{short_path(e['file'])}:{e['line']}",
                             (e["message"] or "").splitlines()[0][:200])
            self._jumps.append((e["iter"], None))
        if not self._jumps:
            problems.add_row("", "none", "", "no anomaly and no error recorded")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "problems" and event.cursor_row < len(self._jumps):
            self.post_message(self.Jump(*self._jumps[event.cursor_row]))

"""A live program: the run screen's graph and timeline, growing as ops stream in, plus the
controls: pause, resume, step an op / a backward node / an iteration, breakpoints on the
selected node's call site, and the values of tensors the program holds now.

The screen polls the source a few times a second; a stopped program's node is selected and
marked. When the program ends or the connection drops, the screen says so and keeps the last
state.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Input, Static, TabbedContent, TabPane

from ..live import LiveError, LiveSource
from ..source import RecordedSource, SourceError, short_path
from ..widgets.graph_tree import GraphTree
from ..widgets.inspector import Inspector
from ..widgets.neighbourhood import NeighbourhoodView
from ..widgets.overview import Overview
from ..widgets.timeline import Timeline
from .run import RunScreen
from .tensor import TensorScreen

POLL_SECONDS = 0.25


class LiveRunScreen(RunScreen):
    BINDINGS = [
        Binding("p", "pause_resume", "Pause/resume"),
        Binding("o", "step('op')", "Step op"),
        Binding("k", "step('backward')", "Step backward"),
        Binding("e", "step('iteration')", "Step iteration"),
        Binding("x", "breakpoint", "Breakpoint"),
        Binding("f", "follow", "Follow", show=False),
    ]

    def __init__(self, source: LiveSource, **kwargs: Any) -> None:
        super().__init__(source, **kwargs)  # type: ignore[arg-type]
        self.live: LiveSource = source
        self.recorded: RecordedSource | None = None
        self._seen_version = -1
        self._seen_nodes = 0
        self.follow = True  # select the newest node (or the stopped one) as the graph grows

    def compose(self) -> ComposeResult:
        yield Static(id="title")
        yield Static(id="live-bar")
        with TabbedContent(id="tabs", initial="tab-graph"):
            with TabPane("Graph", id="tab-graph"):
                yield Input(placeholder="search: op, module path, file:line or #node",
                            id="search")
                with Horizontal(id="graph-panes"):
                    yield GraphTree(id="tree")
                    with Vertical(id="side"):
                        yield Inspector(id="inspector")
                        yield NeighbourhoodView(id="drawing")
            with TabPane("Timeline", id="tab-timeline"):
                yield Timeline(id="timeline")
            if self.live.run_path:
                with TabPane("Overview", id="tab-overview"):
                    yield Overview(id="overview")
        yield Footer()

    def on_mount(self) -> None:
        if self.live.run_path:
            try:
                self.recorded = RecordedSource(self.live.run_path)
            except SourceError:
                self.recorded = None
        self.set_interval(POLL_SECONDS, self.poll)
        self.poll()
        self.query_one("#tree", GraphTree).focus()

    # what changed -----------------------------------------------------------------------------
    def title_text(self) -> str:
        return f" glassgrad · live · pid {self.live.info['pid']} · iteration {self.live.iteration}"

    def poll(self) -> None:
        live = self.live
        if live.version == self._seen_version:
            return
        self._seen_version = live.version
        with live.lock:
            model, stop, connected = live.model, live.stop, live.connected
            n = len(model)
            timeline = list(live.events)
        self.model, self.iteration = model, model.iteration
        tree = self.query_one("#tree", GraphTree)
        if tree.model is not model or n != self._seen_nodes:
            self._seen_nodes = n
            if tree.model is not model:
                tree.show(model)
            else:
                tree.refresh_model()
            self.query_one("#timeline", Timeline).show(timeline)
        self.query_one("#title", Static).update(self.title_text())
        self.query_one("#live-bar", Static).update(self.bar_text(stop, connected))
        target = None
        if stop is not None:
            target = stop.get("seq") if stop.get("phase") == "forward" else stop.get("node")
        elif self.follow and n:
            target = max(model.nodes)
        if target is not None and target != self.selected:
            self.select(target)
        if self.recorded is not None and self.query("#overview"):
            try:
                self.query_one("#overview", Overview).show(self.recorded.overview())
            except SourceError:
                pass

    def bar_text(self, stop: dict[str, Any] | None, connected: bool) -> Text:
        text = Text(" ")
        if not connected:
            text.append(f"disconnected: {self.live.closed_reason}; showing the last state",
                        style="bold reverse")
            return text
        if stop is None:
            text.append("running", style="bold")
            text.append("  p: pause", style="dim")
        else:
            text.append(f"stopped ({stop.get('reason')}, {stop.get('phase')})",
                        style="bold reverse")
            node = stop.get("seq") if stop.get("phase") == "forward" else stop.get("node")
            text.append(f" at {stop.get('op')} #{node} "
                        f"{short_path(stop.get('file'))}:{stop.get('line')}")
        bps = self.live.breakpoints
        if bps:
            text.append("  breakpoints: " + ", ".join(
                f"{short_path(f)}:{n} {p}" for (f, n), p in sorted(bps.items())), style="dim")
        return text

    # loading overrides: the live model replaces the store's graph -----------------------------
    def load_overview(self) -> None:
        pass

    def ensure_graph(self, iteration: int | None = None, select: int | None = None) -> None:
        if select is not None:
            self.select(select)

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        pass

    def action_iteration(self, step: int) -> None:
        self.app.notify("a live run shows its current iteration")

    def action_reload(self) -> None:
        self._seen_version = -1
        self.poll()

    # controls ----------------------------------------------------------------------------------
    def _control(self, fn, *args: Any) -> Any:
        try:
            return fn(*args)
        except LiveError as e:
            self.app.notify(str(e), severity="error")
            return None

    def action_pause_resume(self) -> None:
        if self.live.stop is None:
            self._control(self.live.pause)
        else:
            self._control(self.live.resume)
        self.poll()

    def action_step(self, unit: str) -> None:
        self.follow = True
        self._control(self.live.step, unit)

    def action_follow(self) -> None:
        self.follow = not self.follow
        self.app.notify("following the newest node" if self.follow else "not following")

    def action_breakpoint(self) -> None:
        if self.model is None or self.selected not in self.model.nodes:
            self.app.notify("select a node first")
            return
        node = self.model.nodes[self.selected]
        if not node.file or node.line is None:
            return
        phase = self._control(self.live.toggle_breakpoint, node.file, node.line)
        where = f"{short_path(node.file)}:{node.line}"
        self.app.notify(f"breakpoint at {where}: {phase}" if phase else
                        f"breakpoint at {where} removed")
        self.poll()

    def on_graph_tree_node_chosen(self, message: GraphTree.NodeChosen) -> None:
        if message.seq != max(self.model.nodes, default=None):
            self.follow = self.live.stop is not None and self.follow
        super().on_graph_tree_node_chosen(message)

    def action_tensor(self, kind: str) -> None:
        if self.model is None or self.selected is None:
            return
        node = self.model.nodes[self.selected]
        ref = node.tensor if kind == "value" else self.live.grads.get(self.selected)
        if ref is None:
            self.app.notify("no gradient reached this node yet" if kind == "grad" else
                            "this node's output is unknown")
            return
        self.app.push_screen(TensorScreen(self.live, ref["id"], self.iteration, kind, ref,
                                          f"{node.op} #{node.seq}"))

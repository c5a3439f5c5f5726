"""One run: overview, graph explorer (tree, inspector, neighbourhood drawing) and timeline.

The overview loads at once (a few small queries); an iteration's graph loads in a worker
thread the first time the graph or timeline is shown, so a run of 100,000-node iterations opens
without waiting for it.
"""

from __future__ import annotations

from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Static, TabbedContent, TabPane

from ..graph_model import GraphModel
from ..source import RecordedSource, SourceError
from ..widgets.graph_tree import GraphTree
from ..widgets.inspector import Inspector
from ..widgets.neighbourhood import NeighbourhoodView
from ..widgets.overview import Overview
from ..widgets.timeline import Timeline
from .tensor import TensorScreen


class RunScreen(Screen):
    """A recorded run (a live one is ``LiveRunScreen``, which adds controls)."""

    BINDINGS = [
        Binding("1", "tab('tab-overview')", "Overview"),
        Binding("2", "tab('tab-graph')", "Graph"),
        Binding("3", "tab('tab-timeline')", "Timeline"),
        Binding("slash", "search", "Search"),
        Binding("n", "next_match(1)", "Next", show=False),
        Binding("N", "next_match(-1)", "Previous", show=False),
        Binding("i", "jump('inputs')", "Input"),
        Binding("c", "jump('consumers')", "Consumer"),
        Binding("I", "jump('inputs', True)", "Next input", show=False),
        Binding("C", "jump('consumers', True)", "Next consumer", show=False),
        Binding("b", "backward", "Backward"),
        Binding("t", "tensor('value')", "Tensor"),
        Binding("g", "tensor('grad')", "Gradient"),
        Binding("less_than_sign", "iteration(-1)", "< iter", show=False),
        Binding("greater_than_sign", "iteration(1)", "iter >", show=False),
        Binding("d", "toggle_drawing", "Drawing", show=False),
        Binding("r", "reload", "Reload", show=False),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, source: RecordedSource, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.source = source
        self.model: GraphModel | None = None
        self.iteration: int | None = None
        self.selected: int | None = None
        self.matches: list[int] = []
        self.match_at = 0
        self._last_jump: tuple[int, str, int, int] | None = None  # origin, kind, n, target
        self._pending_select: int | None = None
        self._request = 0  # graph loads asked for; only the last one's result is shown

    def compose(self) -> ComposeResult:
        yield Static(id="title")
        with TabbedContent(id="tabs", initial="tab-overview"):
            with TabPane("Overview", id="tab-overview"):
                yield Overview(id="overview")
            with TabPane("Graph", id="tab-graph"):
                yield Input(placeholder="search: op, module path, file:line or #node "
                                        "(Enter: go, n/N: next/previous)", id="search")
                with Horizontal(id="graph-panes"):
                    yield GraphTree(id="tree")
                    with Vertical(id="side"):
                        yield Inspector(id="inspector")
                        yield NeighbourhoodView(id="drawing")
            with TabPane("Timeline", id="tab-timeline"):
                yield Timeline(id="timeline")
        yield Footer()

    def on_mount(self) -> None:
        self.load_overview()

    # loading -----------------------------------------------------------------------------------
    def title_text(self) -> str:
        info = self.source.info()
        it = "" if self.iteration is None else f"  iteration {self.iteration}"
        return f" glassgrad · {info.name} · {info.status}{it}"

    def load_overview(self) -> None:
        try:
            data = self.source.overview()
        except SourceError as e:
            self.app.notify(str(e), severity="error", timeout=10)
            return
        self.query_one("#overview", Overview).show(data)
        self.query_one("#title", Static).update(self.title_text())

    def ensure_graph(self, iteration: int | None = None, select: int | None = None) -> None:
        """Load (once) the graph of ``iteration`` (default: the newest recorded), then select
        ``select``."""
        self._pending_select = select
        if self.model is not None and (iteration is None or iteration == self.iteration):
            if select is not None:
                self.select(select)
            return
        tree = self.query_one("#tree", GraphTree)
        tree.loading = True
        self._request += 1
        self._load_graph(iteration, self._request)

    @work(thread=True, group="graph")
    def _load_graph(self, iteration: int | None, request: int) -> None:
        try:
            model = self.source.graph(iteration)
        except SourceError as e:
            self.app.call_from_thread(self._graph_failed, str(e), request)
            return
        self.app.call_from_thread(self._graph_loaded, model, request)
        try:  # then the timeline, while the user looks at the graph
            rows = self.source.timeline(model.iteration)
        except SourceError as e:
            rows = []
            self.app.call_from_thread(self.app.notify, str(e), severity="error")
        self.app.call_from_thread(self._timeline_loaded, rows, request)

    def _graph_failed(self, message: str, request: int) -> None:
        if request != self._request:
            return
        self.query_one("#tree", GraphTree).loading = False
        self.query_one("#inspector", Inspector).show_message(message)

    def _timeline_loaded(self, rows: list[dict[str, Any]], request: int) -> None:
        if request == self._request:
            self.query_one("#timeline", Timeline).show(rows)
            self.query_one("#timeline", Timeline).loading = False

    def _graph_loaded(self, model: GraphModel, request: int) -> None:
        if request != self._request:  # a later request supersedes this one
            return
        self.model, self.iteration = model, model.iteration
        tree = self.query_one("#tree", GraphTree)
        tree.loading = False
        tree.show(model)
        self.query_one("#timeline", Timeline).loading = True
        self.query_one("#title", Static).update(self.title_text())
        target = self._pending_select
        if target is None:
            roots = model.roots()
            target = roots[0] if roots else None
        if target is not None:
            self.select(target)

    # selection ---------------------------------------------------------------------------------
    def select(self, seq: int) -> None:
        """Put the tree's cursor on ``seq`` and inspect it (at once: keys pressed next act on
        it)."""
        if self.model is None or seq not in self.model.nodes:
            return
        self.query_one("#tree", GraphTree).select_seq(seq)
        self.show_node(seq)

    def on_graph_tree_node_chosen(self, message: GraphTree.NodeChosen) -> None:
        if message.seq != self.selected:  # the cursor moved in the tree
            self.show_node(message.seq)

    def show_node(self, seq: int) -> None:
        model = self.model
        if model is None or seq not in model.nodes:
            return
        self.selected = seq
        try:
            detail = self.source.detail(model, seq)
        except SourceError as e:
            self.query_one("#inspector", Inspector).show_message(str(e))
            return
        self.query_one("#inspector", Inspector).show(detail)
        self.query_one("#drawing", NeighbourhoodView).show_around(model, seq)

    def on_neighbourhood_view_node_clicked(self, message: NeighbourhoodView.NodeClicked) -> None:
        self.select(message.node)

    # actions -----------------------------------------------------------------------------------
    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id in ("tab-graph", "tab-timeline") and self.model is None \
                and not self.query_one("#tree", GraphTree).loading:
            self.ensure_graph()

    def action_tab(self, tab: str) -> None:
        self.query_one("#tabs", TabbedContent).active = tab
        focus = {"tab-graph": "#tree", "tab-timeline": "#timeline"}.get(tab)
        if focus:
            self.query_one(focus).focus()

    def action_search(self) -> None:
        self.action_tab("tab-graph")
        self.query_one("#search", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "search":
            return
        if self.model is None:
            self.ensure_graph()
            self.app.notify("the graph is loading: search again in a moment")
            return
        self.matches, self.match_at = self.model.search(event.value), 0
        if not self.matches:
            self.app.notify(f"nothing matches {event.value!r}", severity="warning")
            return
        self.app.notify(f"{len(self.matches)} matches (n / N: next / previous)")
        self.query_one("#tree", GraphTree).focus()
        self.select(self.matches[0])

    def action_next_match(self, step: int) -> None:
        if self.matches:
            self.match_at = (self.match_at + step) % len(self.matches)
            self.select(self.matches[self.match_at])

    def action_jump(self, where: str, sibling: bool = False) -> None:
        """To the selected node's first input (or consumer); with ``sibling``, from the node
        we last jumped from, to its next input (or consumer)."""
        if self.model is None or self.selected is None:
            return
        last = self._last_jump
        if sibling and last is not None and last[1] == where and last[3] == self.selected:
            origin, n = last[0], last[2] + 1
        else:
            origin, n = self.selected, 0
        targets = (self.model.inputs_of(origin) if where == "inputs"
                   else self.model.consumers_of(origin))
        if not targets:
            what = "input made by an op" if where == "inputs" else "consumer"
            self.app.notify(f"#{origin} has no {what} in this graph")
            return
        target = targets[n % len(targets)]
        self._last_jump = (origin, where, n % len(targets), target)
        self.select(target)
        if len(targets) > 1:
            key = "I" if where == "inputs" else "C"
            self.app.notify(f"{where[:-1]} {n % len(targets) + 1} of {len(targets)} of "
                            f"#{origin} ({key}: next)")

    def action_backward(self) -> None:
        """The selected node's backward step, in the timeline."""
        if self.selected is None:
            return
        timeline = self.query_one("#timeline", Timeline)
        if timeline.loading:
            self.app.notify("the timeline is loading: try again in a moment")
            return
        index = timeline.index_of(self.selected, "backward")
        if index is None:
            self.app.notify("this node's backward did not run in the iteration")
            return
        self.action_tab("tab-timeline")
        timeline.go_to(index)

    def on_timeline_chosen(self, message: Timeline.Chosen) -> None:
        row = message.row
        if row["node"] and self.model is not None and row["seq"] in self.model.nodes:
            self.action_tab("tab-graph")
            self.select(row["seq"])
        else:
            self.app.notify(f"{row['op']} built no graph node (it ran without gradients)")

    def on_overview_jump(self, message: Overview.Jump) -> None:
        if message.seq is None:
            return
        self.action_tab("tab-graph")
        self.ensure_graph(message.iteration, message.seq)

    def action_tensor(self, kind: str) -> None:
        if self.model is None or self.selected is None:
            return
        node = self.model.nodes[self.selected]
        tensor_id = node.output
        meta = dict(node.tensor or {})
        if kind == "grad":
            grad = self.source.detail(self.model, self.selected)["grad"]
            if grad is None:
                self.app.notify("no gradient was recorded for this tensor")
                return
            tensor_id, meta = grad["id"], grad
        self.app.push_screen(TensorScreen(self.source, tensor_id, self.iteration, kind, meta,
                                          f"{node.op} #{node.seq}"))

    def action_iteration(self, step: int) -> None:
        try:
            its = self.source.graph_iterations()
        except SourceError as e:
            self.app.notify(str(e), severity="error")
            return
        if not its:
            return
        at = its.index(self.iteration) if self.iteration in its else len(its) - 1
        target = its[max(0, min(at + step, len(its) - 1))]
        if target != self.iteration:
            self.model = None
            self.ensure_graph(target)

    def action_toggle_drawing(self) -> None:
        self.query_one("#side").toggle_class("drawing-only")

    def action_reload(self) -> None:
        self.load_overview()

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

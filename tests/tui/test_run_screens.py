"""The TUI on recorded runs, driven by Textual's Pilot: overview, graph explorer, inspector,
timeline, run list, help, and the stores it must refuse without a traceback."""

from __future__ import annotations

import shutil
import sqlite3

from textual.widgets import DataTable, Input, Static
from tui_helpers import line_of, store_of

from glassgrad_tui.app import build_app
from glassgrad_tui.screens.help import HelpScreen
from glassgrad_tui.screens.run import RunScreen
from glassgrad_tui.screens.runs import RunsScreen
from glassgrad_tui.widgets.graph_tree import GraphTree
from glassgrad_tui.widgets.inspector import Inspector
from glassgrad_tui.widgets.timeline import Timeline

SIZE = (100, 32)


def text_of(widget) -> str:
    """What a Static shows, as plain text."""
    from rich.console import Console

    content = widget.content if hasattr(widget, "content") else widget.renderable
    if isinstance(content, str):
        return content
    if hasattr(content, "plain"):
        return content.plain
    console = Console(width=300, record=True, color_system=None)
    with console.capture() as capture:
        console.print(content)
    return capture.get()


async def graph_ready(pilot, screen: RunScreen) -> None:
    for _ in range(100):
        await pilot.pause(0.05)
        if screen.model is not None and screen.selected is not None:
            return
    raise AssertionError("the graph did not load")


async def test_opens_the_newest_run_with_its_overview(in_runs_dir):
    app = build_app(root="runs")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RunScreen) and "train" in screen.source.name
        header = text_of(screen.query_one("#run-header", Static))
        assert "finished" in header and "glassgrad run train.py" in header
        iters = text_of(screen.query_one("#run-iterations", Static))
        assert "12 iterations" in iters and "recorded in full" in iters and "first" in iters
        ops = screen.query_one("#top-ops", DataTable)
        assert ops.row_count >= 4
        assert {ops.get_row_at(i)[0] for i in range(ops.row_count)} >= {"linear", "relu"}
        modules = screen.query_one("#top-modules", DataTable)
        assert {modules.get_row_at(i)[0] for i in range(modules.row_count)} == \
            {"Sequential.0", "Sequential.1", "Sequential.2"}
        problems = screen.query_one("#problems", DataTable)
        assert problems.get_row_at(0)[1] == "none"


async def test_graph_explorer_tree_search_and_jumps(in_runs_dir):
    app = build_app("train", root="runs")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press("2")
        await graph_ready(pilot, screen)
        model = screen.model
        loss = model.nodes[screen.selected]
        assert loss.op == "nll_loss"  # the tree starts at the loss
        tree = screen.query_one("#tree", GraphTree)
        top = [c.label.plain for c in tree.root.children]
        assert top[0].startswith("nll_loss") and any(t.startswith("Sequential") for t in top)
        await pilot.press("i")  # to the loss's input: log_softmax
        assert model.nodes[screen.selected].op == "log_softmax"
        await pilot.press("i")
        assert model.nodes[screen.selected].op == "linear"
        assert model.nodes[screen.selected].module == "Sequential.2"
        await pilot.press("c")  # and back to its consumer
        assert model.nodes[screen.selected].op == "log_softmax"
        # search by op, by module path, by call site and by node number
        for query, check in [("relu", lambda n: n.op == "relu"),
                             ("Sequential.0", lambda n: n.module == "Sequential.0"),
                             (f"train.py:{line_of(in_runs_dir, 'train', 'LOSS-LINE')}",
                              lambda n: n.op in ("nll_loss", "log_softmax")),
                             (f"#{loss.seq}", lambda n: n.seq == loss.seq)]:
            await pilot.press("slash")
            search = screen.query_one("#search", Input)
            search.value = query
            await pilot.press("enter")
            await pilot.pause()
            assert check(model.nodes[screen.selected]), query
        await pilot.press("slash")
        screen.query_one("#search", Input).value = "linear"
        await pilot.press("enter")
        first = screen.selected
        await pilot.press("n")
        assert screen.selected != first and model.nodes[screen.selected].op == "linear"
        await pilot.press("N")
        assert screen.selected == first


async def test_inspector_shows_call_site_shapes_statistics_and_gradient(in_runs_dir):
    app = build_app("train", root="runs")
    async with app.run_test(size=(140, 48)) as pilot:
        screen = app.screen
        await pilot.press("2")
        await graph_ready(pilot, screen)
        await pilot.press("slash")
        screen.query_one("#search", Input).value = "relu"
        await pilot.press("enter")
        await pilot.pause()
        body = text_of(screen.query_one("#inspector", Inspector).query_one("#inspector-body"))
        line = line_of(in_runs_dir, "train", "FORWARD-LINE")
        assert "relu" in body and "in Sequential.1" in body and f"train.py:{line}" in body
        assert "(32, 16) float32" in body and "μ" in body  # output shape and statistics
        assert "gradient" in body and "backward" in body
        assert "logits = model(x)  # FORWARD-LINE" in body  # the recorded source lines


async def test_source_lines_come_from_the_run_when_the_file_is_gone(runs_dir, tmp_path,
                                                                   monkeypatch):
    moved = tmp_path / "elsewhere"
    (moved / "runs").mkdir(parents=True)
    shutil.copy(store_of(runs_dir, "train"), moved / "runs")
    monkeypatch.chdir(moved)  # another machine: train.py is not here
    app = build_app(root="runs")
    async with app.run_test(size=(140, 48)) as pilot:
        screen = app.screen
        await pilot.press("2")
        await graph_ready(pilot, screen)
        body = text_of(screen.query_one("#inspector-body"))
        assert "loss = nn.functional.cross_entropy(logits, y)  # LOSS-LINE" in body


async def test_timeline_forward_then_backward_and_back_to_the_graph(in_runs_dir):
    app = build_app("train", root="runs")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press("2")
        await graph_ready(pilot, screen)
        timeline = screen.query_one("#timeline", Timeline)
        phases = [r["phase"] for r in timeline.rows]
        assert phases.index("backward") > 0 and "forward" not in phases[phases.index("backward"):]
        loss = screen.selected
        await pilot.press("b")  # the loss node's backward step
        assert screen.query_one("#tabs").active == "tab-timeline"
        row = timeline.rows[timeline.cursor]
        assert (row["phase"], row["seq"]) == ("backward", loss)
        await pilot.press("down")
        next_row = timeline.rows[timeline.cursor]
        await pilot.press("enter")  # inspect that backward node in the graph
        assert screen.query_one("#tabs").active == "tab-graph"
        assert screen.selected == next_row["seq"]


async def test_anomaly_run_lists_the_problem_and_jumps_to_its_node(in_runs_dir):
    app = build_app("nan", root="runs")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.pause()
        problems = screen.query_one("#problems", DataTable)
        row = problems.get_row_at(0)
        line = line_of(in_runs_dir, "nan", "SQRT-LINE")
        assert row[0] == "2" and row[1] == "forward nan" and row[2] == f"nan.py:{line}"
        problems.focus()
        await pilot.press("enter")
        await graph_ready(pilot, screen)
        node = screen.model.nodes[screen.selected]
        assert screen.iteration == 2 and node.op == "sqrt" and node.line == line
        body = text_of(screen.query_one("#inspector-body"))
        assert "NaN" in body and "⚠ forward nan" in body


async def test_failed_run_shows_its_error_at_the_users_line(in_runs_dir):
    app = build_app("fail", root="runs")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert "failed" in text_of(screen.query_one("#run-header"))
        row = screen.query_one("#problems", DataTable).get_row_at(0)
        line = line_of(in_runs_dir, "fail", "FAIL-LINE")
        assert row[1] == "ValueError" and row[2] == f"fail.py:{line}"
        assert "the data ran out" in row[3]


async def test_runs_list_opens_a_run_and_help_lists_the_keys(in_runs_dir):
    app = build_app("train", root="runs")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("escape")
        screen = app.screen
        assert isinstance(screen, RunsScreen)
        table = screen.query_one("#runs", DataTable)
        names = [table.get_row_at(i)[0] for i in range(table.row_count)]
        assert len(names) == 3 and all(isinstance(n, str) for n in names)
        table.move_cursor(row=names.index(next(n for n in names if "fail" in n)))
        await pilot.press("enter")
        assert isinstance(app.screen, RunScreen) and "fail" in app.screen.source.name
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        helptext = text_of(app.screen.query("Static")[1])
        assert "Search" in helptext and "Tensor" in helptext and "Quit" in helptext
        await pilot.press("escape")
        assert isinstance(app.screen, RunScreen)


async def test_iterations_can_be_browsed(in_runs_dir):
    app = build_app("train", root="runs")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press("2")
        await graph_ready(pilot, screen)
        last = screen.iteration
        screen.selected = None
        await pilot.press("less_than_sign")
        await graph_ready(pilot, screen)
        assert screen.iteration < last


async def test_bad_stores_get_a_message_never_a_traceback(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "junk.db").write_bytes(b"this is not sqlite" * 10)
    (tmp_path / "runs" / "empty.db").write_bytes(b"")
    conn = sqlite3.connect(tmp_path / "runs" / "newer.db")
    with conn:
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        conn.execute("INSERT INTO meta VALUES ('schema_version', '99')")
    conn.close()
    for spec, expected in [("runs/junk.db", "not a glassgrad run store"),
                           ("runs/newer.db", "newer than this glassgrad"),
                           ("runs/empty.db", "not a glassgrad run store"),
                           ("nothing-like-this", "no runs")]:
        app = build_app(spec, root="runs")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, RunsScreen)
            messages = [n.message for n in app._notifications]
            assert any(expected in m for m in messages), (spec, messages)
    app = build_app(root=str(tmp_path / "none"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "no runs in" in text_of(app.screen.query_one("#runs-message"))


async def test_a_run_without_a_graph_says_so(tmp_path, monkeypatch):
    import glassgrad as gg

    monkeypatch.chdir(tmp_path)
    with gg.record("runs/plain.db"):
        gg.ones(3) * 2  # no op that needs a gradient: no graph
    app = build_app("runs/plain.db", root="runs")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        for _ in range(40):
            await pilot.pause(0.05)
        assert "no graph" in text_of(app.screen.query_one("#inspector-body"))


async def test_tensor_viewer_shows_the_recorded_sketch_of_value_and_gradient(in_runs_dir):
    from glassgrad_tui.screens.tensor import TensorScreen
    from glassgrad_tui.widgets.tensor_view import TensorView

    app = build_app("train", root="runs")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press("2")
        await graph_ready(pilot, screen)
        await pilot.press("slash")
        screen.query_one("#search", Input).value = "relu"
        await pilot.press("enter")
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TensorScreen)
        view = app.screen.query_one(TensorView)
        assert view.meta.shape == (32, 16) and view.meta.kind == "value"
        shown = view.picture.data
        assert shown.shape == (32, 16) and (shown >= 0).all()  # relu's output
        await pilot.press("g")  # the gradient of the same node
        await pilot.pause()
        view = app.screen.query_one(TensorView)
        assert view.meta.kind == "grad" and view.picture.data.shape == (32, 16)
        await pilot.press("escape")
        assert isinstance(app.screen, RunScreen)


async def test_tensor_viewer_without_statistics_says_how_to_get_them(tmp_path, monkeypatch):
    import glassgrad as gg

    monkeypatch.chdir(tmp_path)
    w = gg.ones(3, 4, requires_grad=True)
    with gg.record("runs/nostats.db"):
        (w * 2).sum().backward()
    app = build_app("runs/nostats.db", root="runs")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press("2")
        await graph_ready(pilot, screen)
        await pilot.press("i", "t")
        await pilot.pause()
        assert "--stats" in str(app.screen.query_one("TensorView").render())

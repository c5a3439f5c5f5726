"""The layered neighbourhood drawing: pure rendering (render/layered.py) and the widget."""

from __future__ import annotations

import asyncio
import random
import time
from types import SimpleNamespace

from rich.text import Text
from textual.app import App, ComposeResult

from glassgrad_tui.render.layered import draw, lay_out, neighbourhood
from glassgrad_tui.widgets.neighbourhood import NeighbourhoodView

BOX_CHARS = set("┌┐└┘─│┬┴├┤┼▼▲")


def row_of(text: Text, needle: str) -> int:
    """The line of the drawing holding ``needle`` (-1 if none)."""
    for i, line in enumerate(text.plain.split("\n")):
        if needle in line:
            return i
    return -1


def styled(text: Text, needle: str) -> set[str]:
    """The styles applied to where ``needle`` is drawn."""
    start = text.plain.index(needle)
    end = start + len(needle)
    return {str(s.style) for s in text.spans if s.start < end and s.end > start}


def test_single_node() -> None:
    text = draw({7: ["relu #7", "(4, 4) f32"]}, [], 7, 40, 8)
    lines = text.plain.split("\n")
    assert len(lines) == 8 and all(len(line) == 40 for line in lines)
    assert "relu #7" in text.plain and "(4, 4) f32" in text.plain
    assert "▼" not in text.plain


def test_chain_puts_inputs_above_consumers() -> None:
    nodes = {1: ["x"], 2: ["linear #2"], 3: ["loss #3"]}
    text = draw(nodes, [(1, 2), (2, 3)], 2, 60, 30)
    assert row_of(text, "x ") < row_of(text, "linear #2") < row_of(text, "loss #3")
    assert text.plain.count("▼") == 2
    # the arrow sits on the line right above the consumer's box
    arrow_rows = [i for i, line in enumerate(text.plain.split("\n")) if "▼" in line]
    assert arrow_rows[-1] == row_of(text, "loss #3") - 2


def test_diamond_shared_input() -> None:
    nodes = {1: ["a"], 2: ["b"], 3: ["c"], 4: ["d"]}
    edges = [(1, 2), (1, 3), (2, 4), (3, 4)]
    text = draw(nodes, edges, 1, 80, 30)
    assert row_of(text, "│ a") < row_of(text, "│ b") == row_of(text, "│ c") < row_of(text, "│ d")
    assert text.plain.count("▼") == 4
    assert text.plain.count("┬") >= 2  # a has two ports on its bottom border


def test_two_components_side_by_side() -> None:
    nodes = {1: ["x"], 2: ["relu #2"], 10: ["y"], 11: ["exp #11"]}
    text = draw(nodes, [(1, 2), (10, 11)], 2, 80, 20)
    for label in ("relu #2", "exp #11", "│ x", "│ y"):
        assert label in text.plain
    assert row_of(text, "relu #2") == row_of(text, "exp #11")
    assert text.plain.count("▼") == 2


def test_every_label_line_is_drawn() -> None:
    nodes = {1: ["x", "(64, 256) f32"], 2: ["w", "(256, 10) f32"],
             3: ["matmul #3", "(64, 10) f32", "bw 0.12 ms"], 4: ["relu #4"], 5: ["sum #5"]}
    text = draw(nodes, [(1, 3), (2, 3), (3, 4), (4, 5), (1, 5)], 3, 120, 40)
    for lines in nodes.values():
        for line in lines:
            assert line in text.plain


def test_selected_node_is_highlighted() -> None:
    nodes = {1: ["input #1"], 2: ["selected #2"], 3: ["other #3"]}
    text = draw(nodes, [(1, 2), (2, 3)], 2, 60, 30)
    assert any("reverse" in s for s in styled(text, "selected #2"))
    assert not any("reverse" in s for s in styled(text, "other #3"))
    assert not any("reverse" in s for s in styled(text, "input #1"))


def test_crop_keeps_selected_node_visible_and_centred() -> None:
    nodes = {i: [f"op{i:02d} #{i}"] for i in range(12)}
    edges = [(i, i + 1) for i in range(11)]
    full = lay_out(nodes, edges, 6)
    assert full.size[1] > 20  # the drawing is taller than the window
    text = draw(nodes, edges, 6, 30, 12)
    lines = text.plain.split("\n")
    assert len(lines) == 12 and all(len(line) == 30 for line in lines)
    assert "op06 #6" in text.plain and "op00 #0" not in text.plain and "op11 #11" not in text.plain
    assert 3 <= row_of(text, "op06 #6") <= 8
    for sel in (0, 11):  # at either end the window stops at the drawing's edge
        assert f"op{sel:02d} #{sel}" in draw(nodes, edges, sel, 30, 12).plain


def test_wide_layer_cropped_around_selected() -> None:
    nodes = {0: ["sum #0"]} | {i: [f"input number {i}"] for i in range(1, 9)}
    edges = [(i, 0) for i in range(1, 9)]
    for sel in (1, 8):
        text = draw(nodes, edges, sel, 40, 20)
        assert f"input number {sel}" in text.plain


def test_ascii_only_uses_no_box_drawing() -> None:
    nodes = {1: ["a"], 2: ["b"], 3: ["c"], 4: ["d"]}
    text = draw(nodes, [(1, 2), (1, 3), (2, 4), (3, 4), (1, 4)], 4, 80, 30, ascii_only=True)
    assert not BOX_CHARS & set(text.plain)
    assert text.plain.isascii() and text.plain.count("v") == 5


def test_a_cycle_is_drawn_with_an_upward_arrow() -> None:
    text = draw({1: ["a"], 2: ["b"]}, [(1, 2), (2, 1)], None, 40, 20)
    assert "▼" in text.plain and "▲" in text.plain


def test_duplicate_and_unknown_edges_are_ignored() -> None:
    text = draw({1: ["a"], 2: ["mul #2"]}, [(1, 2), (1, 2), (1, 99), (2, 2)], 2, 40, 20)
    assert text.plain.count("▼") == 1


def test_empty() -> None:
    assert draw({}, [], None, 10, 3).plain.strip() == ""


def test_forty_nodes_are_fast() -> None:
    rng = random.Random(0)
    nodes = {i: [f"op{i} #{i}", "(64, 256) f32", "bw 0.12 ms"] for i in range(40)}
    edges = [(j, i) for i in range(1, 40) for j in rng.sample(range(i), min(i, rng.choice([1, 2])))]
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        text = draw(nodes, edges, 20, 120, 40)
        best = min(best, time.perf_counter() - t)
    assert "op20 #20" in text.plain
    assert best < 0.1


# neighbourhood() ---------------------------------------------------------------------------

#   0 -> 1 -> 2 -> 3 -> 4      (a chain; 5 is a second input of 2, 6 a second consumer of 2)
INPUTS = {1: [0], 2: [1, 5], 3: [2], 4: [3], 6: [2]}
CONSUMERS = {0: [1], 1: [2], 5: [2], 2: [3, 6], 3: [4]}


def test_neighbourhood_depth_and_edges() -> None:
    ids, edges = neighbourhood(2, lambda n: INPUTS.get(n, []), lambda n: CONSUMERS.get(n, []))
    assert ids[0] == 2
    assert set(ids[1:5]) == {1, 5, 3, 6}      # one step first
    assert set(ids) == {0, 1, 2, 3, 4, 5, 6}
    assert set(edges) == {(0, 1), (1, 2), (5, 2), (2, 3), (3, 4), (2, 6)}
    ids, edges = neighbourhood(2, lambda n: INPUTS.get(n, []), lambda n: CONSUMERS.get(n, []),
                               depth=1)
    assert set(ids) == {2, 1, 5, 3, 6} and (0, 1) not in edges


def test_neighbourhood_limit_keeps_nearest() -> None:
    ids, edges = neighbourhood(2, lambda n: INPUTS.get(n, []), lambda n: CONSUMERS.get(n, []),
                               depth=5, limit=5)
    assert len(ids) == 5 and set(ids) == {2, 1, 5, 3, 6}
    assert all(s in ids and d in ids for s, d in edges)


# the widget ----------------------------------------------------------------------------------

class DrawingApp(App):
    def compose(self) -> ComposeResult:
        yield NeighbourhoodView()


def run(coro) -> None:
    asyncio.run(coro)


def test_widget_empty_then_shows_and_follows_resize() -> None:
    async def go() -> None:
        app = DrawingApp()
        async with app.run_test(size=(80, 24)) as pilot:
            view = app.query_one(NeighbourhoodView)
            assert "select a node" in view.render().plain
            nodes = {i: [f"node{i:02d} #{i}"] for i in range(12)}
            view.show(nodes, [(i, i + 1) for i in range(11)], 9)
            await pilot.pause()
            text = view.render()
            assert len(text.plain.split("\n")) == 24 and "node09 #9" in text.plain
            await pilot.resize_terminal(60, 10)
            await pilot.pause()
            text = view.render()
            assert len(text.plain.split("\n")) == 10 and "node09 #9" in text.plain
            assert len(text.plain.split("\n")[0]) == 60
            view.clear()
            assert "select a node" in view.render().plain

    run(go())


def test_widget_click_posts_node_clicked() -> None:
    clicked: list[int] = []

    class ClickApp(DrawingApp):
        def on_neighbourhood_view_node_clicked(self, message: NeighbourhoodView.NodeClicked):
            clicked.append(message.node)

    async def go() -> None:
        app = ClickApp()
        async with app.run_test(size=(80, 24)) as pilot:
            view = app.query_one(NeighbourhoodView)
            view.show({1: ["a #1"], 2: ["b #2"]}, [(1, 2)], 2)
            await pilot.pause()
            x0, y0 = view.scene.origin(80, 24)
            bx, by, bw, bh = view.scene.boxes[1]
            await pilot.click(NeighbourhoodView, offset=(bx - x0 + 1, by - y0 + 1))
            await pilot.pause()
            assert clicked == [1]

    run(go())


def test_show_around_a_graph_model() -> None:
    def node(seq: int, op: str) -> SimpleNamespace:
        return SimpleNamespace(seq=seq, op=op, tensor={"shape": [4, 8], "dtype": "float32"},
                               backward_ns=120_000, forward_ns=50_000)

    model = SimpleNamespace(nodes={n: node(n, f"op{n}") for n in range(7)},
                            inputs_of=lambda n: INPUTS.get(n, []),
                            consumers_of=lambda n: CONSUMERS.get(n, []))

    async def go() -> None:
        app = DrawingApp()
        async with app.run_test(size=(120, 50)) as pilot:
            view = app.query_one(NeighbourhoodView)
            view.show_around(model, 2, depth=1)
            await pilot.pause()
            plain = view.render().plain
            assert "op2 #2" in plain and "(4, 8) f32" in plain and "bw 0.12 ms" in plain
            assert "op0 #0" not in plain  # two steps away
            view.ascii_only = True
            await pilot.pause()
            assert "v" in view.render().plain and "▼" not in view.render().plain
            view.show_around(model, 99)
            assert "select a node" in view.render().plain

    run(go())

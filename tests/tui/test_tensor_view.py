"""The tensor viewer: pure rendering (render/heatmap, histogram, pictures) and the widget."""

from __future__ import annotations

import asyncio
import math

import numpy as np
import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import Footer

from glassgrad_tui.render.heatmap import (
    DIVERGING,
    LEVELS,
    RAMP,
    SEQUENTIAL,
    Geometry,
    colour_of,
    heatmap,
    legend,
    scale_for,
)
from glassgrad_tui.render.histogram import (
    histogram_lines,
    merge_bins,
    stats_text,
    tensor_stats,
    value_histogram,
)
from glassgrad_tui.render.pictures import downsample, index_text, sketch_pictures
from glassgrad_tui.widgets.tensor_view import TensorView

SHAPE = (4, 64, 96)
SKETCH_KEYS = ("lo", "hi", "hist", "rows", "cols", "thumb", "slice_rows", "slice_cols", "slices",
               "n_slices", "bins")


def recorded_sketch(a: np.ndarray) -> dict:
    """The sketch the run store keeps of ``a``, as ``Run.sketch`` returns it."""
    import glassgrad as gg
    from glassgrad.recording.sketch import sketch, unpack

    return unpack(dict(zip(SKETCH_KEYS, sketch(gg.tensor(a)))))


@pytest.fixture(scope="module")
def tensor() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.standard_normal(SHAPE).astype(np.float32)


@pytest.fixture(scope="module")
def sketch(tensor: np.ndarray) -> dict:
    return recorded_sketch(tensor)


def cells(line: Text) -> list[tuple[str, object]]:
    """(character, style) of each cell of a line."""
    out: list[tuple[str, object]] = [(ch, None) for ch in line.plain]
    for span in line.spans:
        for i in range(span.start, span.end):
            out[i] = (out[i][0], span.style)
    return out


def rgb(colour) -> tuple[int, int, int]:
    return tuple(colour.get_truecolor())


# heatmap -----------------------------------------------------------------------------------

def test_scale_diverging_only_with_both_signs() -> None:
    s = scale_for(np.array([[-1.0, 3.0, np.nan, np.inf]]))
    assert s.diverging and s.ends == (-3.0, 3.0)
    s = scale_for(np.array([[0.0, 2.0, -np.inf]]))
    assert not s.diverging and s.ends == (0.0, 2.0)
    assert not scale_for(np.array([[-2.0, -1.0]])).diverging
    assert scale_for(np.array([[np.nan]])).ends == (0.0, 0.0)


def test_colour_heatmap_half_blocks_and_markers() -> None:
    a = np.array([[-2.0, 2.0, 1.0], [0.0, np.nan, np.inf]])
    s = scale_for(a)
    (line,) = heatmap(a, s, 10, 5, Geometry(1, True))
    (c0, st0), (c1, st1), (c2, st2) = cells(line)
    assert c0 == "▀"   # -2 over 0: blue over the neutral middle
    assert rgb(st0.color) == DIVERGING[0] and rgb(st0.bgcolor) == colour_of(LEVELS // 2, True)
    assert c1 == "×" and rgb(st1.bgcolor) == (230, 0, 230)   # NaN below: its marker
    assert c2 == "▲"
    b = np.array([[0.0, 4.0]])
    (line,) = heatmap(b, scale_for(b), 10, 5, Geometry(1, True))
    (c0, st0), (c1, st1) = cells(line)
    assert rgb(st0.color) == SEQUENTIAL[0] and rgb(st1.color) == SEQUENTIAL[-1]
    assert st0.bgcolor is None  # an odd last row has no lower half


def test_colour_heatmap_zoom_window_and_cursor() -> None:
    a = np.arange(24, dtype=float).reshape(4, 6)
    s = scale_for(a)
    lines = heatmap(a, s, 4, 1, Geometry(2, True), origin=(1, 3))
    assert len(lines) == 1 and len(lines[0].plain) == 4    # 2 elements of 2 cells
    st = cells(lines[0])[0][1]
    assert rgb(st.color) == rgb(st.bgcolor) == colour_of(round(9 / 23 * (LEVELS - 1)), False)
    lines = heatmap(a, s, 6, 2, Geometry(1, True), cursor=(3, 2))
    assert lines[1].plain[2] == "◆" and lines[0].plain.count("◆") == 0


def test_no_colour_ramp_with_signs() -> None:
    a = np.array([[-1.0, 1.0, 0.0, np.nan, np.inf, -np.inf, 0.5]])
    (line,) = heatmap(a, scale_for(a), 80, 3, Geometry(1, False))
    assert [line.plain[i:i + 2] for i in range(0, 14, 2)] == [
        "-@", " @", "  ", " ×", " ▲", " ▼", " " + RAMP[round(0.5 * 9)]]
    assert not line.spans  # nothing relies on colour
    b = np.array([[0.0, 1.0, 2.0]])
    (line,) = heatmap(b, scale_for(b), 80, 3, Geometry(1, False))
    assert line.plain == "  " + RAMP[round(4.5)] * 2 + "@@"
    (line,) = heatmap(b, scale_for(b), 80, 3, Geometry(1, False), cursor=(0, 1))
    assert any("reverse" in str(s.style) and (s.start, s.end) == (2, 4) for s in line.spans)


def test_legend_names_the_ends() -> None:
    s = scale_for(np.array([[-0.5, 0.25]]))
    plain = legend(s, False, "nan +inf").plain
    assert plain.startswith("-0.5 ") and plain.rstrip().split()[-5] == "0.5"
    assert "-@" in plain and "× NaN" in plain and "▲ +Inf" in plain and "-Inf" not in plain
    text = legend(scale_for(np.array([[1.0, 3.0]])), True)
    assert text.plain.startswith("1 ") and text.plain.endswith(" 3")
    assert any(s.style.bgcolor is not None for s in text.spans)


# statistics and histogram --------------------------------------------------------------------

def test_stats_against_numpy() -> None:
    a = np.array([[1.0, -2.0, np.nan], [np.inf, 4.0, -np.inf]], dtype=np.float32)
    st = tensor_stats(a)
    f = np.array([1.0, -2.0, 4.0])
    assert (st["min"], st["max"], st["nan"], st["inf"]) == (-2.0, 4.0, 1, 2)
    assert st["mean"] == pytest.approx(f.mean()) and st["std"] == pytest.approx(f.std())
    assert st["norm"] == pytest.approx(np.linalg.norm(f))
    text = stats_text(st).plain
    assert "min -2" in text and "max 4" in text and "NaN 1" in text and "Inf 2" in text
    assert tensor_stats(np.array([np.nan]))["mean"] is None


def test_histogram_against_numpy() -> None:
    a = np.random.default_rng(1).standard_normal(1000)
    a[3] = np.nan
    counts, edges = value_histogram(a, 32)
    ref, ref_edges = np.histogram(a[np.isfinite(a)], bins=32)
    assert np.array_equal(counts, ref) and np.allclose(edges, ref_edges)
    merged, merged_edges = merge_bins(counts, edges, 10)
    assert len(merged) == 8 and merged.sum() == 999 and merged[0] == ref[:4].sum()
    assert np.allclose(merged_edges, ref_edges[::4])
    lines = histogram_lines(counts, edges, 40, 10)
    assert len(lines) == 8
    assert [int(line.plain.split()[-1]) for line in lines] == merged.tolist()
    assert lines[0].plain.strip().startswith(f"{edges[0]:.3g}…{edges[4]:.3g}")
    assert all(len(line.plain) <= 40 for line in lines)
    assert "no finite" in histogram_lines(None, None, 40, 10)[0].plain


# pictures and read-outs ----------------------------------------------------------------------

def test_sketch_index_ranges(sketch: dict) -> None:
    pics = sketch_pictures(SHAPE, sketch)
    assert [p.label for p in pics] == ["all as 256×96"] + [f"[{k}, :, :]" for k in range(4)]
    whole = pics[0]
    assert whole.data.shape == (32, 48) and whole.block == (8, 2)
    assert whole.index_text(0, 0) == "[0, 0:8, 0:2]"
    assert whole.index_text(9, 47) == "[1, 8:16, 94:96]"
    assert whole.index_text(31, 47) == "[3, 56:64, 94:96]"
    assert whole.index_text(4, 3, k=2) == "[1, 0:16, 12:16]"   # shown 2 x 2 cells at a time
    assert pics[3].block == (4, 4) and pics[3].index_text(3, 5) == "[2, 12:16, 20:24]"


def test_sketch_readout_is_the_block_mean(tensor: np.ndarray, sketch: dict) -> None:
    whole = sketch_pictures(SHAPE, sketch)[0]
    expect = tensor[1, 8:16, 94:96].mean()
    text = whole.readout(9, 47)
    assert text.startswith("mean ") and text.endswith("over [1, 8:16, 94:96] (16 elements)")
    assert float(text.split()[1]) == pytest.approx(expect, abs=2e-3)  # float16 thumbnails


def test_index_text_other_shapes() -> None:
    assert index_text((), (100, 3, 5), 0, 10, 0, 5) == "rows [0, 0]…[3, 0], cols 0:5"
    assert index_text((), (64, 4, 96), 0, 8, 0, 2) == "[0:2, :, 0:2]"
    assert index_text((), (7,), 0, 1, 3, 4) == "[3]"
    assert index_text((), (), 0, 1, 0, 1) == "[]"
    assert index_text((2,), (5, 6), 1, 2, 3, 4) == "[2, 1, 3]"


def test_downsample_never_hides_nan() -> None:
    a = np.arange(16, dtype=float).reshape(4, 4)
    assert np.array_equal(downsample(a, 2), [[2.5, 4.5], [10.5, 12.5]])
    a[0, 0], a[3, 3] = np.nan, np.inf
    d = downsample(a, 2)
    assert np.isnan(d[0, 0]) and np.isposinf(d[1, 1]) and d[0, 1] == 4.5
    assert downsample(np.ones((3, 5)), 2).shape == (2, 3)


# the widget ------------------------------------------------------------------------------------

class ViewerApp(App):
    def __init__(self) -> None:
        super().__init__()
        self.requests: list = []

    def compose(self) -> ComposeResult:
        yield TensorView()
        yield Footer()

    def on_tensor_view_slice_requested(self, message: TensorView.SliceRequested) -> None:
        self.requests.append(message.index)


def run(coro) -> None:
    asyncio.run(coro)


def lines_of(view: TensorView) -> list[str]:
    return view.render().plain.split("\n")


META = {"shape": list(SHAPE), "dtype": "float32", "kind": "grad", "min": -4.0, "max": 4.0,
        "mean": 0.0, "std": 1.0, "norm": 156.0, "nan": 0, "inf": 0}


def test_sketch_slices_cursor_and_readout(tensor: np.ndarray, sketch: dict) -> None:
    async def go() -> None:
        app = ViewerApp()
        async with app.run_test(size=(80, 24)) as pilot:
            view = app.query_one(TensorView)
            view.focus()
            view.show_sketch(META, sketch)
            await pilot.pause()
            lines = lines_of(view)
            assert len(lines) == 23 and all(len(line) <= 80 for line in lines)
            assert "grad (4, 64, 96) float32" in lines[0] and "all as 256×96" in lines[0]
            assert "1/5" in lines[0] and "NaN 0" in lines[1]
            assert "histogram · recorded" in lines[2]
            counts = [int(line.split()[-1]) for line in lines[3:] if "…" in line]
            assert sum(counts) == int(sketch["hist"].sum())
            for key in ("right", "right", "right", "down", "down"):
                await pilot.press(key)
            assert view.cursor == (2, 3)
            readout = lines_of(view)[-1]
            assert readout.endswith("over [0, 16:24, 6:8] (16 elements)")
            assert float(readout.split()[1]) == pytest.approx(tensor[0, 16:24, 6:8].mean(),
                                                              abs=2e-3)
            await pilot.press("right_square_bracket")
            assert "[0, :, :]" in lines_of(view)[0] and "2/5" in lines_of(view)[0]
            assert lines_of(view)[-1].endswith("over [0, 8:12, 12:16] (16 elements)")
            await pilot.press("left_square_bracket", "left_square_bracket")
            assert "[3, :, :]" in lines_of(view)[0] and "5/5" in lines_of(view)[0]

    run(go())


def test_zoom_fit_and_click(sketch: dict) -> None:
    async def go() -> None:
        app = ViewerApp()
        async with app.run_test(size=(80, 24)) as pilot:
            view = app.query_one(TensorView)
            view.focus()
            view.colour = True
            view.show_sketch(META, sketch)
            await pilot.pause()
            assert "zoom fit 1:1" in lines_of(view)[0]     # 48 x 32 fits at one cell each
            await pilot.press("plus")
            assert "zoom 2:1" in lines_of(view)[0]
            await pilot.press("minus", "minus")
            assert "zoom 1:2" in lines_of(view)[0]
            await pilot.press("0")
            assert "zoom fit 1:1" in lines_of(view)[0]
            # a click on the heatmap's 6th column, 4th line (rows 6 and 7) moves the cursor
            await pilot.click(TensorView, offset=(5, 2 + 3))
            assert view.cursor == (6, 5)
            assert lines_of(view)[5][5] == "◆"

    run(go())


def test_no_color_falls_back_to_characters(monkeypatch: pytest.MonkeyPatch,
                                           sketch: dict) -> None:
    monkeypatch.setenv("NO_COLOR", "1")

    async def go() -> None:
        app = ViewerApp()
        async with app.run_test(size=(80, 24)) as pilot:
            view = app.query_one(TensorView)
            view.show_sketch(META, sketch)
            await pilot.pause()
            assert not view.in_colour
            text = "\n".join(lines_of(view)[2:-2])
            assert "▀" not in text and "-" in text and set(RAMP[1:]) & set(text)
            assert "zoom fit 1:2" in lines_of(view)[0]   # two columns per element: halve
            assert "-@-#-=-:-. 0 . : = # @" in lines_of(view)[-2]

    run(go())


def test_live_values_local_slices_and_stats() -> None:
    a = np.arange(60, dtype=np.float32).reshape(3, 4, 5) - 30
    a[2, 3, 4] = np.nan

    async def go() -> None:
        app = ViewerApp()
        async with app.run_test(size=(80, 24)) as pilot:
            view = app.query_one(TensorView)
            view.focus()
            view.show_values({"shape": [3, 4, 5], "dtype": "float32"}, a)
            await pilot.pause()
            lines = lines_of(view)
            assert "value (3, 4, 5) float32  all as 12×5  1/4" in lines[0]
            assert "min -30" in lines[1] and "max 28" in lines[1] and "NaN 1" in lines[1]
            assert lines[-1] == "[0, 0, 0] = -30"
            counts = [int(line.split()[-1]) for line in lines[3:] if "…" in line]
            assert sum(counts) == 59
            await pilot.press("down", "down", "down", "down", "down", "right")
            assert lines_of(view)[-1] == "[1, 1, 1] = -4"
            await pilot.press("right_square_bracket")
            assert "[0, :, :]" in lines_of(view)[0]
            assert lines_of(view)[-1] == "[0, 3, 1] = -14"     # the cursor stays in range
            await pilot.press("left_square_bracket", "left_square_bracket")
            await pilot.press("down", "right", "right", "right")
            assert lines_of(view)[-1] == "[2, 3, 4] = nan"
            assert app.requests == []

    run(go())


def test_live_slice_asks_the_screen_for_the_next() -> None:
    a = np.arange(60, dtype=np.float64).reshape(3, 4, 5)

    async def go() -> None:
        app = ViewerApp()
        async with app.run_test(size=(80, 24)) as pilot:
            view = app.query_one(TensorView)
            view.focus()
            meta = {"shape": [3, 4, 5], "dtype": "float64"}
            view.show_values(meta, a[1], index=(1,))
            await pilot.pause()
            assert "[1, :, :]" in lines_of(view)[0] and "3/4" in lines_of(view)[0]
            assert "histogram · [1, :, :]" in lines_of(view)[2]
            assert "min 20" in lines_of(view)[1]
            await pilot.press("right_square_bracket")
            await pilot.pause()
            assert app.requests == [(2,)]
            view.show_values(meta, a[2], index=(2,))
            await pilot.press("right_square_bracket")
            await pilot.pause()
            assert app.requests == [(2,), None]   # then the whole tensor

    run(go())


def test_small_ranks_empty_and_bindings() -> None:
    async def go() -> None:
        app = ViewerApp()
        async with app.run_test(size=(80, 24)) as pilot:
            view = app.query_one(TensorView)
            view.focus()
            assert lines_of(view) == ["no tensor"]
            view.show_values({"shape": []}, np.array(3.5))
            assert lines_of(view)[-1] == "[] = 3.5"
            view.show_values({"shape": [9]}, np.arange(9.0))
            await pilot.press("right", "right")
            assert lines_of(view)[-1] == "[2] = 2"
            view.show_sketch({"shape": [2, 2]}, None)
            assert "no sketch" in lines_of(view)[0]
            view.show_values({"shape": [4, 4]}, np.zeros((4, 4)))
            await pilot.pause()
            shown = {b.binding.description for b in app.active_bindings.values()
                     if b.binding.show}
            assert {"Zoom in", "Zoom out", "Fit"} <= shown
            assert not app.active_bindings["left_square_bracket"].enabled  # no slices here
            view.show_values({"shape": [2, 4, 4]}, np.zeros((2, 4, 4)))
            await pilot.pause()
            assert app.active_bindings["left_square_bracket"].enabled
            assert {"Prev slice", "Next slice"} <= {
                b.binding.description for b in app.active_bindings.values()}

    run(go())


def test_large_live_values_render_fast() -> None:
    a = np.random.default_rng(2).standard_normal((512, 1024)).astype(np.float32)

    async def go() -> None:
        import time

        app = ViewerApp()
        async with app.run_test(size=(120, 40)) as pilot:
            view = app.query_one(TensorView)
            view.show_values({"shape": [512, 1024]}, a)
            await pilot.pause()
            t = time.perf_counter()
            lines = lines_of(view)
            assert time.perf_counter() - t < 0.5
            assert "zoom fit 1:16" in lines[0] and math.isfinite(float(lines[-1].split()[1]))

    run(go())

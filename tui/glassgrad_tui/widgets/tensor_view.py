"""The tensor viewer: one tensor's values or gradient as a heatmap, a histogram and statistics.

Two sources, one widget: a recorded sketch (``show_sketch``: block means, the run store's
histogram and statistics) or live values (``show_values``: elements; histogram and statistics
computed here). For rank >= 3, ``[`` and ``]`` step through slices over the last two dims: the
recorded ones for a sketch; for live values either locally (the whole tensor was given) or by
asking the screen for another slice (``SliceRequested``). ``+``/``-`` zoom, ``0`` fits, the
arrows (or a click) move a cursor whose element or block is read out below the picture.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from ..render.heatmap import Geometry, Scale, heatmap, legend, non_finite_marks, scale_for
from ..render.histogram import histogram_lines, stats_text, tensor_stats, value_histogram
from ..render.pictures import Picture, downsample, sketch_pictures, slice_label, value_pictures

ZOOMS = (-16, -8, -4, -2, 1, 2, 3, 4, 6, 8)  # >= 1: cells per element; < 0: elements per cell
HEAD, FOOT = 2, 2                            # lines above (title, stats) and below (legend, cursor)


@dataclass
class TensorMeta:
    """What the viewer needs to know of a tensor besides its pictures."""

    shape: tuple[int, ...]
    dtype: str = ""
    kind: str = "value"   # value | grad
    stats: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, meta: TensorMeta | dict[str, Any], kind: str | None = None) -> TensorMeta:
        """From a TensorMeta, a run-store tensor dict (statistics as top-level keys), or a
        dict with a ``stats`` dict."""
        if isinstance(meta, TensorMeta):
            return meta
        stats = meta.get("stats")
        if stats is None:
            stats = {k: meta.get(k) for k in ("min", "max", "mean", "std", "norm", "nan", "inf")}
        return cls(tuple(meta.get("shape") or ()), str(meta.get("dtype") or ""),
                   kind or str(meta.get("kind") or "value"), dict(stats))


class TensorView(Widget, can_focus=True):
    """Heatmap, histogram and statistics of one tensor (see the module docstring)."""

    DEFAULT_CSS = """
    TensorView {
        height: 1fr;
        overflow: hidden;
    }
    """

    BINDINGS = [
        Binding("left_square_bracket", "slice(-1)", "Prev slice", key_display="["),
        Binding("right_square_bracket", "slice(1)", "Next slice", key_display="]"),
        Binding("plus,equals_sign", "zoom(1)", "Zoom in", key_display="+"),
        Binding("minus", "zoom(-1)", "Zoom out", key_display="-"),
        Binding("0", "fit", "Fit"),
        Binding("up", "move(-1, 0)", "Cursor", show=False),
        Binding("down", "move(1, 0)", "Cursor", show=False),
        Binding("left", "move(0, -1)", "Cursor", show=False),
        Binding("right", "move(0, 1)", "Cursor", show=False),
        Binding("shift+up", "move(-8, 0)", "Cursor x8", show=False),
        Binding("shift+down", "move(8, 0)", "Cursor x8", show=False),
        Binding("shift+left", "move(0, -8)", "Cursor x8", show=False),
        Binding("shift+right", "move(0, 8)", "Cursor x8", show=False),
    ]

    colour: reactive[bool | None] = reactive(None)
    """Draw with colours (None: unless NO_COLOR is set or the terminal has none)."""

    class SliceRequested(Message):
        """Live values of a slice were asked for: the screen fetches ``tensor[index]`` (None:
        the whole tensor) and calls ``show_values(meta, values, index)``."""

        def __init__(self, index: tuple[int, ...] | None) -> None:
            super().__init__()
            self.index = index

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.meta: TensorMeta | None = None
        self.pictures: list[Picture] = []
        self.position = 0                 # which picture (local slices)
        self.remote: tuple[int, ...] = ()  # leading dims of the slices the screen can fetch
        self.remote_at = 0                 # 0: the whole tensor, k + 1: slice k of them
        self.hist: tuple[np.ndarray, np.ndarray] | None = None
        self.stats: dict[str, Any] = {}
        self.scope = ""                   # what the statistics are of: recorded, values, [2, :, :]
        self.message = "no tensor"
        self.zoom: int | None = None      # None: fit
        self.cursor = (0, 0)              # in cells of the current picture's data
        self._origin = (0, 0)             # display cell at the window's top left
        self._cache: dict[tuple[int, int], tuple[np.ndarray, Scale, str]] = {}

    # input -------------------------------------------------------------------------------------
    def show_sketch(self, meta: TensorMeta | dict[str, Any], sketch: dict[str, Any] | None,
                    kind: str | None = None) -> None:
        """A recorded sketch (``glassgrad.runs.Run.sketch``) of the tensor described by
        ``meta``: its thumbnail, recorded slices, histogram and statistics."""
        meta = TensorMeta.of(meta, kind)
        pictures = sketch_pictures(meta.shape, sketch) if sketch else []
        hist = None
        if sketch and sketch.get("hist") is not None and sketch.get("edges") is not None:
            hist = (np.asarray(sketch["hist"]), np.asarray(sketch["edges"]))
        self._set(meta, pictures, hist, meta.stats, "recorded", (), 0,
                  "no sketch was recorded for this tensor")

    def show_values(self, meta: TensorMeta | dict[str, Any], values: Any,
                    index: tuple[int, ...] | None = None, kind: str | None = None) -> None:
        """Live values: the whole tensor (``index`` None) or ``tensor[index]`` (a slice over
        the leading dims); the histogram and statistics are computed from ``values``."""
        meta = TensorMeta.of(meta, kind)
        values = np.asarray(values)
        index = None if index is None else tuple(int(i) for i in index)
        pictures = value_pictures(meta.shape, values, index)
        lead: tuple[int, ...] = ()
        at = 0
        if index is not None and len(meta.shape) >= 3 and len(index) == len(meta.shape) - 2:
            lead = tuple(meta.shape[:-2])
            at = int(np.ravel_multi_index(index, lead)) + 1
        scope = "values" if index is None else slice_label(index, values.ndim)
        self._set(meta, pictures, value_histogram(values), tensor_stats(values), scope, lead, at,
                  "empty tensor")

    def show_message(self, message: str) -> None:
        """Nothing to picture (not recorded, still loading): say why."""
        self.meta, self.pictures, self.message = None, [], message
        self.remote, self.remote_at = (), 0
        self.refresh()

    def _set(self, meta: TensorMeta, pictures: list[Picture], hist: Any,
             stats: dict[str, Any], scope: str, remote: tuple[int, ...], at: int,
             empty: str) -> None:
        same = self.meta is not None and self.meta.shape == meta.shape
        pictures = [p for p in pictures if p.data.size]
        self.meta, self.pictures, self.hist, self.stats, self.scope = (
            meta, pictures, hist, stats, scope)
        self.remote, self.remote_at = remote, at
        self.message = empty
        self._cache.clear()
        if not same:
            self.position, self.zoom, self.cursor, self._origin = 0, None, (0, 0), (0, 0)
        self.position = min(self.position, max(len(pictures) - 1, 0))
        self._clamp_cursor()
        self.refresh()

    # state -------------------------------------------------------------------------------------
    @property
    def picture(self) -> Picture | None:
        return self.pictures[self.position] if self.pictures and self.meta else None

    @property
    def in_colour(self) -> bool:
        if self.colour is not None:
            return self.colour
        return not self.app.no_color and self.app.console.color_system is not None

    def shown(self, k: int = 1) -> tuple[np.ndarray, Scale, str]:
        """The current picture as displayed, ``k`` x ``k`` cells at a time, its colour scale
        and which non-finite kinds it holds."""
        key = (self.position, k)
        if key not in self._cache:
            data = downsample(self.picture.data, k)
            self._cache[key] = (data, scale_for(data), non_finite_marks(data))
        return self._cache[key]

    def layout_of(self, width: int, height: int) -> tuple[int, int, int]:
        """(heatmap width, histogram width, body height) in a ``width`` x ``height`` view."""
        hist_w = min(36, max(22, width // 3)) if width >= 60 else 0
        return width - hist_w - (1 if hist_w else 0), hist_w, max(1, height - HEAD - FOOT)

    def effective_zoom(self, width: int, height: int) -> int:
        """The zoom in use: the chosen one, or the largest that shows the whole picture."""
        if self.zoom is not None or self.picture is None:
            return self.zoom or 1
        hm_w, _, body_h = self.layout_of(width, height)
        rows, cols = self.picture.data.shape
        for z in sorted(ZOOMS, reverse=True):
            k = -z if z < 0 else 1
            shape = (math.ceil(rows / k), math.ceil(cols / k))
            if Geometry(max(z, 1), self.in_colour).fits(shape, hm_w, body_h):
                return z
        return ZOOMS[0]

    def _clamp_cursor(self) -> None:
        if self.picture is None:
            self.cursor = (0, 0)
            return
        rows, cols = self.picture.data.shape
        self.cursor = (max(0, min(self.cursor[0], rows - 1)), max(0, min(self.cursor[1], cols - 1)))

    @property
    def n_slices(self) -> tuple[int, int]:
        """(how many pictures ``[``/``]`` step through, which one is shown)."""
        if self.remote:
            return math.prod(self.remote) + 1, self.remote_at
        return len(self.pictures), self.position

    # actions -----------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "slice":
            return True if self.n_slices[0] > 1 else None
        return True

    def action_slice(self, step: int) -> None:
        if self.remote:
            self.remote_at = (self.remote_at + step) % self.n_slices[0]
            index = (None if self.remote_at == 0 else
                     tuple(int(i) for i in np.unravel_index(self.remote_at - 1, self.remote)))
            self.post_message(self.SliceRequested(index))
            return
        if len(self.pictures) > 1:
            self.position = (self.position + step) % len(self.pictures)
            self._clamp_cursor()
            self.refresh()

    def action_zoom(self, step: int) -> None:
        width, height = self.content_size
        at = ZOOMS.index(self.effective_zoom(width, height))
        self.zoom = ZOOMS[max(0, min(at + step, len(ZOOMS) - 1))]
        self.refresh()

    def action_fit(self) -> None:
        self.zoom = None
        self.refresh()

    def action_move(self, rows: int, cols: int) -> None:
        width, height = self.content_size
        z = self.effective_zoom(width, height)
        k = -z if z < 0 else 1
        r, c = self.cursor
        self.cursor = ((r // k + rows) * k, (c // k + cols) * k)
        self._clamp_cursor()
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or self.picture is None:
            return
        width, height = self.content_size
        hm_w, _, body_h = self.layout_of(width, height)
        x, y = offset.x, offset.y - HEAD
        if not (0 <= x < hm_w and 0 <= y < body_h):
            return
        z = self.effective_zoom(width, height)
        k = -z if z < 0 else 1
        er, ec = Geometry(max(z, 1), self.in_colour).element_at(x, y)
        shown = self.shown(k)[0]
        r, c = self._origin[0] + er, self._origin[1] + ec
        if r < shown.shape[0] and c < shown.shape[1]:
            self.cursor = (r * k, c * k)
            self._clamp_cursor()
            self.refresh()

    # drawing -----------------------------------------------------------------------------------
    def title(self) -> Text:
        meta, pic = self.meta, self.picture
        out = Text(no_wrap=True, end="")
        out.append(meta.kind, "bold")
        out.append(f" {meta.shape} {meta.dtype}  ")
        out.append(pic.label)
        n, at = self.n_slices
        if n > 1:
            out.append(f"  {at + 1}/{n}", "dim")
        width, height = self.content_size
        z = self.effective_zoom(width, height)
        out.append(f"  zoom {'fit ' if self.zoom is None else ''}"
                   f"{f'{z}:1' if z >= 1 else f'1:{-z}'}", "dim")
        return out

    def render(self) -> Text:
        width, height = self.content_size
        pic = self.picture
        if pic is None:
            return Text(self.message, style="dim")
        hm_w, hist_w, body_h = self.layout_of(width, height)
        z = self.effective_zoom(width, height)
        k = -z if z < 0 else 1
        geometry = Geometry(max(z, 1), self.in_colour)
        data, scale, marks = self.shown(k)
        cursor = (self.cursor[0] // k, self.cursor[1] // k)
        self._origin = _follow(self._origin, cursor, data.shape, geometry, hm_w, body_h)
        picture = heatmap(data, scale, hm_w, body_h, geometry, self._origin, cursor)
        side = []
        if hist_w:
            head = Text(f"histogram · {self.scope}"[:hist_w], style="dim", no_wrap=True)
            side = [head] + histogram_lines(*(self.hist or (None, None)), hist_w, body_h - 1)
        lines = [self.title(), stats_text(self.stats)]
        for i in range(body_h):
            line = picture[i].copy() if i < len(picture) else Text(end="")
            if side:
                line.pad_right(hm_w - line.cell_len)
                line.append(" ")
                if i < len(side):
                    line.append_text(side[i])
            lines.append(line)
        lines.append(legend(scale, self.in_colour, marks, hm_w))
        lines.append(Text(pic.readout(*cursor, k, data), no_wrap=True, end=""))
        for line in lines:
            line.truncate(width)
        return Text("\n", no_wrap=True, end="").join(lines)


def _follow(origin: tuple[int, int], cursor: tuple[int, int], shape: tuple[int, int],
            geometry: Geometry, width: int, height: int) -> tuple[int, int]:
    """The window's top-left display cell, moved as little as keeps the cursor in view."""
    full = (max(1, height * geometry.sub // geometry.zoom), max(1, width // geometry.el_w))
    out = []
    for o, c, n, f in zip(origin, cursor, shape, full):
        if c < o:
            o = c
        elif c >= o + f:
            o = c - f + 1
        out.append(max(0, min(o, n - f)))
    return out[0], out[1]

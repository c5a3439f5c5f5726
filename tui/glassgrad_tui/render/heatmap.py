"""A matrix as a heatmap in terminal cells.

With colour: half blocks (``▀``: foreground the upper element, background the lower one), so a
terminal line holds two rows and an element at zoom 1 is about square; a diverging map (blue,
white, red) centred at 0 when the values have both signs, a sequential one (viridis) otherwise.
Cells paint their own background, so the picture reads the same on dark and light terminals.

Without colour (``NO_COLOR``): a character ramp for the magnitude, two columns per element (still
about square) of which the first carries the sign (``-``) when the values have both signs. The
ramp leaves out ``-`` and ``+`` so a sign is never mistaken for a level.

NaN and ±Inf get their own glyphs (``×``, ``▲``, ``▼``) in both modes.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from rich.color import Color
from rich.style import Style
from rich.text import Text

from .pictures import fmt

RAMP = " .,:;=*#%@"
NAN, POS_INF, NEG_INF = "×", "▲", "▼"
CURSOR = "◆"
LEVELS = 64
_NAN, _POS, _NEG = -1, -2, -3   # codes of non-finite elements

DIVERGING = ((33, 102, 172), (103, 169, 207), (209, 229, 240), (247, 247, 247),
             (253, 219, 199), (239, 138, 98), (178, 24, 43))        # RdBu: negative blue
SEQUENTIAL = ((68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37))
MARKERS = {_NAN: (NAN, (230, 0, 230)), _POS: (POS_INF, (255, 150, 0)),
           _NEG: (NEG_INF, (0, 200, 230))}


@dataclass(frozen=True)
class Scale:
    """How values map to colours: ``lo``..``hi``, or -m..m around 0 when ``diverging``."""

    lo: float
    hi: float
    diverging: bool

    @property
    def ends(self) -> tuple[float, float]:
        """The values at either end of the colour scale."""
        if self.diverging:
            m = max(-self.lo, self.hi)
            return -m, m
        return self.lo, self.hi

    def unit(self, a: np.ndarray) -> np.ndarray:
        """Positions on the scale in [0, 1] (meaningless where ``a`` is not finite)."""
        a = np.asarray(a, dtype=np.float64)
        with np.errstate(invalid="ignore", over="ignore"):
            if self.diverging:
                m = max(-self.lo, self.hi)
                return np.clip(a / m * 0.5 + 0.5, 0.0, 1.0)
            if self.hi > self.lo:
                return np.clip((a - self.lo) / (self.hi - self.lo), 0.0, 1.0)
            return np.where(a == 0, 0.0, 1.0)  # a constant: zeros blank, anything else full

    def magnitude(self, a: np.ndarray) -> np.ndarray:
        """The ramp position in [0, 1]: |v| / m when diverging, else the scale position."""
        if self.diverging:
            return np.abs(self.unit(a) - 0.5) * 2.0
        return self.unit(a)


def scale_for(a: np.ndarray) -> Scale:
    """The scale of a matrix, from its finite values."""
    finite = np.asarray(a, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return Scale(0.0, 0.0, False)
    lo, hi = float(finite.min()), float(finite.max())
    return Scale(lo, hi, lo < 0 < hi)


@dataclass(frozen=True)
class Geometry:
    """Terminal cells per element: ``zoom`` columns by ``zoom`` half-rows with colour, ``2 *
    zoom`` columns by ``zoom`` rows with characters."""

    zoom: int = 1
    colour: bool = True

    @property
    def el_w(self) -> int:
        return self.zoom if self.colour else 2 * self.zoom

    @property
    def sub(self) -> int:
        """Element rows per terminal line at zoom 1."""
        return 2 if self.colour else 1

    def visible(self, width: int, height: int) -> tuple[int, int]:
        """Elements (rows, cols) a ``width`` x ``height`` window shows, partly or whole."""
        return (math.ceil(height * self.sub / self.zoom), math.ceil(width / self.el_w))

    def fits(self, shape: tuple[int, int], width: int, height: int) -> bool:
        return shape[1] * self.el_w <= width and shape[0] * self.zoom <= height * self.sub

    def element_at(self, x: int, y: int) -> tuple[int, int]:
        """The element (relative to the window's origin) drawn at cell (x, y); with half
        blocks, the upper of the two."""
        return (y * self.sub // self.zoom, x // self.el_w)


def _table(anchors: tuple[tuple[int, int, int], ...]) -> list[tuple[int, int, int]]:
    pts = np.asarray(anchors, dtype=np.float64)
    xs = np.linspace(0.0, 1.0, len(pts))
    t = np.linspace(0.0, 1.0, LEVELS)
    return [tuple(int(round(np.interp(v, xs, pts[:, ch]))) for ch in range(3)) for v in t]


_TABLES = {True: _table(DIVERGING), False: _table(SEQUENTIAL)}


def colour_of(level: int, diverging: bool) -> tuple[int, int, int]:
    """The RGB of a colour level (or of a non-finite code's marker)."""
    if level < 0:
        return MARKERS[level][1]
    return _TABLES[diverging][level]


def _contrast(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    lum = (0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]) / 255
    return (0, 0, 0) if lum > 0.55 else (255, 255, 255)


def codes(a: np.ndarray, scale: Scale, levels: int, magnitude: bool = False) -> np.ndarray:
    """Integer codes: 0..levels-1 for finite values (the position on the scale, or the
    magnitude for a ramp), negative for NaN, +Inf, -Inf."""
    a = np.asarray(a, dtype=np.float64)
    pos = scale.magnitude(a) if magnitude else scale.unit(a)
    out = np.rint(np.nan_to_num(pos) * (levels - 1)).astype(np.int64)
    out[np.isnan(a)] = _NAN
    out[np.isposinf(a)] = _POS
    out[np.isneginf(a)] = _NEG
    return out


@functools.lru_cache(maxsize=4096)
def _cell(top: int, bottom: int | None, diverging: bool, cursor: bool) -> tuple[str, Style]:
    """The character and style of one half-block cell."""
    rgb = _rgb(top, diverging)
    if cursor:
        return CURSOR, Style(color=_rgb_color(_contrast(rgb)), bgcolor=_rgb_color(rgb), bold=True)
    for code in (top, bottom):
        if code is not None and code < 0:
            glyph, mark = MARKERS[code]
            return glyph, Style(color=_rgb_color(_contrast(mark)), bgcolor=_rgb_color(mark),
                                bold=True)
    if bottom is None:
        return "▀", Style(color=_rgb_color(rgb))
    return "▀", Style(color=_rgb_color(rgb), bgcolor=_rgb_color(_rgb(bottom, diverging)))


def _rgb(code: int, diverging: bool) -> tuple[int, int, int]:
    return colour_of(code, diverging)


@functools.lru_cache(maxsize=1024)
def _rgb_color(rgb: tuple[int, int, int]) -> Color:
    return Color.from_rgb(*rgb)


_REVERSE = Style(reverse=True)


def heatmap(a: np.ndarray, scale: Scale, width: int, height: int, geometry: Geometry,
            origin: tuple[int, int] = (0, 0),
            cursor: tuple[int, int] | None = None) -> list[Text]:
    """Lines picturing the window of matrix ``a`` from element ``origin`` that fits in
    ``width`` x ``height`` cells; the element at ``cursor`` (absolute) is marked."""
    r0, c0 = origin
    vr, vc = geometry.visible(width, height)
    window = np.asarray(a)[r0:r0 + vr, c0:c0 + vc]
    if window.size == 0:
        return []
    n_rows, n_cols = window.shape
    cur = None if cursor is None else (cursor[0] - r0, cursor[1] - c0)
    if geometry.colour:
        return _colour_lines(codes(window, scale, LEVELS), scale.diverging, geometry, width,
                             height, cur)
    return _char_lines(window, scale, geometry, width, height, cur)


def _colour_lines(code: np.ndarray, diverging: bool, g: Geometry, width: int, height: int,
                  cur: tuple[int, int] | None) -> list[Text]:
    n_rows, n_cols = code.shape
    lines = []
    cols = min(width, n_cols * g.el_w)
    for y in range(min(height, math.ceil(n_rows * g.zoom / 2))):
        rt, rb = 2 * y // g.zoom, (2 * y + 1) // g.zoom
        top_row = code[rt].tolist()
        bottom_row = code[rb].tolist() if rb < n_rows else None
        line = Text(no_wrap=True, end="")
        run, run_style = [], None
        for x in range(cols):
            c = x // g.el_w
            top = top_row[c]
            bottom = bottom_row[c] if bottom_row is not None else None
            on_cursor = cur is not None and cur[1] == c and cur[0] in (rt, rb)
            if on_cursor and cur[0] == rb and rb != rt:
                top, bottom = bottom, top  # the cursor takes the colour of its own element
            ch, style = _cell(top, bottom, diverging, on_cursor)
            if style is not run_style and run:
                line.append("".join(run), run_style)
                run = []
            run_style = style
            run.append(ch)
        if run:
            line.append("".join(run), run_style)
        lines.append(line)
    return lines


def _char_lines(window: np.ndarray, scale: Scale, g: Geometry, width: int, height: int,
                cur: tuple[int, int] | None) -> list[Text]:
    code = codes(window, scale, len(RAMP), magnitude=True)
    negative = np.asarray(window) < 0
    n_rows, n_cols = code.shape
    cells = []
    for r in range(n_rows):
        row = []
        for c in range(n_cols):
            k = int(code[r, c])
            if k < 0:
                row.append(" " + MARKERS[k][0] * (g.el_w - 1))
            elif scale.diverging:
                row.append(("-" if negative[r, c] else " ") + RAMP[k] * (g.el_w - 1))
            else:
                row.append(RAMP[k] * g.el_w)
        cells.append(row)
    lines = []
    for y in range(min(height, n_rows * g.zoom)):
        r = y // g.zoom
        text = "".join(cells[r])[:width]
        line = Text(text, no_wrap=True, end="")
        if cur is not None and cur[0] == r and 0 <= cur[1] < n_cols:
            line.stylize(_REVERSE, cur[1] * g.el_w, min((cur[1] + 1) * g.el_w, width))
        lines.append(line)
    return lines


def legend(scale: Scale, colour: bool, marks: str = "", width: int = 80) -> Text:
    """The values at each end of the scale, with the colours (or characters) between; ``marks``
    names the non-finite glyphs present (``"nan"``, ``"+inf"``, ``"-inf"``)."""
    left, right = scale.ends
    out = Text(fmt(left) + " ", no_wrap=True, end="")
    if colour:
        n = max(4, min(24, width - 2 * 10 - 12))
        for i in range(n):
            rgb = colour_of(round(i / (n - 1) * (LEVELS - 1)), scale.diverging)
            zero = scale.diverging and i == n // 2
            out.append("0" if zero else " ", Style(bgcolor=_rgb_color(rgb),
                                                   color=_rgb_color(_contrast(rgb))))
    elif scale.diverging:
        out.append("".join("-" + RAMP[i] for i in (9, 7, 5, 3, 1)) + " 0"
                   + "".join(" " + RAMP[i] for i in (1, 3, 5, 7, 9)))
    else:
        out.append("".join(ch * 2 for ch in RAMP[1:]))
    out.append(" " + fmt(right))
    names = {"nan": f"{NAN} NaN", "+inf": f"{POS_INF} +Inf", "-inf": f"{NEG_INF} -Inf"}
    notes = [names[m] for m in ("nan", "+inf", "-inf") if m in marks.split()]
    if notes:
        out.append("  " + "  ".join(notes), "bold")
    return out


def non_finite_marks(a: np.ndarray) -> str:
    """Which non-finite kinds ``a`` holds, as ``legend`` wants them."""
    a = np.asarray(a, dtype=np.float64)
    return " ".join(name for name, test in (("nan", np.isnan), ("+inf", np.isposinf),
                                            ("-inf", np.isneginf)) if test(a).any())

"""A character canvas for diagrams: line segments that merge into box-drawing junctions, boxes
with labels, per-cell styles, and a cropped window as Rich Text.

Lines are kept as direction bits per cell and turned into characters only when read, so two
segments meeting in a cell become one junction (``┬``, ``┼``) whatever order they were drawn.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

N, E, S, W = 1, 2, 4, 8

_UNICODE = {
    N: "│", S: "│", N | S: "│", E: "─", W: "─", E | W: "─",
    S | E: "┌", S | W: "┐", N | E: "└", N | W: "┘",
    N | S | E: "├", N | S | W: "┤", E | W | S: "┬", E | W | N: "┴", N | E | S | W: "┼",
}
_ASCII = {N: "|", S: "|", N | S: "|", E: "-", W: "-", E | W: "-"}

# Box parts: corners (top-left, top-right, bottom-left, bottom-right), horizontal, vertical,
# a line leaving the bottom border, a line entering the top border, arrows down and up.
BOX_UNICODE = ("┌", "┐", "└", "┘", "─", "│", "┬", "┴", "▼", "▲")
BOX_ASCII = ("+", "+", "+", "+", "-", "|", "+", "+", "v", "^")


class Canvas:
    """A grid of cells: explicit characters over merged line bits, each with a style."""

    def __init__(self, width: int, height: int, ascii_only: bool = False) -> None:
        self.width, self.height = width, height
        self.ascii_only = ascii_only
        self.parts = BOX_ASCII if ascii_only else BOX_UNICODE
        self.bits = [[0] * width for _ in range(height)]
        self.chars: list[list[str | None]] = [[None] * width for _ in range(height)]
        self.styles: list[list[Style | None]] = [[None] * width for _ in range(height)]

    def _inside(self, x: int, y: int) -> bool:
        return 0 <= x < self.width and 0 <= y < self.height

    def put(self, x: int, y: int, text: str, style: Style | None = None) -> None:
        """Write characters from (x, y) rightwards (clipped to the canvas)."""
        for i, ch in enumerate(text):
            if self._inside(x + i, y):
                self.chars[y][x + i] = ch
                if style is not None:
                    self.styles[y][x + i] = style

    def style(self, x: int, y: int, style: Style) -> None:
        if self._inside(x, y):
            old = self.styles[y][x]
            self.styles[y][x] = style if old is None else old + style

    def vline(self, x: int, y0: int, y1: int, style: Style | None = None) -> None:
        """A vertical segment over rows y0..y1 (inclusive), open at both ends."""
        lo, hi = min(y0, y1), max(y0, y1)
        for y in range(lo, hi + 1):
            if self._inside(x, y):
                self.bits[y][x] |= (N if y > lo else 0) | (S if y < hi else 0) or N | S
                if style is not None:
                    self.style(x, y, style)

    def hline(self, y: int, x0: int, x1: int, style: Style | None = None) -> None:
        """A horizontal segment over columns x0..x1 (inclusive)."""
        lo, hi = min(x0, x1), max(x0, x1)
        for x in range(lo, hi + 1):
            if self._inside(x, y):
                self.bits[y][x] |= (W if x > lo else 0) | (E if x < hi else 0)
                if style is not None:
                    self.style(x, y, style)

    def join(self, x: int, y: int, bits: int) -> None:
        """Add direction bits to a cell (to make a segment's end meet a neighbour)."""
        if self._inside(x, y):
            self.bits[y][x] |= bits

    def box(self, x: int, y: int, w: int, h: int, lines: list[str],
            style: Style | None = None, first_style: Style | None = None) -> None:
        """A bordered box with label lines (left-aligned, one space of padding)."""
        tl, tr, bl, br, hz, vt = self.parts[:6]
        self.put(x, y, tl + hz * (w - 2) + tr, style)
        for i in range(1, h - 1):
            label = lines[i - 1] if i - 1 < len(lines) else ""
            inner = (" " + label).ljust(w - 2)[:w - 2]
            self.put(x, y + i, vt + inner + vt, style)
            if i == 1 and first_style is not None:
                for j in range(1, 1 + len(label) + 1):
                    self.style(x + j, y + i, first_style)
        self.put(x, y + h - 1, bl + hz * (w - 2) + br, style)

    def char(self, x: int, y: int) -> str:
        ch = self.chars[y][x]
        if ch is not None:
            return ch
        bits = self.bits[y][x]
        if not bits:
            return " "
        if self.ascii_only:
            return _ASCII.get(bits, "+")
        return _UNICODE[bits]

    def crop(self, x0: int, y0: int, width: int, height: int) -> Text:
        """The window of ``width`` x ``height`` cells from (x0, y0) (outside: blank), as one
        Text of ``height`` lines."""
        out = Text(no_wrap=True, overflow="crop", end="")
        for row in range(height):
            y = y0 + row
            if row:
                out.append("\n")
            if not 0 <= y < self.height:
                out.append(" " * width)
                continue
            run, run_style = [], None
            for x in range(x0, x0 + width):
                if 0 <= x < self.width:
                    ch, st = self.char(x, y), self.styles[y][x]
                else:
                    ch, st = " ", None
                if st != run_style and run:
                    out.append("".join(run), run_style)
                    run = []
                run_style = st
                run.append(ch)
            if run:
                out.append("".join(run), run_style)
        return out

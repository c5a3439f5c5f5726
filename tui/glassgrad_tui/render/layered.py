"""A layered (Sugiyama) drawing of a small graph in terminal cells.

grandalf does the layout (ranks, order within ranks, x coordinates, dummy vertices for long
edges); this module turns its result into characters. Data flows downward: a node's inputs sit
above it and its consumers below, toward the loss, the way the forward code reads top to bottom.
Left-to-right would fit wide terminals better, but a node's box holds several label lines of
~20 columns, so a layer of a few boxes side by side fits 80-120 columns, while a chain of five
layers side by side would not.

Edges are drawn orthogonally (down, across, down) because terminal diagonals are unreadable:
each edge gets its own port on a box border and, between two layers, its own horizontal track,
so that lines only ever cross (``┼``) and never merge into ambiguous junctions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from grandalf.graphs import Edge, Graph, Vertex
from grandalf.layouts import SugiyamaLayout
from rich.style import Style
from rich.text import Text

from .canvas import Canvas, N, S

MAX_LABEL = 28          # columns of a label line; longer ones end with "…"
XSPACE = 3              # columns between neighbours in a layer
COMPONENT_GAP = 4       # columns between connected components
SELECTED = Style(bold=True, reverse=True)
NEAR = Style(bold=True)  # edges touching the selected node
FIRST = Style(bold=True)  # a box's first label line (the op)


class _View:
    """What grandalf needs of a vertex: its size, and where it put it."""

    def __init__(self, w: int, h: int) -> None:
        self.w, self.h = w, h
        self.xy = (0.0, 0.0)


@dataclass
class Scene:
    """A laid-out drawing at full size; ``render`` crops it to a window."""

    canvas: Canvas
    boxes: dict[int, tuple[int, int, int, int]] = field(default_factory=dict)  # x, y, w, h
    selected: int | None = None

    @property
    def size(self) -> tuple[int, int]:
        return self.canvas.width, self.canvas.height

    def origin(self, width: int, height: int) -> tuple[int, int]:
        """Top-left canvas cell shown in a ``width`` x ``height`` window: a drawing that fits
        is centred; one that does not is cropped around the selected node, kept centred."""
        box = self.boxes.get(self.selected) if self.selected is not None else None

        def axis(total: int, view: int, lo: int | None, size: int) -> int:
            if total <= view:
                return -((view - total) // 2)
            if lo is None:
                return 0
            return max(0, min(lo + size // 2 - view // 2, total - view))

        return (axis(self.canvas.width, width, box[0] if box else None, box[2] if box else 0),
                axis(self.canvas.height, height, box[1] if box else None, box[3] if box else 0))

    def render(self, width: int, height: int) -> Text:
        x0, y0 = self.origin(width, height)
        return self.canvas.crop(x0, y0, width, height)

    def node_at(self, x: int, y: int, width: int, height: int) -> int | None:
        """The node whose box covers window cell (x, y), if any (for mouse clicks)."""
        x0, y0 = self.origin(width, height)
        for node, (bx, by, bw, bh) in self.boxes.items():
            if bx <= x + x0 < bx + bw and by <= y + y0 < by + bh:
                return node
        return None


def draw(nodes: dict[int, list[str]], edges: Iterable[tuple[int, int]], selected: int | None,
         width: int, height: int, ascii_only: bool = False) -> Text:
    """The drawing of ``nodes`` (id -> label lines) and ``edges`` ((src, dst): src is an
    input of dst) in a ``width`` x ``height`` window."""
    return lay_out(nodes, edges, selected, ascii_only).render(width, height)


def neighbourhood(center: int, inputs_of: Callable[[int], Iterable[int]],
                  consumers_of: Callable[[int], Iterable[int]], depth: int = 2,
                  limit: int = 30) -> tuple[list[int], list[tuple[int, int]]]:
    """Nodes within ``depth`` steps up (inputs) and down (consumers) of ``center``, nearest
    first and at most ``limit``, and the edges among them, so a drawing stays small."""
    order, seen = [center], {center}
    up, down = [center], [center]
    for _ in range(depth):
        nxt_up, nxt_down = [], []
        for frontier, step, nxt in ((up, inputs_of, nxt_up), (down, consumers_of, nxt_down)):
            for node in frontier:
                for other in step(node):
                    if other not in seen and len(order) < limit:
                        seen.add(other)
                        order.append(other)
                        nxt.append(other)
        up, down = nxt_up, nxt_down
    edges = [(src, dst) for dst in order for src in dict.fromkeys(inputs_of(dst)) if src in seen]
    return order, edges


def _label(lines: list[str], node: int) -> list[str]:
    lines = [str(s) for s in lines] or [f"#{node}"]
    return [s if len(s) <= MAX_LABEL else s[:MAX_LABEL - 1] + "…" for s in lines]


@dataclass
class _Path:
    """One edge from top to bottom: its vertices rank by rank, and whether it points down."""

    src: int
    dst: int
    points: list  # grandalf vertices (real or dummy), top first
    down: bool    # the consumer is the bottom end


def lay_out(nodes: dict[int, list[str]], edges: Iterable[tuple[int, int]],
            selected: int | None = None, ascii_only: bool = False) -> Scene:
    """Lay out with grandalf and draw at full size."""
    labels = {n: _label(lines, n) for n, lines in nodes.items()}
    pairs = list(dict.fromkeys((s, d) for s, d in edges if s != d and s in nodes and d in nodes))
    if not labels:
        return Scene(Canvas(0, 0, ascii_only))
    degree_in = {n: 0 for n in labels}
    degree_out = dict(degree_in)
    for s, d in pairs:
        degree_out[s] += 1
        degree_in[d] += 1
    vertices = {}
    for n, lines in labels.items():
        v = Vertex(n)
        ports = max(degree_in[n], degree_out[n])
        v.view = _View(max(max(len(s) for s in lines) + 4, 2 * ports + 3), len(lines) + 2)
        vertices[n] = v
    graph = Graph(list(vertices.values()),
                  [Edge(vertices[s], vertices[d]) for s, d in pairs])
    rank: dict = {}
    paths: list[_Path] = []
    offset = 0.0
    for comp in graph.C:
        sug = SugiyamaLayout(comp)
        sug.xspace, sug.yspace = XSPACE, 1
        sug.dw, sug.dh = 1, 1  # dummies: one column wide
        sug.init_all()
        sug.draw(3)
        members = [v for layer in sug.layers for v in layer]
        left = min(v.view.xy[0] - v.view.w / 2 for v in members)
        right = max(v.view.xy[0] + v.view.w / 2 for v in members)
        for v in members:
            v.view.xy = (v.view.xy[0] - left + offset, 0.0)
            rank[v] = sug.grx[v].rank
        offset += right - left + COMPONENT_GAP
        for e in comp.E():
            a, b = e.v
            ctrl = sug.ctrls.get(e)
            ra, rb = rank[a], rank[b]
            step = 1 if ra < rb else -1
            chain = [a] + [ctrl[r] for r in range(ra + step, rb, step)] + [b] if ctrl else [a, b]
            if step < 0:
                chain.reverse()
            paths.append(_Path(a.data, b.data, chain, step > 0))
    return _Drawing(labels, vertices, rank, paths, selected, ascii_only).scene()


class _Drawing:
    """Rasterise a grandalf layout: bands of boxes per rank, gaps of tracks between them."""

    def __init__(self, labels: dict[int, list[str]], vertices: dict, rank: dict,
                 paths: list[_Path], selected: int | None, ascii_only: bool) -> None:
        self.labels, self.vertices, self.rank = labels, vertices, rank
        self.paths, self.selected, self.ascii_only = paths, selected, ascii_only
        self.left = {v: round(v.view.xy[0] - v.view.w / 2) for v in vertices.values()}
        self.ports_down: dict = {}  # (vertex, path index) -> column on its bottom border
        self.ports_up: dict = {}    # (vertex, path index) -> column on its top border
        self._ports()

    def x_of(self, v, i: int, bottom: bool) -> int:
        """The column where path ``i`` leaves (bottom) or enters (top) vertex ``v``."""
        if v in self.left:
            return (self.ports_down if bottom else self.ports_up)[v, i]
        return round(v.view.xy[0])

    def _ports(self) -> None:
        """Spread each box's edges over its border, ordered by where the other end lies."""
        outs: dict = {}
        ins: dict = {}
        for i, p in enumerate(self.paths):
            outs.setdefault(p.points[0], []).append((p.points[1].view.xy[0], i))
            ins.setdefault(p.points[-1], []).append((p.points[-2].view.xy[0], i))
        for table, ports in ((outs, self.ports_down), (ins, self.ports_up)):
            for v, ends in table.items():
                ends.sort()
                x, w, k = self.left[v], v.view.w, len(ends)
                last = x
                for j, (_, i) in enumerate(ends):
                    col = max(x + round((j + 1) * w / (k + 1)), last + 1)
                    ports[v, i] = min(col, x + w - 2 - (k - 1 - j))
                    last = ports[v, i]

    def scene(self) -> Scene:
        n_ranks = max(self.rank.values()) + 1
        band = [1] * n_ranks
        for v in self.vertices.values():
            band[self.rank[v]] = max(band[self.rank[v]], v.view.h)
        segments: list[list[tuple]] = [[] for _ in range(n_ranks)]
        for i, p in enumerate(self.paths):
            for a, b in zip(p.points, p.points[1:]):
                segments[self.rank[a]].append((i, a, self.x_of(a, i, True),
                                               self.x_of(b, i, False)))
        tracks = [_tracks([(i, xa, xb) for i, _, xa, xb in segs]) for segs in segments]
        top, y = [], 0
        for r in range(n_ranks):
            top.append(y)
            y += band[r] + (max(tracks[r].values(), default=-1) + 3 if r < n_ranks - 1 else 0)
        width = max((self.left[v] + v.view.w for v in self.vertices.values()), default=0)
        canvas = Canvas(width, y, self.ascii_only)
        boxes = {n: (self.left[v], top[self.rank[v]], v.view.w, v.view.h)
                 for n, v in self.vertices.items()}
        near = {i for i, p in enumerate(self.paths) if self.selected in (p.src, p.dst)}
        for r, segs in enumerate(segments):
            g0 = top[r] + band[r]                     # first row of the gap under rank r
            g1 = top[r + 1] - 1 if r + 1 < n_ranks else g0
            for i, a, xa, xb in segs:
                y0 = top[r] + a.view.h if a in self.left else top[r]  # a dummy crosses its band
                self._segment(canvas, xa, xb, y0, g0, g1, tracks[r].get(i), i in near)
        parts = canvas.parts
        for n, (x, y0, w, h) in boxes.items():
            style = SELECTED if n == self.selected else None
            canvas.box(x, y0, w, h, self.labels[n], style, FIRST)
        for i, p in enumerate(self.paths):
            upper, lower = p.points[0], p.points[-1]
            ux, lx = self.ports_down[upper, i], self.ports_up[lower, i]
            uy = boxes[upper.data][1] + upper.view.h - 1
            ly = boxes[lower.data][1]
            style = NEAR if i in near else None
            if p.down:  # the consumer is below: arrow onto its top border
                canvas.put(ux, uy, parts[6], self._border(upper.data))
                canvas.put(lx, ly - 1, parts[8], style)
            else:
                canvas.put(ux, uy + 1, parts[9], style)
                canvas.put(lx, ly, parts[7], self._border(lower.data))
        return Scene(canvas, boxes, self.selected)

    def _border(self, node: int) -> Style | None:
        return SELECTED if node == self.selected else None

    @staticmethod
    def _segment(canvas: Canvas, xa: int, xb: int, y0: int, g0: int, g1: int,
                 track: int | None, near: bool) -> None:
        """One piece of a path between two ranks: down from row y0 at column xa, across on its
        track (the gap's rows g0 + 1 + track), down to row g1 at column xb."""
        style = NEAR if near else None
        if xa == xb or track is None:
            canvas.vline(xa, y0, g1, style)
        else:
            ty = g0 + 1 + track
            canvas.vline(xa, y0, ty, style)
            canvas.hline(ty, xa, xb, style)
            canvas.vline(xb, ty, g1, style)
        canvas.join(xa, y0, N)
        canvas.join(xb, g1, S)


def _tracks(segs: list[tuple[int, int, int]]) -> dict[int, int]:
    """A horizontal track (row in the gap) for each segment that turns: segments on a track do
    not overlap, and where one segment's start column is another's end column, the first one's
    track is above (so their vertical pieces do not run into each other)."""
    turning = [(i, xa, xb) for i, xa, xb in segs if xa != xb]
    ends = {xb: i for i, _, xb in turning}
    above: dict[int, set[int]] = {i: set() for i, _, _ in turning}  # i -> segments above it
    for i, xa, _ in turning:
        j = ends.get(xa)
        if j is not None and j != i:
            above[j].add(i)
    placed: dict[int, int] = {}
    taken: dict[int, list[tuple[int, int]]] = {}
    pending = sorted(turning, key=lambda s: min(s[1], s[2]))
    while pending:
        ready = [s for s in pending if above[s[0]] <= placed.keys()] or pending[:1]
        i, xa, xb = ready[0]
        pending.remove(ready[0])
        lo, hi = min(xa, xb), max(xa, xb)
        t = max((placed[j] + 1 for j in above[i] if j in placed), default=0)
        while any(lo <= h + 1 and l <= hi + 1 for l, h in taken.get(t, ())):
            t += 1
        placed[i] = t
        taken.setdefault(t, []).append((lo, hi))
    return placed

// The histogram of the values shown (SVG bars, colors from the theme), with bars of their own for
// NaN, +Inf and −Inf when there are any.

import { s, clear } from "../common/dom";
import { formatCount, formatNumber } from "../common/format";
import type { Histogram, ShownStats } from "./stats";

const W = 320;
const H = 120;
const PAD = 16;

export function renderHistogram(svg: SVGSVGElement, hist: Histogram, stats: ShownStats): void {
  clear(svg);
  svg.setAttribute("viewBox", `0 0 ${W} ${H + PAD}`);
  const special = [
    { label: "NaN", count: stats.nan, cls: "nan" },
    { label: "+Inf", count: stats.posInf, cls: "posinf" },
    { label: "−Inf", count: stats.negInf, cls: "neginf" },
  ].filter((x) => x.count > 0);
  const extra = special.length * 22;
  const plot = W - extra;
  const top = Math.max(1, ...hist.counts, ...special.map((x) => x.count));
  const bw = plot / hist.counts.length;
  const width = (hist.hi - hist.lo) / hist.counts.length;
  hist.counts.forEach((c, i) => {
    const bh = c === 0 ? 0 : Math.max(1, (c / top) * (H - 4));
    const lo = hist.lo + i * width;
    svg.append(
      s(
        "rect",
        { class: "bar", x: i * bw + 0.5, y: H - bh, width: Math.max(1, bw - 1), height: bh, "data-count": c },
        s("title", {}, `[${formatNumber(lo)}, ${formatNumber(lo + width)}): ${formatCount(c)}`),
      ),
    );
  });
  special.forEach((x, i) => {
    const bh = Math.max(1, (x.count / top) * (H - 4));
    const bx = plot + i * 22 + 4;
    svg.append(
      s(
        "rect",
        { class: `bar ${x.cls}`, x: bx, y: H - bh, width: 16, height: bh, "data-count": x.count },
        s("title", {}, `${x.label}: ${formatCount(x.count)}`),
      ),
      s("text", { class: "axis special", x: bx + 8, y: H + 12, "text-anchor": "middle" }, x.label),
    );
  });
  svg.append(
    s("line", { class: "baseline", x1: 0, x2: plot, y1: H + 0.5, y2: H + 0.5 }),
    s("text", { class: "axis", x: 0, y: H + 12 }, stats.finite ? formatNumber(hist.lo) : ""),
    s("text", { class: "axis", x: plot, y: H + 12, "text-anchor": "end" }, stats.finite ? formatNumber(hist.hi) : ""),
    s("text", { class: "axis", x: 2, y: 10 }, formatCount(top)),
  );
}

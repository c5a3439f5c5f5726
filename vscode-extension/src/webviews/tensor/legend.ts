// The color bar under the heatmap: the scale's range, and swatches for NaN and ±Inf.

import { clear, h } from "../common/dom";
import { formatNumber } from "../common/format";
import { colorAt, type Scale } from "./colormap";

export function renderLegend(el: HTMLElement, scale: Scale, counts: { nan: number; inf: number }): void {
  clear(el);
  const bar = h("canvas", { class: "colorbar", width: 160, height: 1, "aria-hidden": "true" });
  const ctx = bar.getContext("2d");
  if (ctx) {
    const image = ctx.createImageData(160, 1);
    for (let x = 0; x < 160; x++) {
      const [r, g, b] = colorAt(scale, x / 159);
      image.data.set([r, g, b, 255], x * 4);
    }
    ctx.putImageData(image, 0, 0);
  }
  el.append(
    h("span", { class: "scale-label" }, formatNumber(scale.lo)),
    bar,
    h("span", { class: "scale-label" }, formatNumber(scale.hi)),
    h("span", { class: "scale-kind" }, scale.kind === "diverging" ? "diverging around 0" : "sequential"),
  );
  if (counts.nan > 0) el.append(h("span", { class: "swatch nan" }), "NaN");
  if (counts.inf > 0) el.append(h("span", { class: "swatch posinf" }), "+Inf", h("span", { class: "swatch neginf" }), "−Inf");
}

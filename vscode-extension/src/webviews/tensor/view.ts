// The tensor viewer: header (expression, shape, value/gradient, pin, zoom), slice selector,
// heatmap with color bar, hover read-out, histogram and statistics.

import type { MessageMap, SliceEntry, TensorTarget } from "../../shared/messages";
import { byId, clear, h, resolveColor, s } from "../common/dom";
import { formatCount, formatNumber, formatShape } from "../common/format";
import type { WebviewApi } from "../common/vscodeApi";
import { scaleFor, type SpecialColors } from "./colormap";
import { decodeValues } from "./decode";
import { gridOf, slicePlan } from "./grid";
import { Heatmap, type Cell } from "./heatmap";
import { renderHistogram } from "./histogram";
import { renderLegend } from "./legend";
import { Slicer } from "./slicer";
import { histogram, shownStats, type ShownStats } from "./stats";

function layout(root: HTMLElement): void {
  root.append(
    h(
      "header",
      { class: "toolbar" },
      h("div", { class: "title" }, h("code", { id: "expression" }), h("span", { id: "meta", class: "meta" })),
      h(
        "div",
        { class: "controls" },
        h(
          "div",
          { class: "segmented", role: "group", "aria-label": "show" },
          h("button", { id: "show-value", "aria-pressed": "true" }, "Value"),
          h("button", { id: "show-grad", "aria-pressed": "false" }, "Gradient"),
        ),
        h("button", { id: "pin", "aria-pressed": "true", title: "refresh at each stop" }, "Pinned"),
        h(
          "div",
          { class: "segmented", role: "group", "aria-label": "zoom" },
          h("button", { id: "zoom-out", title: "zoom out (Ctrl+wheel)" }, "−"),
          h("button", { id: "zoom-fit", title: "fit" }, "Fit"),
          h("button", { id: "zoom-in", title: "zoom in (Ctrl+wheel)" }, "+"),
        ),
        h("span", { id: "status", class: "status", role: "status" }),
      ),
    ),
    h("div", { id: "banner", class: "banner error", role: "alert", hidden: true }),
    h("div", { id: "slicer", class: "slicer", hidden: true }),
    h("div", { id: "note", class: "note", hidden: true }),
    h(
      "main",
      { id: "content", class: "content" },
      h(
        "section",
        { class: "map-area" },
        h("div", { id: "heatmap-wrap", class: "heatmap-wrap" }),
        h("div", { id: "legend", class: "legend" }),
      ),
      h(
        "aside",
        { class: "side" },
        h("div", { id: "readout", class: "readout", "aria-live": "polite" }, "hover the heatmap for a value"),
        h("h3", {}, "Histogram"),
        s("svg", { id: "histogram", class: "histogram", role: "img", "aria-label": "histogram of the values shown" }),
        h("h3", {}, "Statistics"),
        h("table", { id: "stats", class: "stats" }),
      ),
    ),
  );
}

export class TensorView {
  private readonly heatmap: Heatmap;
  private readonly slicer: Slicer;
  private target: TensorTarget = "value";
  private pinned = true;
  private shown: MessageMap["tensor/show"] | undefined;

  constructor(
    root: HTMLElement,
    private readonly api: WebviewApi,
  ) {
    layout(root);
    this.heatmap = new Heatmap(byId("heatmap-wrap"), (cell) => this.readout(cell));
    this.slicer = new Slicer(byId("slicer"), (slice) => this.request(this.target, slice));
    byId("show-value").addEventListener("click", () => this.switchTo("value"));
    byId("show-grad").addEventListener("click", () => this.switchTo("grad"));
    byId("pin").addEventListener("click", () => {
      this.pinned = !this.pinned;
      this.renderPin();
      api.post("tensor/pin", { pinned: this.pinned });
    });
    byId("zoom-in").addEventListener("click", () => this.heatmap.setZoom(this.heatmap.zoom * 2));
    byId("zoom-out").addEventListener("click", () => this.heatmap.setZoom(this.heatmap.zoom / 2));
    byId("zoom-fit").addEventListener("click", () => this.heatmap.fit());
    window.addEventListener("resize", () => this.heatmap.refit());
  }

  private request(target: TensorTarget, slice: SliceEntry[] | null): void {
    this.api.post("tensor/request", { target, slice });
  }

  private switchTo(target: TensorTarget): void {
    if (target === this.target) return;
    this.target = target;
    this.renderTarget();
    // the gradient has the tensor's shape: keep the slice
    this.request(target, this.shown ? this.slicer.current : null);
  }

  private renderTarget(): void {
    byId("show-value").setAttribute("aria-pressed", String(this.target === "value"));
    byId("show-grad").setAttribute("aria-pressed", String(this.target === "grad"));
  }

  private renderPin(): void {
    const pin = byId("pin");
    pin.setAttribute("aria-pressed", String(this.pinned));
    pin.textContent = this.pinned ? "Pinned" : "Pin";
    pin.title = this.pinned ? "refreshes at each stop (click to keep these values)" : "refresh at each stop";
  }

  state(m: MessageMap["tensor/state"]): void {
    this.target = m.target;
    this.pinned = m.pinned;
    byId("expression").textContent = m.target === "grad" ? `(${m.expression}).grad` : m.expression;
    byId("status").textContent = `${m.session}: ${m.status}`;
    this.renderTarget();
    this.renderPin();
  }

  loading(): void {
    document.body.classList.add("loading");
  }

  error(m: MessageMap["tensor/error"]): void {
    document.body.classList.remove("loading");
    const banner = byId("banner");
    banner.textContent = m.message;
    banner.hidden = false;
    byId("content").classList.toggle("stale", this.shown !== undefined);
  }

  show(m: MessageMap["tensor/show"]): void {
    document.body.classList.remove("loading");
    byId("banner").hidden = true;
    byId("content").classList.remove("stale");
    this.shown = m;
    const r = m.response;
    let values: Float64Array;
    try {
      values = decodeValues(r);
    } catch (e) {
      this.error({ target: m.target, message: e instanceof Error ? e.message : String(e) });
      return;
    }
    byId("meta").textContent = [
      `${formatShape(r.shape)} ${r.dtype} ${r.device}`,
      r.gradFn ?? (r.requiresGrad ? "requires_grad" : ""),
      r.sliceShape.length !== r.shape.length || m.slice ? `slice ${formatShape(r.sliceShape)}` : "",
    ]
      .filter(Boolean)
      .join(" · ");
    const plan = slicePlan(r.shape, m.maxElements);
    this.slicer.update(r.shape, plan, m.slice);
    const note = byId("note");
    const total = r.sliceShape.reduce((a, b) => a * b, 1);
    note.hidden = !r.truncated;
    note.textContent = r.truncated
      ? `Truncated: showing the first ${formatCount(r.count)} of ${formatCount(total)} elements of this slice` +
        (plan.window ? " (choose rows in the slice selector)" : "")
      : "";
    const stats = shownStats(values);
    const scale = scaleFor(stats.min, stats.max);
    const special: SpecialColors = {
      nan: resolveColor("var(--gg-nan)", [255, 0, 255]),
      posInf: resolveColor("var(--gg-posinf)", [255, 128, 0]),
      negInf: resolveColor("var(--gg-neginf)", [0, 200, 0]),
    };
    const grid = gridOf(r, m.slice, values);
    this.heatmap.render(grid, scale, special);
    renderLegend(byId("legend"), scale, { nan: stats.nan, inf: stats.posInf + stats.negInf });
    renderHistogram(byId("histogram") as unknown as SVGSVGElement, histogram(values, stats), stats);
    this.renderStats(stats);
    this.readout(undefined);
  }

  private renderStats(shown: ShownStats): void {
    const whole = this.shown?.response.stats;
    const table = byId("stats");
    clear(table);
    const inf = shown.posInf + shown.negInf;
    const rows: [string, string, string][] = [
      ["elements", formatCount(this.shown?.response.shape.reduce((a, b) => a * b, 1) ?? 0), formatCount(shown.count)],
      ["min", whole ? formatNumber(whole.min ?? NaN) : "", formatNumber(shown.min)],
      ["max", whole ? formatNumber(whole.max ?? NaN) : "", formatNumber(shown.max)],
      ["mean", whole ? formatNumber(whole.mean ?? NaN) : "", formatNumber(shown.mean)],
      ["std", whole ? formatNumber(whole.std ?? NaN) : "", formatNumber(shown.std)],
      ["norm", whole ? formatNumber(whole.norm ?? NaN) : "", ""],
      ["NaN", whole ? formatCount(whole.nan) : "", formatCount(shown.nan)],
      ["Inf", whole ? formatCount(whole.inf) : "", inf ? `${formatCount(inf)} (+${shown.posInf} −${shown.negInf})` : "0"],
    ];
    table.append(
      h("thead", {}, h("tr", {}, h("th", {}), h("th", { scope: "col" }, "tensor"), h("th", { scope: "col" }, "shown"))),
      h(
        "tbody",
        {},
        ...rows.map(([name, a, b]) =>
          h(
            "tr",
            { "data-stat": name, class: (name === "NaN" || name === "Inf") && (a !== "0" || b !== "0") ? "bad" : undefined },
            h("th", { scope: "row" }, name),
            h("td", {}, a),
            h("td", {}, b),
          ),
        ),
      ),
    );
  }

  private readout(cell: Cell | undefined): void {
    const el = byId("readout");
    if (!cell) {
      el.textContent = "hover the heatmap for a value";
      el.classList.remove("active");
      return;
    }
    el.classList.add("active");
    clear(el);
    el.append(h("code", { class: "index" }, `[${cell.index.join(", ")}]`), " = ", h("code", { class: "value" }, formatNumber(cell.value, 7)));
  }
}

// The graph view: toolbar (source, phase, counts, fold and zoom), the SVG drawing, a details line
// for the hovered or selected item, and the notes (truncated, hidden tensors, selection).

import type { GraphResponse, MessageMap } from "../../shared/messages";
import { byId, h, s } from "../common/dom";
import { formatCount } from "../common/format";
import type { WebviewApi } from "../common/vscodeApi";
import { layoutGraph, type ElkLike, type Measure, type Placed } from "./layout";
import { LiveGraph } from "./live";
import { buildModel, enclosing, expandWithin, nodesAt, representative, visibleCount, type FoldOptions, type GraphModel } from "./model";
import { PanZoom } from "./panzoom";
import { describe, renderGraph, svgDefs } from "./render";

/** Graphs with more ops than this open folded by module. */
export const FOLD_THRESHOLD = 200;
/** A folded graph opens with modules expanded level by level while at most this much is drawn. */
export const AUTO_EXPAND_LIMIT = 80;
/** "Expand all" stops expanding where more than this would be drawn (layout time). */
export const EXPAND_ALL_LIMIT = 700;
/** Leaf tensors are hidden at first when more than this would be drawn with them. */
export const LEAVES_LIMIT = 400;
/** Live updates are laid out at most this often. */
export const LIVE_LAYOUT_MS = 500;

function layoutDom(root: HTMLElement): void {
  root.append(
    h(
      "header",
      { class: "toolbar" },
      h("div", { class: "title" }, h("strong", { id: "source" }, "glassgrad graph"), h("span", { id: "info", class: "meta" })),
      h(
        "div",
        { class: "controls" },
        h(
          "div",
          { class: "segmented", role: "group", "aria-label": "zoom" },
          h("button", { id: "zoom-out", title: "zoom out (Ctrl+wheel)" }, "−"),
          h("button", { id: "fit", title: "fit the graph in the view" }, "Fit"),
          h("button", { id: "zoom-in", title: "zoom in (Ctrl+wheel)" }, "+"),
        ),
        h(
          "div",
          { class: "segmented", role: "group", "aria-label": "modules" },
          h("button", { id: "expand-all", title: "expand every module (as far as the view can draw)" }, "Expand all"),
          h("button", { id: "collapse-all", title: "fold every module" }, "Collapse all"),
        ),
        h("button", { id: "toggle-leaves", "aria-pressed": "true", title: "show the leaf tensors (parameters, inputs)" }, "Tensors"),
        h("button", { id: "refresh", title: "ask for the graph again" }, "Refresh"),
        h("span", { id: "status", class: "status", role: "status" }),
      ),
    ),
    h("div", { id: "banner", class: "banner error", role: "alert", hidden: true }),
    h("div", { id: "note", class: "note", hidden: true }),
    h(
      "main",
      { id: "content", class: "content graph-area" },
      s("svg", { id: "graph", class: "graph", role: "application", "aria-label": "autograd graph" }, svgDefs(), s("g", { id: "viewport" })),
      h("div", { id: "empty", class: "empty" }, "Waiting for a graph…"),
      h("pre", { id: "details", class: "details", "aria-live": "polite", hidden: true }),
    ),
  );
}

export class GraphView {
  private readonly svg: SVGSVGElement;
  private readonly viewport: SVGGElement;
  private readonly pz: PanZoom;
  private graph: GraphResponse | undefined;
  private model: GraphModel | undefined;
  private live: LiveGraph | undefined;
  private expanded = new Set<string>();
  private seenModules = new Set<string>();
  private showLeaves = true;
  private leavesChosen = false;
  private selected = new Set<string>();
  private placed = new Map<string, Placed>();
  private fitNext = true;
  private revealNext: string | null = null;
  private lastCurrent: string | null = null;
  private queued = false;
  private drawn: { width: number; height: number } | undefined;
  private anchor: string | undefined;
  private liveTimer: number | undefined;
  private notes: string[] = [];
  /** the layouts in order; the SVG's data-layouts counts them, data-busy is set while one is due */
  private settled: Promise<void> = Promise.resolve();
  private layouts = 0;

  constructor(
    root: HTMLElement,
    private readonly api: WebviewApi,
    private readonly elk: ElkLike,
    private readonly measure: Measure,
  ) {
    layoutDom(root);
    this.svg = byId("graph") as unknown as SVGSVGElement;
    this.viewport = document.getElementById("viewport") as unknown as SVGGElement;
    this.pz = new PanZoom(this.svg, this.viewport);
    byId("fit").addEventListener("click", () => this.fit());
    byId("zoom-in").addEventListener("click", () => this.pz.zoomBy(1.25));
    byId("zoom-out").addEventListener("click", () => this.pz.zoomBy(0.8));
    byId("expand-all").addEventListener("click", () => this.expandAll());
    byId("collapse-all").addEventListener("click", () => {
      this.expanded.clear();
      this.fitNext = true;
      this.relayout();
    });
    byId("toggle-leaves").addEventListener("click", () => {
      this.showLeaves = !this.showLeaves;
      this.leavesChosen = true;
      this.relayout();
    });
    byId("refresh").addEventListener("click", () => api.post("graph/refresh", {}));
    this.svg.addEventListener("click", (e) => this.onClick(e.target as Element));
    this.svg.addEventListener("keydown", (e) => {
      if (e.key !== "Enter" && e.key !== " ") return;
      e.preventDefault();
      this.onClick(e.target as Element);
    });
    this.svg.addEventListener("mouseover", (e) => this.hover(e.target as Element));
    this.svg.addEventListener("focusin", (e) => this.hover(e.target as Element));
    this.svg.addEventListener("mouseleave", () => this.showDetails(null));
    // the panel changes size (an editor opens beside it): keep the overview if nobody moved it
    window.addEventListener("resize", () => {
      if (this.pz.auto && this.drawn) this.pz.overview(this.drawn.width, this.drawn.height);
    });
  }

  // ---- messages ----

  show(m: MessageMap["graph/show"]): void {
    byId("banner").hidden = true;
    byId("content").classList.remove("stale");
    byId("source").textContent = `${m.source.kind === "session" ? "Debug session" : "Run"}: ${m.source.label}`;
    this.live = undefined;
    this.setGraph(m.graph);
    if (m.select) this.select(m.select.file, m.select.line);
    this.relayout();
  }

  ops(m: MessageMap["graph/ops"]): void {
    this.live ??= new LiveGraph(this.graph);
    if (!this.live.apply(m.events)) return;
    const first = !this.graph || this.graph.nodes.length === 0;
    this.setGraph(this.live.value);
    if (first) this.fitNext = true;
    if (this.liveTimer === undefined) {
      this.liveTimer = window.setTimeout(() => {
        this.liveTimer = undefined;
        this.relayout();
      }, LIVE_LAYOUT_MS);
    }
  }

  status(m: MessageMap["graph/status"]): void {
    byId("status").textContent = m.text;
    document.body.classList.toggle("running", m.running);
  }

  error(m: MessageMap["graph/error"]): void {
    const banner = byId("banner");
    banner.textContent = m.message;
    banner.hidden = false;
    byId("content").classList.toggle("stale", this.graph !== undefined);
    if (!this.graph) byId("empty").textContent = "No graph.";
  }

  // ---- model and fold ----

  private setGraph(graph: GraphResponse): void {
    this.graph = graph;
    const model = buildModel(graph);
    this.model = model;
    const big = model.nodes.size > FOLD_THRESHOLD;
    const fresh = [...model.modules.keys()].filter((p) => !this.seenModules.has(p));
    if (this.seenModules.size === 0 && big) {
      this.expanded = expandWithin(model, { expanded: new Set(), showLeaves: false }, AUTO_EXPAND_LIMIT);
    } else if (!big) {
      for (const p of fresh) this.expanded.add(p);
    }
    for (const p of fresh) this.seenModules.add(p);
    if (!this.leavesChosen) {
      this.showLeaves = visibleCount(model, { expanded: this.expanded, showLeaves: true }) <= LEAVES_LIMIT;
    }
    if (graph.current && graph.current !== this.lastCurrent) {
      for (const m of enclosing(model, graph.current)) this.expanded.add(m);
      this.revealNext = graph.current;
    }
    this.lastCurrent = graph.current;
    this.selected = new Set([...this.selected].filter((id) => model.nodes.has(id) || model.leaves.has(id)));
    this.renderInfo();
  }

  private fold(): FoldOptions {
    return { expanded: this.expanded, showLeaves: this.showLeaves };
  }

  private select(file: string, line: number): void {
    const model = this.model;
    if (!model) return;
    const ids = nodesAt(model, file, line);
    this.selected = new Set(ids);
    // reveal the selected nodes while the drawing stays small enough; a folded module holding
    // the others is marked instead
    ids.forEach((id, i) => {
      const outer = enclosing(model, id).filter((m) => !this.expanded.has(m));
      for (const m of outer) this.expanded.add(m);
      if (i > 0 && visibleCount(model, this.fold()) > EXPAND_ALL_LIMIT) for (const m of outer) this.expanded.delete(m);
    });
    const where = `${file.split(/[\\/]/).pop()}:${line}`;
    this.setNote("select", ids.length ? `${formatCount(ids.length)} node${ids.length === 1 ? "" : "s"} at ${where} selected` : `no node of this graph ran at ${where}`);
    if (ids.length) this.revealNext = ids[0];
  }

  /** The selected items and the folded modules that hold selected nodes. */
  private marked(): Set<string> {
    const marks = new Set(this.selected);
    if (this.model) for (const id of this.selected) marks.add(representative(this.model, id, this.fold()) ?? id);
    return marks;
  }

  private expandAll(): void {
    if (!this.model) return;
    const before = this.model.modules.size;
    this.expanded = expandWithin(this.model, this.fold(), EXPAND_ALL_LIMIT);
    const folded = before - [...this.model.modules.keys()].filter((p) => this.expanded.has(p)).length;
    this.setNote("expand", folded > 0 ? `${formatCount(folded)} modules stay folded: expanding them would draw more than ${EXPAND_ALL_LIMIT} items` : "");
    this.fitNext = true;
    this.relayout();
  }

  private toggleModule(path: string): void {
    if (this.expanded.has(path)) this.expanded.delete(path);
    else this.expanded.add(path);
    this.relayout(path);
  }

  // ---- drawing ----

  private renderInfo(): void {
    const g = this.graph;
    if (!g) return;
    const parts = [
      g.phase,
      g.iteration !== undefined ? `iteration ${g.iteration}` : "",
      `${formatCount(g.nodes.length)} nodes`,
      `${formatCount(g.leaves.length)} tensors`,
      this.model && this.model.modules.size ? `${formatCount(this.model.modules.size)} modules` : "",
    ];
    byId("info").textContent = parts.filter(Boolean).join(" · ");
    this.setNote(
      "truncated",
      g.truncated ? `Truncated: showing the newest ${formatCount(g.nodes.length)} of ${formatCount(g.totalNodes ?? g.nodes.length)} nodes of this iteration` : "",
    );
  }

  private setNote(key: string, text: string): void {
    this.notes = this.notes.filter((n) => !n.startsWith(`${key}\u0000`));
    if (text) this.notes.push(`${key}\u0000${text}`);
    const note = byId("note");
    note.textContent = this.notes.map((n) => n.split("\u0000")[1]).join(" · ");
    note.hidden = this.notes.length === 0;
  }

  /** Lay out again after the layout under way (one at a time; requests meanwhile coalesce). */
  private relayout(anchor?: string): void {
    if (anchor) this.anchor = anchor;
    if (this.queued) return;
    this.queued = true;
    this.svg.dataset.busy = "true";
    this.settled = this.settled.then(async () => {
      this.queued = false;
      const a = this.anchor;
      this.anchor = undefined;
      try {
        await this.layoutOnce(a);
      } catch (e) {
        this.error({ message: `cannot lay out the graph: ${e instanceof Error ? e.message : String(e)}` });
      }
      this.svg.dataset.layouts = String(++this.layouts);
      if (!this.queued) delete this.svg.dataset.busy;
    });
  }

  private async layoutOnce(anchor?: string): Promise<void> {
    const model = this.model;
    if (!model) return;
    const before = anchor ? this.placed.get(anchor) : undefined;
    const screenBefore = before ? this.pz.screen(before.x, before.y) : undefined;
    const layout = await layoutGraph(this.elk, model, this.fold(), this.measure);
    this.placed = renderGraph(this.viewport, model, layout, { current: this.graph?.current ?? null, selected: this.marked() });
    this.drawn = { width: layout.width, height: layout.height };
    byId("toggle-leaves").setAttribute("aria-pressed", String(this.showLeaves));
    const hidden = this.showLeaves ? 0 : model.leaves.size;
    this.setNote("leaves", hidden ? `${formatCount(hidden)} tensors hidden (Tensors shows them)` : "");
    const empty = byId("empty");
    empty.hidden = layout.items.length > 0;
    if (!empty.hidden) empty.textContent = "This graph has no node.";
    const after = anchor ? this.placed.get(anchor) : undefined;
    if (screenBefore && after) {
      const t = this.pz.t;
      this.pz.set({ k: t.k, x: screenBefore[0] - after.x * t.k, y: screenBefore[1] - after.y * t.k });
    } else if (this.fitNext) {
      this.pz.overview(layout.width, layout.height);
    }
    this.fitNext = false;
    const reveal = this.revealNext ? this.placed.get(this.revealNext) : undefined;
    this.revealNext = null;
    if (reveal && !this.pz.isVisible(reveal.x + reveal.width / 2, reveal.y + reveal.height / 2)) {
      this.pz.center(reveal.x + reveal.width / 2, reveal.y + reveal.height / 2);
    }
    this.svg.dataset.items = String(layout.items.length);
    this.svg.dataset.edges = String(layout.edges.length);
  }

  private fit(): void {
    if (this.drawn) this.pz.fit(this.drawn.width, this.drawn.height);
  }

  // ---- interaction ----

  private onClick(target: Element): void {
    if (this.pz.dragged) {
      this.pz.dragged = false;
      return;
    }
    const moduleEl = target.closest("[data-module]");
    if (moduleEl) {
      this.toggleModule(moduleEl.getAttribute("data-module") ?? "");
      return;
    }
    const itemEl = target.closest("[data-id]");
    if (!itemEl || !this.model) return;
    const id = itemEl.getAttribute("data-id") ?? "";
    this.selected = new Set([id]);
    this.setNote("select", "");
    for (const el of this.svg.querySelectorAll(".item.selected")) el.classList.remove("selected");
    itemEl.classList.add("selected");
    const node = this.model.nodes.get(id);
    if (node?.file && node.line) this.api.post("graph/open", { file: node.file, line: node.line });
    const p = this.placed.get(id);
    this.showDetails(p ?? null);
  }

  private hover(target: Element): void {
    const el = target.closest("[data-id],[data-module]");
    const id = el?.getAttribute("data-id") ?? el?.getAttribute("data-module");
    const p = id ? this.placed.get(id) : undefined;
    if (p) this.showDetails(p);
  }

  private showDetails(p: Placed | null): void {
    const details = byId("details");
    const shown = p ?? (this.selected.size ? this.placed.get([...this.selected][0]) : undefined);
    details.hidden = !shown || !this.model;
    if (shown && this.model) details.textContent = describe(this.model, shown);
  }
}

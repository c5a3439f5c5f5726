// Draws a laid-out graph as SVG: expanded modules as boxes with a header (click: collapse),
// collapsed modules, op nodes (state: pending, current, done) and leaf tensors, edges with
// arrows. Colors come from the stylesheet (VS Code's theme variables).

import { clear, s } from "../common/dom";
import { basename, formatDuration, formatShape } from "../common/format";
import type { Layout, Placed } from "./layout";
import type { GraphModel } from "./model";

export interface Marks {
  current: string | null;
  selected: ReadonlySet<string>;
}

export function describe(model: GraphModel, p: Placed): string {
  const node = model.nodes.get(p.id);
  if (node) {
    const where = node.file ? `${basename(node.file)}:${node.line ?? "?"}${node.function ? ` in ${node.function}` : ""}` : "unknown line";
    const outs = (node.outputs ?? []).map((o) => `${formatShape(o.shape)} ${o.dtype ?? ""}`).join(", ");
    const times = [node.forwardNs ? `forward ${formatDuration(node.forwardNs)}` : "", node.backwardNs ? `backward ${formatDuration(node.backwardNs)}` : ""]
      .filter(Boolean)
      .join(", ");
    return [`${node.op} (${node.name})`, where, node.module ? `module ${node.module}` : "", outs ? `→ ${outs}` : "", node.state ? `backward: ${node.state}` : "", times]
      .filter(Boolean)
      .join("\n");
  }
  const leaf = model.leaves.get(p.id);
  if (leaf) {
    return [`${leaf.name ?? "tensor"} ${leaf.id}`, `${formatShape(leaf.shape)} ${leaf.dtype ?? ""}`, leaf.requiresGrad ? "requires_grad" : ""]
      .filter(Boolean)
      .join("\n");
  }
  const m = model.modules.get(p.id);
  return m ? `module ${m.path}\n${m.ops} ops${p.kind === "module" ? " (click to expand)" : ""}` : p.id;
}

function itemClasses(model: GraphModel, p: Placed, marks: Marks): string {
  const cls = ["item", p.kind];
  const node = model.nodes.get(p.id);
  if (node?.state) cls.push(`state-${node.state}`);
  if (p.id === marks.current) cls.push("current");
  if (marks.selected.has(p.id)) cls.push("selected");
  const leaf = model.leaves.get(p.id);
  if (leaf?.requiresGrad) cls.push("param");
  return cls.join(" ");
}

function drawItem(model: GraphModel, p: Placed, marks: Marks): SVGGElement {
  const title = describe(model, p);
  if (p.kind === "module-open") {
    return s(
      "g",
      { class: `item module-open depth-${p.depth % 4}`, "data-box": p.id },
      s("rect", { class: "box", x: p.x, y: p.y, width: p.width, height: p.height, rx: 6 }),
      s(
        "g",
        { class: "header", "data-module": p.id, tabindex: 0, role: "button", "aria-expanded": "true", "aria-label": `collapse module ${p.id}` },
        s("rect", { class: "header-bg", x: p.x, y: p.y, width: p.width, height: 24, rx: 6 }),
        s("text", { class: "l1", x: p.x + 8, y: p.y + 16 }, `▾ ${p.lines[0]}`),
        s("title", {}, title),
      ),
    );
  }
  const isModule = p.kind === "module";
  const attrs = isModule
    ? { "data-module": p.id, "aria-expanded": "false", "aria-label": `expand module ${p.id}` }
    : { "data-id": p.id, "aria-label": title.split("\n").slice(0, 2).join(", ") };
  const cx = p.x + p.width / 2;
  return s(
    "g",
    { class: itemClasses(model, p, marks), tabindex: 0, role: "button", ...attrs },
    s("rect", { x: p.x, y: p.y, width: p.width, height: p.height, rx: p.kind === "leaf" ? 14 : 4 }),
    s("text", { class: "l1", x: cx, y: p.y + (p.lines[1] ? 15 : p.height / 2 + 4), "text-anchor": "middle" }, isModule ? `▸ ${p.lines[0]}` : p.lines[0]),
    p.lines[1] ? s("text", { class: "l2", x: cx, y: p.y + p.height - 9, "text-anchor": "middle" }, p.lines[1]) : null,
    s("title", {}, title),
  );
}

function edgePath(points: [number, number][]): string {
  return points.map(([x, y], i) => `${i === 0 ? "M" : "L"}${x.toFixed(1)},${y.toFixed(1)}`).join(" ");
}

export function renderGraph(viewport: SVGGElement, model: GraphModel, layout: Layout, marks: Marks): Map<string, Placed> {
  clear(viewport);
  const boxes = s("g", { class: "modules" });
  const edges = s("g", { class: "edges" });
  const items = s("g", { class: "nodes" });
  const placed = new Map<string, Placed>();
  const open = layout.items.filter((p) => p.kind === "module-open").sort((a, b) => a.depth - b.depth);
  for (const p of open) boxes.append(drawItem(model, p, marks));
  for (const p of layout.items) {
    placed.set(p.id, p);
    if (p.kind !== "module-open") items.append(drawItem(model, p, marks));
  }
  for (const e of layout.edges) {
    if (e.points.length < 2) continue;
    edges.append(
      s(
        "path",
        { class: e.count > 1 ? "edge multi" : "edge", d: edgePath(e.points), "marker-end": "url(#arrow)", "data-from": e.from, "data-to": e.to },
        e.count > 1 ? s("title", {}, `${e.count} edges`) : null,
      ),
    );
  }
  viewport.append(boxes, edges, items);
  return placed;
}

export function svgDefs(): SVGDefsElement {
  return s(
    "defs",
    {},
    s(
      "marker",
      { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 8, markerHeight: 8, markerUnits: "userSpaceOnUse", orient: "auto-start-reverse" },
      s("path", { class: "arrowhead", d: "M0,0 L10,5 L0,10 z" }),
    ),
  );
}

// The drawn graph laid out by ELK's layered algorithm (elkjs): expanded modules are compound
// nodes (hierarchy handled across levels), collapsed modules and ops are nodes; coordinates come
// back absolute (json.shapeCoords/edgeCoords ROOT) so the renderer draws one flat picture.

import type { ElkExtendedEdge, ElkNode } from "elkjs/lib/elk-api";
import { formatCount } from "../common/format";
import { visibleEdges, type FoldOptions, type GraphModel } from "./model";

export interface ElkLike {
  layout(graph: ElkNode): Promise<ElkNode>;
}

export type ItemKind = "op" | "leaf" | "module" | "module-open";

export interface Placed {
  /** a node or leaf id, or a module path */
  id: string;
  kind: ItemKind;
  x: number;
  y: number;
  width: number;
  height: number;
  lines: [string, string];
  depth: number;
}

export interface PlacedEdge {
  id: string;
  from: string;
  to: string;
  count: number;
  points: [number, number][];
}

export interface Layout {
  items: Placed[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

/** Text width in px at the view's font (the browser measures; tests may estimate). */
export type Measure = (text: string, bold: boolean) => number;

export const estimate: Measure = (text, bold) => text.length * (bold ? 7.4 : 6.8);

const HEADER = 24;
const ROOT_OPTIONS: Record<string, string> = {
  "elk.algorithm": "layered",
  "elk.direction": "DOWN",
  "elk.hierarchyHandling": "INCLUDE_CHILDREN",
  "elk.layered.spacing.nodeNodeBetweenLayers": "26",
  "elk.spacing.nodeNode": "14",
  "elk.spacing.edgeNode": "10",
  "elk.layered.spacing.edgeNodeBetweenLayers": "10",
  "elk.padding": "[top=12,left=12,bottom=12,right=12]",
  "elk.json.shapeCoords": "ROOT",
  "elk.json.edgeCoords": "ROOT",
};
const MODULE_OPTIONS: Record<string, string> = {
  "elk.padding": `[top=${HEADER + 8},left=10,bottom=10,right=10]`,
};

export const moduleKey = (path: string): string => `m:${path}`;

function shapeText(shape: number[] | null | undefined): string {
  if (!shape) return "";
  return shape.length === 0 ? "scalar" : shape.join("×");
}

export function itemLines(model: GraphModel, id: string): [string, string] {
  const node = model.nodes.get(id);
  if (node) return [node.op, shapeText(node.outputs?.[0]?.shape)];
  const leaf = model.leaves.get(id);
  if (leaf) return [leaf.name ?? (leaf.requiresGrad ? "parameter" : "tensor"), shapeText(leaf.shape)];
  const m = model.modules.get(id);
  return m ? [m.label, `${formatCount(m.ops)} op${m.ops === 1 ? "" : "s"}`] : [id, ""];
}

export function moduleHeader(model: GraphModel, path: string): string {
  const m = model.modules.get(path);
  return m ? `${m.label} · ${formatCount(m.ops)} op${m.ops === 1 ? "" : "s"}` : path;
}

export function buildElkGraph(model: GraphModel, fold: FoldOptions, measure: Measure): ElkNode {
  const size = (id: string, kind: ItemKind): ElkNode => {
    const [a, b] = itemLines(model, id);
    const prefix = kind === "module" ? "▸ " : "";
    const width = Math.max(56, Math.ceil(Math.max(measure(prefix + a, true), measure(b, false))) + 22);
    return { id: kind === "module" ? moduleKey(id) : id, width, height: 38 };
  };
  const contents = (items: string[], children: string[]): ElkNode[] => {
    const out: ElkNode[] = [];
    for (const c of children) {
      const m = model.modules.get(c);
      if (!m) continue;
      if (fold.expanded.has(c)) {
        const inner = contents(m.items, m.children);
        const header = Math.ceil(measure(`▾ ${moduleHeader(model, c)}`, true)) + 24;
        out.push({
          id: moduleKey(c),
          layoutOptions: { ...MODULE_OPTIONS, "elk.nodeSize.minimum": `(${header}, ${HEADER + 20})`, "elk.nodeSize.constraints": "MINIMUM_SIZE" },
          children: inner,
        });
      } else {
        out.push(size(c, "module"));
      }
    }
    for (const id of items) {
      if (model.nodes.has(id)) out.push(size(id, "op"));
      else if (fold.showLeaves && model.leaves.has(id)) out.push(size(id, "leaf"));
    }
    return out;
  };
  const key = (id: string): string => (model.modules.has(id) && !model.nodes.has(id) && !model.leaves.has(id) ? moduleKey(id) : id);
  const edges: ElkExtendedEdge[] = visibleEdges(model, fold).map((e) => ({
    id: e.id,
    sources: [key(e.from)],
    targets: [key(e.to)],
  }));
  return { id: "root", layoutOptions: ROOT_OPTIONS, children: contents(model.topItems, model.topModules), edges };
}

export async function layoutGraph(elk: ElkLike, model: GraphModel, fold: FoldOptions, measure: Measure): Promise<Layout> {
  const graph = buildElkGraph(model, fold, measure);
  const counts = new Map(visibleEdges(model, fold).map((e) => [e.id, e]));
  const done = await elk.layout(graph);
  const items: Placed[] = [];
  const edges: PlacedEdge[] = [];
  const collectEdges = (n: ElkNode): void => {
    for (const e of n.edges ?? []) {
      const v = counts.get(e.id);
      if (!v) continue;
      const points: [number, number][] = [];
      for (const s of e.sections ?? []) {
        points.push([s.startPoint.x, s.startPoint.y]);
        for (const b of s.bendPoints ?? []) points.push([b.x, b.y]);
        points.push([s.endPoint.x, s.endPoint.y]);
      }
      edges.push({ id: e.id, from: v.from, to: v.to, count: v.count, points });
    }
  };
  const walk = (n: ElkNode, depth: number): void => {
    for (const c of n.children ?? []) {
      const isModule = c.id.startsWith("m:");
      const id = isModule ? c.id.slice(2) : c.id;
      const kind: ItemKind = isModule ? (c.children && fold.expanded.has(id) ? "module-open" : "module") : model.nodes.has(id) ? "op" : "leaf";
      items.push({
        id,
        kind,
        x: c.x ?? 0,
        y: c.y ?? 0,
        width: c.width ?? 0,
        height: c.height ?? 0,
        lines: kind === "module-open" ? [moduleHeader(model, id), ""] : itemLines(model, id),
        depth,
      });
      walk(c, depth + 1);
      collectEdges(c);
    }
  };
  walk(done, 0);
  collectEdges(done);
  return { items, edges, width: done.width ?? 0, height: done.height ?? 0 };
}

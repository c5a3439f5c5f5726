// The graph as the view folds it: a tree of nn.Module paths ("model.encoder.0.fc") holding the
// op nodes that ran in them and the leaf tensors only they use; a fold state (the expanded
// modules) decides what is drawn: an expanded module is a box around its contents, a collapsed
// one a single node; edges into a collapsed module end at its box. Pure: no DOM.

import type { GraphEdge, GraphLeaf, GraphNode, GraphResponse } from "../../shared/messages";

export interface ModuleInfo {
  path: string;
  /** what the view prints: the path's last part(s) below the parent's */
  label: string;
  parent: string | null;
  children: string[];
  /** node and leaf ids directly inside */
  items: string[];
  /** op nodes inside, at any depth */
  ops: number;
}

export interface GraphModel {
  graph: GraphResponse;
  nodes: Map<string, GraphNode>;
  leaves: Map<string, GraphLeaf>;
  modules: Map<string, ModuleInfo>;
  /** top-level modules, in order of their newest op */
  topModules: string[];
  /** items outside any module */
  topItems: string[];
  /** the module an item is drawn in (null: top level) */
  itemModule: Map<string, string | null>;
}

function ancestors(path: string): string[] {
  const parts = path.split(".");
  return parts.map((_, i) => parts.slice(0, i + 1).join("."));
}

function commonModule(paths: (string | null)[]): string | null {
  if (paths.length === 0 || paths.some((p) => p === null)) return null;
  let common = ancestors(paths[0] as string);
  for (const p of paths.slice(1)) {
    const a = ancestors(p as string);
    let i = 0;
    while (i < common.length && i < a.length && common[i] === a[i]) i++;
    common = common.slice(0, i);
  }
  return common.length > 0 ? common[common.length - 1] : null;
}

export function buildModel(graph: GraphResponse): GraphModel {
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
  const leaves = new Map(graph.leaves.map((l) => [l.id, l]));
  const itemModule = new Map<string, string | null>();
  for (const n of graph.nodes) itemModule.set(n.id, n.module || null);
  // a leaf sits in the innermost module holding every op that uses it (a layer's weight in the layer)
  const consumers = new Map<string, (string | null)[]>();
  for (const e of graph.edges) {
    if (!leaves.has(e.from) || !nodes.has(e.to)) continue;
    const list = consumers.get(e.from) ?? [];
    list.push(itemModule.get(e.to) ?? null);
    consumers.set(e.from, list);
  }
  for (const l of graph.leaves) itemModule.set(l.id, commonModule(consumers.get(l.id) ?? [null]));

  const modules = new Map<string, ModuleInfo>();
  const topModules: string[] = [];
  const topItems: string[] = [];
  const ensure = (path: string): ModuleInfo => {
    let m = modules.get(path);
    if (m) return m;
    const dot = path.lastIndexOf(".");
    const parent = dot > 0 ? path.slice(0, dot) : null;
    m = { path, label: dot > 0 ? path.slice(dot + 1) : path, parent, children: [], items: [], ops: 0 };
    modules.set(path, m);
    if (parent) ensure(parent).children.push(path);
    else topModules.push(path);
    return m;
  };
  for (const id of [...graph.nodes.map((n) => n.id), ...graph.leaves.map((l) => l.id)]) {
    const path = itemModule.get(id) ?? null;
    if (path === null) {
      topItems.push(id);
      continue;
    }
    ensure(path).items.push(id);
    if (nodes.has(id)) for (const a of ancestors(path)) ensure(a).ops++;
  }
  collapseChains(modules, topModules, itemModule);
  return { graph, nodes, leaves, modules, topModules, topItems, itemModule };
}

/** A module with no item of its own and one child module is drawn as that child ("blocks.layers"). */
function collapseChains(modules: Map<string, ModuleInfo>, top: string[], itemModule: Map<string, string | null>): void {
  for (const m of [...modules.values()]) {
    if (m.items.length > 0 || m.children.length !== 1) continue;
    const child = modules.get(m.children[0]);
    if (!child) continue;
    child.label = `${m.label}.${child.label}`;
    child.parent = m.parent;
    const siblings = m.parent ? (modules.get(m.parent)?.children ?? []) : top;
    siblings.splice(siblings.indexOf(m.path), 1, child.path);
    modules.delete(m.path);
  }
  for (const [id, path] of itemModule) {
    if (path !== null && !modules.has(path)) itemModule.set(id, null);
  }
}

export function moduleOf(model: GraphModel, id: string): string | null {
  return model.itemModule.get(id) ?? null;
}

/** The modules enclosing an item (or, with `isModule`, a module), outermost first. */
export function enclosing(model: GraphModel, id: string, isModule = false): string[] {
  const out: string[] = [];
  let path = isModule ? (model.modules.get(id)?.parent ?? null) : moduleOf(model, id);
  while (path !== null) {
    out.unshift(path);
    path = model.modules.get(path)?.parent ?? null;
  }
  return out;
}

export interface FoldOptions {
  expanded: ReadonlySet<string>;
  showLeaves: boolean;
}

/** What an item is drawn as: itself, or the outermost collapsed module around it; null: hidden. */
export function representative(model: GraphModel, id: string, fold: FoldOptions): string | null {
  if (!fold.showLeaves && model.leaves.has(id)) return null;
  for (const m of enclosing(model, id)) if (!fold.expanded.has(m)) return m;
  return id;
}

export interface VisibleEdge {
  id: string;
  from: string;
  to: string;
  /** how many graph edges it stands for */
  count: number;
  shape: number[] | null;
}

export function visibleEdges(model: GraphModel, fold: FoldOptions): VisibleEdge[] {
  const out = new Map<string, VisibleEdge>();
  const rep = new Map<string, string | null>();
  const repOf = (id: string): string | null => {
    if (!rep.has(id)) rep.set(id, model.nodes.has(id) || model.leaves.has(id) ? representative(model, id, fold) : null);
    return rep.get(id) ?? null;
  };
  model.graph.edges.forEach((e: GraphEdge) => {
    const a = repOf(e.from);
    const b = repOf(e.to);
    if (a === null || b === null || a === b) return;
    const key = `${a}\u0000${b}`;
    const seen = out.get(key);
    if (seen) seen.count++;
    else out.set(key, { id: `e${out.size}`, from: a, to: b, count: 1, shape: e.shape ?? null });
  });
  return [...out.values()];
}

/** Items and collapsed modules drawn with this fold (compound boxes not counted). */
export function visibleCount(model: GraphModel, fold: FoldOptions): number {
  let n = 0;
  const walk = (items: string[], children: string[]): void => {
    for (const id of items) if (fold.showLeaves || !model.leaves.has(id)) n++;
    for (const c of children) {
      const m = model.modules.get(c);
      if (!m) continue;
      if (fold.expanded.has(c)) walk(m.items, m.children);
      else n++;
    }
  };
  walk(model.topItems, model.topModules);
  return n;
}

/** Every module, expanded level by level while no more than `limit` things are drawn. */
export function expandWithin(model: GraphModel, fold: FoldOptions, limit: number): Set<string> {
  const expanded = new Set(fold.expanded);
  let level = [...model.topModules];
  while (level.length > 0) {
    const next: string[] = [];
    for (const path of level) {
      if (!expanded.has(path)) {
        expanded.add(path);
        if (visibleCount(model, { ...fold, expanded }) > limit) {
          expanded.delete(path);
          continue;
        }
      }
      next.push(...(model.modules.get(path)?.children ?? []));
    }
    level = next;
  }
  return expanded;
}

/** The op nodes of a forward line. */
export function nodesAt(model: GraphModel, file: string, line: number): string[] {
  const norm = (p: string): string => p.replace(/\\/g, "/");
  const want = norm(file);
  return model.graph.nodes.filter((n) => n.line === line && n.file !== null && norm(n.file) === want).map((n) => n.id);
}

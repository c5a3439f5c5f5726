// The graph of the running iteration, grown from `glassgrad/op` events (sessions launched with
// liveOps): an `iteration` event (or an event of a newer iteration) starts it afresh, each forward
// `op` with a graph node adds that node and edges from its inputs' producers, each `backward`
// marks its node done. Started from a stopped graph, it grows that one: the program runs on, so
// no node is current any more. The newest MAX_LIVE_NODES nodes are kept.

import type { GraphEdge, GraphNode, GraphResponse, LiveEvent } from "../../shared/messages";

export const MAX_LIVE_NODES = 3000;

export function displayName(op: string): string {
  return `${op.split("_").map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join("")}Backward`;
}

export class LiveGraph {
  private graph: GraphResponse;
  private producers = new Map<number, string>();
  private ids: Set<string>;
  /** started by an `iteration` event: every input without a producer is a leaf of this graph */
  private clean = false;
  private dropped = 0;

  constructor(base: GraphResponse | undefined) {
    this.graph = base
      ? { ...base, nodes: base.nodes.map((n) => ({ ...n })), edges: [...base.edges], leaves: [...base.leaves] }
      : LiveGraph.empty();
    this.ids = new Set(this.graph.nodes.map((n) => n.id));
    // without a stopped graph to grow, every input without a producer is a leaf
    this.clean = base === undefined;
    if (this.graph.current) {
      for (const n of this.graph.nodes) if (n.state === "current") n.state = "pending";
      this.graph.current = null;
    }
  }

  static empty(iteration?: number): GraphResponse {
    return { phase: "live", current: null, roots: [], nodes: [], leaves: [], edges: [], iteration };
  }

  get value(): GraphResponse {
    return this.graph;
  }

  /** Apply events; true when the graph changed. */
  apply(events: LiveEvent[]): boolean {
    let changed = false;
    for (const e of events) changed = this.applyOne(e) || changed;
    if (changed) this.trim();
    return changed;
  }

  private reset(iteration: number | undefined): void {
    this.graph = LiveGraph.empty(iteration);
    this.producers.clear();
    this.ids.clear();
    this.clean = true;
    this.dropped = 0;
  }

  private applyOne(e: LiveEvent): boolean {
    const newer = typeof e.iteration === "number" && typeof this.graph.iteration === "number" && e.iteration > this.graph.iteration;
    if (e.type === "iteration" || newer) {
      this.reset(e.iteration);
      if (e.type === "iteration") return true;
    } else if (this.graph.iteration === undefined && typeof e.iteration === "number") {
      this.graph.iteration = e.iteration;
    }
    switch (e.type) {
      case "op":
        return this.addOp(e);
      case "backward":
        return this.markDone(typeof e.node === "number" ? `n${e.node}` : null);
      case "backward_end":
        for (const n of this.graph.nodes) if (n.state !== null) n.state = "done";
        this.graph.current = null;
        return true;
      default:
        return false;
    }
  }

  private addOp(e: LiveEvent): boolean {
    if (typeof e.seq !== "number" || typeof e.op !== "string") {
      if (e.output && typeof e.output.id === "number") this.producers.delete(e.output.id);
      return false;
    }
    const id = `n${e.seq}`;
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    const node: GraphNode = {
      id,
      op: e.op,
      name: displayName(e.op),
      file: e.file ?? null,
      line: e.line ?? null,
      function: e.function ?? null,
      module: e.module ?? null,
      outputs: e.output ? [{ shape: e.output.shape, dtype: e.output.dtype }] : null,
      state: null,
    };
    this.graph.nodes.unshift(node); // newest first, as glassgrad/graph lists them
    const edges: GraphEdge[] = [];
    (e.inputs ?? []).forEach((t, input) => {
      if (typeof t !== "number") return;
      const from = this.producers.get(t);
      if (from) {
        edges.push({ from, to: id, output: 0, input });
      } else if (this.clean) {
        const leaf = `t${t}`;
        if (!this.graph.leaves.some((l) => l.id === leaf)) {
          this.graph.leaves.push({ id: leaf, name: null, shape: null, dtype: null, requiresGrad: false });
        }
        edges.push({ from: leaf, to: id, output: 0, input });
      }
    });
    this.graph.edges.push(...edges);
    if (e.output && typeof e.output.id === "number") this.producers.set(e.output.id, id);
    this.graph.phase = "live";
    return true;
  }

  private markDone(id: string | null): boolean {
    const node = id ? this.graph.nodes.find((n) => n.id === id) : undefined;
    if (!node) return false;
    node.state = "done";
    return true;
  }

  private trim(): void {
    const nodes = this.graph.nodes;
    if (nodes.length <= MAX_LIVE_NODES) return;
    const gone = new Set(nodes.splice(MAX_LIVE_NODES).map((n) => n.id));
    for (const id of gone) this.ids.delete(id);
    this.dropped += gone.size;
    this.graph.edges = this.graph.edges.filter((e) => !gone.has(e.from) && !gone.has(e.to));
    const used = new Set(this.graph.edges.map((e) => e.from));
    this.graph.leaves = this.graph.leaves.filter((l) => used.has(l.id));
    this.graph.truncated = true;
    this.graph.totalNodes = nodes.length + this.dropped;
  }
}

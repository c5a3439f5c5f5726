// The views' pure parts under plain Node: module folding and ELK layout of recorded graphs, the
// live graph, tensor decoding and slicing.

import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ELK from "elkjs/lib/elk.bundled.js";
import type { GraphResponse, LiveEvent, TensorResponse } from "../../src/shared/messages";
import { estimate, layoutGraph } from "../../src/webviews/graph/layout";
import { LiveGraph, MAX_LIVE_NODES } from "../../src/webviews/graph/live";
import { buildModel, expandWithin, nodesAt, representative, visibleCount, visibleEdges } from "../../src/webviews/graph/model";
import { decodeValues } from "../../src/webviews/tensor/decode";
import { gridOf, slicePlan, sliceFor } from "../../src/webviews/tensor/grid";

const FIXTURES = join(process.cwd(), "test", "webview", "fixtures");
const graph = (name: string): GraphResponse => JSON.parse(readFileSync(join(FIXTURES, `graph-${name}.json`), "utf8")) as GraphResponse;
const tensor = (name: string): TensorResponse => JSON.parse(readFileSync(join(FIXTURES, `tensor-${name}.json`), "utf8")) as TensorResponse;

describe("graph folding by nn.Module", () => {
  it("nests module paths, merges single-child chains, puts a weight in its layer", () => {
    const m = buildModel(graph("transformer"));
    assert.deepEqual(m.topModules, ["CrossEntropyLoss", "TinyGPT"]);
    assert.equal(m.modules.has("TinyGPT.blocks"), false, "an empty single-child level is merged");
    assert.equal(m.modules.get("TinyGPT.blocks.layers")?.label, "blocks.layers");
    assert.equal(m.modules.get("TinyGPT.blocks.layers")?.parent, "TinyGPT");
    assert.equal(m.modules.get("TinyGPT")?.ops, 111);
    assert.equal(m.modules.get("TinyGPT.blocks.layers.0.self_attn")?.ops, 22);
    const head = graph("transformer").nodes.find((n) => n.module === "TinyGPT.head");
    const weight = graph("transformer").edges.find((e) => e.to === head?.id && e.from.startsWith("t"));
    assert.equal(m.itemModule.get(weight?.from ?? ""), "TinyGPT.head");
  });

  it("a collapsed module stands for its contents; edges inside it vanish, parallel ones merge", () => {
    const m = buildModel(graph("backward"));
    const all = { expanded: new Set(m.modules.keys()), showLeaves: true };
    const folded = { expanded: new Set<string>(), showLeaves: true };
    assert.equal(visibleEdges(m, all).length, graph("backward").edges.length);
    assert.equal(representative(m, "n1", folded), "Sequential");
    assert.deepEqual(visibleEdges(m, folded).map((e) => `${e.from}>${e.to}`).sort(), ["Sequential>n8", "n8>n9"]);
    assert.equal(visibleCount(m, folded), 3);
    assert.equal(representative(m, "t1", { expanded: all.expanded, showLeaves: false }), null);
  });

  it("Expand all stays within a drawing budget on 1,500 nodes", () => {
    const m = buildModel(graph("deep"));
    const expanded = expandWithin(m, { expanded: new Set(), showLeaves: true }, 700);
    const n = visibleCount(m, { expanded, showLeaves: true });
    assert.ok(n <= 700 && n > 500, String(n));
    assert.equal(nodesAt(m, "/project/deep.py", 11).length, 1498);
  });

  it("ELK lays out the compound graph with absolute coordinates", async () => {
    const m = buildModel(graph("backward"));
    const layout = await layoutGraph(new ELK(), m, { expanded: new Set(m.modules.keys()), showLeaves: true }, estimate);
    const byId = new Map(layout.items.map((p) => [p.id, p]));
    const box = byId.get("Sequential.1");
    const inner = byId.get("n1"); // Sequential.1.fc's linear
    assert.ok(box && inner);
    assert.equal(box.kind, "module-open");
    assert.ok(inner.x >= box.x && inner.y >= box.y && inner.x + inner.width <= box.x + box.width && inner.y + inner.height <= box.y + box.height);
    assert.equal(layout.edges.length, graph("backward").edges.length);
    const loss = byId.get("n9");
    const softmax = byId.get("n8");
    assert.ok(loss && softmax && loss.y > softmax.y, "direction DOWN: the loss below what feeds it");
  });
});

describe("live graph from glassgrad/op events", () => {
  it("adds ops with edges from their producers, marks backward nodes done, starts afresh per iteration", () => {
    const live = new LiveGraph(undefined);
    const op = (seq: number, output: number, inputs: number[]) => ({ type: "op", seq, op: "mul", output: { id: output, shape: [2], dtype: "float32" }, inputs });
    live.apply([{ type: "iteration", iteration: 1 }, op(1, 11, [1, 2]), op(2, 12, [11, 3]), { type: "op", seq: null, op: "add", output: { id: 13, shape: [2], dtype: "float32" }, inputs: [12] }]);
    const g = live.value;
    assert.deepEqual(g.nodes.map((n) => n.id), ["n2", "n1"]);
    assert.equal(g.nodes[0].name, "MulBackward");
    assert.deepEqual(g.edges.map((e) => `${e.from}>${e.to}`), ["t1>n1", "t2>n1", "n1>n2", "t3>n2"]);
    live.apply([{ type: "backward", node: 2 }]);
    assert.equal(live.value.nodes[0].state, "done");
    live.apply([{ type: "iteration", iteration: 2 }]);
    assert.equal(live.value.nodes.length, 0);
    assert.equal(live.value.iteration, 2);
  });

  it("reads the adapter's recorded events: iteration 0 starts without an `iteration` event", () => {
    const events = JSON.parse(readFileSync(join(FIXTURES, "live-events.json"), "utf8")) as LiveEvent[];
    const live = new LiveGraph(undefined);
    live.apply(events.slice(0, events.findIndex((e) => e.type === "backward")));
    assert.equal(live.value.iteration, 0);
    assert.deepEqual(live.value.nodes.map((n) => n.op), ["nll_loss", "log_softmax", "linear", "tanh", "linear"]);
    assert.equal(live.value.leaves.length, 6);
    live.apply(events);
    assert.equal(live.value.iteration, 2);
    assert.equal(live.value.nodes.length, 5);
    // grown from a stopped graph: no node is current once the program runs
    const grown = new LiveGraph(graph("backward"));
    grown.apply([{ type: "backward", iteration: 0, node: 9 }]);
    assert.equal(grown.value.current, null);
    assert.equal(grown.value.nodes.find((n) => n.id === "n9")?.state, "done");
  });

  it("keeps the newest nodes and says how many there were", () => {
    const live = new LiveGraph(undefined);
    const events = [{ type: "iteration", iteration: 0 }];
    for (let i = 0; i < MAX_LIVE_NODES + 10; i++) events.push({ type: "op", seq: i, op: "relu", output: { id: 1000 + i, shape: [1], dtype: "float32" }, inputs: [999 + i] } as never);
    live.apply(events);
    assert.equal(live.value.nodes.length, MAX_LIVE_NODES);
    assert.equal(live.value.truncated, true);
    assert.equal(live.value.totalNodes, MAX_LIVE_NODES + 10);
  });
});

describe("tensor values and slices", () => {
  it("decodes binary (float32, float16, int64, bool) and JSON values, NaN and ±Inf kept", () => {
    const v = decodeValues(tensor("4d-slice"));
    assert.equal(v.length, 320);
    assert.ok(Number.isNaN(v[8 * 20 + 9]));
    assert.equal(v[4 * 20 + 5], Infinity);
    assert.equal(v[6 * 20 + 7], -Infinity);
    const base: Omit<TensorResponse, "format"> = { expression: "x", shape: [3], dtype: "float16", device: "cpu", requiresGrad: false, gradFn: null, stats: null, sliceShape: [3], count: 3, truncated: false };
    const f16 = decodeValues({ ...base, format: "binary", data: Buffer.from([0x00, 0x3c, 0x00, 0x7c, 0x00, 0xc0]).toString("base64") });
    assert.deepEqual([...f16], [1, Infinity, -2]);
    const i64 = decodeValues({ ...base, dtype: "int64", format: "binary", data: Buffer.from(new BigInt64Array([5n, -7n, 0n]).buffer).toString("base64") });
    assert.deepEqual([...i64], [5, -7, 0]);
    const b = decodeValues({ ...base, dtype: "bool", format: "binary", data: Buffer.from([1, 0, 1]).toString("base64") });
    assert.deepEqual([...b], [1, 0, 1]);
    const json = decodeValues({ ...base, dtype: "float32", format: "json", values: [0.5, "nan", "-inf"] });
    assert.ok(json[0] === 0.5 && Number.isNaN(json[1]) && json[2] === -Infinity);
  });

  it("maps heatmap cells back to the tensor's index through the requested slice", () => {
    const r = tensor("4d-slice");
    const grid = gridOf(r, [1, 2], decodeValues(r));
    assert.deepEqual([grid.rows, grid.cols], [16, 20]);
    assert.deepEqual(grid.index(8, 9), [1, 2, 8, 9]);
    assert.equal(grid.index(16, 0), undefined);
    const windowed = gridOf({ ...r, shape: [100, 20], sliceShape: [16, 20] }, [[40, 56, null]], decodeValues(r));
    assert.deepEqual(windowed.index(2, 3), [42, 3]);
  });

  it("plans index selectors for leading dimensions and a row window for big blocks", () => {
    assert.deepEqual(slicePlan([2, 3, 16, 20], 250_000), { indexDims: [0, 1], window: null });
    assert.deepEqual(sliceFor(slicePlan([2, 3, 16, 20], 250_000), [1, 2], 0), [1, 2]);
    assert.deepEqual(slicePlan([1000, 1000], 250_000), { indexDims: [], window: { dim: 0, size: 1000, rows: 250 } });
    assert.deepEqual(sliceFor(slicePlan([4, 1000, 1000], 250_000), [3], 500), [3, [500, 750, null]]);
    assert.deepEqual(sliceFor(slicePlan([16, 16], 250_000), [], 0), null);
  });
});

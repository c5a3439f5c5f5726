import { strict as assert } from "node:assert";
import type { Server } from "node:http";
import type { Browser } from "playwright-core";
import type { GraphResponse, LiveEvent } from "../../../src/shared/messages";
import { fixture, graphDrawn, graphFixture, launch, layoutCount, openView, startServer, type ViewPage } from "./harness";

function show(v: ViewPage, graph: GraphResponse, label: string, select: { file: string; line: number } | null = null): Promise<void> {
  return v.send({ type: "graph/show", payload: { graph, source: { kind: graph.phase === "recorded" ? "run" : "session", label }, select } });
}

describe("graph view (headless Chromium)", function () {
  let browser: Browser;
  let origin: string;
  let server: Server;

  before(async function () {
    ({ origin, server } = await startServer());
    browser = await launch();
  });

  after(async function () {
    await browser?.close();
    server?.close();
  });

  it("draws a recorded run's graph (language server): every node, edges, module boxes", async function () {
    const v = await openView(browser, origin, "graph", "dark");
    const graph = graphFixture("transformer");
    await show(v, graph, "transformer_lm");
    await graphDrawn(v.frame);
    const f = v.frame;
    assert.equal(await f.locator(".item.op").count(), graph.nodes.length); // 114: small graphs open expanded
    assert.equal(await f.locator(".item.leaf").count(), graph.leaves.length);
    assert.ok((await f.locator("path.edge").count()) > 100);
    assert.ok((await f.locator(".module-open").count()) >= 10);
    const pathD = await f.locator("path.edge").first().getAttribute("d");
    assert.match(pathD ?? "", /^M[\d.]+,[\d.]+ L/);
    assert.match((await f.locator("#info").textContent()) ?? "", /recorded · iteration 2 · 114 nodes · 23 tensors/);
    assert.equal(await f.locator("#note").isHidden(), true); // not truncated
    await v.screenshot("graph-transformer-dark");
    await v.close();
  });

  it("clicking a node posts `graph/open` with its forward line", async function () {
    const v = await openView(browser, origin, "graph", "dark");
    const graph = graphFixture("mlp-digits");
    await show(v, graph, "mlp_digits");
    await graphDrawn(v.frame);
    const last = graph.nodes.find((n) => n.module === "Sequential.4");
    const first = graph.nodes.find((n) => n.module === "Sequential.0");
    assert.ok(last && first);
    await v.frame.locator(`.item.op[data-id="${last.id}"]`).click();
    const [open] = await v.waitPosted("graph/open");
    assert.deepEqual(open.payload, { file: "/project/mlp_digits.py", line: 35 });
    assert.equal(await v.frame.locator(`.item.op.selected[data-id="${last.id}"]`).count(), 1);
    assert.match((await v.frame.locator("#details").textContent()) ?? "", /linear \(LinearBackward\)\nmlp_digits.py:35 in main\nmodule Sequential.4/);
    // keyboard: Enter on a focused node does the same
    await v.frame.locator(`.item.op[data-id="${first.id}"]`).focus();
    await v.frame.locator(`.item.op[data-id="${first.id}"]`).press("Enter");
    assert.equal((await v.waitPosted("graph/open", 2)).length, 2);
    await v.close();
  });

  it("folding a module hides its nodes; expanding shows them again", async function () {
    const v = await openView(browser, origin, "graph", "dark");
    const graph = graphFixture("transformer");
    await show(v, graph, "transformer_lm");
    await graphDrawn(v.frame);
    const f = v.frame;
    const inside = graph.nodes.filter((n) => n.module?.startsWith("TinyGPT.blocks.layers.0")).map((n) => n.id);
    assert.equal(inside.length, 49);
    const before = await layoutCount(f);
    await f.locator('.module-open .header[data-module="TinyGPT.blocks.layers.0"]').click();
    await graphDrawn(f, before);
    assert.equal(await f.locator(".item.op").count(), graph.nodes.length - inside.length);
    assert.equal(await f.locator(`.item.op[data-id="${inside[0]}"]`).count(), 0);
    const folded = f.locator('.item.module[data-module="TinyGPT.blocks.layers.0"]');
    assert.equal(await folded.count(), 1);
    assert.match((await folded.textContent()) ?? "", /▸ 0.*49 ops/s);
    await v.screenshot("graph-transformer-folded");
    await folded.click();
    await graphDrawn(f, before + 1);
    assert.equal(await f.locator(".item.op").count(), graph.nodes.length);
    // Collapse all: only the top-level modules and what is outside them
    await f.locator("#collapse-all").click();
    await graphDrawn(f, before + 2);
    assert.equal(await f.locator(".item.module").count(), 2);
    assert.equal(await f.locator(".item.op").count(), 1);
    await v.close();
  });

  it("highlights the node of the current backward frame (debug adapter graph)", async function () {
    const v = await openView(browser, origin, "graph", "light");
    const graph = graphFixture("backward");
    await show(v, graph, "modules.py");
    await graphDrawn(v.frame);
    const f = v.frame;
    assert.equal(graph.current, "n9");
    assert.equal(await f.locator('.item.op.current[data-id="n9"]').count(), 1);
    assert.equal(await f.locator(".item.op.current").count(), 1);
    assert.equal(await f.locator(".item.op.state-pending").count(), graph.nodes.length - 1);
    assert.match((await f.locator("#info").textContent()) ?? "", /^backward · 10 nodes/);
    // the module boxes of the residual blocks, with their layers inside
    assert.equal(await f.locator('.module-open[data-box="Sequential.1"]').count(), 1);
    assert.equal(await f.locator('.module-open[data-box="Sequential.1.fc"]').count(), 1);
    await v.screenshot("graph-backward-light");
    await v.close();
  });

  it("a big graph (1,500 of 1,802 nodes) opens folded by module and says it is truncated", async function () {
    const v = await openView(browser, origin, "graph", "dark");
    const graph = graphFixture("deep");
    assert.equal(graph.truncated, true);
    const t0 = Date.now();
    await show(v, graph, "deep");
    await graphDrawn(v.frame);
    const drawMs = Date.now() - t0;
    const f = v.frame;
    assert.match((await f.locator("#note").textContent()) ?? "", /Truncated: showing the newest 1,500 of 1,802 nodes/);
    assert.ok((await f.locator(".item.op").count()) < 10);
    assert.ok((await f.locator(".item.module").count()) >= 1);
    assert.ok(drawMs < 15_000, `drawn in ${drawMs} ms`);
    await v.screenshot("graph-deep-folded");
    // Expand all stops where the drawing would be too big, and says so
    const before = await layoutCount(f);
    await f.locator("#expand-all").click();
    await graphDrawn(f, before);
    assert.match((await f.locator("#note").textContent()) ?? "", /modules stay folded/);
    const drawn = Number(await f.locator("#graph").getAttribute("data-items"));
    assert.ok(drawn > 100 && drawn < 2000, `${drawn} items drawn`);
    await v.close();
  });

  it("selects the nodes of a line (the code lens's {run, file, line}), revealing them", async function () {
    const v = await openView(browser, origin, "graph", "dark");
    const graph = graphFixture("transformer");
    const file = "/project/transformer_lm.py";
    const at = graph.nodes.filter((n) => n.file === file && n.line === 32).map((n) => n.id);
    assert.equal(at.length, 3);
    await v.page.setViewportSize({ width: 1100, height: 720 });
    await show(v, graph, "transformer_lm", { file, line: 32 });
    await graphDrawn(v.frame);
    const f = v.frame;
    for (const id of at) assert.equal(await f.locator(`.item.op.selected[data-id="${id}"]`).count(), 1);
    assert.match((await f.locator("#note").textContent()) ?? "", /3 nodes at transformer_lm.py:32 selected/);
    // a big graph: the first node is revealed, the folded modules holding the others are marked
    await show(v, graphFixture("deep"), "deep", { file: "/project/deep.py", line: 11 });
    await graphDrawn(f, 1);
    assert.match((await f.locator("#note").textContent()) ?? "", /1,498 nodes at deep.py:11 selected/);
    assert.ok((await f.locator(".item.op.selected").count()) >= 1);
    assert.ok((await f.locator(".item.module.selected").count()) >= 1);
    await v.close();
  });

  it("grows the running iteration's graph from the adapter's glassgrad/op events (liveOps)", async function () {
    const v = await openView(browser, origin, "graph", "dark");
    const f = v.frame;
    const events = fixture<LiveEvent[]>("live-events.json"); // three SGD iterations, as relayed
    const backward = events.findIndex((e) => e.type === "backward");
    const next = events.findIndex((e) => e.type === "iteration");
    await v.send({ type: "graph/status", payload: { text: "running", running: true } });
    // iteration 0's forward: linear, tanh, linear in Sequential's layers, then the loss
    await v.send({ type: "graph/ops", payload: { events: events.slice(0, backward) } });
    await graphDrawn(f);
    assert.deepEqual((await f.locator(".item.op text.l1").allTextContents()).sort(), ["linear", "linear", "log_softmax", "nll_loss", "tanh"]);
    assert.equal(await f.locator(".item.leaf").count(), 6); // x, y, two weights, two biases
    assert.equal(await f.locator("path.edge").count(), 10);
    assert.equal(await f.locator('.module-open[data-box="Sequential.1"]').count(), 1);
    assert.match((await f.locator("#info").textContent()) ?? "", /^live · iteration 0 · 5 nodes · 6 tensors/);
    assert.equal(await f.locator("body.running").count(), 1);
    await v.screenshot("graph-live-dark");
    // its backward: every node done
    let before = await layoutCount(f);
    await v.send({ type: "graph/ops", payload: { events: events.slice(backward, next) } });
    await graphDrawn(f, before);
    assert.equal(await f.locator(".item.op.state-done").count(), 5);
    // the next iterations start afresh
    before = await layoutCount(f);
    await v.send({ type: "graph/ops", payload: { events: events.slice(next) } });
    await graphDrawn(f, before);
    assert.match((await f.locator("#info").textContent()) ?? "", /^live · iteration 2 · 5 nodes/);
    assert.equal(await f.locator(".item.op.state-done").count(), 5);
    await v.close();
  });

  it("grows a stopped graph while the program runs on", async function () {
    const v = await openView(browser, origin, "graph", "dark");
    const f = v.frame;
    const graph = graphFixture("backward");
    await show(v, graph, "modules.py");
    await graphDrawn(f);
    assert.equal(await f.locator(".item.op.current").count(), 1);
    const before = await layoutCount(f);
    const file = graph.nodes[0].file;
    await v.send({
      type: "graph/ops",
      payload: { events: [{ type: "backward", iteration: 0, node: 9, op: "nll_loss", file, line: 25, module: null }, { type: "backward", iteration: 0, node: 8, op: "log_softmax", file, line: 25, module: null }] },
    });
    await graphDrawn(f, before);
    assert.equal(await f.locator(".item.op.current").count(), 0, "running: no current node");
    assert.equal(await f.locator(".item.op.state-done").count(), 2);
    assert.equal(await f.locator(".item.op").count(), graph.nodes.length);
    await v.close();
  });

  it("shows errors in the panel, keeping the last graph marked stale", async function () {
    const v = await openView(browser, origin, "graph", "dark");
    await v.send({ type: "graph/error", payload: { message: "no recorded run in the workspace" } });
    assert.equal(await v.frame.locator("#banner").textContent(), "no recorded run in the workspace");
    assert.equal(await v.frame.locator("#empty").textContent(), "No graph.");
    await show(v, graphFixture("mlp-digits"), "mlp_digits");
    await graphDrawn(v.frame);
    assert.equal(await v.frame.locator("#banner").isHidden(), true);
    await v.send({ type: "graph/error", payload: { message: "cannot read the run store" } });
    await v.frame.waitForSelector("#content.stale");
    await v.frame.locator("#refresh").click();
    await v.waitPosted("graph/refresh");
    await v.close();
  });
});

// The webviews' extension side under plain Node, with a fake Host: what the panels ask the debug
// adapter and the language server, and what they post to their views.

import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseExtensionMessage, type MessageMap } from "../../src/shared/messages";
import { WebviewCommands } from "../../src/webviews/host/commands";
import { LIVE_FLUSH_MS } from "../../src/webviews/host/graphPanel";
import { contentSecurityPolicy, renderHtml } from "../../src/webviews/host/html";
import { errorText } from "../../src/webviews/host/responses";
import { STOP_SETTLE_MS } from "../../src/webviews/host/sessionWatch";
import { MAX_ELEMENTS } from "../../src/webviews/host/tensorPanel";
import { FakeHost, FakeSession, settle } from "./fakeHost";

const FIXTURES = join(process.cwd(), "test", "webview", "fixtures");
const fixture = (name: string): unknown => JSON.parse(readFileSync(join(FIXTURES, name), "utf8"));

function variable(evaluateName: string, sessionId = "s1"): unknown {
  return { container: { name: "Locals" }, variable: { name: evaluateName, evaluateName, value: "Tensor (16, 16)" }, sessionId };
}

describe("webview HTML", () => {
  it("has a strict CSP: nothing but the view's bundle with a nonce, and the extension's styles", () => {
    const html = renderHtml({ view: "graph", title: "g <x>", cspSource: "https://src", uri: (p) => `https://src/${p}`, nonce: "abc123" });
    assert.ok(html.includes(`content="${contentSecurityPolicy("https://src", "abc123").replace(/'/g, "&#39;")}"`));
    assert.match(contentSecurityPolicy("https://src", "n"), /^default-src 'none'; script-src 'nonce-n'; style-src https:\/\/src;/);
    assert.ok(html.includes('<script nonce="abc123" src="https://src/dist/webviews/graph.js"></script>'));
    assert.ok(html.includes('<link rel="stylesheet" href="https://src/media/graph.css">'));
    assert.ok(html.includes("<title>g &#60;x&#62;</title>"));
    assert.doesNotMatch(html, /style=|<style|onclick|unsafe/);
  });
});

describe("error texts", () => {
  it("reads the adapter's and the language server's errors as one line", () => {
    assert.equal(errorText(new Error(`glassgrad/tensor: NameError("name 'h' is not defined")`)), "NameError: name 'h' is not defined");
    assert.equal(errorText(new Error(`glassgrad/tensor: SyntaxError("'[' was never closed", ('<string>', 1, 2, 'w[', 1, 0))`)), "SyntaxError: '[' was never closed");
    assert.equal(errorText(new Error("Traceback (most recent call last):\n  File x\nValueError: bad")), "ValueError: bad");
    assert.equal(errorText(new Error("the program is not paused")), "the program is not paused");
  });
});

describe("webview messages", () => {
  it("accepts the typed messages and refuses anything else", () => {
    assert.deepEqual(parseExtensionMessage({ type: "graph/open", payload: { file: "/a.py", line: 3 } }), {
      type: "graph/open",
      payload: { file: "/a.py", line: 3 },
    });
    assert.deepEqual(parseExtensionMessage({ type: "tensor/request", payload: { target: "grad", slice: [1, null, [0, 4, null]] } })?.payload, {
      target: "grad",
      slice: [1, null, [0, 4, null]],
    });
    for (const bad of [
      null,
      "ready",
      { type: "graph/show", payload: {} }, // extension → webview only
      { type: "graph/open", payload: { file: "/a.py", line: 0 } },
      { type: "graph/open", payload: { file: 3, line: 1 } },
      { type: "tensor/request", payload: { target: "other", slice: null } },
      { type: "tensor/request", payload: { target: "value", slice: ["1"] } },
      { type: "tensor/request", payload: { target: "value", slice: [[1, 2, 3, 4]] } },
      { type: "tensor/pin", payload: { pinned: "yes" } },
    ]) {
      assert.equal(parseExtensionMessage(bad), undefined, JSON.stringify(bad));
    }
  });
});

describe("tensor viewer panel", () => {
  let host: FakeHost;
  let session: FakeSession;
  let commands: WebviewCommands;

  beforeEach(() => {
    host = new FakeHost();
    session = host.addSession(new FakeSession());
    session.answers["glassgrad/tensor"] = () => fixture("tensor-2d.json");
    host.select({ session, threadId: 1, frameId: 7 });
    commands = new WebviewCommands(host);
  });

  it("View Tensor asks the adapter for the variable's values in the selected frame (binary, capped)", async () => {
    commands.viewTensor(variable("model[1].fc.weight"), "value");
    const panel = host.panels[0];
    assert.equal(panel.viewType, "glassgrad.tensor");
    assert.match(panel.webview.html, /dist\/webviews\/tensor\.js/);
    panel.receive({ type: "ready", payload: {} });
    await settle();
    assert.deepEqual(session.requests, [
      {
        command: "glassgrad/tensor",
        args: { expression: "model[1].fc.weight", frameId: 7, slice: null, maxElements: MAX_ELEMENTS, format: "binary" },
      },
    ]);
    const [state] = panel.of<MessageMap["tensor/state"]>("tensor/state");
    assert.deepEqual(state, { expression: "model[1].fc.weight", target: "value", pinned: true, session: "train.py", status: "stopped" });
    const [shown] = panel.of<MessageMap["tensor/show"]>("tensor/show");
    assert.equal(shown.response.dtype, "float32");
    assert.equal(shown.maxElements, 250_000);
  });

  it("View Gradient asks for (expression).grad; a missing gradient is said plainly", async () => {
    session.answers["glassgrad/tensor"] = () => {
      throw new Error(`glassgrad/tensor: TypeError("'(w).grad' is a NoneType, not a tensor")`);
    };
    commands.viewTensor(variable("w"), "grad");
    const panel = host.panels[0];
    panel.receive({ type: "ready", payload: {} });
    await settle();
    assert.equal(session.requests[0].args.expression, "(w).grad");
    assert.deepEqual(panel.of("tensor/error"), [{ target: "grad", message: "no gradient: (w).grad is None here" }]);
    assert.equal(panel.title, "(w).grad");
  });

  it("re-asks at each stop while pinned, with the view's slice; not when unpinned", async () => {
    commands.viewTensor(variable("images"), "value");
    const panel = host.panels[0];
    panel.receive({ type: "ready", payload: {} });
    await settle();
    panel.receive({ type: "tensor/request", payload: { target: "value", slice: [1, 2] } });
    await settle();
    assert.deepEqual(session.requests[1].args.slice, [1, 2]);
    host.emit({ kind: "continued", session });
    assert.equal(panel.of<MessageMap["tensor/state"]>("tensor/state").pop()?.status, "running: values from the last stop");
    host.stop(session, 21);
    await host.tick(STOP_SETTLE_MS);
    assert.equal(session.requests.length, 3, "one request per stop (stopped event and frame selection coalesce)");
    assert.deepEqual(session.requests[2].args, { expression: "images", frameId: 21, slice: [1, 2], maxElements: MAX_ELEMENTS, format: "binary" });
    panel.receive({ type: "tensor/pin", payload: { pinned: false } });
    assert.equal(panel.title, "⏸ images");
    host.stop(session, 22);
    await host.tick(STOP_SETTLE_MS);
    assert.equal(session.requests.length, 3);
    // another session's stops are not this panel's
    const other = host.addSession(new FakeSession("s2", "other.py"), false);
    panel.receive({ type: "tensor/pin", payload: { pinned: true } });
    await settle();
    const before = session.requests.length;
    host.stop(other, 5);
    await host.tick(STOP_SETTLE_MS);
    assert.equal(session.requests.length, before);
  });

  it("says so when the expression fails or the session ends", async () => {
    commands.viewTensor(variable("h"), "value");
    const panel = host.panels[0];
    panel.receive({ type: "ready", payload: {} });
    await settle();
    session.answers["glassgrad/tensor"] = () => {
      throw new Error("Traceback (most recent call last):\n  File \"<string>\", line 1\nNameError: name 'h' is not defined");
    };
    host.stop(session, 30);
    await host.tick(STOP_SETTLE_MS);
    assert.deepEqual(panel.of("tensor/error").pop(), { target: "value", message: "NameError: name 'h' is not defined" });
    host.emit({ kind: "terminated", session });
    assert.deepEqual(panel.of("tensor/error").pop(), { target: "value", message: 'the debug session "train.py" ended' });
    // a reloaded view gets the last state, values and error again
    const count = panel.posted.length;
    panel.receive({ type: "ready", payload: {} });
    assert.deepEqual(panel.posted.slice(count).map((m) => m.type), ["tensor/state", "tensor/show", "tensor/error"]);
  });

  it("one panel per expression and session; refuses a variable without an expression or a session", () => {
    commands.viewTensor(variable("w"), "value");
    commands.viewTensor(variable("w"), "grad");
    assert.equal(host.panels.length, 1);
    assert.equal(host.panels[0].revealed, 1);
    commands.viewTensor({ variable: {} }, "value");
    host.active = undefined;
    commands.viewTensor(variable("x", "gone"), "value");
    assert.equal(host.panels.length, 1);
    assert.equal(host.errors.length, 2);
  });
});

describe("graph panel", () => {
  let host: FakeHost;
  let commands: WebviewCommands;
  const run = "/project/.glassgrad/runs/20261202-075751-transformer_lm-11455.db";

  beforeEach(() => {
    host = new FakeHost();
    commands = new WebviewCommands(host);
    host.lspAnswers["glassgrad/graph"] = () => fixture("graph-transformer.json");
    host.lspAnswers["glassgrad/runs"] = () => fixture("runs.json");
  });

  it("the code lens's {run, file, line}: the language server's graph of that run, the line selected", async () => {
    await commands.showGraph({ run, file: "/project/transformer_lm.py", line: 32 });
    const panel = host.panels[0];
    assert.equal(panel.viewType, "glassgrad.graph");
    assert.equal(panel.title, "glassgrad graph: 20261202-075751-transformer_lm-11455");
    panel.receive({ type: "ready", payload: {} });
    await settle();
    assert.deepEqual(host.lsp, [{ method: "glassgrad/graph", params: { run } }]);
    const [shown] = panel.of<MessageMap["graph/show"]>("graph/show");
    assert.deepEqual(shown.select, { file: "/project/transformer_lm.py", line: 32 });
    assert.deepEqual(shown.source, { kind: "run", label: "20261202-075751-transformer_lm-11455" });
    assert.equal(shown.graph.nodes.length, 114);
    // the same run again: the same panel, a new selection
    await commands.showGraph({ run, file: "/project/transformer_lm.py", line: 35 });
    assert.equal(host.panels.length, 1);
    assert.deepEqual(panel.of<MessageMap["graph/show"]>("graph/show").pop()?.select, { file: "/project/transformer_lm.py", line: 35 });
  });

  it("no session, no argument: the run the active editor's file reads", async () => {
    host.editor = { path: "/project/transformer_lm.py", uri: "file:///project/transformer_lm.py" };
    await commands.showGraph(undefined);
    host.panels[0].receive({ type: "ready", payload: {} });
    await settle();
    assert.deepEqual(host.lsp, [{ method: "glassgrad/graph", params: { uri: "file:///project/transformer_lm.py" } }]);
  });

  it("Open Recorded Run Graph: a quick pick of glassgrad/runs", async () => {
    await commands.openRunGraph();
    assert.equal(host.lsp[0].method, "glassgrad/runs");
    const items = host.picks[0];
    assert.equal(items.length, 3);
    assert.match(items[0].description ?? "", /finished · \d+ iterations/);
    assert.equal(items[0].detail?.startsWith("glassgrad run"), true);
    host.panels[0].receive({ type: "ready", payload: {} });
    await settle();
    assert.deepEqual(host.lsp[1], { method: "glassgrad/graph", params: { run: items[0].value } });
    // no language server: an error, no panel
    const bare = new FakeHost();
    await new WebviewCommands(bare).openRunGraph();
    assert.equal(bare.panels.length, 0);
    assert.match(bare.errors[0], /cannot list the recorded runs: glassgrad's language server is not running/);
  });

  it("a debug session: the adapter's graph at each stop, live op events in batches, clicks open lines", async () => {
    const session = host.addSession(new FakeSession());
    session.answers["glassgrad/graph"] = () => fixture("graph-backward.json");
    host.select({ session, threadId: 1, frameId: 3 });
    await commands.showGraph(undefined);
    const panel = host.panels[0];
    panel.receive({ type: "ready", payload: {} });
    await settle();
    assert.deepEqual(session.requests, [{ command: "glassgrad/graph", args: { frameId: 3 } }]);
    assert.equal(panel.of<MessageMap["graph/show"]>("graph/show")[0].graph.current, "n9");
    assert.deepEqual(panel.of("graph/status").pop(), { text: "paused (backward)", running: false });
    host.emit({ kind: "continued", session });
    for (let i = 0; i < 5; i++) host.emit({ kind: "custom", session, event: "glassgrad/op", body: { type: "op", seq: i, op: "add", inputs: [] } });
    host.emit({ kind: "custom", session, event: "glassgrad/other", body: {} });
    assert.equal(panel.of("graph/ops").length, 0);
    await host.tick(LIVE_FLUSH_MS);
    assert.equal(panel.of<MessageMap["graph/ops"]>("graph/ops")[0].events.length, 5);
    host.stop(session, 11);
    await host.tick(STOP_SETTLE_MS);
    assert.deepEqual(session.requests[1], { command: "glassgrad/graph", args: { frameId: 11 } });
    panel.receive({ type: "graph/open", payload: { file: "/project/modules.py", line: 25 } });
    await settle();
    assert.deepEqual(host.opened, [{ file: "/project/modules.py", line: 25, beside: 2 }]);
    // running and asked anyway: a status, not an error
    session.answers["glassgrad/graph"] = () => {
      throw new Error("the program is not paused");
    };
    panel.receive({ type: "graph/refresh", payload: {} });
    await settle();
    assert.deepEqual(panel.of("graph/status").pop(), { text: "the graph shows at the next stop (the program is not paused)", running: true });
    host.emit({ kind: "terminated", session });
    assert.match((panel.of<MessageMap["graph/status"]>("graph/status").pop()?.text) ?? "", /session ended/);
  });

  it("a run the language server cannot read: an error in the panel", async () => {
    host.lspAnswers["glassgrad/graph"] = () => {
      throw new Error("cannot read the run store /x.db");
    };
    await commands.showGraph({ run: "/x.db" });
    host.panels[0].receive({ type: "ready", payload: {} });
    await settle();
    assert.deepEqual(host.panels[0].of("graph/error"), [{ message: "cannot read the run store /x.db" }]);
  });
});

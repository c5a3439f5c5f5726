import * as assert from "node:assert/strict";
import type { LanguageClientManager } from "../../src/languageClient/manager";
import type { RunInfo } from "../../src/languageClient/options";
import { runStatus, shownRun } from "../../src/status/runStatus";
import {
  afterAdapterMessage,
  afterClientMessage,
  isBackwardFrame,
  sessionStatus,
  STARTING,
  withFrame,
  type SessionState,
} from "../../src/status/sessionState";
import { StatusBar } from "../../src/status/statusBar";
import type { DapMessage } from "../../src/debugger/tracker";
import { fakeApi } from "./fakes";

const event = (name: string, body: unknown = {}): DapMessage => ({ type: "event", event: name, body });
const request = (command: string): DapMessage => ({ type: "request", command });

function replay(messages: Array<["adapter" | "client", DapMessage]>): SessionState {
  let state = STARTING;
  for (const [from, message] of messages) {
    state = from === "adapter" ? afterAdapterMessage(state, message) : afterClientMessage(state, message);
  }
  return state;
}

describe("status text from session events", () => {
  it("starting, then running once launched", () => {
    assert.equal(sessionStatus(STARTING, "s").text, "$(loading~spin) glassgrad: starting");
    const running = replay([
      ["adapter", { type: "response", command: "initialize", success: true }],
      ["adapter", { type: "response", command: "launch", success: true }],
    ]);
    assert.deepEqual(running, { kind: "running" });
    assert.equal(sessionStatus(running, "s").text, "$(debug-start) glassgrad: running");
  });

  it("paused at a forward line, then running after Continue or a step", () => {
    let state = replay([
      ["adapter", event("process")],
      ["adapter", event("stopped", { reason: "breakpoint", threadId: 1 })],
    ]);
    assert.equal(sessionStatus(state, "s").text, "$(debug-pause) glassgrad: paused");
    state = withFrame(state, 1, { name: "train", file: "/p/examples/debug_mlp.py", line: 31 });
    assert.equal(sessionStatus(state, "s").text, "$(debug-pause) glassgrad: paused at debug_mlp.py:31");
    assert.equal(afterClientMessage(state, request("stepIn")).kind, "running");
    assert.equal(afterClientMessage(state, request("evaluate")), state);
    assert.equal(afterAdapterMessage(state, event("continued", { threadId: 1 })).kind, "running");
  });

  it("stopped in backward at file:line: a frame named <op>.backward", () => {
    assert.ok(isBackwardFrame("matmul.backward"));
    assert.ok(!isBackwardFrame("backward"));
    const state = withFrame(replay([["adapter", event("stopped", { reason: "step", threadId: 7 })]]), 7, {
      name: "matmul.backward",
      file: "/p/train.py",
      line: 12,
    });
    const status = sessionStatus(state, "glassgrad: train.py");
    assert.equal(status.text, "$(debug-pause) glassgrad: in backward at train.py:12 (matmul.backward)");
    assert.match(status.tooltip, /backward frame matmul.backward of the forward line train.py:12/);
  });

  it("a frame of another thread, or after the thread ran on, is ignored", () => {
    const paused = replay([["adapter", event("stopped", { reason: "pause", threadId: 1 })]]);
    assert.equal(withFrame(paused, 2, { name: "f" }), paused);
    const running = afterClientMessage(paused, request("continue"));
    assert.equal(withFrame(running, 1, { name: "f" }), running);
  });

  it("NaN/Inf stops say which pass, as a warning", () => {
    const description =
      "NaN/Inf in gradients: Function 'SqrtBackward' returned inf values in its 0th output (1 of 4 elements); forward op 'sqrt' at debug_nan.py:17";
    const state = withFrame(
      replay([["adapter", event("stopped", { reason: "exception", threadId: 1, description })]]),
      1,
      { name: "sqrt.backward", file: "/p/debug_nan.py", line: 17 },
    );
    const status = sessionStatus(state, "s");
    assert.equal(status.text, "$(warning) glassgrad: NaN/Inf in gradients at debug_nan.py:17");
    assert.equal(status.warning, true);
    assert.ok(status.tooltip.includes(description));
    const forward = withFrame(
      replay([["adapter", event("stopped", { reason: "exception", threadId: 1, text: "NaN/Inf in forward: log" })]]),
      1,
      { name: "log.forward", file: "/p/debug_nan.py", line: 9 },
    );
    assert.equal(sessionStatus(forward, "s").text, "$(warning) glassgrad: NaN/Inf in forward at debug_nan.py:9");
  });

  it("ended for good", () => {
    const ended = replay([["adapter", event("terminated")]]);
    assert.deepEqual(ended, { kind: "ended" });
    assert.equal(afterAdapterMessage(ended, event("stopped", { reason: "pause" })), ended);
  });
});

const run = (over: Partial<RunInfo> = {}): RunInfo => ({
  path: "/p/.glassgrad/runs/train-1.db",
  name: "train-1",
  status: "finished",
  started: 1000,
  iterations: 120,
  ...over,
});

describe("status text from runs", () => {
  it("the newest run, or the chosen one", () => {
    const runs = [run({ name: "new", path: "/n" }), run({ name: "old", path: "/o" })];
    assert.equal(shownRun(runs, undefined)?.name, "new");
    assert.equal(shownRun(runs, "/o")?.name, "old");
    assert.equal(shownRun(runs, "/gone"), undefined);
    assert.equal(shownRun([], undefined), undefined);
  });

  it("finished, pinned, recording, failed, none", () => {
    assert.equal(runStatus(run(), { pinned: false, now: 1060 }).text, "$(graph) glassgrad: train-1 · 120 it");
    assert.match(runStatus(run(), { pinned: false, now: 1060 }).tooltip, /Newest run of this file: train-1 \(finished, 120 iterations, started 1 min ago\)/);
    assert.equal(runStatus(run(), { pinned: true, now: 1060 }).text, "$(pinned) $(graph) glassgrad: train-1 · 120 it");
    assert.equal(runStatus(run({ status: "running", iterations: 3 }), { pinned: false, now: 1 }).text, "$(record) glassgrad: recording train-1 · 3 it");
    const failed = runStatus(run({ status: "failed" }), { pinned: false, now: 1 });
    assert.equal(failed.text, "$(warning) glassgrad: train-1 · failed");
    assert.equal(failed.warning, true);
    assert.equal(runStatus(undefined, { pinned: false, now: 1 }).text, "$(graph) glassgrad: no run");
    assert.equal(runStatus(run(), { pinned: false, now: 1, recording: "train.py" }).text, "$(record) glassgrad: recording train.py");
  });
});

describe("the status bar item", () => {
  function setup(runs: RunInfo[] = [run()]) {
    const fake = fakeApi({ activeFile: { path: "/p/train.py", languageId: "python", line: 4 } });
    const listeners: { command: Array<{ sending(c: string, a: unknown[]): void; answered(c: string, a: unknown[]): void }>; state: Array<() => void> } = {
      command: [],
      state: [],
    };
    const asked: string[] = [];
    const manager = {
      current: {},
      status: "running",
      onCommand: (l: (typeof listeners.command)[0]) => listeners.command.push(l),
      onDidChangeState: (l: () => void) => listeners.state.push(l),
      listRuns: async (uri: { toString(): string }) => {
        asked.push(uri.toString());
        return runs;
      },
      chosenRun: () => undefined,
    } as unknown as LanguageClientManager;
    const subscriptions: Array<{ dispose(): unknown }> = [];
    const bar = new StatusBar(fake.api, manager, subscriptions);
    return { fake, bar, manager, item: fake.items[0], asked, listeners, dispose: () => subscriptions.forEach((s) => s.dispose()) };
  }
  const settle = () => new Promise((r) => setTimeout(r, 5));

  it("shows the active file's run; a click shows its graph at the cursor's line", async () => {
    const { item, asked, dispose } = setup();
    await settle();
    assert.deepEqual(asked, ["file:///p/train.py"]);
    assert.equal(item.visible, true);
    assert.equal(item.text, "$(graph) glassgrad: train-1 · 120 it");
    assert.deepEqual(item.command, {
      command: "glassgrad.showGraph",
      title: "Show Graph",
      arguments: [{ run: "/p/.glassgrad/runs/train-1.db", file: "/p/train.py", line: 5 }],
    });
    dispose();
  });

  it("says so while the language server starts, and when it cannot", async () => {
    const { item, bar, manager, dispose } = setup();
    await settle();
    Object.assign(manager, { current: undefined, status: "starting" });
    bar.render();
    assert.equal(item.text, "$(loading~spin) glassgrad");
    Object.assign(manager, { status: "unavailable" });
    bar.render();
    assert.equal(item.text, "$(warning) glassgrad");
    assert.deepEqual(item.command, { command: "glassgrad.selectInterpreter", title: "Select Interpreter" });
    dispose();
  });

  it("hides outside Python files", async () => {
    const { fake, item, dispose } = setup();
    await settle();
    fake.setActiveFile({ path: "/p/README.md", languageId: "markdown" });
    fake.events.activeEditor.fire(undefined);
    await settle();
    assert.equal(item.visible, false);
    dispose();
  });

  it("follows a debug session, fetching the stopped thread's top frame", async () => {
    const { bar, item, dispose } = setup();
    await settle();
    const requests: unknown[] = [];
    const session = {
      id: "s1",
      type: "glassgrad",
      name: "glassgrad: train.py",
      customRequest: async (command: string, args: unknown) => {
        requests.push([command, args]);
        return { stackFrames: [{ name: "relu.backward", line: 20, source: { path: "/p/train.py" } }] };
      },
    };
    bar.fromAdapter(session as never, { type: "event", event: "process", body: {} });
    assert.equal(item.text, "$(debug-start) glassgrad: running");
    assert.deepEqual(item.command, { command: "glassgrad.showGraph", title: "Show Graph" });
    bar.fromAdapter(session as never, { type: "event", event: "stopped", body: { reason: "breakpoint", threadId: 3 } });
    await settle();
    assert.deepEqual(requests, [["stackTrace", { threadId: 3, startFrame: 0, levels: 1 }]]);
    assert.equal(item.text, "$(debug-pause) glassgrad: in backward at train.py:20 (relu.backward)");
    bar.toAdapter(session as never, { type: "request", command: "continue" });
    assert.equal(item.text, "$(debug-start) glassgrad: running");
    bar.fromAdapter({ ...session, type: "python" } as never, { type: "event", event: "stopped", body: {} });
    assert.equal(item.text, "$(debug-start) glassgrad: running");
    bar.ended(session as never);
    await settle();
    assert.equal(item.text, "$(graph) glassgrad: train-1 · 120 it");
    dispose();
  });

  it("says a file is being recorded while glassgrad.recordFile runs", async () => {
    const { item, listeners, dispose } = setup([]);
    await settle();
    assert.equal(item.text, "$(graph) glassgrad: no run");
    assert.equal((item.command as { command: string }).command, "glassgrad.recordThisFile");
    listeners.command[0].sending("glassgrad.recordFile", ["file:///p/train.py"]);
    assert.equal(item.text, "$(record) glassgrad: recording train.py");
    listeners.command[0].answered("glassgrad.recordFile", ["file:///p/train.py"]);
    await settle();
    assert.equal(item.text, "$(graph) glassgrad: no run");
    dispose();
  });
});

import * as assert from "node:assert/strict";
import manifest from "../../package.json";
import { age, runPicks } from "../../src/languageClient/commands";
import { LanguageClientManager, type ClientFactory } from "../../src/languageClient/manager";
import { asRuns, clientOptions, DOCUMENT_SELECTOR, serverCommand, serverCommandsToRegister } from "../../src/languageClient/options";
import { SERVER_SETTINGS } from "../../src/languageClient/settings";
import type { PythonEnvironment } from "../../src/python/environment";
import type { CheckResult } from "../../src/python/check";
import { fakeApi, fakeUri } from "./fakes";

describe("the language client's options", () => {
  it("starts glassgrad lsp on stdio with the interpreter, for Python files on disk", () => {
    assert.deepEqual(serverCommand("/venv/bin/python", "/p"), {
      command: "/venv/bin/python",
      args: ["-m", "glassgrad.cli", "lsp"],
      options: { cwd: "/p" },
    });
    assert.deepEqual(DOCUMENT_SELECTOR, [{ scheme: "file", language: "python" }]);
    const options = clientOptions((key) => (key === "stale" ? "hide" : undefined));
    assert.deepEqual(options.synchronize, { configurationSection: "glassgrad" });
    assert.equal(options.initializationOptions.stale, "hide");
  });

  it("every server setting is a contributed glassgrad.* setting with the server's default", () => {
    const properties = manifest.contributes.configuration.properties as Record<string, { default: unknown }>;
    for (const [key, value] of Object.entries(SERVER_SETTINGS)) {
      assert.deepEqual(properties[`glassgrad.${key}`]?.default, value, key);
    }
  });

  it("leaves the server's glassgrad.showGraph to the extension's graph view", () => {
    const offered = ["glassgrad.listRuns", "glassgrad.chooseRun", "glassgrad.showGraph", "glassgrad.recordFile"];
    assert.deepEqual(serverCommandsToRegister(offered), ["glassgrad.listRuns", "glassgrad.chooseRun", "glassgrad.recordFile"]);
    assert.deepEqual(serverCommandsToRegister(undefined), []);
  });

  it("reads listRuns answers defensively", () => {
    assert.deepEqual(asRuns(null), []);
    assert.deepEqual(asRuns([{ path: "/a", name: "a", status: "finished", started: 1, iterations: 2 }, { path: 3 }, null]), [
      { path: "/a", name: "a", status: "finished", started: 1, iterations: 2 },
    ]);
  });
});

describe("Choose Run for This File", () => {
  it("offers the newest (following new runs) then each run, newest first, marking the chosen", () => {
    const runs = [
      { path: "/r/b.db", name: "b", status: "running", started: 99950, iterations: 1 },
      { path: "/r/a.db", name: "a", status: "finished", started: 100000 - 7200, iterations: 300 },
    ];
    const picks = runPicks(runs, "/r/a.db", 100000);
    assert.deepEqual(
      picks.map((p) => [p.label, p.description, p.run, p.picked]),
      [
        ["$(history) Newest run", "now b", null, false],
        ["b", "running · 1 iteration · just now", "/r/b.db", false],
        ["$(pinned) a", "finished · 300 iterations · 2 h ago", "/r/a.db", true],
      ],
    );
    assert.equal(runPicks([], undefined, 0)[0].picked, true);
    assert.equal(age(3 * 86400), "3 days ago");
  });
});

describe("LanguageClientManager", () => {
  function setup(checks: CheckResult[]) {
    const fake = fakeApi({ folders: ["/p"], settings: { "glassgrad.inlayHints.verbosity": "full" } });
    const reported: unknown[] = [];
    let interpreter = "/venv/bin/python";
    const environment = {
      interpreter: async () => ({ command: interpreter, source: "Python extension" }),
      check: async () => checks.shift() ?? { ok: true, version: "0.1.0" },
      report: async (_i: unknown, problem: unknown) => {
        reported.push(problem);
      },
    } as unknown as PythonEnvironment;
    const made: Array<{ server: unknown; options: Parameters<ClientFactory>[1]; started: number; stopped: number; requests: unknown[] }> = [];
    const factory: ClientFactory = (server, options) => {
      const client = {
        server,
        options,
        started: 0,
        stopped: 0,
        requests: [] as unknown[],
        start: async () => {
          client.started++;
        },
        stop: async () => {
          client.stopped++;
        },
        dispose: async () => undefined,
        sendRequest: async (method: string, params: { command: string }) => {
          client.requests.push([method, params]);
          return params.command === "glassgrad.listRuns" ? [{ path: "/r.db", name: "r", status: "finished", started: 1, iterations: 2 }] : {};
        },
      };
      made.push(client);
      return client as never;
    };
    const manager = new LanguageClientManager(fake.api, environment, factory, () => undefined);
    return { manager, made, reported, setInterpreter: (p: string) => (interpreter = p) };
  }

  it("starts the client with the checked interpreter and the settings", async () => {
    const { manager, made } = setup([]);
    await Promise.all([manager.start(), manager.start()]);
    assert.equal(made.length, 1);
    assert.equal(made[0].started, 1);
    assert.deepEqual(made[0].server, { command: "/venv/bin/python", args: ["-m", "glassgrad.cli", "lsp"], options: { cwd: "/p" } });
    assert.equal((made[0].options.initializationOptions.inlayHints as { verbosity: string }).verbosity, "full");
    assert.ok(manager.current);
    assert.equal(manager.interpreter, "/venv/bin/python");
  });

  it("does not start without glassgrad, tells once, and tries again after a restart", async () => {
    const missing: CheckResult = { ok: false, reason: "not-installed", detail: "x" };
    const { manager, made, reported } = setup([missing, missing, missing]);
    await manager.start();
    await manager.start();
    assert.equal(made.length, 0);
    assert.equal(manager.current, undefined);
    assert.equal(reported.length, 1);
    assert.match((reported[0] as { message: string }).message, /cannot start its language server: glassgrad is not installed/);
    await manager.restart();
    assert.equal(reported.length, 2);
    await manager.restart();
    assert.equal(made.length, 1);
  });

  it("restarts with the new interpreter", async () => {
    const { manager, made, setInterpreter } = setup([]);
    await manager.start();
    setInterpreter("/other/python");
    await manager.restart();
    assert.equal(made[0].stopped, 1);
    assert.equal((made[1].server as { command: string }).command, "/other/python");
  });

  it("lists and chooses runs through workspace/executeCommand, telling listeners", async () => {
    const { manager, made } = setup([]);
    await manager.start();
    const seen: unknown[] = [];
    manager.onCommand({ sending: (c) => seen.push(["sending", c]), answered: (c) => seen.push(["answered", c]) });
    const uri = fakeUri("/p/train.py");
    assert.deepEqual(await manager.listRuns(uri), [{ path: "/r.db", name: "r", status: "finished", started: 1, iterations: 2 }]);
    await manager.chooseRun(uri, "/r.db");
    assert.equal(manager.chosenRun(uri), "/r.db");
    await manager.chooseRun(uri, null);
    assert.equal(manager.chosenRun(uri), undefined);
    assert.deepEqual(made[0].requests, [
      ["workspace/executeCommand", { command: "glassgrad.listRuns", arguments: ["file:///p/train.py"] }],
      ["workspace/executeCommand", { command: "glassgrad.chooseRun", arguments: ["file:///p/train.py", "/r.db"] }],
      ["workspace/executeCommand", { command: "glassgrad.chooseRun", arguments: ["file:///p/train.py", null] }],
    ]);
    assert.equal(seen.length, 6);
    // a code lens's command goes through the middleware, and listeners hear of it too
    await made[0].options.middleware.executeCommand("glassgrad.recordFile", ["file:///p/train.py"], async () => ({ exitCode: 0 }));
    assert.deepEqual(seen.slice(6), [["sending", "glassgrad.recordFile"], ["answered", "glassgrad.recordFile"]]);
  });
});

import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ADAPTER_WRAPPER, AdapterFactory, adapterArguments } from "../../src/debugger/adapter";
import { exitReport } from "../../src/debugger/adapterFailure";
import { SessionTrackers, SHOW_LOG } from "../../src/debugger/tracker";
import type { PythonEnvironment } from "../../src/python/environment";
import { fakeApi } from "./fakes";

function python(): string | undefined {
  for (const candidate of ["python3", "python"]) {
    try {
      execFileSync(candidate, ["-c", "pass"], { stdio: "ignore" });
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

describe("the adapter process", () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "glassgrad-adapter-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("is `python -c WRAPPER <stderr file>`: glassgrad.cli dap with stderr in the file", function () {
    const py = python();
    if (py === undefined) this.skip();
    // A stand-in glassgrad.cli that shows what it was given, on both streams.
    const pkg = path.join(dir, "site", "glassgrad");
    fs.mkdirSync(pkg, { recursive: true });
    fs.writeFileSync(path.join(pkg, "__init__.py"), "");
    fs.writeFileSync(
      path.join(pkg, "cli.py"),
      [
        "import sys",
        "if __name__ == '__main__':",
        "    print('argv', sys.argv[1:], 'main', __name__)",
        "    sys.stdout.flush()",
        "    raise SystemExit(\"glassgrad dap: error: it broke\")",
      ].join("\n"),
    );
    const stderrFile = path.join(dir, "dap.stderr");
    const result = spawnSync(py!, adapterArguments(stderrFile, ["--log-dir", "L"]), {
      env: { ...process.env, PYTHONPATH: path.join(dir, "site") },
      encoding: "utf8",
    });
    assert.equal(result.status, 1);
    assert.equal(result.stdout.trim(), "argv ['dap', '--log-dir', 'L'] main __main__");
    assert.equal(result.stderr, "");
    assert.equal(fs.readFileSync(stderrFile, "utf8").trim(), "glassgrad dap: error: it broke");
    assert.equal((fs.statSync(stderrFile).mode & 0o777).toString(8), "600");
    assert.match(ADAPTER_WRAPPER, /run_module\('glassgrad.cli'/);
  });

  it("is a DebugAdapterExecutable with the checked interpreter, run in the configuration's cwd", async () => {
    const fake = fakeApi();
    const environment = {
      ready: async () => ({ interpreter: { command: "/venv/bin/python", source: "Python extension" }, version: "0.1.0" }),
    } as unknown as PythonEnvironment;
    const factory = new AdapterFactory(fake.api, environment, path.join(dir, "logs"), () => undefined);
    const session = { id: "s/1", name: "n", configuration: { cwd: dir, python: "/venv/bin/python" }, workspaceFolder: undefined };
    const descriptor = (await factory.createDebugAdapterDescriptor(session as never)) as unknown as {
      command: string;
      args: string[];
      options: { cwd: string };
    };
    const stderrFile = path.join(dir, "logs", "dap-s_1.stderr");
    assert.deepEqual(descriptor, { command: "/venv/bin/python", args: adapterArguments(stderrFile), options: { cwd: dir } });
    assert.deepEqual(factory.processes.get("s/1"), { command: "/venv/bin/python -m glassgrad.cli dap", stderrFile });
  });

  it("is not started when the interpreter cannot run glassgrad", async () => {
    const environment = { ready: async () => undefined } as unknown as PythonEnvironment;
    const factory = new AdapterFactory(fakeApi().api, environment, dir, () => undefined);
    await assert.rejects(factory.createDebugAdapterDescriptor({ id: "x", configuration: {} } as never), /no Python interpreter with glassgrad/);
  });
});

describe("an adapter that dies is reported", () => {
  it("at start (before any answer) with its last stderr line, whatever the exit code", () => {
    const stderr = "Traceback (most recent call last):\n  ...\nModuleNotFoundError: No module named 'debugpy'\n";
    assert.equal(
      exitReport({ answered: false, ending: false }, { code: 1 }, stderr, "py -m glassgrad.cli dap"),
      "glassgrad's debug adapter (py -m glassgrad.cli dap) exited before it answered (exit code 1): ModuleNotFoundError: No module named 'debugpy'",
    );
    assert.match(exitReport({ answered: false, ending: false }, { code: 0 }, "", "c")!, /exit code 0\) \(it wrote nothing on stderr\)$/);
  });

  it("during a session only when it crashed, not at an ordinary end", () => {
    assert.match(exitReport({ answered: true, ending: false }, { code: 1 }, "boom", "c")!, /stopped during the session \(exit code 1\): boom/);
    assert.equal(exitReport({ answered: true, ending: true }, { code: 1 }, "boom", "c"), undefined);
    assert.equal(exitReport({ answered: true, ending: false }, { code: 0 }, "", "c"), undefined);
    assert.equal(exitReport({ answered: true, ending: false }, { signal: "SIGTERM" }, "", "c"), undefined);
  });

  it("by the tracker: an error message with Show Log, the stderr in the log; a clean end removes the file", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "glassgrad-tracker-"));
    try {
      let shownLog = 0;
      const fake = fakeApi({ choose: () => SHOW_LOG });
      const logs: string[] = [];
      const adapters = { processes: new Map<string, { command: string; stderrFile: string }>() };
      const trackers = new SessionTrackers(fake.api, adapters as unknown as AdapterFactory, (m) => logs.push(m), () => shownLog++);
      const ended: string[] = [];
      trackers.addListener({ fromAdapter() {}, toAdapter() {}, ended: (s) => ended.push(s.id) });

      const failed = path.join(dir, "a.stderr");
      fs.writeFileSync(failed, "glassgrad dap: error: bad port\n");
      adapters.processes.set("a", { command: "py -m glassgrad.cli dap", stderrFile: failed });
      trackers.createDebugAdapterTracker({ id: "a" } as never).onExit!(2, undefined);
      await new Promise((r) => setImmediate(r));
      const [shown] = fake.named("showErrorMessage");
      assert.deepEqual(shown.args, ["glassgrad's debug adapter (py -m glassgrad.cli dap) exited before it answered (exit code 2): glassgrad dap: error: bad port", SHOW_LOG]);
      assert.equal(shownLog, 1);
      assert.ok(logs.some((l) => l.includes("The adapter's stderr:\nglassgrad dap: error: bad port")));
      assert.ok(fs.existsSync(failed), "the stderr of a failed adapter is kept");

      const clean = path.join(dir, "b.stderr");
      fs.writeFileSync(clean, "");
      adapters.processes.set("b", { command: "c", stderrFile: clean });
      const tracker = trackers.createDebugAdapterTracker({ id: "b" } as never);
      tracker.onDidSendMessage!({ type: "response", command: "initialize", success: true });
      tracker.onWillReceiveMessage!({ type: "request", command: "disconnect" });
      tracker.onError!(new Error("read error")); // the adapter closing its pipe as it ends
      tracker.onExit!(0, undefined);
      assert.equal(fake.named("showErrorMessage").length, 1);
      assert.ok(logs.some((l) => l.includes("read error (the session was ending)")));
      assert.ok(!fs.existsSync(clean));
      assert.deepEqual(ended, ["a", "b"]);
      assert.equal(adapters.processes.size, 0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

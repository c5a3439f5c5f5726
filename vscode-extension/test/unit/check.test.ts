import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  CHECK_SCRIPT,
  checkGlassgrad,
  INSTALL_GLASSGRAD,
  problemOf,
  runProgram,
  SELECT_INTERPRETER,
  type Runner,
} from "../../src/python/check";
import { PythonEnvironment } from "../../src/python/environment";
import type { Interpreter } from "../../src/python/interpreter";
import { PythonExtension, PYTHON_EXTENSION_ID } from "../../src/python/pythonExtension";
import { fakeApi, fakeUri } from "./fakes";

/** An executable shell script standing in for an interpreter. */
function fakeInterpreter(dir: string, name: string, body: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

const posix = process.platform !== "win32";

describe("the glassgrad check: <python> -c 'import glassgrad'", () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "glassgrad-check-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("runs the interpreter with -c and the import, and reads the version", async () => {
    const seen: unknown[] = [];
    const run: Runner = async (command, args, options) => {
      seen.push(command, args, options.timeoutMs);
      return { timedOut: false, exitCode: 0, stdout: "0.1.0\n", stderr: "" };
    };
    assert.deepEqual(await checkGlassgrad("/venv/bin/python", { timeoutMs: 5000 }, run), { ok: true, version: "0.1.0" });
    assert.deepEqual(seen, ["/venv/bin/python", ["-c", CHECK_SCRIPT], 5000]);
    assert.match(CHECK_SCRIPT, /^import glassgrad\b/);
  });

  (posix ? it : it.skip)("tells a missing module from another failure, through a real process", async () => {
    const missing = fakeInterpreter(
      dir,
      "missing",
      `echo 'Traceback (most recent call last):' >&2; echo "ModuleNotFoundError: No module named 'glassgrad'" >&2; exit 1`,
    );
    assert.deepEqual(await checkGlassgrad(missing), {
      ok: false,
      reason: "not-installed",
      detail: "ModuleNotFoundError: No module named 'glassgrad'",
    });
    const broken = fakeInterpreter(dir, "broken", `echo "ModuleNotFoundError: No module named 'numpy'" >&2; exit 1`);
    assert.deepEqual(await checkGlassgrad(broken), {
      ok: false,
      reason: "failed",
      detail: "ModuleNotFoundError: No module named 'numpy'",
    });
    const silent = fakeInterpreter(dir, "silent", "exit 7");
    assert.deepEqual(await checkGlassgrad(silent), { ok: false, reason: "failed", detail: "exit code 7" });
    const ok = fakeInterpreter(dir, "ok", `[ "$1" = "-c" ] && echo 9.9.9`);
    assert.deepEqual(await checkGlassgrad(ok), { ok: true, version: "9.9.9" });
  });

  (posix ? it : it.skip)("gives up after its timeout and kills the interpreter", async () => {
    const slow = fakeInterpreter(dir, "slow", "exec sleep 30");
    const started = Date.now();
    assert.deepEqual(await checkGlassgrad(slow, { timeoutMs: 300 }), {
      ok: false,
      reason: "timeout",
      detail: "no answer within 0.3 s",
    });
    assert.ok(Date.now() - started < 5000);
  });

  it("says when there is no such interpreter", async () => {
    const result = await checkGlassgrad(path.join(dir, "no-such-python"));
    assert.deepEqual(result, { ok: false, reason: "not-found", detail: "ENOENT" });
  });

  it("runProgram never rejects", async () => {
    const result = await runProgram(process.execPath, ["-e", "process.stderr.write('x'); process.exit(3)"], { timeoutMs: 10000 });
    assert.deepEqual(result, { spawnError: undefined, timedOut: false, exitCode: 3, stdout: "", stderr: "x" });
  });
});

describe("the message and its actions", () => {
  const fromSetting: Interpreter = { command: "/opt/py/bin/python", source: "glassgrad.python setting" };

  it("names the interpreter and where it came from; offers Select and Install", () => {
    const problem = problemOf(fromSetting, { ok: false, reason: "not-installed", detail: "x" }, "start debugging");
    assert.equal(
      problem.message,
      "glassgrad cannot start debugging: glassgrad is not installed in the Python interpreter '/opt/py/bin/python' (from the glassgrad.python setting).",
    );
    assert.deepEqual(problem.actions, [SELECT_INTERPRETER, INSTALL_GLASSGRAD]);
  });

  it("offers only Select for an interpreter that is not there or hangs", () => {
    const missing = problemOf({ command: "python3", source: "PATH" }, { ok: false, reason: "not-found", detail: "ENOENT" }, "start its language server");
    assert.equal(missing.message, "glassgrad cannot start its language server: the Python interpreter 'python3' (from the PATH) was not found (ENOENT).");
    assert.deepEqual(missing.actions, [SELECT_INTERPRETER]);
    const slow = problemOf(fromSetting, { ok: false, reason: "timeout", detail: "no answer within 20 s" }, "start debugging");
    assert.match(slow.message, /did not finish `import glassgrad` \(no answer within 20 s\)/);
    assert.deepEqual(slow.actions, [SELECT_INTERPRETER]);
  });

  it("quotes the failure of an import that broke", () => {
    const problem = problemOf(fromSetting, { ok: false, reason: "failed", detail: "ImportError: numpy" }, "start debugging");
    assert.match(problem.message, /`import glassgrad` failed in .*: ImportError: numpy$/);
  });
});

describe("PythonEnvironment: check, report, act", () => {
  const failing: Runner = async () => ({
    timedOut: false,
    exitCode: 1,
    stdout: "",
    stderr: "ModuleNotFoundError: No module named 'glassgrad'\n",
  });

  function environment(options: { pythonExtension?: boolean; choice?: string; run?: Runner; setting?: string }) {
    const fake = fakeApi({
      choose: () => options.choice,
      settings: { "glassgrad.python": options.setting },
      folders: ["/proj"],
      extensions: options.pythonExtension
        ? { [PYTHON_EXTENSION_ID]: { isActive: true, exports: { environments: { getActiveEnvironmentPath: () => ({ path: "/proj/.venv/bin/python" }) } } } }
        : {},
    });
    const logs: string[] = [];
    const env = new PythonEnvironment(fake.api, new PythonExtension(fake.api, (m) => logs.push(m)), (m) => logs.push(m), { home: "/home/me", platform: "linux" }, options.run ?? failing);
    return { fake, env, logs };
  }

  it("shows the error and opens the glassgrad.python setting without the Python extension", async () => {
    const { fake, env } = environment({ choice: SELECT_INTERPRETER, setting: "/opt/py" });
    assert.equal(await env.ready("start debugging", fakeUri("/proj/train.py")), undefined);
    await new Promise((r) => setImmediate(r));
    const [shown] = fake.named("showErrorMessage");
    assert.match(String(shown.args[0]), /'\/opt\/py' \(from the glassgrad.python setting\)/);
    assert.deepEqual(shown.args.slice(1), [SELECT_INTERPRETER, INSTALL_GLASSGRAD]);
    assert.deepEqual(fake.named("executeCommand").map((c) => c.args), [["workbench.action.openSettings", "glassgrad.python"]]);
  });

  it("opens the Python extension's picker when it is installed", async () => {
    const { fake, env } = environment({ pythonExtension: true, choice: SELECT_INTERPRETER });
    await env.ready("start debugging");
    await new Promise((r) => setImmediate(r));
    assert.match(String(fake.named("showErrorMessage")[0].args[0]), /'\/proj\/.venv\/bin\/python' \(from the Python extension\)/);
    assert.deepEqual(fake.named("executeCommand").map((c) => c.args), [["python.setInterpreter"]]);
  });

  it("installs with that interpreter's pip in a terminal, and checks again when it closes", async () => {
    const { fake, env } = environment({ choice: INSTALL_GLASSGRAD });
    const subscriptions: Array<{ dispose(): unknown }> = [];
    env.watch(subscriptions);
    let changes = 0;
    env.onDidChange(() => changes++);
    await env.ready("start debugging");
    await new Promise((r) => setImmediate(r));
    assert.equal(fake.terminals.length, 1);
    assert.deepEqual(fake.terminals[0].options, { name: "Install glassgrad", shellPath: "python3", shellArgs: ["-m", "pip", "install", "glassgrad"] });
    assert.equal(fake.terminals[0].shown, true);
    fake.events.closeTerminal.fire({ other: true });
    assert.equal(changes, 0);
    fake.events.closeTerminal.fire(fake.terminals[0]);
    assert.equal(changes, 1);
  });

  it("remembers an interpreter that works, until the setting changes", async () => {
    let runs = 0;
    const { fake, env } = environment({
      run: async () => {
        runs++;
        return { timedOut: false, exitCode: 0, stdout: "0.1.0\n", stderr: "" };
      },
    });
    env.watch([]);
    const ready = await env.ready("start debugging");
    assert.deepEqual(ready, { interpreter: { command: "python3", source: "PATH" }, version: "0.1.0" });
    await env.ready("start debugging");
    assert.equal(runs, 1);
    fake.events.configuration.fire({ affectsConfiguration: (s) => s === "glassgrad.python" });
    await env.ready("start debugging");
    assert.equal(runs, 2);
    fake.events.configuration.fire({ affectsConfiguration: (s) => s === "glassgrad.stale" });
    await env.ready("start debugging");
    assert.equal(runs, 2);
    assert.equal(fake.named("showErrorMessage").length, 0);
  });
});

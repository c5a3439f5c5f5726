import * as assert from "node:assert/strict";
import { expandPath, pythonOfConfiguration, resolveInterpreter, type InterpreterSources } from "../../src/python/interpreter";
import { PythonExtension, PYTHON_EXTENSION_ID } from "../../src/python/pythonExtension";
import { fakeApi, fakeUri } from "./fakes";

function sources(over: Partial<InterpreterSources> = {}): InterpreterSources {
  return {
    pythonExtension: async () => undefined,
    setting: () => undefined,
    folder: "/work/project",
    home: "/home/me",
    platform: "linux",
    ...over,
  };
}

describe("interpreter resolution order", () => {
  it("takes a launch configuration's python first", async () => {
    const got = await resolveInterpreter(
      sources({ pythonExtension: async () => "/venv/bin/python", setting: () => "/opt/py" }),
      "${workspaceFolder}/.venv/bin/python",
    );
    assert.deepEqual(got, { command: "/work/project/.venv/bin/python", source: "launch configuration" });
  });

  it("reads a configuration's python given as a list (path, then arguments)", async () => {
    assert.equal(pythonOfConfiguration(["/usr/bin/python3.11", "-X", "dev"]), "/usr/bin/python3.11");
    assert.equal(pythonOfConfiguration(""), undefined);
    assert.equal(pythonOfConfiguration([]), undefined);
    assert.equal(pythonOfConfiguration(3), undefined);
  });

  it("then the Python extension's selection, over the setting", async () => {
    let asked = 0;
    const got = await resolveInterpreter(
      sources({
        pythonExtension: async () => {
          asked++;
          return "/venv/bin/python";
        },
        setting: () => "/opt/py",
      }),
    );
    assert.deepEqual(got, { command: "/venv/bin/python", source: "Python extension" });
    assert.equal(asked, 1);
  });

  it("then the glassgrad.python setting, with ~ and ${workspaceFolder} expanded", async () => {
    assert.deepEqual(await resolveInterpreter(sources({ setting: () => "~/envs/gg/bin/python" })), {
      command: "/home/me/envs/gg/bin/python",
      source: "glassgrad.python setting",
    });
    assert.deepEqual(await resolveInterpreter(sources({ setting: () => "  ${workspaceFolder}/venv/bin/python " })), {
      command: "/work/project/venv/bin/python",
      source: "glassgrad.python setting",
    });
  });

  it("then python3 on PATH (python on Windows); blank values count as unset", async () => {
    const blank = sources({ pythonExtension: async () => "", setting: () => "   " });
    assert.deepEqual(await resolveInterpreter(blank, "  "), { command: "python3", source: "PATH" });
    assert.deepEqual(await resolveInterpreter(sources({ platform: "win32" })), { command: "python", source: "PATH" });
  });

  it("leaves other text alone when expanding", () => {
    assert.equal(expandPath("/a/~b/${env:X}", undefined, "/h"), "/a/~b/${env:X}");
    assert.equal(expandPath("${userHome}/py", undefined, "/h"), "/h/py");
    assert.equal(expandPath("~", undefined, "/h"), "/h");
  });
});

describe("the Python extension (guarded)", () => {
  const log: string[] = [];
  const make = (ext: unknown, timeoutMs = 1000) =>
    new PythonExtension(fakeApi({ extensions: ext === undefined ? {} : { [PYTHON_EXTENSION_ID]: ext } }).api, (m) => log.push(m), timeoutMs);

  it("is absent when not installed", async () => {
    const python = make(undefined);
    assert.equal(python.installed(), false);
    assert.equal(await python.activeInterpreter(), undefined);
    assert.equal(await python.onDidChangeInterpreter(() => undefined), undefined);
  });

  it("gives the resolved executable of the active environment", async () => {
    const resources: unknown[] = [];
    const api = {
      environments: {
        getActiveEnvironmentPath: (resource: unknown) => {
          resources.push(resource);
          return { id: "venv", path: "/proj/.venv" };
        },
        resolveEnvironment: async (env: { path: string }) => ({
          executable: { uri: { fsPath: `${env.path}/bin/python` } },
        }),
      },
    };
    const python = make({ isActive: true, exports: api });
    assert.equal(python.installed(), true);
    const uri = fakeUri("/proj/train.py");
    assert.equal(await python.activeInterpreter(uri), "/proj/.venv/bin/python");
    assert.deepEqual(resources, [uri]);
  });

  it("activates the extension first, and falls back to the environment's path", async () => {
    let activated = false;
    const exports = { environments: { getActiveEnvironmentPath: () => ({ id: "x", path: "/usr/bin/python3" }) } };
    const python = make({
      isActive: false,
      activate: async () => {
        activated = true;
        return exports;
      },
    });
    assert.equal(await python.activeInterpreter(), "/usr/bin/python3");
    assert.equal(activated, true);
  });

  it("reads the older settings API", async () => {
    const python = make({
      isActive: true,
      exports: { settings: { getExecutionDetails: () => ({ execCommand: ["/old/python", "-X"] }) } },
    });
    assert.equal(await python.activeInterpreter(), "/old/python");
  });

  it("treats a throwing, odd or slow extension as no selection", async () => {
    const throwing = make({
      isActive: true,
      exports: { environments: { getActiveEnvironmentPath: () => { throw new Error("boom"); } } },
    });
    assert.equal(await throwing.activeInterpreter(), undefined);
    assert.equal(await make({ isActive: true, exports: 42 }).activeInterpreter(), undefined);
    assert.equal(await make({ isActive: false, activate: () => Promise.reject(new Error("no")) }).activeInterpreter(), undefined);
    const slow = make({ isActive: false, activate: () => new Promise(() => undefined) }, 20);
    assert.equal(await slow.activeInterpreter(), undefined);
    assert.ok(log.some((m) => m.includes("did not activate")));
  });

  it("follows the selection through onDidChangeActiveEnvironmentPath", async () => {
    const listeners: Array<() => void> = [];
    const python = make({
      isActive: true,
      exports: {
        environments: {
          onDidChangeActiveEnvironmentPath: (l: () => void) => {
            listeners.push(l);
            return { dispose() {} };
          },
        },
      },
    });
    let changed = 0;
    assert.ok(await python.onDidChangeInterpreter(() => changed++));
    listeners[0]();
    assert.equal(changed, 1);
  });
});

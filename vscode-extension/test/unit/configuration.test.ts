import * as assert from "node:assert/strict";
import manifest from "../../package.json";
import {
  currentFileConfiguration,
  dirname,
  initialConfigurations,
  resolveDefaults,
  resolveSubstituted,
} from "../../src/debugger/configuration";
import { ConfigurationProvider, debugFile } from "../../src/debugger/provider";
import type { PythonEnvironment } from "../../src/python/environment";
import { fakeApi } from "./fakes";

describe("debug configuration defaults", () => {
  it("F5 without a launch.json debugs the active Python file", () => {
    const got = resolveDefaults({ type: "", request: "", name: "" }, { pythonFile: "/p/train.py" });
    assert.deepEqual(got, { config: { ...currentFileConfiguration(), program: "/p/train.py" } });
  });

  it("says so when there is nothing to debug", () => {
    const got = resolveDefaults({ type: "", request: "", name: "" }, {});
    assert.ok("error" in got && /Open a Python file/.test(got.error));
    const launch = resolveDefaults({ type: "glassgrad", request: "launch", name: "x" }, {});
    assert.ok("error" in launch && /no `program` or `module`/.test(launch.error));
  });

  it("a launch without program or module takes the current file; a module stays a module", () => {
    const got = resolveDefaults({ type: "glassgrad", request: "launch", name: "" }, { pythonFile: "/p/a.py" });
    assert.deepEqual(got, { config: { type: "glassgrad", request: "launch", name: "glassgrad: a.py", program: "/p/a.py" } });
    const mod = resolveDefaults({ type: "glassgrad", request: "launch", name: "", module: "pkg.train" }, { pythonFile: "/p/a.py" });
    assert.deepEqual(mod, { config: { type: "glassgrad", request: "launch", name: "glassgrad: pkg.train", module: "pkg.train" } });
  });

  it("keeps what the user wrote", () => {
    const config = { type: "glassgrad", request: "launch", name: "mine", program: "${file}", justMyCode: false, record: true, console: "internalConsole" };
    assert.deepEqual(resolveDefaults(config, { pythonFile: "/p/a.py" }), { config });
  });

  it("an attach needs somewhere to attach; connect gets a host", () => {
    const bare = resolveDefaults({ type: "glassgrad", request: "attach", name: "a" }, {});
    assert.ok("error" in bare && /connect.*processId/.test(bare.error));
    assert.deepEqual(resolveDefaults({ type: "glassgrad", request: "attach", name: "a", connect: { port: 5678 } }, {}), {
      config: { type: "glassgrad", request: "attach", name: "a", connect: { host: "127.0.0.1", port: 5678 } },
    });
    assert.ok("config" in resolveDefaults({ type: "glassgrad", request: "attach", name: "a", processId: 1234 }, {}));
    const odd = resolveDefaults({ type: "glassgrad", request: "restart", name: "a" }, {});
    assert.ok("error" in odd);
  });

  it("after substitution: cwd is the folder, else the program's; python is the adapter's", () => {
    const launch = { type: "glassgrad", request: "launch", name: "n", program: "/p/sub/a.py" };
    assert.deepEqual(resolveSubstituted(launch, { folder: "/p", python: "/venv/bin/python" }), {
      ...launch,
      cwd: "/p",
      python: "/venv/bin/python",
    });
    assert.deepEqual(resolveSubstituted(launch, { python: "python3" }), { ...launch, cwd: "/p/sub", python: "python3" });
    const mine = { ...launch, cwd: "/elsewhere", python: ["/py", "-X", "dev"] };
    assert.deepEqual(resolveSubstituted(mine, { folder: "/p", python: "python3" }), mine);
    const attach = { type: "glassgrad", request: "attach", name: "n", connect: { port: 1 } };
    assert.deepEqual(resolveSubstituted(attach, { folder: "/p", python: "python3" }), attach);
    assert.equal(dirname("/a.py"), "/");
    assert.equal(dirname("a.py"), ".");
  });

  it("package.json's initialConfigurations are the provider's", () => {
    const debuggers = manifest.contributes.debuggers;
    assert.equal(debuggers.length, 1);
    assert.deepEqual(debuggers[0].initialConfigurations, initialConfigurations());
  });
});

describe("the configuration provider", () => {
  const env = (ready: boolean) => {
    const asked: unknown[] = [];
    const environment = {
      ready: async (purpose: string, resource: unknown, configured: unknown) => {
        asked.push(purpose, resource, configured);
        return ready ? { interpreter: { command: "/venv/bin/python", source: "Python extension" }, version: "0.1.0" } : undefined;
      },
    } as unknown as PythonEnvironment;
    return { environment, asked };
  };

  it("fills defaults from the active editor and cancels with a message when it cannot", () => {
    const fake = fakeApi({ activeFile: { path: "/p/train.py", languageId: "python" } });
    const provider = new ConfigurationProvider(fake.api, env(true).environment);
    assert.equal(provider.resolveDebugConfiguration(undefined, { type: "", request: "", name: "" })?.program, "/p/train.py");
    fake.setActiveFile({ path: "/p/notes.md", languageId: "markdown" });
    assert.equal(provider.resolveDebugConfiguration(undefined, { type: "", request: "", name: "" }), undefined);
    assert.equal(fake.named("showErrorMessage").length, 1);
  });

  it("checks the interpreter before the session starts, and cancels when it cannot run glassgrad", async () => {
    const fake = fakeApi({ folders: ["/p"] });
    const ok = env(true);
    const config = { type: "glassgrad", request: "launch", name: "n", program: "/p/a.py" };
    const folder = { uri: { fsPath: "/p" }, name: "p", index: 0 } as never;
    const got = await new ConfigurationProvider(fake.api, ok.environment).resolveDebugConfigurationWithSubstitutedVariables(folder, config);
    assert.deepEqual(got, { ...config, cwd: "/p", python: "/venv/bin/python" });
    assert.equal(ok.asked[0], "start debugging");
    const bad = env(false);
    assert.equal(await new ConfigurationProvider(fake.api, bad.environment).resolveDebugConfigurationWithSubstitutedVariables(folder, config), undefined);
  });

  it("Debug File starts a glassgrad launch of the file", async () => {
    const fake = fakeApi({ activeFile: { path: "/p/train.py", languageId: "python" }, folders: ["/p"] });
    assert.equal(await debugFile(fake.api), true);
    const [call] = fake.named("startDebugging");
    assert.equal((call.args[0] as { name: string }).name, "/p");
    assert.deepEqual(call.args[1], { ...currentFileConfiguration(), name: "glassgrad: train.py", program: "/p/train.py" });
    fake.setActiveFile(undefined);
    assert.equal(await debugFile(fake.api), false);
  });
});

import * as assert from "node:assert/strict";
import { chooseRun, recordFile } from "../../src/languageClient/runCommands";
import type { LanguageClientManager } from "../../src/languageClient/manager";
import { fakeApi } from "./fakes";

function manager(runs: unknown[], record: unknown = { exitCode: 0 }) {
  const calls: unknown[] = [];
  const fake = {
    current: {},
    start: async () => undefined,
    listRuns: async () => runs,
    chosenRun: () => undefined,
    chooseRun: async (uri: { fsPath: string }, run: string | null) => calls.push(["chooseRun", uri.fsPath, run]),
    recordFile: async (uri: { fsPath: string }) => {
      calls.push(["recordFile", uri.fsPath]);
      return record;
    },
  };
  return { manager: fake as unknown as LanguageClientManager, calls, fake };
}

describe("Choose Run for This File / Record This File", () => {
  const runs = [
    { path: "/r/new.db", name: "new", status: "finished", started: 2, iterations: 1 },
    { path: "/r/old.db", name: "old", status: "failed", started: 1, iterations: 1 },
  ];

  it("picks a run of the active file and tells the server", async () => {
    const fake = fakeApi({
      activeFile: { path: "/p/train.py", languageId: "python" },
      choose: (_m, items) => (items as Array<{ run: string | null }>).find((i) => i.run === "/r/old.db"),
    });
    const { manager: m, calls } = manager(runs);
    await chooseRun(fake.api, m);
    const [pick] = fake.named("showQuickPick");
    assert.deepEqual((pick.args[0] as Array<{ run: unknown }>).map((i) => i.run), [null, "/r/new.db", "/r/old.db"]);
    assert.deepEqual(calls, [["chooseRun", "/p/train.py", "/r/old.db"]]);
  });

  it("going back to the newest run sends null; Escape sends nothing", async () => {
    const fake = fakeApi({ activeFile: { path: "/p/train.py", languageId: "python" }, choose: (_m, items) => (items as unknown[])[0] });
    const { manager: m, calls } = manager(runs);
    await chooseRun(fake.api, m);
    assert.deepEqual(calls, [["chooseRun", "/p/train.py", null]]);
    const escape = fakeApi({ activeFile: { path: "/p/train.py", languageId: "python" } });
    const other = manager(runs);
    await chooseRun(escape.api, other.manager);
    assert.deepEqual(other.calls, []);
  });

  it("offers to record a file no run recorded", async () => {
    const fake = fakeApi({ activeFile: { path: "/p/train.py", languageId: "python" }, choose: (m) => (m.startsWith("No recorded run") ? "Record This File" : undefined) });
    const { manager: m, calls } = manager([]);
    await chooseRun(fake.api, m);
    assert.deepEqual(calls, [["recordFile", "/p/train.py"]]);
    assert.deepEqual(fake.named("showInformationMessage").map((c) => c.args[0]), [
      "No recorded run includes train.py yet.",
      "glassgrad: recorded train.py.",
    ]);
  });

  it("records, and says how the program ended", async () => {
    const fake = fakeApi({ activeFile: { path: "/p/train.py", languageId: "python" } });
    const failing = manager([], { exitCode: 1 });
    await recordFile(fake.api, failing.manager);
    assert.match(String(fake.named("showWarningMessage")[0].args[0]), /train.py ended with exit code 1/);
  });

  it("needs a Python file and a running server", async () => {
    const none = fakeApi({ activeFile: { path: "/p/a.md", languageId: "markdown" } });
    const { manager: m, calls } = manager(runs);
    await chooseRun(none.api, m);
    assert.equal(String(none.named("showErrorMessage")[0].args[0]), "glassgrad: open a Python file first.");
    const stopped = fakeApi({ activeFile: { path: "/p/train.py", languageId: "python" } });
    const down = manager(runs);
    Object.assign(down.fake, { current: undefined });
    await recordFile(stopped.api, down.manager);
    assert.match(String(stopped.named("showErrorMessage")[0].args[0]), /language server is not running/);
    assert.deepEqual([...calls, ...down.calls], []);
  });
});

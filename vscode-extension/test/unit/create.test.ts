// create.ts against the real vscode-languageclient, under a stand-in `vscode` module: the
// server's glassgrad.showGraph is not registered over the extension's command.
import * as assert from "node:assert/strict";
import Module from "node:module";

describe("the real LanguageClient", () => {
  const registered: string[] = [];
  const restore: Array<() => void> = [];

  before(() => {
    // Anything the library touches at import and construction: a callable, constructible
    // object whose every property is itself.
    const anything: unknown = new Proxy(function () {}, {
      get: (_target, key) => (key === "then" ? undefined : key === Symbol.toPrimitive ? () => "" : anything),
      apply: () => anything,
      construct: () => anything as object,
    });
    const vscode = new Proxy(
      {},
      {
        get: (_target, key) =>
          key === "commands"
            ? {
                registerCommand: (id: string) => {
                  registered.push(id);
                  return { dispose() {} };
                },
                executeCommand: async () => undefined,
              }
            : key === "version"
              ? "1.90.0"
              : key === "__esModule"
                ? false
                : anything,
      },
    );
    const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
    const load = loader._load;
    loader._load = (request: string, ...rest: unknown[]) => (request === "vscode" ? vscode : load(request, ...rest));
    restore.push(() => (loader._load = load));
  });
  after(() => restore.forEach((r) => r()));

  it("registers the server's commands except those the extension contributes", async () => {
    const { clientFactory } = await import("../../src/languageClient/create");
    const output = { appendLine() {}, append() {}, show() {}, dispose() {}, name: "glassgrad" };
    const client = clientFactory(output as never)(
      { command: "python3", args: ["-m", "glassgrad.cli", "lsp"], options: {} },
      {
        documentSelector: [{ scheme: "file", language: "python" }],
        initializationOptions: {},
        synchronize: { configurationSection: "glassgrad" },
        middleware: { executeCommand: (c, a, next) => next(c, a) },
      },
    );
    const { ExecuteCommandRequest } = await import("vscode-languageclient/node");
    // What the client does with the server's executeCommandProvider after `initialize`:
    client.getFeature(ExecuteCommandRequest.method).initialize(
      {
        executeCommandProvider: {
          commands: ["glassgrad.listRuns", "glassgrad.chooseRun", "glassgrad.showGraph", "glassgrad.recordFile"],
        },
      } as never,
      undefined as never,
    );
    assert.deepEqual(registered, ["glassgrad.listRuns", "glassgrad.chooseRun", "glassgrad.recordFile"]);
  });
});

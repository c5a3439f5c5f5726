// The language client and the commands that talk to the language server.
import type * as vscode from "vscode";
import type { VsCodeApi } from "../vscodeApi";
import type { PythonEnvironment } from "../python/environment";
import { clientFactory } from "./create";
import { LanguageClientManager } from "./manager";
import { chooseRun, recordFile } from "./runCommands";

export function registerLanguageClient(
  api: VsCodeApi,
  context: vscode.ExtensionContext,
  environment: PythonEnvironment,
  output: vscode.OutputChannel,
  log: (msg: string) => void,
): LanguageClientManager {
  const manager = new LanguageClientManager(api, environment, clientFactory(output), log);
  environment.onDidChange(() => void manager.restart());
  context.subscriptions.push(
    { dispose: () => void manager.dispose() },
    api.commands.registerCommand("glassgrad.chooseRunForFile", (uri?: vscode.Uri) => chooseRun(api, manager, uri)),
    api.commands.registerCommand("glassgrad.recordThisFile", (uri?: vscode.Uri) => recordFile(api, manager, uri)),
    api.commands.registerCommand("glassgrad.restartLanguageServer", () => manager.restart()),
  );
  void manager.start();
  return manager;
}

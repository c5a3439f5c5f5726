import type * as vscode from "vscode";
import { registerDebugger } from "./debugger";
import { registerLanguageClient } from "./languageClient";
import { registerPython } from "./python";
import { StatusBar } from "./status/statusBar";
import { realVsCodeApi } from "./vscodeApi";
import { registerWebviews } from "./webviews";

let stopLanguageServer: (() => Promise<void>) | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const api = realVsCodeApi();
  const output = api.window.createOutputChannel("glassgrad");
  const log = (msg: string) => output.appendLine(`[${new Date().toISOString()}] ${msg}`);
  context.subscriptions.push(output, api.commands.registerCommand("glassgrad.showLog", () => output.show()));

  const environment = registerPython(api, context, log);
  const languageClient = registerLanguageClient(api, context, environment, output, log);
  stopLanguageServer = () => languageClient.stop();
  const sessions = registerDebugger(api, context, environment, log, () => output.show());
  sessions.addListener(new StatusBar(api, languageClient, context.subscriptions));
  registerWebviews(context, { languageClient: () => languageClient.current, log });
}

/** VS Code waits for the language server's shutdown. */
export function deactivate(): Promise<void> | undefined {
  return stopLanguageServer?.();
}

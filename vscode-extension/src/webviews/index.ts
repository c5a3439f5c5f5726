// The tensor viewer and the graph view: registers their commands (contributed in package.json).
// The webviews' browser code is in ./tensor and ./graph (bundled to dist/webviews/<name>.js), the
// extension side in ./host, the messages between them in ../shared/messages.ts.

import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";
import { WebviewCommands } from "./host/commands";
import { vscodeHost } from "./host/vscode";

export function registerWebviews(
  context: vscode.ExtensionContext,
  deps: { languageClient: () => LanguageClient | undefined; log: (msg: string) => void },
): void {
  const host = vscodeHost(context, {
    languageClient: () => {
      const client = deps.languageClient();
      return client && { sendRequest: (method: string, params: unknown) => client.sendRequest<unknown>(method, params) };
    },
    log: deps.log,
  });
  const commands = new WebviewCommands(host);
  context.subscriptions.push(
    { dispose: () => commands.dispose() },
    vscode.commands.registerCommand("glassgrad.viewTensor", (arg: unknown) => commands.viewTensor(arg, "value")),
    vscode.commands.registerCommand("glassgrad.viewGradient", (arg: unknown) => commands.viewTensor(arg, "grad")),
    vscode.commands.registerCommand("glassgrad.showGraph", (arg: unknown) => commands.showGraph(arg)),
    vscode.commands.registerCommand("glassgrad.openRunGraph", () => commands.openRunGraph()),
  );
}

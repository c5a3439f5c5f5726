import type * as vscode from "vscode";
import { registerWebviews } from "./webviews";

export function activate(context: vscode.ExtensionContext): void {
  registerWebviews(context, { languageClient: () => undefined, log: () => undefined });
}

export function deactivate(): void {}

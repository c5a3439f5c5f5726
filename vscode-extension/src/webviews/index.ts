import type * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";

// Temporary: the webview engineer replaces this file with the real registrations of
// glassgrad.viewTensor, glassgrad.viewGradient, glassgrad.showGraph and glassgrad.openRunGraph.
export function registerWebviews(
  _context: vscode.ExtensionContext,
  _deps: { languageClient: () => LanguageClient | undefined; log: (msg: string) => void },
): void {}

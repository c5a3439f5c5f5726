// The commands "glassgrad: Choose Run for This File" and "glassgrad: Record This File".
import type * as vscode from "vscode";
import type { VsCodeApi } from "../vscodeApi";
import { runPicks, type RunPick } from "./commands";
import { messageOf, type LanguageClientManager } from "./manager";

function pythonDocument(api: VsCodeApi, uri?: vscode.Uri): vscode.Uri | undefined {
  if (uri?.scheme === "file") return uri;
  const document = api.window.activeTextEditor?.document;
  if (document?.languageId === "python" && document.uri.scheme === "file") return document.uri;
  void api.window.showErrorMessage("glassgrad: open a Python file first.");
  return undefined;
}

async function running(api: VsCodeApi, manager: LanguageClientManager): Promise<boolean> {
  await manager.start();
  if (manager.current !== undefined) return true;
  void api.window.showErrorMessage(
    "glassgrad's language server is not running (see the glassgrad output). Select an interpreter with glassgrad installed.",
  );
  return false;
}

export async function chooseRun(api: VsCodeApi, manager: LanguageClientManager, uri?: vscode.Uri): Promise<void> {
  const document = pythonDocument(api, uri);
  if (document === undefined || !(await running(api, manager))) return;
  try {
    const runs = (await manager.listRuns(document)) ?? [];
    if (runs.length === 0) {
      const choice = await api.window.showInformationMessage(
        `No recorded run includes ${document.fsPath.split(/[\\/]/).pop()} yet.`,
        "Record This File",
      );
      if (choice !== undefined) await recordFile(api, manager, document);
      return;
    }
    const pick = await api.window.showQuickPick<RunPick & { label: string }>(
      runPicks(runs, manager.chosenRun(document), Date.now() / 1000),
      { title: "glassgrad: the run this file reads", matchOnDescription: true, matchOnDetail: true },
    );
    if (pick === undefined) return;
    await manager.chooseRun(document, pick.run);
  } catch (e) {
    void api.window.showErrorMessage(`glassgrad: choosing a run failed: ${messageOf(e)}`);
  }
}

export async function recordFile(api: VsCodeApi, manager: LanguageClientManager, uri?: vscode.Uri): Promise<void> {
  const document = pythonDocument(api, uri);
  if (document === undefined || !(await running(api, manager))) return;
  try {
    const result = (await manager.recordFile(document)) as { exitCode?: number } | undefined;
    const name = document.fsPath.split(/[\\/]/).pop();
    if (result?.exitCode === 0) {
      void api.window.showInformationMessage(`glassgrad: recorded ${name}.`);
    } else if (result !== undefined) {
      void api.window.showWarningMessage(
        `glassgrad: ${name} ended with exit code ${String(result.exitCode)} (the run store keeps what it recorded; see the glassgrad output).`,
      );
    }
  } catch (e) {
    void api.window.showErrorMessage(`glassgrad: recording failed: ${messageOf(e)}`);
  }
}

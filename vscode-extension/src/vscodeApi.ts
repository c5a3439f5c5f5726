// The one module that touches the `vscode` module at run time. Everything else imports only
// its types (`import type`, erased by esbuild) and receives a VsCodeApi, so unit tests run
// under plain Node with a fake of the parts they need.
import * as vscode from "vscode";

export interface VsCodeApi {
  readonly window: Pick<
    typeof vscode.window,
    | "showErrorMessage"
    | "showWarningMessage"
    | "showInformationMessage"
    | "showQuickPick"
    | "createTerminal"
    | "createStatusBarItem"
    | "createOutputChannel"
    | "onDidChangeActiveTextEditor"
    | "onDidCloseTerminal"
    | "activeTextEditor"
  >;
  readonly workspace: Pick<
    typeof vscode.workspace,
    | "getConfiguration"
    | "getWorkspaceFolder"
    | "workspaceFolders"
    | "onDidChangeConfiguration"
    | "onDidSaveTextDocument"
  >;
  readonly commands: Pick<typeof vscode.commands, "registerCommand" | "executeCommand">;
  readonly debug: Pick<
    typeof vscode.debug,
    | "registerDebugConfigurationProvider"
    | "registerDebugAdapterDescriptorFactory"
    | "registerDebugAdapterTrackerFactory"
    | "startDebugging"
    | "onDidStartDebugSession"
    | "onDidTerminateDebugSession"
    | "onDidChangeActiveDebugSession"
    | "activeDebugSession"
  >;
  readonly extensions: Pick<typeof vscode.extensions, "getExtension">;
  readonly env: Pick<typeof vscode.env, "openExternal">;
  /** A DebugAdapterExecutable (a constructor in the real API). */
  debugAdapterExecutable(
    command: string,
    args: string[],
    options?: vscode.DebugAdapterExecutableOptions,
  ): vscode.DebugAdapterExecutable;
  fileUri(path: string): vscode.Uri;
  readonly StatusBarAlignment: typeof vscode.StatusBarAlignment;
  readonly DebugConfigurationProviderTriggerKind: typeof vscode.DebugConfigurationProviderTriggerKind;
  themeColor(id: string): vscode.ThemeColor;
  markdown(text: string): vscode.MarkdownString;
}

export function realVsCodeApi(): VsCodeApi {
  return {
    window: vscode.window,
    workspace: vscode.workspace,
    commands: vscode.commands,
    debug: vscode.debug,
    extensions: vscode.extensions,
    env: vscode.env,
    debugAdapterExecutable: (command, args, options) =>
      new vscode.DebugAdapterExecutable(command, args, options),
    fileUri: (path) => vscode.Uri.file(path),
    StatusBarAlignment: vscode.StatusBarAlignment,
    DebugConfigurationProviderTriggerKind: vscode.DebugConfigurationProviderTriggerKind,
    themeColor: (id) => new vscode.ThemeColor(id),
    markdown: (text) => new vscode.MarkdownString(text),
  };
}

// The DebugConfigurationProvider of the `glassgrad` type: launch.json's first configurations,
// "glassgrad: Current File" in the Run and Debug list, defaults, and the interpreter check
// before anything starts.
import type * as vscode from "vscode";
import type { VsCodeApi } from "../vscodeApi";
import type { PythonEnvironment } from "../python/environment";
import { currentFileConfiguration, initialConfigurations, resolveDefaults, resolveSubstituted } from "./configuration";

export function activePythonFile(api: VsCodeApi): string | undefined {
  const document = api.window.activeTextEditor?.document;
  if (document === undefined || document.languageId !== "python" || document.uri.scheme !== "file") return undefined;
  return document.uri.fsPath;
}

export class ConfigurationProvider implements vscode.DebugConfigurationProvider {
  constructor(
    private readonly api: VsCodeApi,
    private readonly environment: PythonEnvironment,
  ) {}

  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    return initialConfigurations();
  }

  resolveDebugConfiguration(
    _folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): vscode.DebugConfiguration | undefined {
    const resolved = resolveDefaults(config, { pythonFile: activePythonFile(this.api) });
    if ("error" in resolved) {
      void this.api.window.showErrorMessage(resolved.error);
      return undefined; // cancels the launch
    }
    return resolved.config;
  }

  async resolveDebugConfigurationWithSubstitutedVariables(
    folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): Promise<vscode.DebugConfiguration | undefined> {
    const program = typeof config.program === "string" ? config.program : undefined;
    const resource = folder?.uri ?? (program !== undefined ? this.api.fileUri(program) : undefined);
    const ready = await this.environment.ready("start debugging", resource, config.python);
    if (ready === undefined) return undefined; // the user was told why, with actions
    return resolveSubstituted(config, { folder: folder?.uri.fsPath, python: ready.interpreter.command });
  }
}

/** "glassgrad: Current File" in the Run and Debug view's list, without a launch.json. */
export class DynamicConfigurationProvider implements vscode.DebugConfigurationProvider {
  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    return [currentFileConfiguration()];
  }
}

/** The "Debug File with glassgrad" command (editor title's Run menu, palette, explorer). */
export async function debugFile(api: VsCodeApi, uri?: vscode.Uri): Promise<boolean> {
  const target = uri?.scheme === "file" ? uri.fsPath : activePythonFile(api);
  if (target === undefined) {
    void api.window.showErrorMessage("Open a Python file to debug it with glassgrad.");
    return false;
  }
  const folder = api.workspace.getWorkspaceFolder(api.fileUri(target));
  return api.debug.startDebugging(folder, {
    ...currentFileConfiguration(),
    name: `glassgrad: ${target.split(/[\\/]/).pop()}`,
    program: target,
  });
}

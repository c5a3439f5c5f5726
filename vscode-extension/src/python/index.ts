// The interpreter glassgrad runs with, and the commands about it.
import * as os from "node:os";
import type * as vscode from "vscode";
import type { VsCodeApi } from "../vscodeApi";
import { PythonEnvironment } from "./environment";
import { PythonExtension } from "./pythonExtension";

export function registerPython(
  api: VsCodeApi,
  context: vscode.ExtensionContext,
  log: (msg: string) => void,
): PythonEnvironment {
  const environment = new PythonEnvironment(api, new PythonExtension(api, log), log, {
    home: os.homedir(),
    platform: process.platform,
  });
  environment.watch(context.subscriptions);
  context.subscriptions.push(
    api.commands.registerCommand("glassgrad.selectInterpreter", () => environment.selectInterpreter()),
  );
  return environment;
}

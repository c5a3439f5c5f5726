// The interpreter glassgrad runs with, for a workspace folder: resolved (interpreter.ts),
// checked (check.ts) and, when it cannot run glassgrad, explained to the user with actions.
import type * as vscode from "vscode";
import type { VsCodeApi } from "../vscodeApi";
import {
  checkGlassgrad,
  INSTALL_GLASSGRAD,
  installCommand,
  problemOf,
  SELECT_INTERPRETER,
  type CheckResult,
  type Problem,
  type Runner,
  runProgram,
} from "./check";
import { resolveInterpreter, type Interpreter } from "./interpreter";
import { PythonExtension } from "./pythonExtension";

export interface Ready {
  readonly interpreter: Interpreter;
  readonly version: string;
}

export class PythonEnvironment {
  /** Interpreters known to import glassgrad (until the interpreter or the setting changes). */
  private readonly ok = new Map<string, string>();
  private readonly changeListeners: Array<() => void> = [];
  private readonly installTerminals = new Set<vscode.Terminal>();

  constructor(
    private readonly api: VsCodeApi,
    readonly pythonExtension: PythonExtension,
    private readonly log: (msg: string) => void,
    private readonly env: { home: string; platform: string },
    private readonly run: Runner = runProgram,
  ) {}

  /** Starts following interpreter changes (the setting, the Python extension's selection). */
  watch(subscriptions: vscode.Disposable[]): void {
    subscriptions.push(
      this.api.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration("glassgrad.python")) this.changed("the glassgrad.python setting changed");
      }),
      this.api.window.onDidCloseTerminal((terminal) => {
        if (this.installTerminals.delete(terminal)) this.changed("the install terminal closed");
      }),
    );
    void this.pythonExtension
      .onDidChangeInterpreter(() => this.changed("the Python extension's interpreter changed"))
      .then((d) => {
        if (d !== undefined) subscriptions.push(d);
      });
  }

  /** `listener` runs when the interpreter may have changed (or glassgrad was just installed). */
  onDidChange(listener: () => void): void {
    this.changeListeners.push(listener);
  }

  private changed(why: string): void {
    this.log(`Interpreter: ${why}`);
    this.ok.clear();
    for (const listener of this.changeListeners) listener();
  }

  private folderOf(resource?: vscode.Uri): vscode.WorkspaceFolder | undefined {
    if (resource !== undefined) {
      const folder = this.api.workspace.getWorkspaceFolder(resource);
      if (folder !== undefined) return folder;
    }
    return this.api.workspace.workspaceFolders?.[0];
  }

  async interpreter(resource?: vscode.Uri, configured?: unknown): Promise<Interpreter> {
    const folder = this.folderOf(resource);
    return resolveInterpreter(
      {
        pythonExtension: () => this.pythonExtension.activeInterpreter(resource ?? folder?.uri),
        setting: () =>
          this.api.workspace.getConfiguration("glassgrad", resource ?? folder?.uri).get<string>("python"),
        folder: folder?.uri.fsPath,
        home: this.env.home,
        platform: this.env.platform,
      },
      configured,
    );
  }

  async check(interpreter: Interpreter, cwd?: string): Promise<CheckResult> {
    const known = this.ok.get(interpreter.command);
    if (known !== undefined) return { ok: true, version: known };
    const result = await checkGlassgrad(interpreter.command, { cwd }, this.run);
    if (result.ok) {
      this.ok.set(interpreter.command, result.version);
      this.log(`glassgrad ${result.version} in ${interpreter.command} (from the ${interpreter.source})`);
    } else {
      this.log(`No glassgrad in ${interpreter.command} (from the ${interpreter.source}): ${result.reason}: ${result.detail}`);
    }
    return result;
  }

  /**
   * The interpreter for `resource`, checked; or undefined after telling the user why not
   * (`purpose` completes "glassgrad cannot ...", e.g. "start debugging").
   */
  async ready(purpose: string, resource?: vscode.Uri, configured?: unknown): Promise<Ready | undefined> {
    const interpreter = await this.interpreter(resource, configured);
    const cwd = this.folderOf(resource)?.uri.fsPath;
    const result = await this.check(interpreter, cwd);
    if (result.ok) return { interpreter, version: result.version };
    void this.report(interpreter, problemOf(interpreter, result, purpose));
    return undefined;
  }

  /** Shows `problem` as an error with its actions, and carries out the one chosen. */
  async report(interpreter: Interpreter, problem: Problem): Promise<void> {
    const choice = await this.api.window.showErrorMessage(problem.message, ...problem.actions);
    if (choice === SELECT_INTERPRETER) await this.selectInterpreter();
    else if (choice === INSTALL_GLASSGRAD) this.install(interpreter);
  }

  /** The Python extension's interpreter picker when it is installed, else the setting. */
  async selectInterpreter(): Promise<void> {
    if (this.pythonExtension.installed()) {
      try {
        await this.api.commands.executeCommand("python.setInterpreter");
        return;
      } catch (e) {
        this.log(`python.setInterpreter failed: ${String(e)}`);
      }
    }
    await this.api.commands.executeCommand("workbench.action.openSettings", "glassgrad.python");
  }

  install(interpreter: Interpreter): void {
    const { shellPath, shellArgs } = installCommand(interpreter.command);
    const terminal = this.api.window.createTerminal({ name: "Install glassgrad", shellPath, shellArgs });
    this.installTerminals.add(terminal);
    terminal.show();
  }
}

// The language client for `glassgrad lsp`: started with the interpreter glassgrad runs with,
// restarted when that interpreter changes; the commands that talk to the server.
import type * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";
import type { VsCodeApi } from "../vscodeApi";
import { problemOf } from "../python/check";
import type { PythonEnvironment } from "../python/environment";
import { asRuns, clientOptions, serverCommand, type RunInfo } from "./options";

export type ServerOptions = ReturnType<typeof serverCommand>;
export type ClientOptions = ReturnType<typeof clientOptions> & {
  middleware: {
    executeCommand(command: string, args: unknown[], next: (command: string, args: unknown[]) => unknown): unknown;
  };
};
/** Makes (does not start) a client; the real one is create.ts, tests pass a fake. */
export type ClientFactory = (server: ServerOptions, client: ClientOptions) => LanguageClient;

export interface ServerCommandListener {
  /** A command is sent to the server (`glassgrad.recordFile` from a code lens, say) ... */
  sending(command: string, args: readonly unknown[]): void;
  /** ... and it answered (or failed). */
  answered(command: string, args: readonly unknown[], result: unknown, error?: unknown): void;
}

export class LanguageClientManager {
  private client: LanguageClient | undefined;
  private python: string | undefined;
  private starting: Promise<void> | undefined;
  /** Interpreters whose problem the user has been shown (not again until it changes). */
  private readonly told = new Set<string>();
  /** The run chosen for a document (uri string), or for every document ("*"). */
  private readonly chosen = new Map<string, string>();
  private readonly listeners: ServerCommandListener[] = [];
  private readonly stateListeners: Array<() => void> = [];

  constructor(
    private readonly api: VsCodeApi,
    private readonly environment: PythonEnvironment,
    private readonly create: ClientFactory,
    private readonly log: (msg: string) => void,
  ) {}

  /** The running client, for the webviews (undefined while none runs). */
  get current(): LanguageClient | undefined {
    return this.client;
  }

  get interpreter(): string | undefined {
    return this.python;
  }

  /** running; starting (checking the interpreter, starting the server); else unavailable. */
  get status(): "running" | "starting" | "unavailable" {
    return this.client !== undefined ? "running" : this.starting !== undefined ? "starting" : "unavailable";
  }

  onCommand(listener: ServerCommandListener): void {
    this.listeners.push(listener);
  }

  /** `listener` runs when the client started or stopped. */
  onDidChangeState(listener: () => void): void {
    this.stateListeners.push(listener);
  }

  /** Starts the client unless it runs; resolves when it runs or could not start. */
  start(): Promise<void> {
    if (this.client !== undefined) return Promise.resolve();
    if (this.starting === undefined) {
      this.starting = this.doStart()
        .catch((e) => this.log(`The language server did not start: ${String(e)}`))
        .finally(() => {
          this.starting = undefined;
          this.changedState();
        });
      this.changedState();
    }
    return this.starting;
  }

  private async doStart(): Promise<void> {
    const resource = this.api.window.activeTextEditor?.document.uri ?? this.api.workspace.workspaceFolders?.[0]?.uri;
    const interpreter = await this.environment.interpreter(resource);
    const folder = (resource && this.api.workspace.getWorkspaceFolder(resource)) ?? this.api.workspace.workspaceFolders?.[0];
    const check = await this.environment.check(interpreter, folder?.uri.fsPath);
    if (!check.ok) {
      this.python = undefined;
      const key = `${interpreter.command}\0${check.reason}`;
      if (!this.told.has(key)) {
        this.told.add(key);
        void this.environment.report(interpreter, problemOf(interpreter, check, "start its language server"));
      }
      return;
    }
    const config = this.api.workspace.getConfiguration("glassgrad");
    const client = this.create(serverCommand(interpreter.command, folder?.uri.fsPath), {
      ...clientOptions((key) => config.get(key)),
      middleware: {
        executeCommand: async (command, args, next) => this.tracked(command, args, () => next(command, args)),
      },
    });
    this.log(`Language server: ${interpreter.command} -m glassgrad.cli lsp`);
    try {
      await client.start();
    } catch (e) {
      this.log(`The language server did not start: ${String(e)}`);
      void this.api.window.showErrorMessage(
        `glassgrad's language server (${interpreter.command} -m glassgrad.cli lsp) did not start: ${messageOf(e)}`,
      );
      try {
        await client.dispose();
      } catch {
        // it never ran
      }
      return;
    }
    this.client = client;
    this.python = interpreter.command;
  }

  async stop(): Promise<void> {
    await this.starting;
    const client = this.client;
    this.client = undefined;
    this.python = undefined;
    if (client !== undefined) {
      try {
        await client.stop();
      } catch (e) {
        this.log(`Stopping the language server: ${String(e)}`);
      }
    }
    this.changedState();
  }

  /** When the interpreter may have changed: a fresh start, and problems are told again. */
  async restart(): Promise<void> {
    this.told.clear();
    await this.stop();
    await this.start();
  }

  private changedState(): void {
    for (const l of this.stateListeners) l();
  }

  private async tracked<T>(command: string, args: unknown[], send: () => T | Promise<T>): Promise<T> {
    for (const l of this.listeners) l.sending(command, args);
    try {
      const result = await send();
      for (const l of this.listeners) l.answered(command, args, result);
      return result;
    } catch (e) {
      for (const l of this.listeners) l.answered(command, args, undefined, e);
      throw e;
    }
  }

  /** `workspace/executeCommand` on the server; undefined when no server runs. */
  async serverCommand(command: string, args: unknown[]): Promise<unknown> {
    const client = this.client;
    if (client === undefined) return undefined;
    return this.tracked(command, args, () =>
      client.sendRequest("workspace/executeCommand", { command, arguments: args }),
    );
  }

  async listRuns(uri: vscode.Uri): Promise<RunInfo[] | undefined> {
    if (this.client === undefined) return undefined;
    return asRuns(await this.serverCommand("glassgrad.listRuns", [uri.toString()]));
  }

  /** The run chosen for this document, or undefined (it reads the newest). */
  chosenRun(uri: vscode.Uri): string | undefined {
    return this.chosen.get(uri.toString()) ?? this.chosen.get("*");
  }

  async chooseRun(uri: vscode.Uri, run: string | null): Promise<void> {
    await this.serverCommand("glassgrad.chooseRun", [uri.toString(), run]);
    if (run === null) this.chosen.delete(uri.toString());
    else this.chosen.set(uri.toString(), run);
  }

  async recordFile(uri: vscode.Uri): Promise<unknown> {
    return this.serverCommand("glassgrad.recordFile", [uri.toString()]);
  }

  async dispose(): Promise<void> {
    await this.stop();
  }
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

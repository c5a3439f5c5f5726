// A fake of the parts of the VS Code API the extension uses (src/vscodeApi.ts), recording
// what was called, for tests under plain Node.
import type * as vscode from "vscode";
import type { VsCodeApi } from "../../src/vscodeApi";

export interface Call {
  readonly name: string;
  readonly args: unknown[];
}

export function fakeUri(fsPath: string): vscode.Uri {
  return {
    scheme: "file",
    fsPath,
    path: fsPath,
    toString: () => `file://${fsPath}`,
  } as unknown as vscode.Uri;
}

type Listener<T> = (value: T) => unknown;

export class FakeEvent<T> {
  readonly listeners: Array<Listener<T>> = [];
  readonly event = (listener: Listener<T>): vscode.Disposable => {
    this.listeners.push(listener);
    return { dispose: () => this.listeners.splice(this.listeners.indexOf(listener), 1) };
  };
  fire(value: T): void {
    for (const l of [...this.listeners]) l(value);
  }
}

export interface FakeOptions {
  /** What showErrorMessage/showInformationMessage/showQuickPick answer (the user's choice). */
  choose?: (message: string, items: unknown[]) => unknown;
  settings?: Record<string, unknown>;
  extensions?: Record<string, unknown>;
  activeFile?: { path: string; languageId: string; line?: number };
  folders?: string[];
  commands?: Record<string, (...args: unknown[]) => unknown>;
}

export class FakeStatusBarItem {
  text = "";
  tooltip: unknown = "";
  command: unknown;
  backgroundColor: unknown;
  name = "";
  visible = false;
  show(): void {
    this.visible = true;
  }
  hide(): void {
    this.visible = false;
  }
  dispose(): void {
    this.visible = false;
  }
}

export function fakeApi(options: FakeOptions = {}) {
  const calls: Call[] = [];
  const record = (name: string) => (...args: unknown[]) => {
    calls.push({ name, args });
  };
  const choose = options.choose ?? (() => undefined);
  const settings = options.settings ?? {};
  const folders = (options.folders ?? []).map((p, index) => ({ uri: fakeUri(p), name: p, index }));
  const events = {
    activeEditor: new FakeEvent<unknown>(),
    configuration: new FakeEvent<{ affectsConfiguration(section: string): boolean }>(),
    closeTerminal: new FakeEvent<unknown>(),
    save: new FakeEvent<unknown>(),
    activeSession: new FakeEvent<unknown>(),
    terminateSession: new FakeEvent<unknown>(),
  };
  const items: FakeStatusBarItem[] = [];
  const terminals: Array<{ options: unknown; shown: boolean }> = [];
  const editor = (file: FakeOptions["activeFile"]) =>
    file === undefined
      ? undefined
      : {
          document: { uri: fakeUri(file.path), languageId: file.languageId, fileName: file.path },
          selection: { active: { line: file.line ?? 0, character: 0 } },
        };
  const state = { activeEditor: editor(options.activeFile) as unknown, activeDebugSession: undefined as unknown };
  const commandHandlers: Record<string, (...args: unknown[]) => unknown> = { ...(options.commands ?? {}) };
  const ask = (name: string) => async (message: unknown, ...rest: unknown[]) => {
    calls.push({ name, args: [message, ...rest] });
    return choose(String(message), rest);
  };
  const api = {
    window: {
      showErrorMessage: ask("showErrorMessage"),
      showWarningMessage: ask("showWarningMessage"),
      showInformationMessage: ask("showInformationMessage"),
      showQuickPick: async (picks: unknown, opts: unknown) => {
        calls.push({ name: "showQuickPick", args: [picks, opts] });
        return choose("quickPick", (await picks) as unknown[]);
      },
      createTerminal: (opts: unknown) => {
        calls.push({ name: "createTerminal", args: [opts] });
        const terminal = {
          options: opts,
          shown: false,
          show() {
            terminal.shown = true;
          },
        };
        terminals.push(terminal);
        return terminal;
      },
      createStatusBarItem: (...args: unknown[]) => {
        calls.push({ name: "createStatusBarItem", args });
        const item = new FakeStatusBarItem();
        items.push(item);
        return item;
      },
      createOutputChannel: () => ({ appendLine: record("appendLine"), show: record("showOutput"), dispose() {} }),
      onDidChangeActiveTextEditor: events.activeEditor.event,
      onDidCloseTerminal: events.closeTerminal.event,
      get activeTextEditor() {
        return state.activeEditor;
      },
    },
    workspace: {
      getConfiguration: (section?: string) => ({
        get: (key: string) => settings[section ? `${section}.${key}` : key],
      }),
      getWorkspaceFolder: (uri: vscode.Uri) => folders.find((f) => uri.fsPath.startsWith(f.uri.fsPath + "/")),
      workspaceFolders: folders.length > 0 ? folders : undefined,
      onDidChangeConfiguration: events.configuration.event,
      onDidSaveTextDocument: events.save.event,
    },
    commands: {
      registerCommand: (id: string, handler: (...args: unknown[]) => unknown) => {
        calls.push({ name: "registerCommand", args: [id] });
        commandHandlers[id] = handler;
        return { dispose() {} };
      },
      executeCommand: async (id: string, ...args: unknown[]) => {
        calls.push({ name: "executeCommand", args: [id, ...args] });
        return commandHandlers[id]?.(...args);
      },
    },
    debug: {
      registerDebugConfigurationProvider: record("registerDebugConfigurationProvider"),
      registerDebugAdapterDescriptorFactory: record("registerDebugAdapterDescriptorFactory"),
      registerDebugAdapterTrackerFactory: record("registerDebugAdapterTrackerFactory"),
      startDebugging: async (...args: unknown[]) => {
        calls.push({ name: "startDebugging", args });
        return true;
      },
      onDidStartDebugSession: new FakeEvent<unknown>().event,
      onDidTerminateDebugSession: events.terminateSession.event,
      onDidChangeActiveDebugSession: events.activeSession.event,
      get activeDebugSession() {
        return state.activeDebugSession;
      },
    },
    extensions: {
      getExtension: (id: string) => options.extensions?.[id],
    },
    env: { openExternal: async () => true },
    debugAdapterExecutable: (command: string, args: string[], opts?: unknown) => ({ command, args, options: opts }),
    fileUri: (p: string) => fakeUri(p),
    StatusBarAlignment: { Left: 1, Right: 2 },
    DebugConfigurationProviderTriggerKind: { Initial: 1, Dynamic: 2 },
    themeColor: (id: string) => ({ id }),
    markdown: (text: string) => ({ value: text }),
  };
  return {
    api: api as unknown as VsCodeApi,
    calls,
    events,
    items,
    terminals,
    state,
    setActiveFile(file: FakeOptions["activeFile"]) {
      state.activeEditor = editor(file);
    },
    named(name: string): Call[] {
      return calls.filter((c) => c.name === name);
    },
  };
}

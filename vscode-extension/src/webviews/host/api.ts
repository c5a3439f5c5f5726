// What the webview panels need from VS Code, as a small interface: vscode.ts implements it over
// the real `vscode` module; unit tests (test/webview/*.test.ts) pass a fake.

export interface Disposable {
  dispose(): void;
}

export interface DebugSessionLike {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  customRequest(command: string, args?: unknown): PromiseLike<unknown>;
}

/** The frame (or thread) selected in the Call Stack view. */
export interface StackItem {
  session: DebugSessionLike;
  threadId: number;
  frameId?: number;
}

/** What the adapter said, as the panels need it (a DebugAdapterTracker and the debug API). */
export type DebugEvent =
  | { kind: "stopped"; session: DebugSessionLike; threadId: number | undefined }
  | { kind: "continued"; session: DebugSessionLike }
  | { kind: "terminated"; session: DebugSessionLike }
  | { kind: "custom"; session: DebugSessionLike; event: string; body: unknown };

export interface PanelWebview {
  html: string;
  readonly cspSource: string;
  /** a file of the extension (relative to its root, "dist/webviews/graph.js") as the webview loads it */
  asWebviewUri(relativePath: string): string;
  postMessage(message: unknown): PromiseLike<boolean>;
  onDidReceiveMessage(listener: (message: unknown) => void): Disposable;
}

export interface PanelLike {
  readonly webview: PanelWebview;
  title: string;
  /** 1-based editor column, when shown */
  readonly viewColumn: number | undefined;
  reveal(): void;
  onDidDispose(listener: () => void): Disposable;
  dispose(): void;
}

export interface QuickPickItem<T> {
  label: string;
  description?: string;
  detail?: string;
  value: T;
}

export interface Host {
  /** a webview panel beside the active editor, scripts on, resources only from dist/webviews and media */
  createPanel(viewType: string, title: string): PanelLike;
  session(id: string | undefined): DebugSessionLike | undefined;
  activeSession(): DebugSessionLike | undefined;
  activeStackItem(): StackItem | undefined;
  onDidChangeActiveStackItem(listener: (item: StackItem | undefined) => void): Disposable;
  onDebugEvent(listener: (event: DebugEvent) => void): Disposable;
  /** a request to the language server; rejects when it is not running */
  lspRequest(method: string, params: unknown): Promise<unknown>;
  /** the file of the active text editor (a path), and its URI as the language server reads it */
  activeEditor(): { path: string; uri: string } | undefined;
  /** open `file` at `line` (1-based) in an editor column other than `besideColumn` */
  openFile(file: string, line: number, besideColumn: number | undefined): Promise<void>;
  quickPick<T>(items: QuickPickItem<T>[], placeholder: string): Promise<T | undefined>;
  showError(message: string): void;
  log(message: string): void;
  /** schedule `fn` after `ms` (replaced by tests) */
  setTimeout(fn: () => void, ms: number): Disposable;
}

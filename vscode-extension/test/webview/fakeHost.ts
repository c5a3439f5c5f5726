// A Host (src/webviews/host/api.ts) for unit tests under plain Node: panels that record what
// they post, scripted debug sessions and language server, a manual clock.

import type { DebugEvent, DebugSessionLike, Disposable, Host, PanelLike, QuickPickItem, StackItem } from "../../src/webviews/host/api";

export class FakePanel implements PanelLike {
  posted: { type: string; payload: unknown }[] = [];
  title: string;
  disposed = false;
  revealed = 0;
  viewColumn = 2;
  private listener: ((m: unknown) => void) | undefined;
  private disposeListener: (() => void) | undefined;
  readonly webview = {
    html: "",
    cspSource: "https://webview.test",
    asWebviewUri: (p: string) => `https://webview.test/${p}`,
    postMessage: (m: unknown): Promise<boolean> => {
      this.posted.push(m as { type: string; payload: unknown });
      return Promise.resolve(true);
    },
    onDidReceiveMessage: (l: (m: unknown) => void): Disposable => {
      this.listener = l;
      return { dispose: () => (this.listener = undefined) };
    },
  };

  constructor(
    readonly viewType: string,
    title: string,
  ) {
    this.title = title;
  }

  /** A message from the webview. */
  receive(message: unknown): void {
    this.listener?.(message);
  }

  of<T = unknown>(type: string): T[] {
    return this.posted.filter((m) => m.type === type).map((m) => m.payload as T);
  }

  reveal(): void {
    this.revealed++;
  }

  onDidDispose(l: () => void): Disposable {
    this.disposeListener = l;
    return { dispose: () => (this.disposeListener = undefined) };
  }

  dispose(): void {
    this.disposed = true;
    this.disposeListener?.();
  }
}

export class FakeSession implements DebugSessionLike {
  requests: { command: string; args: Record<string, unknown> }[] = [];
  /** answers by command: a value, or a function of the arguments; throw to fail */
  answers: Record<string, (args: Record<string, unknown>) => unknown> = {};

  constructor(
    readonly id = "s1",
    readonly name = "train.py",
    readonly type = "glassgrad",
  ) {}

  customRequest(command: string, args?: unknown): Promise<unknown> {
    const a = (args ?? {}) as Record<string, unknown>;
    this.requests.push({ command, args: a });
    const answer = this.answers[command];
    if (!answer) return Promise.reject(new Error(`no answer for ${command}`));
    try {
      return Promise.resolve(answer(a));
    } catch (e) {
      return Promise.reject(e);
    }
  }
}

export class FakeHost implements Host {
  panels: FakePanel[] = [];
  sessions = new Map<string, FakeSession>();
  active: FakeSession | undefined;
  stackItem: StackItem | undefined;
  editor: { path: string; uri: string } | undefined;
  lsp: { method: string; params: unknown }[] = [];
  lspAnswers: Record<string, (params: unknown) => unknown> = {};
  opened: { file: string; line: number; beside: number | undefined }[] = [];
  errors: string[] = [];
  logs: string[] = [];
  picks: QuickPickItem<unknown>[][] = [];
  pickIndex = 0;
  private timers: { at: number; fn: () => void; live: boolean }[] = [];
  private now = 0;
  private debugListeners = new Set<(e: DebugEvent) => void>();
  private stackListeners = new Set<(i: StackItem | undefined) => void>();

  addSession(s: FakeSession, active = true): FakeSession {
    this.sessions.set(s.id, s);
    if (active) this.active = s;
    return s;
  }

  createPanel(viewType: string, title: string): PanelLike {
    const p = new FakePanel(viewType, title);
    this.panels.push(p);
    return p;
  }

  session(id: string | undefined): DebugSessionLike | undefined {
    return id === undefined ? undefined : this.sessions.get(id);
  }

  activeSession(): DebugSessionLike | undefined {
    return this.active;
  }

  activeStackItem(): StackItem | undefined {
    return this.stackItem;
  }

  onDidChangeActiveStackItem(l: (i: StackItem | undefined) => void): Disposable {
    this.stackListeners.add(l);
    return { dispose: () => this.stackListeners.delete(l) };
  }

  onDebugEvent(l: (e: DebugEvent) => void): Disposable {
    this.debugListeners.add(l);
    return { dispose: () => this.debugListeners.delete(l) };
  }

  emit(e: DebugEvent): void {
    for (const l of [...this.debugListeners]) l(e);
  }

  select(item: StackItem | undefined): void {
    this.stackItem = item;
    for (const l of [...this.stackListeners]) l(item);
  }

  /** A stop as VS Code reports it: the stopped event, then the selected top frame. */
  stop(session: FakeSession, frameId: number, threadId = 1): void {
    this.emit({ kind: "stopped", session, threadId });
    this.select({ session, threadId, frameId });
  }

  async lspRequest(method: string, params: unknown): Promise<unknown> {
    this.lsp.push({ method, params });
    const answer = this.lspAnswers[method];
    if (!answer) throw new Error("glassgrad's language server is not running");
    return answer(params);
  }

  activeEditor(): { path: string; uri: string } | undefined {
    return this.editor;
  }

  async openFile(file: string, line: number, beside: number | undefined): Promise<void> {
    this.opened.push({ file, line, beside });
  }

  async quickPick<T>(items: QuickPickItem<T>[]): Promise<T | undefined> {
    this.picks.push(items as QuickPickItem<unknown>[]);
    return items[this.pickIndex]?.value;
  }

  showError(message: string): void {
    this.errors.push(message);
  }

  log(message: string): void {
    this.logs.push(message);
  }

  setTimeout(fn: () => void, ms: number): Disposable {
    const timer = { at: this.now + ms, fn, live: true };
    this.timers.push(timer);
    return { dispose: () => (timer.live = false) };
  }

  /** Advance the clock, running the timers due, then let promises settle. */
  async tick(ms = 1000): Promise<void> {
    this.now += ms;
    const due = this.timers.filter((t) => t.live && t.at <= this.now);
    this.timers = this.timers.filter((t) => !due.includes(t));
    for (const t of due) t.fn();
    await settle();
  }
}

export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

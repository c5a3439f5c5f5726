// The glassgrad status bar item: a glassgrad debug session's live state (running, paused,
// stopped in backward at file:line), else the run the active Python file reads, or the run
// being recorded. Clicking it shows the graph (glassgrad.showGraph).
import type * as vscode from "vscode";
import type { VsCodeApi } from "../vscodeApi";
import { DEBUG_TYPE } from "../debugger/configuration";
import type { DapMessage, SessionListener } from "../debugger/tracker";
import type { LanguageClientManager, ServerCommandListener } from "../languageClient/manager";
import type { RunInfo } from "../languageClient/options";
import { runStatus, shownRun } from "./runStatus";
import {
  afterAdapterMessage,
  afterClientMessage,
  STARTING,
  sessionStatus,
  withFrame,
  type SessionState,
  type StatusText,
} from "./sessionState";

export const POLL_MS = 5000;

interface Tracked {
  readonly session: vscode.DebugSession;
  state: SessionState;
}

export class StatusBar implements SessionListener, ServerCommandListener {
  private readonly item: vscode.StatusBarItem;
  private readonly sessions = new Map<string, Tracked>();
  /** Files being recorded by glassgrad.recordFile (uri string → file name). */
  private readonly recording = new Map<string, string>();
  private runs: { uri: string; runs: readonly RunInfo[] } | undefined;
  private refreshing = false;
  private again = false;
  private poll: NodeJS.Timeout | undefined;

  constructor(
    private readonly api: VsCodeApi,
    private readonly languageClient: LanguageClientManager,
    subscriptions: vscode.Disposable[],
  ) {
    this.item = api.window.createStatusBarItem("glassgrad.status", api.StatusBarAlignment.Left, 10);
    this.item.name = "glassgrad";
    subscriptions.push(
      this.item,
      api.window.onDidChangeActiveTextEditor(() => this.refresh()),
      api.workspace.onDidSaveTextDocument(() => this.refresh()),
      api.debug.onDidChangeActiveDebugSession(() => this.render()),
      api.debug.onDidTerminateDebugSession((s) => this.ended(s)),
      { dispose: () => clearInterval(this.poll) },
    );
    languageClient.onCommand(this);
    languageClient.onDidChangeState(() => this.refresh());
    this.poll = setInterval(() => {
      if (this.live()) this.refresh();
    }, POLL_MS);
    this.refresh();
  }

  // --- debug sessions (tracker.ts)

  fromAdapter(session: vscode.DebugSession, message: DapMessage): void {
    if (session.type !== DEBUG_TYPE) return;
    const tracked = this.track(session);
    const before = tracked.state;
    tracked.state = afterAdapterMessage(tracked.state, message);
    if (tracked.state !== before) {
      if (tracked.state.kind === "paused") void this.fetchFrame(tracked);
      this.render();
    }
  }

  toAdapter(session: vscode.DebugSession, message: DapMessage): void {
    if (session.type !== DEBUG_TYPE) return;
    const tracked = this.track(session);
    const before = tracked.state;
    tracked.state = afterClientMessage(tracked.state, message);
    if (tracked.state !== before) this.render();
  }

  ended(session: vscode.DebugSession): void {
    if (this.sessions.delete(session.id)) this.refresh();
  }

  private track(session: vscode.DebugSession): Tracked {
    let tracked = this.sessions.get(session.id);
    if (tracked === undefined) {
      tracked = { session, state: STARTING };
      this.sessions.set(session.id, tracked);
    }
    return tracked;
  }

  private async fetchFrame(tracked: Tracked): Promise<void> {
    const state = tracked.state;
    if (state.kind !== "paused" || state.threadId === undefined) return;
    try {
      const answer = (await tracked.session.customRequest("stackTrace", {
        threadId: state.threadId,
        startFrame: 0,
        levels: 1,
      })) as { stackFrames?: Array<{ name?: string; line?: number; source?: { path?: string; name?: string } }> };
      const top = answer?.stackFrames?.[0];
      if (top === undefined || typeof top.name !== "string") return;
      tracked.state = withFrame(tracked.state, state.threadId, {
        name: top.name,
        file: top.source?.path ?? top.source?.name,
        line: typeof top.line === "number" ? top.line : undefined,
      });
      this.render();
    } catch {
      // the thread ran on meanwhile: its next stop asks again
    }
  }

  /** The session to show: the active one when it is glassgrad's, else the newest. */
  private shownSession(): Tracked | undefined {
    const active = this.api.debug.activeDebugSession;
    if (active !== undefined && this.sessions.has(active.id)) return this.sessions.get(active.id);
    let last: Tracked | undefined;
    for (const t of this.sessions.values()) last = t;
    return last;
  }

  // --- server commands (manager.ts): recordings in progress

  sending(command: string, args: readonly unknown[]): void {
    if (command !== "glassgrad.recordFile" || typeof args[0] !== "string") return;
    this.recording.set(args[0], args[0].split(/[\\/]/).pop() ?? args[0]);
    this.render();
  }

  answered(command: string, args: readonly unknown[]): void {
    if (command !== "glassgrad.recordFile" || typeof args[0] !== "string") return;
    this.recording.delete(args[0]);
    this.refresh();
  }

  // --- the run of the active file

  private activePython(): vscode.TextDocument | undefined {
    const document = this.api.window.activeTextEditor?.document;
    return document !== undefined && document.languageId === "python" && document.uri.scheme === "file"
      ? document
      : undefined;
  }

  /** Whether something shown changes by itself (a recording run). */
  private live(): boolean {
    if (this.sessions.size > 0) return false;
    return this.recording.size > 0 || this.runs?.runs.some((r) => r.status === "running") === true;
  }

  /** Asks the server for the active file's runs again, then draws. */
  refresh(): void {
    if (this.refreshing) {
      this.again = true;
      return;
    }
    this.refreshing = true;
    void this.fetchRuns().finally(() => {
      this.refreshing = false;
      this.render();
      if (this.again) {
        this.again = false;
        this.refresh();
      }
    });
  }

  private async fetchRuns(): Promise<void> {
    const document = this.activePython();
    if (document === undefined || this.languageClient.current === undefined) {
      this.runs = undefined;
      return;
    }
    try {
      const runs = await this.languageClient.listRuns(document.uri);
      this.runs = runs === undefined ? undefined : { uri: document.uri.toString(), runs };
    } catch {
      this.runs = undefined;
    }
  }

  render(): void {
    const tracked = this.shownSession();
    if (tracked !== undefined) {
      this.show(sessionStatus(tracked.state, tracked.session.name), { command: "glassgrad.showGraph", title: "Show Graph" });
      return;
    }
    const document = this.activePython();
    if (document === undefined) {
      this.item.hide();
      return;
    }
    const uri = document.uri.toString();
    if (this.languageClient.status === "starting") {
      this.show(
        { text: "$(loading~spin) glassgrad", tooltip: "Starting glassgrad's language server" },
        { command: "glassgrad.showLog", title: "Show Log" },
      );
      return;
    }
    if (this.languageClient.current === undefined) {
      this.show(
        {
          text: "$(warning) glassgrad",
          tooltip: "glassgrad's language server is not running: its Python interpreter cannot import glassgrad. Click to choose the interpreter.",
          warning: true,
        },
        { command: "glassgrad.selectInterpreter", title: "Select Interpreter" },
      );
      return;
    }
    const runs = this.runs?.uri === uri ? this.runs.runs : [];
    const chosen = this.languageClient.chosenRun(document.uri);
    const run = shownRun(runs, chosen);
    const recording = this.recording.get(uri);
    const line = (this.api.window.activeTextEditor?.selection?.active.line ?? 0) + 1;
    this.show(
      runStatus(run, { recording, pinned: chosen !== undefined && run !== undefined, now: Date.now() / 1000 }),
      run === undefined
        ? { command: "glassgrad.recordThisFile", title: "Record This File" }
        : { command: "glassgrad.showGraph", title: "Show Graph", arguments: [{ run: run.path, file: document.uri.fsPath, line }] },
    );
  }

  private show(status: StatusText, command: vscode.Command): void {
    this.item.text = status.text;
    this.item.tooltip = status.tooltip;
    this.item.command = command;
    this.item.backgroundColor = status.warning ? this.api.themeColor("statusBarItem.warningBackground") : undefined;
    this.item.show();
  }
}

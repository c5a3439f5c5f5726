// Watches each glassgrad debug session's messages: reports an adapter that died (VS Code does
// not) and passes the session's events on (the status bar follows them).
import * as fs from "node:fs";
import type * as vscode from "vscode";
import type { VsCodeApi } from "../vscodeApi";
import type { AdapterFactory } from "./adapter";
import { errorReport, exitReport } from "./adapterFailure";

/** A DAP message, as far as these listeners read it. */
export interface DapMessage {
  readonly type?: string;
  readonly command?: string;
  readonly event?: string;
  readonly body?: unknown;
  readonly arguments?: unknown;
  readonly success?: boolean;
}

export interface SessionListener {
  /** A message from the adapter to VS Code. */
  fromAdapter(session: vscode.DebugSession, message: DapMessage): void;
  /** A message from VS Code to the adapter. */
  toAdapter(session: vscode.DebugSession, message: DapMessage): void;
  /** The adapter is gone. */
  ended(session: vscode.DebugSession): void;
}

export const SHOW_LOG = "Show Log";

export class SessionTrackers implements vscode.DebugAdapterTrackerFactory {
  private readonly listeners: SessionListener[] = [];

  constructor(
    private readonly api: VsCodeApi,
    private readonly adapters: AdapterFactory,
    private readonly log: (msg: string) => void,
    private readonly showLog: () => void,
  ) {}

  addListener(listener: SessionListener): void {
    this.listeners.push(listener);
  }

  createDebugAdapterTracker(session: vscode.DebugSession): vscode.DebugAdapterTracker {
    let answered = false;
    let ending = false;
    let reported = false;
    const report = (message: string, stderr: string): void => {
      if (reported) return;
      reported = true;
      this.log(message);
      if (stderr.trim() !== "") this.log(`The adapter's stderr:\n${stderr.trimEnd()}`);
      void this.api.window.showErrorMessage(message, SHOW_LOG).then((choice) => {
        if (choice === SHOW_LOG) this.showLog();
      });
    };
    const process = () => this.adapters.processes.get(session.id);
    return {
      onDidSendMessage: (message: DapMessage) => {
        answered = true;
        if (message.type === "event" && (message.event === "terminated" || message.event === "exited")) ending = true;
        for (const l of this.listeners) l.fromAdapter(session, message);
      },
      onWillReceiveMessage: (message: DapMessage) => {
        if (message.type === "request" && (message.command === "disconnect" || message.command === "terminate")) {
          ending = true;
        }
        for (const l of this.listeners) l.toAdapter(session, message);
      },
      onError: (error: Error) => {
        if (ending) {
          // the session is ending: the adapter closing its streams is how it ends
          this.log(`glassgrad dap: ${error.message} (the session was ending)`);
          return;
        }
        const p = process();
        report(errorReport(error, p?.command ?? "glassgrad dap"), p ? readTail(p.stderrFile) : "");
      },
      onExit: (code: number | undefined, signal: string | undefined) => {
        const p = process();
        const stderr = p ? readTail(p.stderrFile) : "";
        const message = exitReport({ answered, ending }, { code, signal }, stderr, p?.command ?? "glassgrad dap");
        if (message !== undefined) report(message, stderr);
        else if (p !== undefined) removeQuietly(p.stderrFile);
        this.adapters.processes.delete(session.id);
        for (const l of this.listeners) l.ended(session);
      },
    };
  }
}

/** The end of a file (at most `limit` bytes), or "" when it cannot be read. */
export function readTail(file: string, limit = 16384): string {
  try {
    const fd = fs.openSync(file, "r");
    try {
      const size = fs.fstatSync(fd).size;
      const length = Math.min(size, limit);
      const buffer = Buffer.alloc(length);
      fs.readSync(fd, buffer, 0, length, size - length);
      return buffer.toString("utf8");
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return "";
  }
}

function removeQuietly(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    // already gone
  }
}

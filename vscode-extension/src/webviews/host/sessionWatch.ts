// Follows one debug session for a panel: a stop (the adapter's `stopped` event, then the frame
// VS Code selects, or a frame the user picks) becomes one `onStop` with the frame to ask about;
// `continued` becomes `onRunning`; the end of the session `onEnded`.

import type { DebugSessionLike, Disposable, Host } from "./api";

/** Frame arguments of glassgrad's custom requests. */
export interface FrameArgs {
  frameId?: number;
  threadId?: number;
}

export interface SessionListener {
  onStop(frame: FrameArgs): void;
  onRunning(): void;
  onEnded(): void;
  onCustomEvent?(event: string, body: unknown): void;
}

/** How long a stop waits for VS Code to select its frame before asking about the thread. */
export const STOP_SETTLE_MS = 120;

export class SessionWatch implements Disposable {
  private readonly disposables: Disposable[] = [];
  private pending: Disposable | undefined;
  private thread: number | undefined;
  private ended = false;

  constructor(
    private readonly host: Host,
    readonly session: DebugSessionLike,
    private readonly listener: SessionListener,
  ) {
    this.disposables.push(
      host.onDebugEvent((e) => {
        if (e.session.id !== session.id || this.ended) return;
        switch (e.kind) {
          case "stopped":
            this.thread = e.threadId;
            this.schedule();
            break;
          case "continued":
            this.cancel();
            listener.onRunning();
            break;
          case "terminated":
            this.cancel();
            this.ended = true;
            listener.onEnded();
            break;
          case "custom":
            listener.onCustomEvent?.(e.event, e.body);
            break;
        }
      }),
      host.onDidChangeActiveStackItem((item) => {
        if (item && item.session.id === session.id && !this.ended) this.schedule();
      }),
    );
  }

  get hasEnded(): boolean {
    return this.ended;
  }

  /** The frame to ask about now: the selected one when it is this session's, else the stopped thread. */
  frame(): FrameArgs {
    const item = this.host.activeStackItem();
    if (item && item.session.id === this.session.id) {
      return item.frameId !== undefined ? { frameId: item.frameId } : { threadId: item.threadId };
    }
    return this.thread !== undefined ? { threadId: this.thread } : {};
  }

  private schedule(): void {
    this.cancel();
    this.pending = this.host.setTimeout(() => {
      this.pending = undefined;
      if (!this.ended) this.listener.onStop(this.frame());
    }, STOP_SETTLE_MS);
  }

  private cancel(): void {
    this.pending?.dispose();
    this.pending = undefined;
  }

  dispose(): void {
    this.cancel();
    for (const d of this.disposables) d.dispose();
  }
}

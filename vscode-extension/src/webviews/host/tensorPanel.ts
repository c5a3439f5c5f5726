// The tensor viewer's extension side: asks the debug adapter for the values of an expression
// (`glassgrad/tensor`, binary) in the selected frame, again at each stop while pinned.

import type { ExtensionMessage, SliceEntry, TensorTarget, MessageMap } from "../../shared/messages";
import type { DebugSessionLike, Host } from "./api";
import { ViewPanel } from "./panel";
import { asTensorResponse, errorText } from "./responses";
import { SessionWatch, type FrameArgs } from "./sessionWatch";

export const MAX_ELEMENTS = 250_000;

/** The expression the adapter evaluates for a target of the panel's expression. */
export function targetExpression(expression: string, target: TensorTarget): string {
  return target === "grad" ? `(${expression}).grad` : expression;
}

export class TensorPanel {
  private readonly view: ViewPanel;
  private readonly watch: SessionWatch;
  private target: TensorTarget;
  private slices: Record<TensorTarget, SliceEntry[] | null> = { value: null, grad: null };
  private pinned = true;
  private status = "stopped";
  private last: MessageMap["tensor/show"] | undefined;
  private lastError: MessageMap["tensor/error"] | undefined;
  private sequence = 0;

  constructor(
    host: Host,
    readonly session: DebugSessionLike,
    readonly expression: string,
    target: TensorTarget,
    onDispose: () => void,
  ) {
    this.target = target;
    this.view = new ViewPanel(host, "tensor", this.title(), (m) => this.onMessage(m), () => {
      this.watch.dispose();
      onDispose();
    });
    this.watch = new SessionWatch(host, session, {
      onStop: (frame) => {
        this.setStatus("stopped");
        if (this.pinned) void this.fetch(frame);
      },
      onRunning: () => this.setStatus("running: values from the last stop"),
      onEnded: () => {
        this.setStatus("session ended");
        this.showError(`the debug session "${session.name}" ended`);
      },
    });
  }

  private title(): string {
    return `${this.pinned ? "" : "⏸ "}${targetExpression(this.expression, this.target)}`;
  }

  reveal(target: TensorTarget): void {
    this.view.reveal();
    if (target !== this.target) void this.select(target, this.slices[target]);
  }

  private postState(): void {
    this.view.post("tensor/state", {
      expression: this.expression,
      target: this.target,
      pinned: this.pinned,
      session: this.session.name,
      status: this.status,
    });
  }

  private setStatus(status: string): void {
    this.status = status;
    this.postState();
  }

  private onMessage(m: ExtensionMessage): void {
    switch (m.type) {
      case "ready":
        this.postState();
        if (this.last) this.view.post("tensor/show", this.last);
        if (this.lastError) this.view.post("tensor/error", this.lastError);
        if (!this.last && !this.lastError) void this.fetch(this.watch.frame());
        break;
      case "tensor/request":
        void this.select(m.payload.target, m.payload.slice);
        break;
      case "tensor/pin":
        this.pinned = m.payload.pinned;
        this.view.title = this.title();
        this.postState();
        if (this.pinned && !this.watch.hasEnded && this.status === "stopped") void this.fetch(this.watch.frame());
        break;
      default:
        break;
    }
  }

  private async select(target: TensorTarget, slice: SliceEntry[] | null): Promise<void> {
    this.target = target;
    this.slices[target] = slice;
    this.view.title = this.title();
    this.postState();
    if (this.watch.hasEnded) {
      this.showError(`the debug session "${this.session.name}" ended`);
      return;
    }
    await this.fetch(this.watch.frame());
  }

  private showError(message: string): void {
    this.lastError = { target: this.target, message };
    this.view.post("tensor/error", this.lastError);
  }

  /** Ask for the current target and slice; a newer request makes an older answer moot. */
  async fetch(frame: FrameArgs): Promise<void> {
    const sequence = ++this.sequence;
    const target = this.target;
    const slice = this.slices[target];
    this.view.post("tensor/loading", { target });
    try {
      const body = await this.session.customRequest("glassgrad/tensor", {
        expression: targetExpression(this.expression, target),
        ...frame,
        slice,
        maxElements: MAX_ELEMENTS,
        format: "binary",
      });
      if (sequence !== this.sequence) return;
      this.last = { target, slice, response: asTensorResponse(body), maxElements: MAX_ELEMENTS };
      this.lastError = undefined;
      this.view.post("tensor/show", this.last);
    } catch (e) {
      if (sequence !== this.sequence) return;
      let message = errorText(e);
      if (target === "grad" && /NoneType/.test(message)) {
        message = `no gradient: ${targetExpression(this.expression, target)} is None here`;
      } else if (this.watch.hasEnded) {
        message = `the debug session "${this.session.name}" ended`;
      }
      this.showError(message);
    }
  }

  dispose(): void {
    this.view.dispose();
  }
}

// The state of a glassgrad debug session, from the messages between VS Code and the adapter,
// and the status bar text for it (pure).
import type { DapMessage } from "../debugger/tracker";

export interface Frame {
  readonly name: string;
  readonly file?: string;
  readonly line?: number;
}

export type SessionState =
  | { readonly kind: "starting" }
  | { readonly kind: "running" }
  | {
      readonly kind: "paused";
      readonly reason: string;
      readonly threadId?: number;
      /** The stopped event's description or text (e.g. "NaN/Inf in gradients: ..."). */
      readonly description?: string;
      /** The top frame of the stopped thread, once known. */
      readonly frame?: Frame;
    }
  | { readonly kind: "ended" };

export const STARTING: SessionState = { kind: "starting" };

const RESUMING = new Set(["continue", "next", "stepIn", "stepOut", "stepBack", "reverseContinue", "goto", "restartFrame"]);

function body(message: DapMessage): Record<string, unknown> {
  return typeof message.body === "object" && message.body !== null ? (message.body as Record<string, unknown>) : {};
}

/** After a message from the adapter. */
export function afterAdapterMessage(state: SessionState, message: DapMessage): SessionState {
  if (state.kind === "ended") return state;
  if (message.type === "event") {
    const b = body(message);
    switch (message.event) {
      case "stopped":
        return {
          kind: "paused",
          reason: typeof b.reason === "string" ? b.reason : "pause",
          threadId: typeof b.threadId === "number" ? b.threadId : undefined,
          description:
            typeof b.description === "string" ? b.description : typeof b.text === "string" ? b.text : undefined,
        };
      case "continued":
        return { kind: "running" };
      case "process":
        return state.kind === "starting" ? { kind: "running" } : state;
      case "terminated":
      case "exited":
        return { kind: "ended" };
    }
    return state;
  }
  if (message.type === "response" && message.success === true && state.kind === "starting") {
    if (message.command === "launch" || message.command === "attach" || message.command === "configurationDone") {
      return { kind: "running" };
    }
  }
  return state;
}

/** After a message from VS Code (a step or continue means running again). */
export function afterClientMessage(state: SessionState, message: DapMessage): SessionState {
  if (state.kind === "paused" && message.type === "request" && RESUMING.has(message.command ?? "")) {
    return { kind: "running" };
  }
  return state;
}

/** The top frame of `threadId`, when the session is still paused there. */
export function withFrame(state: SessionState, threadId: number | undefined, frame: Frame): SessionState {
  if (state.kind !== "paused" || state.threadId !== threadId) return state;
  return { ...state, frame };
}

/** A backward frame is named after its op: `matmul.backward` (docs/debugger.md). */
export function isBackwardFrame(name: string): boolean {
  return name.endsWith(".backward");
}

export function where(frame: Frame): string {
  const file = frame.file !== undefined ? frame.file.split(/[\\/]/).pop() : undefined;
  if (file === undefined) return frame.name;
  return frame.line !== undefined ? `${file}:${frame.line}` : file;
}

export interface StatusText {
  readonly text: string;
  readonly tooltip: string;
  /** Draw it as a warning (a NaN/Inf, an exception). */
  readonly warning?: boolean;
}

export function sessionStatus(state: SessionState, sessionName: string): StatusText {
  switch (state.kind) {
    case "starting":
      return { text: "$(loading~spin) glassgrad: starting", tooltip: `${sessionName}: starting the program` };
    case "running":
      return { text: "$(debug-start) glassgrad: running", tooltip: `${sessionName}: running. Click for the graph.` };
    case "ended":
      return { text: "$(debug-stop) glassgrad: ended", tooltip: `${sessionName}: ended` };
    case "paused": {
      const exception = state.reason === "exception";
      const nonfinite = exception && state.description?.startsWith("NaN/Inf") === true;
      const frame = state.frame;
      const backward = frame !== undefined && isBackwardFrame(frame.name);
      const icon = exception ? "$(warning)" : "$(debug-pause)";
      let text: string;
      if (frame === undefined) {
        text = `${icon} glassgrad: paused`;
      } else if (nonfinite) {
        text = `${icon} glassgrad: ${state.description!.startsWith("NaN/Inf in gradients") ? "NaN/Inf in gradients" : "NaN/Inf in forward"} at ${where(frame)}`;
      } else if (backward) {
        text = `${icon} glassgrad: in backward at ${where(frame)} (${frame.name})`;
      } else {
        text = `${icon} glassgrad: ${exception ? "exception" : "paused"} at ${where(frame)}`;
      }
      const lines = [`${sessionName}: paused (${state.reason})`];
      if (frame !== undefined) {
        lines.push(backward ? `In the backward frame ${frame.name} of the forward line ${where(frame)}` : `In ${frame.name} at ${where(frame)}`);
      }
      if (state.description !== undefined) lines.push(state.description);
      lines.push("Click for the autograd graph.");
      return { text, tooltip: lines.join("\n"), warning: exception };
    }
  }
}

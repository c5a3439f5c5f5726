// The graph view's extension side. Its graph comes from one of two places:
// - a debug session: the adapter's `glassgrad/graph` at each stop, and its `glassgrad/op` events
//   while the program runs (sessions launched with `liveOps`), sent to the view in batches;
// - a recorded run: the language server's `glassgrad/graph` ({run} or {uri}: the run a file reads).

import type { ExtensionMessage, GraphSource, LiveEvent, MessageMap } from "../../shared/messages";
import type { DebugSessionLike, Disposable, Host } from "./api";
import { ViewPanel } from "./panel";
import { asGraphResponse, errorText } from "./responses";
import { SessionWatch, type FrameArgs } from "./sessionWatch";

export type GraphOrigin =
  | { kind: "session"; session: DebugSessionLike }
  | { kind: "run"; run: string; label: string }
  | { kind: "editor"; uri: string; label: string };

export interface LineSelection {
  file: string;
  line: number;
}

/** How often live events go to the view, and how many it gets at most per iteration. */
export const LIVE_FLUSH_MS = 250;
export const LIVE_MAX_EVENTS = 20_000;

export function originKey(origin: GraphOrigin): string {
  switch (origin.kind) {
    case "session":
      return `session:${origin.session.id}`;
    case "run":
      return `run:${origin.run}`;
    case "editor":
      return `editor:${origin.uri}`;
  }
}

export class GraphPanel {
  private readonly view: ViewPanel;
  private readonly watch: SessionWatch | undefined;
  private last: MessageMap["graph/show"] | undefined;
  private status: MessageMap["graph/status"] | undefined;
  private select: LineSelection | null = null;
  private live: LiveEvent[] = [];
  private flushTimer: Disposable | undefined;
  private sequence = 0;

  constructor(
    private readonly host: Host,
    readonly origin: GraphOrigin,
    onDispose: () => void,
  ) {
    this.view = new ViewPanel(host, "graph", `glassgrad graph: ${this.label()}`, (m) => this.onMessage(m), () => {
      this.watch?.dispose();
      this.flushTimer?.dispose();
      onDispose();
    });
    if (origin.kind === "session") {
      this.watch = new SessionWatch(host, origin.session, {
        onStop: (frame) => void this.fetch(frame),
        onRunning: () => this.setStatus("running", true),
        onEnded: () => this.setStatus("the debug session ended: the graph of its last stop", false),
        onCustomEvent: (event, body) => this.onLiveEvent(event, body),
      });
    }
  }

  private label(): string {
    return this.origin.kind === "session" ? this.origin.session.name : this.origin.label;
  }

  private source(): GraphSource {
    return { kind: this.origin.kind === "session" ? "session" : "run", label: this.label() };
  }

  /** Reveal the panel, and select the nodes of a forward line (null: keep the view). */
  show(select: LineSelection | null): void {
    this.view.reveal();
    if (select) {
      this.select = select;
      if (this.last) {
        this.last = { ...this.last, select };
        this.view.post("graph/show", this.last);
      }
    }
  }

  private setStatus(text: string, running: boolean): void {
    this.status = { text, running };
    this.view.post("graph/status", this.status);
  }

  private onMessage(m: ExtensionMessage): void {
    switch (m.type) {
      case "ready":
        if (this.last) this.view.post("graph/show", this.last);
        if (this.status) this.view.post("graph/status", this.status);
        if (!this.last) void this.fetch(this.watch?.frame() ?? {});
        break;
      case "graph/refresh":
        void this.fetch(this.watch?.frame() ?? {});
        break;
      case "graph/open":
        void this.host.openFile(m.payload.file, m.payload.line, this.view.panel.viewColumn).catch((e: unknown) =>
          this.host.showError(`glassgrad: cannot open ${m.payload.file}:${m.payload.line}: ${errorText(e)}`),
        );
        break;
      default:
        break;
    }
  }

  private async request(frame: FrameArgs): Promise<unknown> {
    switch (this.origin.kind) {
      case "session":
        return this.origin.session.customRequest("glassgrad/graph", frame);
      case "run":
        return this.host.lspRequest("glassgrad/graph", { run: this.origin.run });
      case "editor":
        return this.host.lspRequest("glassgrad/graph", { uri: this.origin.uri });
    }
  }

  async fetch(frame: FrameArgs): Promise<void> {
    const sequence = ++this.sequence;
    try {
      const graph = asGraphResponse(await this.request(frame));
      if (sequence !== this.sequence) return;
      this.live = [];
      this.last = { graph, source: this.source(), select: this.select };
      this.view.post("graph/show", this.last);
      if (this.origin.kind === "session") this.setStatus(`paused (${graph.phase})`, false);
    } catch (e) {
      if (sequence !== this.sequence) return;
      const message = errorText(e);
      if (this.origin.kind === "session" && !this.watch?.hasEnded) {
        // running, or stopped somewhere glassgrad cannot look: the next stop brings the graph
        this.setStatus(`the graph shows at the next stop (${message})`, true);
      } else {
        this.view.post("graph/error", { message });
      }
    }
  }

  private onLiveEvent(event: string, body: unknown): void {
    if (event !== "glassgrad/op" || typeof body !== "object" || body === null) return;
    const e = body as LiveEvent;
    if (typeof e.type !== "string") return;
    if (e.type === "iteration") this.live = []; // the view starts the iteration's graph afresh
    if (this.live.length >= LIVE_MAX_EVENTS) return;
    this.live.push(e);
    this.flushTimer ??= this.host.setTimeout(() => this.flush(), LIVE_FLUSH_MS);
  }

  private flush(): void {
    this.flushTimer = undefined;
    const events = this.live;
    this.live = [];
    if (events.length > 0) this.view.post("graph/ops", { events });
  }

  dispose(): void {
    this.view.dispose();
  }
}

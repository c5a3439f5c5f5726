// The commands that open the views: glassgrad.viewTensor, glassgrad.viewGradient (the Variables
// view's context menu on glassgrad tensors), glassgrad.showGraph (also the language server's
// code lenses: {run, file, line}) and glassgrad.openRunGraph.

import type { TensorTarget } from "../../shared/messages";
import type { Host } from "./api";
import { GraphPanel, originKey, type GraphOrigin, type LineSelection } from "./graphPanel";
import { errorText } from "./responses";
import { TensorPanel } from "./tensorPanel";

/** The argument VS Code passes to a `debug/variables/context` command. */
export interface VariableContext {
  sessionId?: string;
  variable?: { name?: string; evaluateName?: string };
}

/** glassgrad/runs entries (lsp/glassgrad_lsp/features/graph.py). */
export interface RunInfo {
  path: string;
  name: string;
  status: string;
  started: number;
  iterations: number;
  recordedIterations: number;
  command: string;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

export function runLabel(path: string): string {
  return (path.split(/[\\/]/).pop() ?? path).replace(/\.db$/, "");
}

export class WebviewCommands {
  private readonly tensors = new Map<string, TensorPanel>();
  private readonly graphs = new Map<string, GraphPanel>();

  constructor(private readonly host: Host) {}

  viewTensor(arg: unknown, target: TensorTarget): void {
    const context = (isRecord(arg) ? arg : {}) as VariableContext;
    const variable = context.variable;
    const expression = variable?.evaluateName ?? variable?.name;
    if (!expression) {
      this.host.showError("glassgrad: choose a tensor in the Variables view (this variable has no expression)");
      return;
    }
    const session = this.host.session(context.sessionId) ?? this.host.activeSession();
    if (!session) {
      this.host.showError("glassgrad: the tensor viewer needs a paused debug session");
      return;
    }
    const key = `${session.id}\n${expression}`;
    const open = this.tensors.get(key);
    if (open) {
      open.reveal(target);
      return;
    }
    this.tensors.set(key, new TensorPanel(this.host, session, expression, target, () => this.tensors.delete(key)));
  }

  async showGraph(arg: unknown): Promise<void> {
    let select: LineSelection | null = null;
    if (isRecord(arg) && typeof arg.file === "string" && Number.isInteger(arg.line)) {
      select = { file: arg.file, line: arg.line as number };
    }
    if (isRecord(arg) && typeof arg.run === "string") {
      this.openGraph({ kind: "run", run: arg.run, label: runLabel(arg.run) }, select);
      return;
    }
    const session = this.host.activeSession();
    if (session && session.type === "glassgrad") {
      this.openGraph({ kind: "session", session }, select);
      return;
    }
    const editor = this.host.activeEditor();
    if (editor) {
      this.openGraph({ kind: "editor", uri: editor.uri, label: runLabel(editor.path) }, select);
      return;
    }
    await this.openRunGraph();
  }

  async openRunGraph(): Promise<void> {
    let runs: RunInfo[];
    try {
      const editor = this.host.activeEditor();
      const answer = await this.host.lspRequest("glassgrad/runs", editor ? { uri: editor.uri } : {});
      runs = Array.isArray(answer) ? (answer.filter((r) => isRecord(r) && typeof r.path === "string") as RunInfo[]) : [];
    } catch (e) {
      this.host.showError(`glassgrad: cannot list the recorded runs: ${errorText(e)}`);
      return;
    }
    if (runs.length === 0) {
      this.host.showError("glassgrad: no recorded run in the workspace (record one with `glassgrad run script.py`)");
      return;
    }
    const run = await this.host.quickPick(
      runs.map((r) => ({
        label: r.name,
        description: `${r.status} · ${r.iterations} iterations (${r.recordedIterations} recorded)`,
        detail: r.command,
        value: r.path,
      })),
      "Recorded run whose graph to open",
    );
    if (run) this.openGraph({ kind: "run", run, label: runLabel(run) }, null);
  }

  private openGraph(origin: GraphOrigin, select: LineSelection | null): void {
    const key = originKey(origin);
    let panel = this.graphs.get(key);
    if (!panel) {
      panel = new GraphPanel(this.host, origin, () => this.graphs.delete(key));
      this.graphs.set(key, panel);
    }
    panel.show(select);
  }

  dispose(): void {
    for (const p of [...this.tensors.values(), ...this.graphs.values()]) p.dispose();
  }
}

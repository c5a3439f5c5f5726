// The status bar text outside debugging: the run the active file reads (pure).
import { age } from "../languageClient/commands";
import type { RunInfo } from "../languageClient/options";
import type { StatusText } from "./sessionState";

export interface RunContext {
  /** The file is being recorded by "Record This File" (its name). */
  readonly recording?: string;
  /** The user chose this run for the file (else it reads the newest). */
  readonly pinned: boolean;
  /** Unix seconds. */
  readonly now: number;
}

/** `runs` newest first (glassgrad.listRuns); `chosen`: the run chosen for the file, if any. */
export function shownRun(runs: readonly RunInfo[], chosen: string | undefined): RunInfo | undefined {
  if (chosen !== undefined) return runs.find((r) => r.path === chosen);
  return runs[0];
}

export function runStatus(run: RunInfo | undefined, context: RunContext): StatusText {
  if (context.recording !== undefined && (run === undefined || run.status !== "running")) {
    return {
      text: `$(record) glassgrad: recording ${context.recording}`,
      tooltip: `Recording ${context.recording} under glassgrad run`,
    };
  }
  if (run === undefined) {
    return {
      text: "$(graph) glassgrad: no run",
      tooltip: "No recorded run includes this file. Record one with \"glassgrad: Record This File\".",
    };
  }
  const iterations = `${run.iterations} it`;
  const pin = context.pinned ? "$(pinned) " : "";
  const started = run.started > 0 ? `, started ${age(context.now - run.started)}` : "";
  const tooltip = [
    `${context.pinned ? "Chosen run" : "Newest run"} of this file: ${run.name} (${run.status}, ${run.iterations} iterations${started})`,
    run.path,
    "Click for its graph; \"glassgrad: Choose Run for This File\" picks another.",
  ].join("\n");
  switch (run.status) {
    case "running":
      return { text: `$(record) glassgrad: recording ${run.name} · ${iterations}`, tooltip };
    case "finished":
      return { text: `${pin}$(graph) glassgrad: ${run.name} · ${iterations}`, tooltip };
    default:
      return { text: `${pin}$(warning) glassgrad: ${run.name} · ${run.status}`, tooltip, warning: run.status === "failed" };
  }
}

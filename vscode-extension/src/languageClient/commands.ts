// "glassgrad: Choose Run for This File": the runs that recorded the file, newest first (pure).
import type { RunInfo } from "./options";

export interface RunPick {
  readonly label: string;
  readonly description?: string;
  readonly detail?: string;
  /** The run store to read, or null for "the newest run" (and runs made later). */
  readonly run: string | null;
  readonly picked?: boolean;
}

export function describeRun(run: RunInfo, now: number): string {
  const parts = [run.status];
  if (typeof run.iterations === "number") parts.push(`${run.iterations} iteration${run.iterations === 1 ? "" : "s"}`);
  if (typeof run.started === "number" && run.started > 0) parts.push(age(now - run.started));
  return parts.join(" · ");
}

/** "just now", "5 min ago", "3 h ago", "2 days ago". */
export function age(seconds: number): string {
  if (seconds < 60) return "just now";
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  const days = Math.floor(seconds / 86400);
  return `${days} day${days === 1 ? "" : "s"} ago`;
}

export function runPicks(runs: readonly RunInfo[], chosen: string | undefined, now: number): RunPick[] {
  const picks: RunPick[] = [
    {
      label: "$(history) Newest run",
      description: runs.length > 0 ? `now ${runs[0].name}` : "none yet",
      detail: "Follow the newest run that recorded this file, also runs made later",
      run: null,
      picked: chosen === undefined,
    },
  ];
  for (const run of runs) {
    picks.push({
      label: `${run.path === chosen ? "$(pinned) " : ""}${run.name}`,
      description: describeRun(run, now),
      detail: run.path,
      run: run.path,
      picked: run.path === chosen,
    });
  }
  return picks;
}

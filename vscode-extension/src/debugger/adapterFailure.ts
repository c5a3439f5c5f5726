// When glassgrad's adapter dies, VS Code shows nothing (no toast, no console line): the
// extension says so itself, with what the adapter wrote on stderr (pure).
import { lastLine } from "../python/check";

export interface AdapterLife {
  /** The adapter sent at least one message (it answered `initialize`, or more). */
  readonly answered: boolean;
  /** The session ended as sessions do (a `terminated` event, or VS Code asked to disconnect). */
  readonly ending: boolean;
}

/**
 * The error message for an adapter that exited with `code`/`signal`, or undefined when its
 * end was an ordinary one (after the session ended, or stopped by VS Code's signal).
 */
export function exitReport(
  life: AdapterLife,
  exit: { code?: number; signal?: string },
  stderr: string,
  command: string,
): string | undefined {
  const how =
    exit.code !== undefined && exit.code !== null
      ? `exit code ${exit.code}`
      : exit.signal
        ? `signal ${exit.signal}`
        : "no exit code";
  const said = lastLine(stderr);
  const tail = said !== "" ? `: ${said}` : " (it wrote nothing on stderr)";
  if (!life.answered) {
    return `glassgrad's debug adapter (${command}) exited before it answered (${how})${tail}`;
  }
  if (life.ending) return undefined;
  if (exit.code === 0 || (exit.code === undefined && exit.signal !== undefined)) return undefined;
  return `glassgrad's debug adapter (${command}) stopped during the session (${how})${tail}`;
}

/** The adapter process could not be used at all (it did not start, its pipes broke). */
export function errorReport(error: { message?: string } | undefined, command: string): string {
  return `glassgrad's debug adapter (${command}) failed: ${error?.message ?? "unknown error"}`;
}

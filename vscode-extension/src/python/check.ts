// Is glassgrad importable by an interpreter? `<python> -c "import glassgrad"`, with a timeout,
// and what to tell the user when it is not.
import { execFile } from "node:child_process";
import type { Interpreter } from "./interpreter";

export const CHECK_SCRIPT = "import glassgrad; print(getattr(glassgrad, '__version__', ''))";
export const CHECK_TIMEOUT_MS = 20000;

export type CheckResult =
  | { readonly ok: true; readonly version: string }
  | {
      readonly ok: false;
      /** not-found: no such interpreter; not-installed: no module glassgrad; timeout; failed. */
      readonly reason: "not-found" | "not-installed" | "timeout" | "failed";
      /** The last line the interpreter wrote on stderr, or the spawn error. */
      readonly detail: string;
    };

export interface RunResult {
  /** The spawn error's code (ENOENT, EACCES), when the program could not be started. */
  readonly spawnError?: string;
  readonly timedOut: boolean;
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export type Runner = (
  command: string,
  args: string[],
  options: { timeoutMs: number; cwd?: string },
) => Promise<RunResult>;

/** Runs a program to its end (or its timeout, then kills it); never rejects. */
export const runProgram: Runner = (command, args, options) =>
  new Promise((resolve) => {
    execFile(
      command,
      args,
      { timeout: options.timeoutMs, cwd: options.cwd, windowsHide: true, maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        const err = error as (NodeJS.ErrnoException & { killed?: boolean; code?: unknown }) | null;
        const spawnError =
          err !== null && typeof err.code === "string" && err.code !== "ERR_CHILD_PROCESS_STDIO_MAXBUFFER"
            ? err.code
            : undefined;
        resolve({
          spawnError,
          timedOut: err !== null && err.killed === true && spawnError === undefined,
          exitCode: err === null ? 0 : typeof err.code === "number" ? err.code : null,
          stdout: String(stdout),
          stderr: String(stderr),
        });
      },
    );
  });

export async function checkGlassgrad(
  python: string,
  options: { timeoutMs?: number; cwd?: string } = {},
  run: Runner = runProgram,
): Promise<CheckResult> {
  const timeoutMs = options.timeoutMs ?? CHECK_TIMEOUT_MS;
  const result = await run(python, ["-c", CHECK_SCRIPT], { timeoutMs, cwd: options.cwd });
  if (result.spawnError !== undefined) {
    return { ok: false, reason: "not-found", detail: result.spawnError };
  }
  if (result.timedOut) {
    return { ok: false, reason: "timeout", detail: `no answer within ${timeoutMs / 1000} s` };
  }
  if (result.exitCode === 0) return { ok: true, version: result.stdout.trim() };
  const detail = lastLine(result.stderr) || `exit code ${result.exitCode ?? "unknown"}`;
  const missing = /No module named '?glassgrad'?(\s|$)/.test(result.stderr);
  return { ok: false, reason: missing ? "not-installed" : "failed", detail };
}

export function lastLine(text: string): string {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "");
  return lines.length > 0 ? lines[lines.length - 1] : "";
}

export const SELECT_INTERPRETER = "Select Interpreter";
export const INSTALL_GLASSGRAD = "Install glassgrad";

export interface Problem {
  readonly message: string;
  readonly actions: readonly string[];
}

/** What the user is told when `check` failed for `interpreter`, and what they can do. */
export function problemOf(
  interpreter: Interpreter,
  check: Extract<CheckResult, { ok: false }>,
  purpose: string,
): Problem {
  const who = `the Python interpreter '${interpreter.command}' (from the ${interpreter.source})`;
  switch (check.reason) {
    case "not-found":
      return {
        message: `glassgrad cannot ${purpose}: ${who} was not found (${check.detail}).`,
        actions: [SELECT_INTERPRETER],
      };
    case "timeout":
      return {
        message: `glassgrad cannot ${purpose}: ${who} did not finish \`import glassgrad\` (${check.detail}).`,
        actions: [SELECT_INTERPRETER],
      };
    case "not-installed":
      return {
        message: `glassgrad cannot ${purpose}: glassgrad is not installed in ${who}.`,
        actions: [SELECT_INTERPRETER, INSTALL_GLASSGRAD],
      };
    case "failed":
      return {
        message: `glassgrad cannot ${purpose}: \`import glassgrad\` failed in ${who}: ${check.detail}`,
        actions: [SELECT_INTERPRETER, INSTALL_GLASSGRAD],
      };
  }
}

/** The terminal that installs glassgrad: the interpreter itself runs pip (no shell quoting). */
export function installCommand(python: string): { shellPath: string; shellArgs: string[] } {
  return { shellPath: python, shellArgs: ["-m", "pip", "install", "glassgrad"] };
}

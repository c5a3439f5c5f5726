// How the language client starts `glassgrad lsp` and what it tells it (pure: plain data).
import manifest from "../../package.json";
import { initializationOptions, type SettingReader } from "./settings";

export const CLIENT_ID = "glassgrad";
export const CLIENT_NAME = "glassgrad language server";
export const DOCUMENT_SELECTOR = [{ scheme: "file", language: "python" }];

export function serverCommand(python: string, cwd?: string) {
  return {
    command: python,
    args: ["-m", "glassgrad.cli", "lsp"],
    options: cwd !== undefined ? { cwd } : {},
  };
}

export function clientOptions(get: SettingReader) {
  return {
    documentSelector: DOCUMENT_SELECTOR,
    initializationOptions: initializationOptions(get),
    synchronize: { configurationSection: "glassgrad" },
  };
}

/**
 * The commands this extension contributes itself (glassgrad.showGraph is the graph view's). The
 * server also offers glassgrad.showGraph (its code lenses name it); the client must not
 * register it over the extension's, so it leaves out every command contributed here.
 */
export const EXTENSION_COMMANDS: readonly string[] = manifest.contributes.commands.map(
  (c: { command: string }) => c.command,
);

export function serverCommandsToRegister(offered: readonly string[] | undefined): string[] {
  return (offered ?? []).filter((c) => !EXTENSION_COMMANDS.includes(c));
}

/** One entry of the server's `glassgrad.listRuns` answer (docs/lsp.md, "Commands"). */
export interface RunInfo {
  readonly path: string;
  readonly name: string;
  readonly status: string;
  /** Unix seconds. */
  readonly started: number;
  readonly iterations: number;
}

export function asRuns(value: unknown): RunInfo[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (r): r is RunInfo =>
      typeof r === "object" && r !== null && typeof r.path === "string" && typeof r.name === "string",
  );
}

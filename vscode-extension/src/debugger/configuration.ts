// Launch and attach configurations of the `glassgrad` debugger type: what a new launch.json
// gets, and the defaults filled in before a session starts (pure: no VS Code at run time).
import type { DebugConfiguration } from "vscode";

export const DEBUG_TYPE = "glassgrad";

export function currentFileConfiguration(): DebugConfiguration {
  return {
    type: DEBUG_TYPE,
    request: "launch",
    name: "glassgrad: Current File",
    program: "${file}",
    console: "integratedTerminal",
    justMyCode: true,
  };
}

/** What "Add Configuration" / a new launch.json offers. */
export function initialConfigurations(): DebugConfiguration[] {
  return [
    currentFileConfiguration(),
    {
      type: DEBUG_TYPE,
      request: "launch",
      name: "glassgrad: Current File (record the run)",
      program: "${file}",
      console: "integratedTerminal",
      record: true,
    },
    {
      type: DEBUG_TYPE,
      request: "attach",
      name: "glassgrad: Attach",
      connect: { host: "127.0.0.1", port: 5678 },
    },
  ];
}

export interface EditorContext {
  /** The active editor's file, when it is a Python file on disk. */
  readonly pythonFile?: string;
}

export type Resolved =
  | { readonly config: DebugConfiguration }
  | { readonly error: string };

/**
 * Defaults before variables are substituted: F5 without a launch.json debugs the active Python
 * file; a launch without `program` or `module` debugs it too.
 */
export function resolveDefaults(config: DebugConfiguration, editor: EditorContext): Resolved {
  if (!config.type && !config.request && !config.name) {
    if (editor.pythonFile === undefined) {
      return { error: "Open a Python file to debug it with glassgrad, or add a launch configuration." };
    }
    return { config: { ...currentFileConfiguration(), program: editor.pythonFile } };
  }
  const out: DebugConfiguration = { ...config, type: config.type || DEBUG_TYPE };
  if (!out.request) out.request = "launch";
  if (out.request === "launch") {
    if (isBlank(out.program) && isBlank(out.module)) {
      if (editor.pythonFile === undefined) {
        return { error: "glassgrad: the launch configuration has no `program` or `module`, and no Python file is open." };
      }
      out.program = editor.pythonFile;
    }
    if (!out.name) out.name = `glassgrad: ${isBlank(out.module) ? basename(String(out.program)) : String(out.module)}`;
  } else if (out.request === "attach") {
    if (!out.name) out.name = "glassgrad: Attach";
    if (out.connect === undefined && out.listen === undefined && isBlank(out.processId)) {
      return { error: "glassgrad: an attach configuration needs `connect` ({host, port}) or `processId`." };
    }
    if (typeof out.connect === "object" && out.connect !== null && out.connect.host === undefined) {
      out.connect = { ...out.connect, host: "127.0.0.1" };
    }
  } else {
    return { error: `glassgrad: unknown request '${String(out.request)}' (launch or attach).` };
  }
  return { config: out };
}

/**
 * Defaults once variables are substituted: the working directory (the workspace folder, else
 * the program's folder) and the interpreter the debuggee runs with (the adapter's own).
 */
export function resolveSubstituted(
  config: DebugConfiguration,
  context: { folder?: string; python: string },
): DebugConfiguration {
  const out: DebugConfiguration = { ...config };
  if (out.request === "launch") {
    if (isBlank(out.cwd)) {
      const cwd = context.folder ?? (isBlank(out.program) ? undefined : dirname(String(out.program)));
      if (cwd !== undefined) out.cwd = cwd;
    }
    if (isBlank(out.python)) out.python = context.python;
  }
  return out;
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === "string" && value.trim() === "");
}

export function basename(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

export function dirname(path: string): string {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  if (i < 0) return ".";
  return i === 0 ? path.slice(0, 1) : path.slice(0, i);
}

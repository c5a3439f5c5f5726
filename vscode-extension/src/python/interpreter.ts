// Which Python runs glassgrad's adapter and language server. In this order:
//   1. a launch configuration's own `python` (debugging only),
//   2. the environment selected in Microsoft's Python extension, when it is installed,
//   3. the `glassgrad.python` setting,
//   4. `python3` on PATH (`python` on Windows).

export type InterpreterSource =
  | "launch configuration"
  | "Python extension"
  | "glassgrad.python setting"
  | "PATH";

export interface Interpreter {
  /** The command to run: an absolute path, or a name looked up on PATH. */
  readonly command: string;
  readonly source: InterpreterSource;
}

export interface InterpreterSources {
  /** The interpreter the Python extension has selected, or undefined (not installed, none). */
  pythonExtension(): Promise<string | undefined>;
  /** The `glassgrad.python` setting as VS Code has it (may be empty). */
  setting(): string | undefined;
  /** The workspace folder's path, for `${workspaceFolder}` in the setting. */
  readonly folder?: string;
  readonly home: string;
  readonly platform: string;
}

export function defaultPython(platform: string): string {
  return platform === "win32" ? "python" : "python3";
}

/** A launch configuration's `python`: debugpy takes a path or a list (path, then arguments). */
export function pythonOfConfiguration(value: unknown): string | undefined {
  if (typeof value === "string" && value.trim() !== "") return value.trim();
  if (Array.isArray(value) && typeof value[0] === "string" && value[0].trim() !== "") {
    return value[0].trim();
  }
  return undefined;
}

/** `~` and `${workspaceFolder}` / `${userHome}` in a path setting (VS Code leaves them as typed). */
export function expandPath(value: string, folder: string | undefined, home: string): string {
  let out = value.trim();
  if (out === "~" || out.startsWith("~/") || out.startsWith("~\\")) out = home + out.slice(1);
  out = out.replace(/\$\{userHome\}/g, home);
  if (folder !== undefined) out = out.replace(/\$\{workspaceFolder\}/g, folder);
  return out;
}

export async function resolveInterpreter(
  sources: InterpreterSources,
  configured?: unknown,
): Promise<Interpreter> {
  const fromConfiguration = pythonOfConfiguration(configured);
  if (fromConfiguration !== undefined) {
    return {
      command: expandPath(fromConfiguration, sources.folder, sources.home),
      source: "launch configuration",
    };
  }
  const selected = await sources.pythonExtension();
  if (selected !== undefined && selected.trim() !== "") {
    return { command: selected, source: "Python extension" };
  }
  const setting = sources.setting();
  if (typeof setting === "string" && setting.trim() !== "") {
    return {
      command: expandPath(setting, sources.folder, sources.home),
      source: "glassgrad.python setting",
    };
  }
  return { command: defaultPython(sources.platform), source: "PATH" };
}

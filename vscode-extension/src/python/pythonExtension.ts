// Microsoft's Python extension, when it is installed: its selected interpreter and its picker.
// Never a dependency (it cannot be installed offline, and a .vsix declaring it then fails to
// install): every access is guarded, and anything unexpected counts as "not installed".
import type * as vscode from "vscode";
import type { VsCodeApi } from "../vscodeApi";

export const PYTHON_EXTENSION_ID = "ms-python.python";

/** The parts of the Python extension's public API used here (all optional: versions differ). */
interface EnvironmentPath {
  readonly id?: string;
  readonly path?: string;
}
interface ResolvedEnvironment {
  readonly executable?: { readonly uri?: { readonly fsPath?: string } };
}
interface PythonExtensionApi {
  readonly environments?: {
    getActiveEnvironmentPath?(resource?: vscode.Uri): EnvironmentPath | undefined;
    resolveEnvironment?(env: EnvironmentPath | string): Promise<ResolvedEnvironment | undefined>;
    onDidChangeActiveEnvironmentPath?: vscode.Event<unknown>;
  };
  /** The older API (before `environments`). */
  readonly settings?: {
    getExecutionDetails?(resource?: vscode.Uri): { execCommand?: string[] } | undefined;
    onDidChangeExecutionDetails?: vscode.Event<unknown>;
  };
}

export class PythonExtension {
  constructor(
    private readonly api: VsCodeApi,
    private readonly log: (msg: string) => void,
    private readonly activateTimeoutMs = 15000,
  ) {}

  installed(): boolean {
    try {
      return this.api.extensions.getExtension(PYTHON_EXTENSION_ID) !== undefined;
    } catch {
      return false;
    }
  }

  private async exports(): Promise<PythonExtensionApi | undefined> {
    let ext: vscode.Extension<unknown> | undefined;
    try {
      ext = this.api.extensions.getExtension(PYTHON_EXTENSION_ID);
      if (ext === undefined) return undefined;
      if (ext.isActive) return asApi(ext.exports);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), this.activateTimeoutMs);
      });
      const result = await Promise.race([Promise.resolve(ext.activate()), timeout]);
      clearTimeout(timer);
      if (result === "timeout") {
        this.log(`The Python extension did not activate within ${this.activateTimeoutMs / 1000} s`);
        return undefined;
      }
      return asApi(result);
    } catch (e) {
      this.log(`The Python extension's API is not usable: ${String(e)}`);
      return undefined;
    }
  }

  /** The executable of the environment the Python extension has selected for `resource`. */
  async activeInterpreter(resource?: vscode.Uri): Promise<string | undefined> {
    const api = await this.exports();
    if (api === undefined) return undefined;
    try {
      const environments = api.environments;
      if (typeof environments?.getActiveEnvironmentPath === "function") {
        const active = environments.getActiveEnvironmentPath(resource);
        let executable: string | undefined;
        if (active !== undefined && typeof environments.resolveEnvironment === "function") {
          const resolved = await environments.resolveEnvironment(active);
          executable = resolved?.executable?.uri?.fsPath;
        }
        executable ??= active?.path;
        if (typeof executable === "string" && executable !== "") return executable;
      }
      const details = api.settings?.getExecutionDetails?.(resource);
      const command = details?.execCommand?.[0];
      if (typeof command === "string" && command !== "") return command;
    } catch (e) {
      this.log(`The Python extension could not say which interpreter is selected: ${String(e)}`);
    }
    return undefined;
  }

  /** Calls `listener` when the selected interpreter changes; undefined without the extension. */
  async onDidChangeInterpreter(listener: () => void): Promise<vscode.Disposable | undefined> {
    const api = await this.exports();
    try {
      const event =
        api?.environments?.onDidChangeActiveEnvironmentPath ??
        api?.settings?.onDidChangeExecutionDetails;
      return typeof event === "function" ? event(() => listener()) : undefined;
    } catch (e) {
      this.log(`Cannot follow the Python extension's interpreter: ${String(e)}`);
      return undefined;
    }
  }
}

function asApi(exports: unknown): PythonExtensionApi | undefined {
  return typeof exports === "object" && exports !== null ? (exports as PythonExtensionApi) : undefined;
}

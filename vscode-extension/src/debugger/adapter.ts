// Starts `python -m glassgrad.cli dap` on stdio (a DebugAdapterExecutable) with the chosen
// interpreter, through a few lines of Python that first send the adapter's stderr to a file,
// so that an adapter that dies is reported with what it said (tracker.ts reads the file).
import * as fs from "node:fs";
import * as path from "node:path";
import type * as vscode from "vscode";
import type { VsCodeApi } from "../vscodeApi";
import type { PythonEnvironment } from "../python/environment";

/**
 * `python -c ADAPTER_WRAPPER <stderr file> [adapter options]` is `python -m glassgrad.cli dap
 * [adapter options]` with file descriptor 2 pointing at <stderr file> (the adapter's and
 * debugpy's stderr, tracebacks included). It writes nothing on stdout.
 */
export const ADAPTER_WRAPPER = [
  "import os, runpy, sys",
  "fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)",
  "os.dup2(fd, 2)",
  "os.close(fd)",
  "sys.argv = ['glassgrad', 'dap'] + sys.argv[2:]",
  "runpy.run_module('glassgrad.cli', run_name='__main__', alter_sys=True)",
].join("\n");

export function adapterArguments(stderrFile: string, extra: readonly string[] = []): string[] {
  return ["-c", ADAPTER_WRAPPER, stderrFile, ...extra];
}

/** How the adapter of a session was started: what the tracker needs to report its failure. */
export interface AdapterProcess {
  readonly command: string;
  readonly stderrFile: string;
}

export class AdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  /** By session id, until the session ends. */
  readonly processes = new Map<string, AdapterProcess>();

  constructor(
    private readonly api: VsCodeApi,
    private readonly environment: PythonEnvironment,
    private readonly logFolder: string,
    private readonly log: (msg: string) => void,
  ) {}

  async createDebugAdapterDescriptor(session: vscode.DebugSession): Promise<vscode.DebugAdapterDescriptor> {
    const config = session.configuration;
    const resource = session.workspaceFolder?.uri;
    // The configuration provider checked this interpreter already (the result is cached);
    // configurations that did not pass through it (a child session) are checked here.
    const ready = await this.environment.ready("start debugging", resource, config.python);
    if (ready === undefined) {
      throw new Error(`glassgrad: no Python interpreter with glassgrad for this session (see the message above)`);
    }
    const python = ready.interpreter.command;
    fs.mkdirSync(this.logFolder, { recursive: true });
    const stderrFile = path.join(this.logFolder, `dap-${safe(session.id)}.stderr`);
    const cwd = typeof config.cwd === "string" && isFolder(config.cwd) ? config.cwd : session.workspaceFolder?.uri.fsPath;
    this.processes.set(session.id, { command: `${python} -m glassgrad.cli dap`, stderrFile });
    this.log(`Debug adapter for '${session.name}': ${python} -m glassgrad.cli dap (stderr: ${stderrFile})`);
    return this.api.debugAdapterExecutable(python, adapterArguments(stderrFile), cwd ? { cwd } : undefined);
  }
}

function safe(id: string): string {
  return id.replace(/[^A-Za-z0-9_.-]/g, "_");
}

function isFolder(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

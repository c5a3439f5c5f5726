// The adapter command line the extension uses, against the real `glassgrad dap` (skipped when
// no python3 on PATH imports glassgrad): its initialize answer carries what VS Code shows
// without anything from the extension: the breakpoint modes and the NaN/Inf filters.
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { adapterArguments } from "../../src/debugger/adapter";
import { CHECK_SCRIPT } from "../../src/python/check";

const PYTHON = process.env.GLASSGRAD_TEST_PYTHON ?? "python3";

function frame(message: object): Buffer {
  const body = Buffer.from(JSON.stringify(message), "utf8");
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, "ascii"), body]);
}

/** Reads DAP messages from a stream of bytes. */
function reader(onMessage: (message: Record<string, unknown>) => void): (chunk: Buffer) => void {
  let buffer = Buffer.alloc(0);
  return (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const end = buffer.indexOf("\r\n\r\n");
      if (end < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(buffer.subarray(0, end).toString("ascii"))?.[1]);
      if (buffer.length < end + 4 + length) return;
      onMessage(JSON.parse(buffer.subarray(end + 4, end + 4 + length).toString("utf8")));
      buffer = buffer.subarray(end + 4 + length);
    }
  };
}

describe("the real adapter, started as the extension starts it", function () {
  this.timeout(30000);

  it("answers initialize with breakpoint modes and the NaN/Inf filters, and ends on disconnect", async function () {
    if (spawnSync(PYTHON, ["-c", CHECK_SCRIPT], { stdio: "ignore" }).status !== 0) this.skip();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "glassgrad-dap-"));
    const stderrFile = path.join(dir, "dap.stderr");
    const child = spawn(PYTHON, adapterArguments(stderrFile), { stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += String(d)));
    const messages: Array<Record<string, unknown>> = [];
    const waiters: Array<() => void> = [];
    child.stdout.on("data", reader((m) => {
      messages.push(m);
      waiters.splice(0).forEach((w) => w());
    }));
    const response = async (command: string) => {
      for (;;) {
        const found = messages.find((m) => m.type === "response" && m.command === command);
        if (found) return found;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    };
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      child.stdin.write(frame({ seq: 1, type: "request", command: "initialize", arguments: { adapterID: "glassgrad", clientID: "vscode", linesStartAt1: true, columnsStartAt1: true, pathFormat: "path", supportsStartDebuggingRequest: true } }));
      const initialize = (await response("initialize")) as { success: boolean; body: Record<string, unknown> };
      assert.equal(initialize.success, true);
      const modes = initialize.body.breakpointModes as Array<{ mode: string; label: string; appliesTo: string[] }>;
      assert.deepEqual(modes.map((m) => m.mode).sort(), ["backward", "both", "forward"]);
      assert.ok(modes.every((m) => m.appliesTo.includes("source")));
      const filters = (initialize.body.exceptionBreakpointFilters as Array<{ filter: string }>).map((f) => f.filter);
      assert.ok(filters.includes("glassgrad-nonfinite-forward") && filters.includes("glassgrad-nonfinite-backward"), filters.join());
      child.stdin.write(frame({ seq: 2, type: "request", command: "disconnect", arguments: {} }));
      await response("disconnect");
      child.stdin.end();
      assert.equal(await exited, 0);
      assert.equal(stderr, "", "the adapter's stderr goes to the file, not the pipe");
      assert.ok(fs.existsSync(stderrFile));
    } finally {
      child.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The webviews in a real VS Code: code-server (installed by tests/e2e/vscode/setup.sh) with the
// packaged extension, driven by playwright-core in Debian's headless Chromium. Not part of CI;
// it makes test/webview/screenshots/vscode-graph.png and vscode-tensor.png and checks on the way
// that the views work there (the recorded-run graph through the language server, a click opening
// the forward line; View Tensor / View Gradient from the Variables view in a paused session).
//   bash tests/e2e/vscode/setup.sh && (cd vscode-extension && npm run package)
//   node vscode-extension/test/webview/vscode-screenshots.mjs
// Environment: PYTHON (an interpreter that imports glassgrad; default python3), CHROMIUM.
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { setTimeout as sleep } from "node:timers/promises";
import { URL, fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
/* global document */ // (in functions that run in the page)

const ext = fileURLToPath(new URL("../..", import.meta.url));
const repo = join(ext, "..");
const e2e = join(repo, "tests", "e2e", "vscode");
const shots = join(ext, "test", "webview", "screenshots");
const python = execFileSync(process.env.PYTHON ?? "python3", ["-c", "import glassgrad, sys; print(sys.executable)"]).toString().trim();
const port = 18000 + (process.pid % 1000);
const run = mkdtempSync(join(tmpdir(), "glassgrad-webview-vscode-"));
const ws = join(run, "ws");
const say = (m) => process.stdout.write(`${m}\n`);
const check = (ok, what) => {
  if (!ok) throw new Error(`failed: ${what}`);
  say(`ok: ${what}`);
};

// a workspace with a recorded run and a script to debug
mkdirSync(join(ws, ".vscode"), { recursive: true });
for (const f of ["mlp_digits.py", "common.py"]) copyFileSync(join(repo, "examples", f), join(ws, f));
writeFileSync(
  join(ws, "tensors.py"),
  `import glassgrad as gg
from glassgrad import nn

gg.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 3))
x = gg.randn(64, 8)
loss = model(x).pow(2).mean()
loss.backward()
w = model[0].weight
print(loss.item())  # stop here
`,
);
writeFileSync(join(ws, ".vscode", "settings.json"), JSON.stringify({ "glassgrad.python": python, "workbench.startupEditor": "none" }));
writeFileSync(
  join(ws, ".vscode", "launch.json"),
  JSON.stringify({ version: "0.2.0", configurations: [{ type: "glassgrad", request: "launch", name: "tensors", program: "${workspaceFolder}/tensors.py", console: "internalConsole" }] }),
);
execFileSync(python, ["-m", "glassgrad.cli", "run", "mlp_digits.py", "--epochs", "1"], { cwd: ws, stdio: "ignore" });

const env = {
  ...process.env,
  XDG_CONFIG_HOME: join(run, "config"),
  XDG_DATA_HOME: join(run, "data"),
  EXTENSIONS_GALLERY: JSON.stringify({ serviceUrl: "http://127.0.0.1:9/" }),
  VSCODE_CLI: "1",
};
writeFileSync(join(run, "config.yaml"), `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
const node = join(e2e, ".tools", "bin", "node");
const cs = [join(e2e, "node_modules", "code-server", "out", "node", "entry.js"), "--config", join(run, "config.yaml"), "--user-data-dir", join(run, "user"), "--extensions-dir", join(run, "ext")];
execFileSync(node, [...cs, "--install-extension", join(ext, "glassgrad-0.1.0.vsix")], { env, stdio: "ignore" });
const server = spawn(
  node,
  [...cs, "--bind-addr", `127.0.0.1:${port}`, "--auth", "none", "--disable-telemetry", "--disable-update-check", "--disable-workspace-trust", "--disable-getting-started-override", "--ignore-last-opened", ws],
  { env, detached: true, stdio: "ignore" },
);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  for (let i = 0; ; i++) {
    try {
      await page.goto(`http://127.0.0.1:${port}/?folder=${ws}`);
      break;
    } catch (e) {
      if (i > 60) throw e;
      await sleep(500);
    }
  }
  await page.waitForSelector(".monaco-workbench", { timeout: 60_000 });
  await sleep(4000);
  await page.keyboard.press("Control+Alt+B"); // no secondary side bar
  const command = async (title) => {
    for (let i = 0; i < 15; i++) {
      await page.keyboard.press("F1");
      await sleep(400);
      await page.keyboard.type(title);
      await sleep(800);
      const rows = await page.locator(".quick-input-list .monaco-list-row").allTextContents();
      if (rows.some((r) => r.includes(title))) return page.keyboard.press("Enter");
      await page.keyboard.press("Escape");
      await sleep(1500);
    }
    throw new Error(`no command ${title}`);
  };
  const frameWith = async (selector) => {
    for (let i = 0; i < 120; i++) {
      for (const f of page.frames()) {
        if (await f.locator(selector).count().catch(() => 0)) return f;
      }
      await sleep(500);
    }
    throw new Error(`no webview with ${selector}`);
  };

  // the graph of a recorded run, through the language server
  await command("glassgrad: Open Recorded Run Graph");
  await page.locator(".quick-input-list .monaco-list-row", { hasText: "mlp_digits" }).first().waitFor({ timeout: 40_000 });
  await page.keyboard.press("Enter");
  const graph = await frameWith("#graph");
  await graph.waitForFunction(() => Number(document.getElementById("graph")?.dataset.layouts ?? 0) > 0, null, { timeout: 30_000 });
  check((await graph.locator(".item.op").count()) === 7, "the run's 7 nodes drawn");
  await graph.locator(".item.op").first().click();
  await page.waitForSelector(".tab.active >> text=mlp_digits.py", { timeout: 10_000 });
  check(true, "a click on a node opened mlp_digits.py");
  await sleep(1000);
  await page.screenshot({ path: join(shots, "vscode-graph.png") });
  await command("View: Close All Editors");

  // the tensor viewer from the Variables view of a paused session
  await page.keyboard.press("Control+P");
  await sleep(500);
  await page.keyboard.type("tensors.py");
  await sleep(800);
  await page.keyboard.press("Enter");
  await sleep(1500);
  await page.keyboard.press("Control+G");
  await sleep(300);
  await page.keyboard.type("10");
  await page.keyboard.press("Enter");
  await sleep(300);
  await page.keyboard.press("F9");
  await sleep(500);
  await page.keyboard.press("F5");
  await page.locator(".monaco-list-row", { hasText: /^Locals$/ }).first().click({ timeout: 60_000 });
  const w = page.locator(".monaco-list-row", { hasText: /^w =Parameter/ }).first();
  await w.click({ button: "right", timeout: 30_000 });
  await sleep(800);
  await page.locator(".monaco-menu .action-label", { hasText: "View Tensor" }).first().click();
  const tensor = await frameWith("#heatmap");
  await tensor.waitForSelector("#histogram .bar", { timeout: 30_000 });
  check((await tensor.locator("#meta").textContent()).startsWith("(32, 8) float32 cpu"), "View Tensor shows w");
  await tensor.locator("#show-grad").click();
  await tensor.waitForFunction(() => document.getElementById("expression")?.textContent === "(w).grad");
  await tensor.waitForSelector("#histogram .bar");
  const box = await tensor.locator("#heatmap").boundingBox();
  await tensor.locator("#heatmap").hover({ position: { x: box.width * 0.3, y: box.height * 0.4 } });
  check(/^\[\d+, \d+\] = /.test(await tensor.locator("#readout").textContent()), "the gradient's read-out");
  await page.locator(".monaco-editor .view-lines").first().click();
  await page.keyboard.press("Control+J"); // the panel (Debug Console) out of the picture
  await sleep(800);
  const fitted = await tensor.locator("#heatmap").boundingBox();
  await tensor.locator("#heatmap").hover({ position: { x: fitted.width * 0.3, y: fitted.height * 0.4 } });
  await sleep(500);
  await page.screenshot({ path: join(shots, "vscode-tensor.png") });
  await page.keyboard.press("F5");
  await tensor.waitForFunction(() => /ended/.test(document.getElementById("banner")?.textContent ?? ""), null, { timeout: 30_000 });
  check(true, "the end of the session is said in the panel");
} catch (e) {
  await (browser.contexts()[0]?.pages()[0])?.screenshot({ path: join(tmpdir(), "glassgrad-webview-vscode-failure.png") });
  throw e;
} finally {
  await browser.close();
  process.kill(-server.pid, "SIGTERM");
  rmSync(run, { recursive: true, force: true });
}

// glassgrad in a real VS Code: drives code-server (started by tests/e2e/test_vscode.py) with
// playwright-core in headless Chromium, keyboard first, and writes what the page showed to a
// JSON result. Usage: node scenario.mjs CONFIG.json, CONFIG holding
//   url         code-server's page, with ?folder= the workspace
//   file, line  the program's file name in the workspace and the forward line to break on
//   frame       the backward frame expected there (matmul.backward)
//   screenshots folder for the PNGs; profile: Chromium's profile folder; chromium: its path
//   result      where the JSON result goes
// Every wait is bounded; on a failure the page is saved as failure.png next to the screenshots
// with the text of the debug views, and the exit code is 1.

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const cfg = JSON.parse(readFileSync(process.argv[2], "utf8"));
const started = Date.now();
const WORKBENCH_MS = 120_000; // first load: code-server compiles nothing, but 2 shared cores
const COMMAND_MS = 60_000; // a command showing up in the palette (extensions load late)
const STOP_MS = 120_000; // the debuggee starting and reaching a breakpoint
const VIEW_MS = 60_000; // a webview drawing
const result = {};

function log(...args) {
  console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s]`, ...args);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function step(name, fn) {
  const t = Date.now();
  log(`> ${name}`);
  const value = await fn();
  log(`  ${name}: done in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  await noteToasts();
  (result.steps ??= []).push({ name, seconds: +((Date.now() - t) / 1000).toFixed(1) });
  return value;
}

/** Notifications seen (their text, once each), kept in the result. */
async function noteToasts() {
  const texts = await page.locator(".notifications-toasts .notification-toast").allInnerTexts().catch(() => []);
  for (const t of texts.map((x) => x.replace(/\s+/g, " ").trim())) {
    if (t && !(result.notifications ??= []).includes(t)) {
      result.notifications.push(t);
      log(`  notification: ${t}`);
    }
  }
}

/** Poll ``probe`` (async, returns a value or undefined) until it returns something. */
async function until(what, probe, timeout, interval = 250) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== null && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout / 1000} s waiting for ${what}${last ? `: ${last.message}` : ""}`);
    }
    await sleep(interval);
  }
}

const context = await chromium.launchPersistentContext(cfg.profile, {
  executablePath: cfg.chromium,
  headless: true,
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
  ],
  viewport: { width: 1440, height: 900 },
  deviceScaleFactor: 1,
});
const page = context.pages()[0] ?? (await context.newPage());
page.setDefaultTimeout(30_000);
page.on("pageerror", (e) => log(`page error: ${e.message}`));

const quickInput = page.locator(".quick-input-widget");
const quickInputBox = quickInput.locator(".quick-input-box input");

/** The rows of the open quick input: label, whether focused. */
function quickRows() {
  return quickInput.locator(".quick-input-list .monaco-list-row").evaluateAll((rows) =>
    rows.map((r) => ({
      label: (r.querySelector(".label-name") ?? r).textContent.trim(),
      focused: r.classList.contains("focused"),
      index: Number(r.getAttribute("data-index")),
    })),
  );
}

/** Choose the row labelled ``label`` (exactly, else one containing it) in the open quick input. */
async function chooseRow(label, timeout) {
  const row = await until(`"${label}" in the quick input`, async () => {
    const rows = await quickRows();
    return rows.find((r) => r.label === label) ?? rows.find((r) => r.label.includes(label));
  }, timeout);
  if (row.focused) {
    await page.keyboard.press("Enter");
  } else {
    await quickInput.locator(`.quick-input-list .monaco-list-row[data-index="${row.index}"]`).click();
  }
  return row.label;
}

/** F1, the command's title, Enter; retried while the command is not in the palette yet. */
async function command(title, timeout = COMMAND_MS) {
  const deadline = Date.now() + timeout;
  for (let attempt = 1; ; attempt++) {
    try {
      if (await quickInput.isVisible()) await page.keyboard.press("Escape");
      await page.keyboard.press("F1");
      await quickInputBox.waitFor({ state: "visible", timeout: 5_000 });
      await quickInputBox.fill(`>${title}`);
      const chosen = await chooseRow(title, 4_000);
      await quickInput.waitFor({ state: "hidden", timeout: 5_000 });
      log(`  command "${chosen}"${attempt > 1 ? ` (attempt ${attempt})` : ""}`);
      return;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`command "${title}" not run after ${attempt} attempts: ${e.message}`);
      await page.keyboard.press("Escape").catch(() => {});
      await sleep(1_000);
    }
  }
}

async function shot(name) {
  // a toast over the views would hide what the picture is for
  await noteToasts();
  await page.locator(".notifications-toasts .notification-toast").evaluateAll((toasts) =>
    toasts.forEach((t) => t.querySelector(".codicon-notifications-clear, .codicon-close")?.click()),
  ).catch(() => {});
  await sleep(300);
  const path = join(cfg.screenshots, `${name}.png`);
  await page.screenshot({ path });
  log(`  screenshot ${path}`);
}

/** The Call Stack's frames, top first: {name, file, line}. */
function stackFrames() {
  return page.locator(".debug-call-stack .monaco-list-row .stack-frame").evaluateAll((frames) =>
    frames.map((f) => ({
      name: f.querySelector(".label")?.textContent.trim() ?? "",
      file: f.querySelector(".file-name")?.textContent.trim() ?? "",
      position: f.querySelector(".line-number")?.textContent.trim() ?? "",
      text: f.textContent.trim(),
    })),
  );
}

/** The Variables view's rows: name → value. */
function variables() {
  return page.locator(".debug-variables .monaco-list-row").evaluateAll((rows) =>
    Object.fromEntries(
      rows
        // the name may carry its separator ("grad_output =", "grad_output:")
        .map((r) => [r.querySelector(".name")?.textContent.replace(/\s*[:=]\s*$/, "").trim(), r.querySelector(".value")?.textContent.trim() ?? ""])
        .filter(([n]) => n),
    ),
  );
}

/** The Variables view's row of ``name``. */
function variableRow(name) {
  return page.locator(".debug-variables .monaco-list-row", { has: page.locator(".name", { hasText: new RegExp(`^\\s*${name}\\s*[:=]?\\s*$`) }) });
}

/** Waits until the top frame is ``name`` at the breakpoint's line; the frame. */
async function stoppedIn(name) {
  return until(`a stop in ${name} at line ${cfg.line}`, async () => {
    const [top] = await stackFrames();
    if (!top || top.name !== name) return undefined;
    const line = Number(/^(\d+)/.exec(top.position)?.[1]);
    return line === cfg.line ? { frame: top.name, file: top.file, line } : undefined;
  }, STOP_MS);
}

/** The first frame (any depth) whose document has ``selector``: a webview's content. */
async function webviewFrame(what, selector, check) {
  return until(what, async () => {
    for (const frame of page.frames()) {
      if (frame === page.mainFrame()) continue;
      const ok = await frame.evaluate(check ?? ((s) => !!document.querySelector(s)), selector).catch(() => false);
      if (ok) return frame;
    }
    return undefined;
  }, VIEW_MS);
}

/** Right-click ``row``, choose ``item`` (hover + Enter), until ``done()`` holds (3 tries). */
async function contextMenu(row, item, done) {
  for (let attempt = 1; ; attempt++) {
    await row.click({ button: "right" });
    const action = page.locator(".context-view .monaco-menu .action-item .action-label", { hasText: item }).first();
    try {
      await action.waitFor({ state: "visible", timeout: 10_000 });
      await action.hover();
      await page.keyboard.press("Enter");
      await until(`"${item}" to act`, done, 10_000);
      return;
    } catch (e) {
      if (attempt === 3) throw e;
      log(`  "${item}" from the context menu: try ${attempt} failed (${e.message}); again`);
      await page.keyboard.press("Escape");
      await sleep(1_000);
    }
  }
}

async function dump() {
  const text = async (sel) => (await page.locator(sel).first().innerText({ timeout: 2_000 }).catch(() => "(none)")).slice(0, 2_000);
  log("--- Call Stack\n" + (await text(".debug-call-stack")));
  log("--- Variables\n" + (await text(".debug-variables")));
  log("--- Breakpoints\n" + (await text(".debug-breakpoints")));
  log("--- notifications\n" + (await text(".notifications-toasts")));
  log("--- status bar\n" + (await text(".part.statusbar")));
}

let failed = false;
try {
  await step("open code-server", async () => {
    await page.goto(cfg.url, { timeout: WORKBENCH_MS });
    await page.locator(".monaco-workbench .part.editor").waitFor({ state: "visible", timeout: WORKBENCH_MS });
    await page.locator(".monaco-workbench .part.activitybar, .monaco-workbench .part.sidebar").first().waitFor({ timeout: WORKBENCH_MS });
  });

  await step(`open ${cfg.file} (Ctrl+P)`, async () => {
    const tab = page.locator(`.tabs-container .tab.active[aria-label*="${cfg.file}"]`);
    await until(`${cfg.file} in the editor`, async () => {
      await page.keyboard.press("Control+P");
      await quickInputBox.waitFor({ state: "visible", timeout: 5_000 });
      await quickInputBox.fill(cfg.file);
      await chooseRow(cfg.file, 5_000).catch(async (e) => {
        await page.keyboard.press("Escape");
        throw e;
      });
      await tab.waitFor({ timeout: 5_000 });
      return true;
    }, COMMAND_MS, 1_000);
    await page.locator(".editor-instance .monaco-editor .view-lines", { hasText: "def train" }).waitFor({ timeout: 10_000 });
  });

  await step(`breakpoint on line ${cfg.line} (Ctrl+G, F9)`, async () => {
    await page.locator(".editor-instance .monaco-editor .view-lines").first().click(); // focus the editor
    await page.keyboard.press("Control+G");
    await quickInputBox.waitFor({ state: "visible", timeout: 5_000 });
    await page.keyboard.type(String(cfg.line));
    await page.keyboard.press("Enter");
    await quickInput.waitFor({ state: "hidden", timeout: 5_000 });
    await page.keyboard.press("F9");
    await page.locator(".monaco-editor .codicon-debug-breakpoint").first().waitFor({ timeout: 10_000 });
  });

  result.forwardStop = await step("F5: stop at the breakpoint in forward", async () => {
    await page.keyboard.press("F5");
    return stoppedIn("train");
  });

  await step("widen the side bar (its sash) for the pictures", async () => {
    const box = await page.locator(".part.sidebar").boundingBox();
    if (!box || box.width > 450) return;
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width + 120, y, { steps: 5 });
    await page.mouse.move(box.x + box.width + 240, y, { steps: 5 });
    await page.mouse.up();
  });

  result.mode = await step("Breakpoints view: Edit Mode → Backward only", async () => {
    const row = page.locator(".debug-breakpoints .monaco-list-row", { hasText: cfg.file }).first();
    if (!(await row.isVisible())) await command("Focus on Breakpoints View");
    await row.waitFor({ state: "visible", timeout: 10_000 });
    await contextMenu(row, "Edit Mode", () => quickInputBox.isVisible());
    const chosen = await chooseRow("Backward only", 10_000);
    await quickInput.waitFor({ state: "hidden", timeout: 5_000 });
    // the Breakpoints view shows the mode's label with the line: "Backward only: 31"
    await until("the mode in the Breakpoints view", async () => (await row.innerText()).includes(`${chosen}: ${cfg.line}`), 10_000);
    return chosen;
  });

  result.backwardStop = await step("F5: continue into backward", async () => {
    await page.locator(".editor-instance .monaco-editor .view-lines").first().click();
    await page.keyboard.press("F5");
    const stop = await stoppedIn(cfg.frame);
    stop.statusBar = await until("glassgrad's status bar item in backward", async () => {
      const texts = await page.locator(".part.statusbar .statusbar-item").allInnerTexts();
      return texts.map((t) => t.trim()).find((t) => t.includes("in backward"));
    }, 10_000);
    return stop;
  });
  await shot("breakpoint-in-backward");

  result.variables = await step("Variables: grad_output", async () => {
    const vars = await until("grad_output in the Variables view", async () => {
      const v = await variables();
      return v.grad_output ? v : undefined;
    }, VIEW_MS);
    await variableRow("grad_output").click();
    return vars;
  });
  await shot("variables-grad-output");

  result.tensorViewer = await step("View Tensor on grad_output", async () => {
    const row = variableRow("grad_output");
    const drawn = () => {
      const canvas = document.getElementById("heatmap");
      return !!canvas && canvas.width > 0 && document.querySelectorAll("#histogram .bar").length > 0;
    };
    await contextMenu(row, "View Tensor", () => page.locator(".tabs-container .tab", { hasText: "grad_output" }).count());
    const frame = await webviewFrame("the tensor viewer", "#heatmap", drawn);
    return frame.evaluate(() => ({
      expression: document.getElementById("expression")?.textContent ?? "",
      meta: document.getElementById("meta")?.textContent ?? "",
      heatmap: [document.getElementById("heatmap").width, document.getElementById("heatmap").height],
      bars: document.querySelectorAll("#histogram .bar").length,
      stats: document.getElementById("stats")?.textContent ?? "",
    }));
  });
  await shot("tensor-viewer");

  result.graph = await step("glassgrad: Show Graph", async () => {
    await command("glassgrad: Show Graph");
    const frame = await webviewFrame("the graph view", "#graph", () => {
      const svg = document.getElementById("graph");
      return !!svg && Number(svg.dataset.layouts ?? 0) > 0 && svg.dataset.busy === undefined &&
        document.querySelectorAll(".item.op").length > 0;
    });
    return frame.evaluate(() => ({
      ops: document.querySelectorAll(".item.op").length,
      leaves: document.querySelectorAll(".item.leaf").length,
      edges: document.querySelectorAll("path.edge").length,
      labels: [...document.querySelectorAll(".item.op")].map((n) => n.textContent.trim()).slice(0, 20),
      info: document.getElementById("info")?.textContent ?? "",
    }));
  });
  await shot("graph-view");

  result.nextStop = await step("F5: the next stop is the next backward (the mode reached the adapter)", async () => {
    const before = (await variables()).grad_output;
    await page.locator(".editor-instance .monaco-editor .view-lines").first().click();
    await page.keyboard.press("F5");
    // "Forward and backward" would stop at the line's forward first (frame "train")
    return until("the next stop", async () => {
      const [top] = await stackFrames();
      if (top?.name === "train") return { frame: top.name, position: top.position };
      if (top?.name !== cfg.frame) return undefined;
      const now = (await variables()).grad_output;
      return now && now !== before ? { frame: top.name, position: top.position, grad_output: now } : undefined;
    }, STOP_MS);
  });

  await step("Shift+F5: stop debugging", async () => {
    await page.locator(".editor-instance .monaco-editor .view-lines").first().click().catch(() => {});
    await page.keyboard.press("Shift+F5");
    await until("the session to end", async () => (await stackFrames()).length === 0, 30_000);
    await sleep(2_000); // what the extension says when a session ends comes a moment later
  });
} catch (e) {
  failed = true;
  log(`FAILED: ${e.stack ?? e}`);
  await page.screenshot({ path: join(cfg.screenshots, "failure.png") }).catch(() => {});
  await dump().catch(() => {});
} finally {
  result.seconds = +((Date.now() - started) / 1000).toFixed(1);
  writeFileSync(cfg.result, JSON.stringify(result, null, 2));
  log(JSON.stringify(result, null, 2));
  await context.close().catch(() => {});
}
process.exit(failed ? 1 : 0);

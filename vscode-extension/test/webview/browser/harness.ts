// The browser tests' setup: a loopback HTTP server standing in for VS Code's webview resource
// server (only dist/webviews/ and media/ of the extension, like localResourceRoots), the view
// HTML made by the extension's own renderHtml (fake-vscode-api.js first, as VS Code injects its
// script), and headless Chromium (Debian's, driven by playwright-core) on harness/host.html.

import { readFileSync, existsSync, mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, resolve, sep } from "node:path";
import { chromium, type Browser, type Frame, type Page } from "playwright-core";
import type { GraphResponse, Message, TensorResponse, ToExtension, ToWebview } from "../../../src/shared/messages";
import { makeNonce, renderHtml, type ViewName } from "../../../src/webviews/host/html";
import { randomBytes } from "../../../src/webviews/host/panel";

/** the extension folder (the runner, test/webview/run.mjs, runs there) */
export const ROOT = resolve(process.env.GLASSGRAD_EXTENSION_ROOT ?? process.cwd());
const HARNESS = join(ROOT, "test", "webview", "harness");
const FIXTURES = join(ROOT, "test", "webview", "fixtures");
export const SCREENSHOTS = join(ROOT, "test", "webview", "screenshots");
/** What the server serves: the harness, and (as localResourceRoots) dist/webviews and media. */
const SERVED = [HARNESS, join(ROOT, "dist", "webviews"), join(ROOT, "media")];
export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

export type Theme = "light" | "dark" | "high-contrast";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
};

export function fixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, name), "utf8")) as T;
}

export const graphFixture = (name: string): GraphResponse => fixture<GraphResponse>(`graph-${name}.json`);
export const tensorFixture = (name: string): TensorResponse => fixture<TensorResponse>(`tensor-${name}.json`);

/** Nonces handed out, by view (the CSP test checks the page used one). */
export const nonces: string[] = [];

export function startServer(): Promise<{ origin: string; server: Server }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const origin = `http://${req.headers.host}`;
    const send = (status: number, body: string | Buffer, type = "text/plain"): void => {
      res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      res.end(body);
    };
    const view = /^\/view\/(tensor|graph)\.html$/.exec(url.pathname);
    if (view) {
      const nonce = makeNonce(randomBytes);
      nonces.push(nonce);
      const html = renderHtml({
        view: view[1] as ViewName,
        title: `glassgrad ${view[1]}`,
        cspSource: origin,
        uri: (p) => `${origin}/ext/${p}`,
        nonce,
      }).replace("<head>", '<head>\n    <script src="/harness/fake-vscode-api.js"></script>');
      send(200, html, TYPES[".html"]);
      return;
    }
    const path = url.pathname.startsWith("/harness/")
      ? normalize(join(HARNESS, url.pathname.slice("/harness/".length)))
      : url.pathname.startsWith("/ext/")
        ? normalize(join(ROOT, url.pathname.slice("/ext/".length)))
        : "";
    const safe = SERVED.some((dir) => path.startsWith(dir + sep)) ? path : undefined;
    if (!safe || !existsSync(safe)) {
      send(404, "not found");
      return;
    }
    send(200, readFileSync(safe), TYPES[extname(safe)] ?? "application/octet-stream");
  });
  return new Promise((done) =>
    server.listen(0, "127.0.0.1", () => done({ origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server })),
  );
}

export async function launch(): Promise<Browser> {
  if (!existsSync(join(ROOT, "dist", "webviews", "graph.js"))) {
    throw new Error("dist/webviews/ is missing: run `node scripts/build.mjs` first (npm run test:webview does)");
  }
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu"] });
}

export interface ViewPage {
  page: Page;
  frame: Frame;
  /** messages the view posted to the extension */
  posted(): Promise<Message<ToExtension>[]>;
  send(message: Message<ToWebview>): Promise<void>;
  waitPosted(type: ToExtension, count?: number): Promise<Message<ToExtension>[]>;
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

export async function openView(
  browser: Browser,
  origin: string,
  view: ViewName,
  theme: Theme = "dark",
  size = { width: 1100, height: 720 },
): Promise<ViewPage> {
  const page = await browser.newPage({ viewport: size, deviceScaleFactor: 1 });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${origin}/harness/host.html?view=${view}&theme=${theme}`);
  const frame = await (await page.waitForSelector("iframe#view")).contentFrame();
  if (!frame) throw new Error("no view frame");
  await frame.waitForSelector("#app > header");
  const posted = (): Promise<Message<ToExtension>[]> =>
    page.evaluate(() => (window as unknown as { harness: { posted: Message<ToExtension>[] } }).harness.posted);
  const vp: ViewPage = {
    page,
    frame,
    posted,
    async send(message) {
      await page.evaluate((m) => (window as unknown as { harness: { send(m: unknown): void } }).harness.send(m), message);
    },
    async waitPosted(type, count = 1) {
      await page.waitForFunction(
        ([t, n]) => (window as unknown as { harness: { of(t: string): unknown[] } }).harness.of(t as string).length >= (n as number),
        [type, count] as const,
      );
      return (await posted()).filter((m) => m.type === type);
    },
    async screenshot(name) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
    },
    async close() {
      if (errors.length) throw new Error(`errors in the page: ${errors.join("; ")}`);
      await page.close();
    },
  };
  await vp.waitPosted("ready");
  return vp;
}

/** Wait until the graph view has drawn (at least `after` + 1 layouts, none due). */
export async function graphDrawn(frame: Frame, after = 0): Promise<void> {
  await frame.waitForFunction(
    (n) => {
      const svg = document.getElementById("graph");
      return !!svg && Number(svg.dataset.layouts ?? 0) > n && svg.dataset.busy === undefined;
    },
    after,
    { timeout: 30_000 },
  );
}

export async function layoutCount(frame: Frame): Promise<number> {
  return frame.evaluate(() => Number(document.getElementById("graph")?.dataset.layouts ?? 0));
}

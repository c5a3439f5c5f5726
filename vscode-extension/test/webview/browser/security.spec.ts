import { strict as assert } from "node:assert";
import type { Server } from "node:http";
import type { Browser } from "playwright-core";
import { graphDrawn, graphFixture, launch, nonces, openView, startServer, tensorFixture } from "./harness";

interface Violation {
  directive: string;
  blocked: string;
  sample: string;
}

describe("webview Content Security Policy (headless Chromium)", function () {
  let browser: Browser;
  let origin: string;
  let server: Server;

  before(async function () {
    ({ origin, server } = await startServer());
    browser = await launch();
  });

  after(async function () {
    await browser?.close();
    server?.close();
  });

  for (const view of ["graph", "tensor"] as const) {
    it(`${view} view: runs under a strict CSP that blocks inline scripts, handlers and the network`, async function () {
      const v = await openView(browser, origin, view, "dark");
      const f = v.frame;
      if (view === "graph") {
        await v.send({ type: "graph/show", payload: { graph: graphFixture("transformer"), source: { kind: "run", label: "t" }, select: null } });
        await graphDrawn(f); // elkjs lays out under the policy: no eval, no worker
      } else {
        const response = tensorFixture("4d");
        await v.send({ type: "tensor/show", payload: { target: "value", slice: null, response, maxElements: 250_000 } });
        await f.waitForSelector("#histogram .bar");
      }
      const violations = (): Promise<Violation[]> => f.evaluate(() => (window as unknown as { cspViolations: Violation[] }).cspViolations);
      assert.deepEqual(await violations(), [], "the view itself breaks no rule");

      const policy = await f.evaluate(() => document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute("content") ?? "");
      assert.match(policy, /^default-src 'none'; script-src 'nonce-[0-9a-f]{48}'; style-src http:\/\/127\.0\.0\.1:\d+;/);
      assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval|\*/);
      const scripts = await f.evaluate(() =>
        [...document.scripts].map((s) => ({ src: s.getAttribute("src") ?? "", nonce: s.nonce ?? "", inline: !s.src })),
      );
      // the harness's stand-in for VS Code's injected script comes first, before the policy
      assert.deepEqual(scripts.slice(1).map((s) => s.src), [`${origin}/ext/dist/webviews/${view}.js`]);
      assert.ok(nonces.includes(scripts[1].nonce), "the bundle carries the page's nonce");
      // the markup the extension serves: no inline style, script or handler
      const html = await (await fetch(`${origin}/view/${view}.html`)).text();
      const markup = html.replace(/<script src="\/harness\/fake-vscode-api.js"><\/script>/, "");
      assert.doesNotMatch(markup, /style=|<style|\son\w+=|javascript:/i);
      assert.equal((markup.match(/<script/g) ?? []).length, 1);
      const inlineHandlers = await f.evaluate(() =>
        [...document.querySelectorAll("*")].filter((e) => [...e.attributes].some((a) => a.name.startsWith("on"))).length,
      );
      assert.equal(inlineHandlers, 0);

      const blocked = await f.evaluate(async () => {
        const w = window as unknown as Record<string, unknown>;
        const script = document.createElement("script");
        script.textContent = "window.inlineRan = true";
        document.body.append(script);
        const button = document.createElement("button");
        button.setAttribute("onclick", "window.handlerRan = true");
        document.body.append(button);
        button.click();
        const external = document.createElement("script");
        external.src = "/harness/themes.js"; // same server, but no nonce
        const loaded = new Promise<string>((done) => {
          external.onload = () => done("loaded");
          external.onerror = () => done("blocked");
        });
        document.body.append(external);
        let fetched = "fetched";
        try {
          await fetch("/harness/themes.js");
        } catch {
          fetched = "blocked";
        }
        const style = document.createElement("style");
        style.textContent = "body { background: rgb(1, 2, 3) !important; }";
        document.head.append(style);
        await new Promise((r) => setTimeout(r, 50));
        return {
          inline: w.inlineRan === true,
          handler: w.handlerRan === true,
          external: await loaded,
          fetched,
          style: getComputedStyle(document.body).backgroundColor,
        };
      });
      assert.deepEqual(blocked, { inline: false, handler: false, external: "blocked", fetched: "blocked", style: "rgb(31, 31, 31)" });
      const directives = new Set((await violations()).map((x) => x.directive));
      for (const d of ["script-src-elem", "script-src-attr", "connect-src", "style-src-elem"]) assert.ok(directives.has(d), `${d} reported`);
      await v.close();
    });
  }
});

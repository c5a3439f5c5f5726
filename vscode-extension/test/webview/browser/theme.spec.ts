import { strict as assert } from "node:assert";
import type { Server } from "node:http";
import type { Browser } from "playwright-core";
import { graphDrawn, graphFixture, launch, openView, startServer, tensorFixture, type Theme } from "./harness";

/** The harness's theme values (test/webview/harness/themes.js) as computed colors. */
const EXPECTED: Record<Theme, { background: string; widget: string; foreground: string; chartsBlue: string; button: string; border?: string }> = {
  light: { background: "rgb(255, 255, 255)", widget: "rgb(248, 248, 248)", foreground: "rgb(59, 59, 59)", chartsBlue: "rgb(26, 133, 255)", button: "rgb(0, 95, 184)" },
  dark: { background: "rgb(31, 31, 31)", widget: "rgb(32, 32, 32)", foreground: "rgb(204, 204, 204)", chartsBlue: "rgb(55, 148, 255)", button: "rgb(0, 120, 212)" },
  "high-contrast": {
    background: "rgb(0, 0, 0)",
    widget: "rgb(12, 20, 31)",
    foreground: "rgb(255, 255, 255)",
    chartsBlue: "rgb(55, 148, 255)",
    button: "rgb(0, 0, 0)",
    border: "rgb(111, 195, 223)",
  },
};

describe("webview themes: light, dark, high contrast (headless Chromium)", function () {
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

  for (const theme of ["light", "dark", "high-contrast"] as const) {
    it(`${theme}: the views take their colors from VS Code's theme variables`, async function () {
      const want = EXPECTED[theme];
      const g = await openView(browser, origin, "graph", theme, { width: 900, height: 640 });
      await g.send({ type: "graph/show", payload: { graph: graphFixture("backward"), source: { kind: "session", label: "modules.py" }, select: null } });
      await graphDrawn(g.frame);
      const graph = await g.frame.evaluate(() => {
        const css = (sel: string) => getComputedStyle(document.querySelector(sel) as Element);
        return {
          body: css("body").backgroundColor,
          color: css("body").color,
          fill: css(".item.op.state-pending > rect").fill,
          stroke: css(".item.op.state-pending > rect").stroke,
          strokeWidth: css(".item.op.state-pending > rect").strokeWidth,
          text: css(".item.op text.l1").fill,
        };
      });
      assert.equal(graph.body, want.background);
      assert.equal(graph.color, want.foreground);
      assert.equal(graph.fill, want.widget);
      assert.equal(graph.text, want.foreground);
      if (want.border) {
        assert.equal(graph.stroke, want.border);
        assert.equal(graph.strokeWidth, "2px");
      }
      await g.screenshot(`graph-${theme}`);
      await g.close();

      const t = await openView(browser, origin, "tensor", theme, { width: 900, height: 560 });
      await t.send({ type: "tensor/state", payload: { expression: "images", target: "value", pinned: true, session: "modules.py", status: "stopped" } });
      await t.send({ type: "tensor/show", payload: { target: "value", slice: [1, 2], response: tensorFixture("4d-slice"), maxElements: 250_000 } });
      await t.frame.waitForSelector("#histogram .bar");
      const tensor = await t.frame.evaluate(() => ({
        bar: getComputedStyle(document.querySelector("#histogram .bar:not(.nan):not(.posinf):not(.neginf)") as Element).fill,
        pressed: getComputedStyle(document.querySelector('button[aria-pressed="true"]') as Element).backgroundColor,
        body: getComputedStyle(document.body).backgroundColor,
      }));
      assert.deepEqual(tensor, { bar: want.chartsBlue, pressed: want.button, body: want.background });
      await t.screenshot(`tensor-${theme}`);
      await t.close();
    });
  }
});

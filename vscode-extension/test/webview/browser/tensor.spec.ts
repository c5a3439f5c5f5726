import { strict as assert } from "node:assert";
import type { Server } from "node:http";
import type { Browser } from "playwright-core";
import type { SliceEntry, TensorResponse, TensorTarget } from "../../../src/shared/messages";
import { launch, openView, startServer, tensorFixture, type ViewPage } from "./harness";

const MAX = 250_000;

function values(r: TensorResponse): Float32Array {
  const bytes = Buffer.from(r.data ?? "", "base64");
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

async function show(v: ViewPage, response: TensorResponse, slice: SliceEntry[] | null = null, target: TensorTarget = "value"): Promise<void> {
  await v.send({
    type: "tensor/state",
    payload: { expression: response.expression.replace(/^\((.*)\)\.grad$/, "$1"), target, pinned: true, session: "modules.py", status: "stopped" },
  });
  await v.send({ type: "tensor/show", payload: { target, slice, response, maxElements: MAX } });
  await v.frame.waitForFunction((count) => document.querySelectorAll("#histogram .bar").length > 0 && document.getElementById("heatmap")?.dataset.zoom !== undefined && count >= 0, 0);
}

/** Hover the middle of a heatmap cell; the read-out's text. */
async function hoverCell(v: ViewPage, row: number, col: number): Promise<string> {
  const canvas = v.frame.locator("#heatmap");
  const box = await canvas.boundingBox();
  const size = await canvas.evaluate((c: HTMLCanvasElement) => [c.width, c.height]);
  assert.ok(box);
  await canvas.hover({ position: { x: ((col + 0.5) * box.width) / size[0], y: ((row + 0.5) * box.height) / size[1] } });
  return (await v.frame.locator("#readout").textContent()) ?? "";
}

describe("tensor viewer (headless Chromium)", function () {
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

  it("draws a 2-D tensor: heatmap pixels, histogram bars, statistics", async function () {
    const v = await openView(browser, origin, "tensor", "dark");
    const r = tensorFixture("2d");
    await show(v, r);
    const f = v.frame;
    assert.equal(await f.locator("#expression").textContent(), "model[1].fc.weight");
    assert.match((await f.locator("#meta").textContent()) ?? "", /\(16, 16\) float32 cpu · requires_grad/);
    const pixels = await f.locator("#heatmap").evaluate((c: HTMLCanvasElement) => {
      const data = c.getContext("2d")?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
      const colors = new Set<string>();
      let opaque = 0;
      for (let i = 0; i < data.length; i += 4) {
        colors.add(`${data[i]},${data[i + 1]},${data[i + 2]}`);
        if (data[i + 3] === 255) opaque++;
      }
      return { width: c.width, height: c.height, colors: colors.size, opaque };
    });
    assert.deepEqual([pixels.width, pixels.height, pixels.opaque], [16, 16, 256]);
    assert.ok(pixels.colors > 50, `${pixels.colors} colors`);
    const bars = await f.locator("#histogram .bar").evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-count"))));
    assert.equal(bars.length, 40);
    assert.equal(bars.reduce((a, b) => a + b, 0), 256);
    assert.equal(await f.locator('#stats tr[data-stat="min"] td').first().textContent(), "-0.2468");
    assert.equal(await f.locator('#stats tr[data-stat="elements"] td').nth(1).textContent(), "256");
    assert.equal(await f.locator("#note").isHidden(), true);
    assert.equal(await f.locator("#slicer").isHidden(), true); // 2-D: nothing to choose
    assert.match((await f.locator("#legend").textContent()) ?? "", /diverging around 0/);
    await v.screenshot("tensor-2d-dark");
    await v.close();
  });

  it("the hover read-out shows the element's index and value", async function () {
    const v = await openView(browser, origin, "tensor", "dark");
    const r = tensorFixture("2d");
    await show(v, r);
    const text = await hoverCell(v, 3, 5);
    const m = /^\[3, 5\] = (.+)$/.exec(text);
    assert.ok(m, text);
    assert.ok(Math.abs(Number(m[1]) - values(r)[3 * 16 + 5]) < 1e-6, text);
    // the arrow keys move the read-out from there
    await v.frame.locator("#heatmap").press("ArrowRight");
    assert.match((await v.frame.locator("#readout").textContent()) ?? "", /^\[3, 6\] = /);
    await v.close();
  });

  it("a 4-D tensor with NaN and ±Inf: slice selector requests, NaN/Inf counted and drawn", async function () {
    const v = await openView(browser, origin, "tensor", "light");
    const f = v.frame;
    const whole = tensorFixture("4d");
    await show(v, whole);
    // the first 16×20 block of a (2, 3, 16, 20) tensor, and two index selectors
    assert.deepEqual(await f.locator("#heatmap").evaluate((c: HTMLCanvasElement) => [c.width, c.height]), [20, 16]);
    assert.equal(await f.locator(".slice-index").count(), 2);
    assert.equal(await f.locator('#stats tr[data-stat="NaN"] td').first().textContent(), "2");
    assert.equal(await f.locator('#stats tr[data-stat="Inf"] td').first().textContent(), "2");
    assert.equal(await f.locator('#stats tr[data-stat="NaN"]').getAttribute("class"), "bad");
    // choose images[1, 2]
    await f.locator("#slice-dim-0").fill("1");
    await f.locator("#slice-dim-0").dispatchEvent("change");
    const first = await v.waitPosted("tensor/request");
    assert.deepEqual(first[first.length - 1].payload, { target: "value", slice: [1, 0] });
    await f.locator('#slicer button[aria-label="next index of dimension 1"]').click();
    await f.locator('#slicer button[aria-label="next index of dimension 1"]').click();
    const requests = await v.waitPosted("tensor/request", first.length + 2);
    assert.deepEqual(requests[requests.length - 1].payload, { target: "value", slice: [1, 2] });
    // the adapter's answer for slice [1, 2]
    const part = tensorFixture("4d-slice");
    await show(v, part, [1, 2]);
    assert.equal(await f.locator("#slice-dim-0").inputValue(), "1");
    assert.equal(await f.locator("#slice-dim-1").inputValue(), "2");
    for (const cls of ["nan", "posinf", "neginf"]) assert.equal(await f.locator(`#histogram .bar.${cls}`).count(), 1);
    assert.equal(await f.locator('#stats tr[data-stat="NaN"] td').nth(1).textContent(), "1");
    assert.equal(await hoverCell(v, 8, 9), "[1, 2, 8, 9] = NaN");
    assert.equal(await hoverCell(v, 4, 5), "[1, 2, 4, 5] = +Inf");
    assert.equal(await hoverCell(v, 6, 7), "[1, 2, 6, 7] = −Inf");
    // NaN is drawn in the theme's NaN color (--vscode-charts-purple of Light Modern: #652d90)
    const nan = await f.locator("#heatmap").evaluate((c: HTMLCanvasElement) => [...(c.getContext("2d")?.getImageData(9, 8, 1, 1).data ?? [])]);
    assert.deepEqual(nan, [0x65, 0x2d, 0x90, 255]);
    await v.screenshot("tensor-4d-nan-light");
    await v.close();
  });

  it("value/gradient toggle, pin and zoom", async function () {
    const v = await openView(browser, origin, "tensor", "dark");
    const f = v.frame;
    await show(v, tensorFixture("2d"));
    await f.locator("#show-grad").click();
    const [req] = await v.waitPosted("tensor/request");
    assert.deepEqual(req.payload, { target: "grad", slice: null });
    await show(v, tensorFixture("2d-grad"), null, "grad");
    assert.equal(await f.locator("#expression").textContent(), "(model[1].fc.weight).grad");
    assert.equal(await f.locator("#show-grad").getAttribute("aria-pressed"), "true");
    await f.locator("#pin").click();
    const [pin] = await v.waitPosted("tensor/pin");
    assert.deepEqual(pin.payload, { pinned: false });
    assert.equal(await f.locator("#pin").getAttribute("aria-pressed"), "false");
    const zoom = async (): Promise<number> => Number(await f.locator("#heatmap").getAttribute("data-zoom"));
    const z0 = await zoom();
    await f.locator("#zoom-in").click();
    assert.equal(await zoom(), z0 * 2);
    await f.locator("#zoom-out").click();
    await f.locator("#zoom-out").click();
    assert.equal(await zoom(), z0 / 2);
    await f.locator("#zoom-fit").click();
    assert.equal(await zoom(), z0);
    await v.close();
  });

  it("says when the values are truncated, and offers a window of rows", async function () {
    const v = await openView(browser, origin, "tensor", "dark");
    // the 2-D response as the adapter answers for a (20000, 16) tensor capped at 256 values
    const r = { ...tensorFixture("2d"), shape: [20000, 16], sliceShape: [20000, 16], truncated: true };
    await show(v, r);
    const f = v.frame;
    assert.match((await f.locator("#note").textContent()) ?? "", /Truncated: showing the first 256 of 320,000 elements of this slice/);
    assert.equal(await f.locator("#slice-window-0").count(), 1);
    await f.locator('#slicer button[aria-label="next first row of dimension 0"]').click();
    const [req] = await v.waitPosted("tensor/request");
    // 15,625 rows of 16 fit in 250,000 values; the last full window starts at row 4,375
    assert.deepEqual(req.payload, { target: "value", slice: [[4375, 20000, null]] });
    await v.close();
  });

  it("shows errors (expression gone, session ended) and keeps the last values marked stale", async function () {
    const v = await openView(browser, origin, "tensor", "dark");
    await show(v, tensorFixture("2d"));
    await v.send({ type: "tensor/error", payload: { target: "value", message: "NameError: name 'w' is not defined" } });
    const f = v.frame;
    await f.waitForSelector("#content.stale");
    assert.equal(await f.locator("#banner").textContent(), "NameError: name 'w' is not defined");
    await v.send({
      type: "tensor/state",
      payload: { expression: "w", target: "value", pinned: true, session: "modules.py", status: "session ended" },
    });
    assert.equal(await f.locator("#status").textContent(), "modules.py: session ended");
    await v.screenshot("tensor-error-dark");
    await v.close();
  });
});

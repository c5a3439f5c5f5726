// Runs the webview tests in headless Chromium: bundles test/webview/browser/*.spec.ts (esbuild,
// as scripts/build.mjs bundles the unit tests) into out/webview-test/ and runs them with mocha.
// `npm run test:webview` builds dist/ first (the views' bundles the tests load).
//   node test/webview/run.mjs [--grep PATTERN]
// Environment: CHROMIUM (default /usr/bin/chromium).
import * as esbuild from "esbuild";
import Mocha from "mocha";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { URL, fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const specs = join(root, "test", "webview", "browser");
const out = join(root, "out", "webview-test");
process.chdir(root);
process.env.GLASSGRAD_EXTENSION_ROOT = root;

const entries = readdirSync(specs).filter((f) => f.endsWith(".spec.ts")).sort();
rmSync(out, { recursive: true, force: true });
await esbuild.build({
  entryPoints: entries.map((f) => join(specs, f)),
  outdir: out,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  sourcemap: "inline",
  logLevel: "warning",
  external: ["playwright-core", "mocha", "elkjs", "vscode"],
});

const args = process.argv.slice(2);
const grep = args.includes("--grep") ? args[args.indexOf("--grep") + 1] : undefined;
const mocha = new Mocha({ timeout: 60_000, slow: 5_000, grep });
for (const f of entries) mocha.addFile(join(out, f.replace(/\.ts$/, ".js")));
mocha.run((failures) => {
  process.exitCode = failures ? 1 : 0;
});

// Builds the extension with esbuild.
//   node scripts/build.mjs               dist/extension.js (Node, `vscode` external) and every
//                                        webview entry src/webviews/<name>/main.ts that exists,
//                                        as dist/webviews/<name>.js (browser, IIFE)
//   node scripts/build.mjs --production  the same, minified, without source maps (for the .vsix)
//   node scripts/build.mjs --watch       rebuild on change
//   node scripts/build.mjs --tests       test/{unit,webview}/**/*.test.ts, one bundle each, into
//                                        out/test/ for mocha under plain Node (no VS Code)
import * as esbuild from "esbuild";
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = new Set(process.argv.slice(2));
const production = args.has("--production");
const watch = args.has("--watch");

function webviewEntries() {
  const dir = join(root, "src", "webviews");
  if (!existsSync(dir)) return {};
  const entries = {};
  for (const name of readdirSync(dir).sort()) {
    const main = join(dir, name, "main.ts");
    if (statSync(join(dir, name)).isDirectory() && existsSync(main)) entries[name] = main;
  }
  return entries;
}

function testEntries(dir, found = []) {
  if (!existsSync(dir)) return found;
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) testEntries(path, found);
    else if (name.endsWith(".test.ts")) found.push(path);
  }
  return found;
}

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: "warning",
  absWorkingDir: root,
};

function configs() {
  if (args.has("--tests")) {
    const entryPoints = [
      ...testEntries(join(root, "test", "unit")),
      ...testEntries(join(root, "test", "webview")),
    ];
    rmSync(join(root, "out", "test"), { recursive: true, force: true });
    // Tests never load the real `vscode` module: what they exercise takes the API as a parameter.
    // Keeping it external makes an accidental import fail loudly instead of being bundled.
    return [
      {
        ...common,
        sourcemap: "inline",
        minify: false,
        entryPoints: Object.fromEntries(
          entryPoints.map((p) => [relative(join(root, "test"), p).replace(/\.ts$/, ""), p]),
        ),
        outdir: join(root, "out", "test"),
        platform: "node",
        format: "cjs",
        target: "node20",
        external: ["vscode", "mocha"],
      },
    ];
  }
  const list = [
    {
      ...common,
      entryPoints: { extension: join(root, "src", "extension.ts") },
      outdir: join(root, "dist"),
      platform: "node",
      format: "cjs",
      target: "node20",
      external: ["vscode"],
    },
  ];
  const webviews = webviewEntries();
  if (Object.keys(webviews).length > 0) {
    list.push({
      ...common,
      entryPoints: webviews,
      outdir: join(root, "dist", "webviews"),
      platform: "browser",
      format: "iife",
      target: "es2022",
    });
  }
  return list;
}

if (!args.has("--tests")) rmSync(join(root, "dist"), { recursive: true, force: true });
if (watch) {
  for (const config of configs()) {
    const ctx = await esbuild.context(config);
    await ctx.watch();
  }
  console.log("esbuild: watching");
} else {
  await Promise.all(configs().map((config) => esbuild.build(config)));
}

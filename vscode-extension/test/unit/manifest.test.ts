// package.json's contributions against the code: every contributed command is registered,
// the tensor menu items match the adapter's tag, nothing depends on the Python extension.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import manifest from "../../package.json";

const root = path.resolve(__dirname, "..", "..", "..");

function sources(dir: string, found: string[] = []): string[] {
  for (const name of fs.readdirSync(dir)) {
    const p = path.join(dir, name);
    if (fs.statSync(p).isDirectory()) sources(p, found);
    else if (name.endsWith(".ts")) found.push(p);
  }
  return found;
}

describe("package.json", () => {
  const contributed = manifest.contributes.commands.map((c) => c.command);

  it("every contributed command is registered somewhere in src/", () => {
    const text = sources(path.join(root, "src")).map((f) => fs.readFileSync(f, "utf8")).join("\n");
    const registered = new Set([...text.matchAll(/registerCommand\(\s*"([^"]+)"/g)].map((m) => m[1]));
    assert.deepEqual(contributed.filter((c) => !registered.has(c)), []);
  });

  it("has the commands and titles the other parts name", () => {
    const titles = Object.fromEntries(manifest.contributes.commands.map((c) => [c.command, c.title]));
    assert.equal(titles["glassgrad.viewTensor"], "View Tensor");
    assert.equal(titles["glassgrad.viewGradient"], "View Gradient");
    assert.equal(titles["glassgrad.showGraph"], "glassgrad: Show Graph");
    assert.equal(titles["glassgrad.openRunGraph"], "glassgrad: Open Recorded Run Graph");
    assert.equal(titles["glassgrad.debugFile"], "Debug File with glassgrad");
  });

  it("offers View Tensor / View Gradient on the variables the adapter tags glassgrad.tensor", () => {
    const items = manifest.contributes.menus["debug/variables/context"];
    assert.deepEqual(
      items.map((i) => [i.command, i.when]),
      [
        ["glassgrad.viewTensor", "debugProtocolVariableMenuContext == 'glassgrad.tensor'"],
        ["glassgrad.viewGradient", "debugProtocolVariableMenuContext == 'glassgrad.tensor'"],
      ],
    );
  });

  it("lets F9 set breakpoints in Python files without the Python extension, and never requires it", () => {
    assert.deepEqual(manifest.contributes.breakpoints, [{ language: "python" }]);
    assert.equal((manifest as Record<string, unknown>).extensionDependencies, undefined);
    assert.equal((manifest as Record<string, unknown>).extensionPack, undefined);
    assert.equal(manifest.engines.vscode, "^1.90.0");
    assert.equal(manifest.main, "./dist/extension.js");
  });

  it("describes every launch and attach attribute", () => {
    const attributes = manifest.contributes.debuggers[0].configurationAttributes as Record<
      string,
      { properties: Record<string, { description?: string; markdownDescription?: string }> }
    >;
    for (const request of ["launch", "attach"]) {
      for (const [name, schema] of Object.entries(attributes[request].properties)) {
        assert.ok(schema.description ?? schema.markdownDescription, `${request}.${name}`);
      }
    }
    for (const name of ["program", "module", "args", "cwd", "env", "python", "justMyCode", "console", "stopOnEntry", "record", "liveOps"]) {
      assert.ok(name in attributes.launch.properties, name);
    }
    for (const name of ["connect", "processId", "justMyCode"]) assert.ok(name in attributes.attach.properties, name);
  });
});

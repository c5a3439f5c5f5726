import * as assert from "node:assert/strict";
import { initializationOptions, SERVER_SETTINGS } from "../../src/languageClient/settings";

describe("settings → initializationOptions", () => {
  it("nests dotted keys as the server reads them, with the server's defaults", () => {
    assert.deepEqual(initializationOptions(() => undefined), {
      runsFolder: ".glassgrad/runs",
      inlayHints: { enabled: true, verbosity: "shape" },
      stale: "mark",
      gradients: { explodeAbove: 1000, vanishBelow: 1e-7 },
      deadActivations: true,
      livePollSeconds: 1,
    });
  });

  it("takes what VS Code has for each key", () => {
    const values: Record<string, unknown> = {
      runsFolder: "out/runs",
      "inlayHints.enabled": false,
      "inlayHints.verbosity": "full",
      "gradients.vanishBelow": 1e-9,
      livePollSeconds: 0.5,
    };
    const asked: string[] = [];
    const options = initializationOptions((key) => {
      asked.push(key);
      return values[key];
    });
    assert.deepEqual(asked, Object.keys(SERVER_SETTINGS));
    assert.deepEqual(options.inlayHints, { enabled: false, verbosity: "full" });
    assert.deepEqual(options.gradients, { explodeAbove: 1000, vanishBelow: 1e-9 });
    assert.equal(options.runsFolder, "out/runs");
    assert.equal(options.livePollSeconds, 0.5);
  });
});

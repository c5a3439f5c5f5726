// The language server's settings (docs/lsp.md, "Settings"): VS Code keeps them under the
// `glassgrad` section; the server takes the same nested object as `initializationOptions`
// and, on changes, through `workspace/didChangeConfiguration` (synchronize.configurationSection).

/** The keys the server reads, dotted as in package.json, with the server's defaults. */
export const SERVER_SETTINGS = {
  runsFolder: ".glassgrad/runs",
  "inlayHints.enabled": true,
  "inlayHints.verbosity": "shape",
  stale: "mark",
  "gradients.explodeAbove": 1000,
  "gradients.vanishBelow": 1e-7,
  deadActivations: true,
  livePollSeconds: 1,
} as const;

export type ServerSettingKey = keyof typeof SERVER_SETTINGS;

/** What reads one setting of the `glassgrad` section (VS Code's WorkspaceConfiguration.get). */
export type SettingReader = (key: string) => unknown;

/**
 * The server's settings as one nested object (`{runsFolder, inlayHints: {enabled, verbosity},
 * ...}`), read through `get`; a setting VS Code has no value for takes the server's default.
 */
export function initializationOptions(get: SettingReader): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, fallback] of Object.entries(SERVER_SETTINGS)) {
    const value = get(key);
    setDotted(out, key, value === undefined || value === null ? fallback : value);
  }
  return out;
}

function setDotted(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split(".");
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== "object" || next === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = value;
}

// The HTML of a webview: a strict Content Security Policy (nothing but the view's own bundle,
// with a fresh nonce, and the extension's style sheets), no inline script, style or handler.

export type ViewName = "tensor" | "graph";

export interface HtmlOptions {
  view: ViewName;
  title: string;
  /** the webview's source for the extension's files (webview.cspSource) */
  cspSource: string;
  /** extension-relative path → URI the webview can load (webview.asWebviewUri) */
  uri: (relativePath: string) => string;
  nonce: string;
}

export function scriptPath(view: ViewName): string {
  return `dist/webviews/${view}.js`;
}

export function stylePaths(view: ViewName): string[] {
  return ["media/common.css", `media/${view}.css`];
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    "img-src 'none'",
    "connect-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
    "frame-src 'none'",
    "worker-src 'none'",
  ].join("; ");
}

/** A nonce for one page load: 32 characters from a CSPRNG-backed source of random bytes. */
export function makeNonce(randomBytes: (n: number) => Uint8Array): string {
  return Array.from(randomBytes(24), (b) => b.toString(16).padStart(2, "0")).join("");
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderHtml(o: HtmlOptions): string {
  const styles = stylePaths(o.view)
    .map((p) => `<link rel="stylesheet" href="${escapeHtml(o.uri(p))}">`)
    .join("\n    ");
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(o.cspSource, o.nonce))}">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    ${styles}
    <title>${escapeHtml(o.title)}</title>
  </head>
  <body class="gg-${o.view}">
    <div id="app" data-view="${o.view}"></div>
    <script nonce="${o.nonce}" src="${escapeHtml(o.uri(scriptPath(o.view)))}"></script>
  </body>
</html>
`;
}

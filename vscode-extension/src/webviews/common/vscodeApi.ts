// The webview side's only contact with VS Code: acquireVsCodeApi() (provided by the webview host,
// or by the test harness's fake) and the window's message events, typed by src/shared/messages.ts.

import type { MessageMap, ToExtension, ToWebview, WebviewMessage } from "../../shared/messages";

interface VsCodeWebviewApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeWebviewApi;

export interface WebviewApi {
  post<K extends ToExtension>(type: K, payload: MessageMap[K]): void;
  onMessage(handler: (message: WebviewMessage) => void): void;
  getState<T>(): T | undefined;
  setState(state: unknown): void;
}

const TO_WEBVIEW: ReadonlySet<string> = new Set<ToWebview>([
  "tensor/show",
  "tensor/state",
  "tensor/loading",
  "tensor/error",
  "graph/show",
  "graph/ops",
  "graph/status",
  "graph/error",
]);

let api: WebviewApi | undefined;

export function webviewApi(): WebviewApi {
  if (api) return api;
  const vscode = acquireVsCodeApi();
  api = {
    post: (type, payload) => vscode.postMessage({ type, payload }),
    onMessage(handler) {
      window.addEventListener("message", (event: MessageEvent<unknown>) => {
        const data = event.data as { type?: unknown; payload?: unknown } | null;
        if (data && typeof data.type === "string" && TO_WEBVIEW.has(data.type) && typeof data.payload === "object") {
          handler(data as WebviewMessage);
        }
      });
    },
    getState: <T>() => (vscode.getState() ?? undefined) as T | undefined,
    setState: (state) => vscode.setState(state),
  };
  return api;
}

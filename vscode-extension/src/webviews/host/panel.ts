// A webview panel that speaks only the typed messages of src/shared/messages.ts.

import {
  parseExtensionMessage,
  type ExtensionMessage,
  type MessageMap,
  type ToWebview,
} from "../../shared/messages";
import type { Disposable, Host, PanelLike } from "./api";
import { makeNonce, renderHtml, type ViewName } from "./html";

export function randomBytes(n: number): Uint8Array {
  const bytes = new Uint8Array(n);
  globalThis.crypto.getRandomValues(bytes);
  return bytes;
}

export class ViewPanel {
  readonly panel: PanelLike;
  private readonly disposables: Disposable[] = [];
  private disposed = false;

  constructor(
    host: Host,
    view: ViewName,
    title: string,
    onMessage: (message: ExtensionMessage) => void,
    onDispose: () => void,
  ) {
    this.panel = host.createPanel(`glassgrad.${view}`, title);
    const webview = this.panel.webview;
    webview.html = renderHtml({
      view,
      title,
      cspSource: webview.cspSource,
      uri: (p) => webview.asWebviewUri(p),
      nonce: makeNonce(randomBytes),
    });
    this.disposables.push(
      webview.onDidReceiveMessage((raw) => {
        const message = parseExtensionMessage(raw);
        if (message) onMessage(message);
        else host.log(`glassgrad ${view} view: ignored a malformed message`);
      }),
      this.panel.onDidDispose(() => {
        this.disposed = true;
        for (const d of this.disposables) d.dispose();
        onDispose();
      }),
    );
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  post<K extends ToWebview>(type: K, payload: MessageMap[K]): void {
    if (this.disposed) return;
    void this.panel.webview.postMessage({ type, payload });
  }

  set title(title: string) {
    if (!this.disposed) this.panel.title = title;
  }

  reveal(): void {
    this.panel.reveal();
  }

  dispose(): void {
    if (!this.disposed) this.panel.dispose();
  }
}

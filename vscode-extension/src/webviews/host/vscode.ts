// The webviews' only run-time use of the `vscode` module: the Host of api.ts over the real API.

import * as vscode from "vscode";
import type { DebugEvent, Disposable, Host, PanelLike, StackItem } from "./api";

/** Requests after which the debuggee runs (VS Code does not always get a `continued` event). */
const RESUMING = new Set(["continue", "next", "stepIn", "stepOut", "stepBack", "reverseContinue", "goto"]);

/** How long a request waits for the language server to be running. */
const LSP_WAIT_MS = 20_000;

export interface HostDeps {
  languageClient: () => { sendRequest(method: string, params: unknown): Promise<unknown> } | undefined;
  log: (msg: string) => void;
}

function stackItem(item: vscode.DebugThread | vscode.DebugStackFrame | undefined): StackItem | undefined {
  if (!item) return undefined;
  return "frameId" in item
    ? { session: item.session, threadId: item.threadId, frameId: item.frameId }
    : { session: item.session, threadId: item.threadId };
}

function record(x: unknown): Record<string, unknown> {
  return typeof x === "object" && x !== null ? (x as Record<string, unknown>) : {};
}

export function vscodeHost(context: vscode.ExtensionContext, deps: HostDeps): Host {
  const sessions = new Map<string, vscode.DebugSession>();
  const listeners = new Set<(e: DebugEvent) => void>();
  const emit = (e: DebugEvent): void => {
    for (const l of [...listeners]) l(e);
  };
  const root = context.extensionUri;
  context.subscriptions.push(
    vscode.debug.onDidStartDebugSession((s) => sessions.set(s.id, s)),
    vscode.debug.onDidTerminateDebugSession((s) => {
      sessions.delete(s.id);
      emit({ kind: "terminated", session: s });
    }),
    vscode.debug.onDidReceiveDebugSessionCustomEvent((e) =>
      emit({ kind: "custom", session: e.session, event: e.event, body: e.body }),
    ),
    vscode.debug.registerDebugAdapterTrackerFactory("glassgrad", {
      createDebugAdapterTracker: (session) => ({
        onDidSendMessage: (m: unknown) => {
          const msg = record(m);
          if (msg.type !== "event") return;
          if (msg.event === "stopped") {
            const threadId = record(msg.body).threadId;
            emit({ kind: "stopped", session, threadId: typeof threadId === "number" ? threadId : undefined });
          } else if (msg.event === "continued") {
            emit({ kind: "continued", session });
          }
        },
        onWillReceiveMessage: (m: unknown) => {
          const msg = record(m);
          if (msg.type === "request" && typeof msg.command === "string" && RESUMING.has(msg.command)) {
            emit({ kind: "continued", session });
          }
        },
      }),
    }),
  );

  return {
    createPanel(viewType: string, title: string): PanelLike {
      const panel = vscode.window.createWebviewPanel(
        viewType,
        title,
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        {
          enableScripts: true,
          localResourceRoots: [vscode.Uri.joinPath(root, "dist", "webviews"), vscode.Uri.joinPath(root, "media")],
        },
      );
      return {
        webview: {
          get html() {
            return panel.webview.html;
          },
          set html(html: string) {
            panel.webview.html = html;
          },
          cspSource: panel.webview.cspSource,
          asWebviewUri: (p) => panel.webview.asWebviewUri(vscode.Uri.joinPath(root, ...p.split("/"))).toString(),
          postMessage: (m) => panel.webview.postMessage(m),
          onDidReceiveMessage: (l) => panel.webview.onDidReceiveMessage(l),
        },
        get title() {
          return panel.title;
        },
        set title(t: string) {
          panel.title = t;
        },
        get viewColumn() {
          return panel.viewColumn;
        },
        reveal: () => panel.reveal(undefined, true),
        onDidDispose: (l) => panel.onDidDispose(l),
        dispose: () => panel.dispose(),
      };
    },
    session: (id) => (id === undefined ? undefined : sessions.get(id)),
    activeSession: () => vscode.debug.activeDebugSession,
    activeStackItem: () => stackItem(vscode.debug.activeStackItem),
    onDidChangeActiveStackItem: (l) => vscode.debug.onDidChangeActiveStackItem((item) => l(stackItem(item))),
    onDebugEvent(l): Disposable {
      listeners.add(l);
      return { dispose: () => listeners.delete(l) };
    },
    async lspRequest(method, params) {
      // the server starts with the extension: a command that activated it waits for it a while
      let client = deps.languageClient();
      for (let waited = 0; !client && waited < LSP_WAIT_MS; waited += 250) {
        await new Promise((done) => setTimeout(done, 250));
        client = deps.languageClient();
      }
      if (!client) throw new Error("glassgrad's language server is not running (the glassgrad output says why)");
      return client.sendRequest(method, params);
    },
    activeEditor() {
      const uri = vscode.window.activeTextEditor?.document.uri;
      return uri && uri.scheme === "file" ? { path: uri.fsPath, uri: uri.toString() } : undefined;
    },
    async openFile(file, line, besideColumn) {
      const position = new vscode.Position(Math.max(0, line - 1), 0);
      await vscode.window.showTextDocument(vscode.Uri.file(file), {
        selection: new vscode.Range(position, position),
        viewColumn: besideColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Two : vscode.ViewColumn.One,
        preview: true,
      });
    },
    async quickPick(items, placeholder) {
      const picked = await vscode.window.showQuickPick(items, { placeHolder: placeholder, matchOnDetail: true });
      return picked?.value;
    },
    showError: (message) => void vscode.window.showErrorMessage(message),
    log: deps.log,
    setTimeout(fn, ms) {
      const handle = setTimeout(fn, ms);
      return { dispose: () => clearTimeout(handle) };
    },
  };
}

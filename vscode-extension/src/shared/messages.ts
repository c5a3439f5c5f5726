// The messages between the extension and its webviews: one map from message name to payload,
// imported by both sides (the extension's panels in src/webviews/host/, the browser code in
// src/webviews/<view>/). Nothing else crosses the postMessage boundary.

// ---- data shapes (docs/debugger.md "Custom requests", lsp/glassgrad_lsp/features/graph.py) ----

/** A `glassgrad/tensor` response body. */
export interface TensorResponse {
  expression: string;
  shape: number[];
  dtype: string;
  device: string;
  requiresGrad: boolean;
  gradFn: string | null;
  stats: TensorStats | null;
  sliceShape: number[];
  count: number;
  truncated: boolean;
  format: "json" | "binary";
  /** format "json": flat, C order, non-finite values as "nan", "inf", "-inf" */
  values?: (number | boolean | string)[];
  /** format "binary": base64 of the raw little-endian C-order bytes */
  encoding?: "base64";
  byteOrder?: "little";
  data?: string;
}

export interface TensorStats {
  min: number | null;
  max: number | null;
  mean: number | null;
  std: number | null;
  norm: number | null;
  nan: number;
  inf: number;
}

/** One entry per leading dimension: an index, null (all), or [start, stop, step]. */
export type SliceEntry = number | null | [number | null, number | null, (number | null)?];

export interface TensorRef {
  shape: number[] | null;
  dtype: string | null;
}

export type NodeState = "done" | "current" | "pending" | null;

export interface GraphNode {
  id: string;
  op: string;
  name: string;
  file: string | null;
  line: number | null;
  function: string | null;
  module: string | null;
  outputs: TensorRef[] | null;
  state: NodeState;
  forwardNs?: number | null;
  backwardNs?: number | null;
}

export interface GraphLeaf {
  id: string;
  name: string | null;
  shape: number[] | null;
  dtype: string | null;
  requiresGrad: boolean;
}

export interface GraphEdge {
  from: string;
  to: string;
  output: number;
  input: number;
  shape?: number[] | null;
  dtype?: string | null;
}

/** A `glassgrad/graph` response body (debug adapter), or the language server's for a run. */
export interface GraphResponse {
  phase: "forward" | "backward" | "recorded" | "live";
  current: string | null;
  roots: string[];
  nodes: GraphNode[];
  leaves: GraphLeaf[];
  edges: GraphEdge[];
  /** language server only */
  run?: string;
  iteration?: number;
  truncated?: boolean;
  totalNodes?: number;
}

/** A `glassgrad/op` event body: a live-channel event (docs/live-channel.md). */
export interface LiveEvent {
  type: string;
  iteration?: number;
  seq?: number | null;
  node?: number | null;
  op?: string;
  file?: string | null;
  line?: number | null;
  function?: string | null;
  module?: string | null;
  output?: { id: number; shape: number[]; dtype: string } | null;
  inputs?: (number | null)[];
}

// ---- the message map ----

export type TensorTarget = "value" | "grad";

/** Where a graph came from, for the view's title line. */
export interface GraphSource {
  kind: "session" | "run";
  label: string;
}

export interface MessageMap {
  // webview → extension
  /** the webview (re)loaded: the extension answers with what the view shows */
  ready: Record<string, never>;
  /** tensor view: fetch `target` of the panel's expression with this slice */
  "tensor/request": { target: TensorTarget; slice: SliceEntry[] | null };
  "tensor/pin": { pinned: boolean };
  /** graph view: open a node's forward line */
  "graph/open": { file: string; line: number };
  "graph/refresh": Record<string, never>;

  // extension → webview
  "tensor/show": {
    target: TensorTarget;
    slice: SliceEntry[] | null;
    response: TensorResponse;
    maxElements: number;
  };
  /** header facts, known before any value arrives; `status`: "running", "stopped", ... */
  "tensor/state": {
    expression: string;
    target: TensorTarget;
    pinned: boolean;
    session: string;
    status: string;
  };
  "tensor/loading": { target: TensorTarget };
  /** the expression failed, the session ended, ...; the last values stay, marked stale */
  "tensor/error": { target: TensorTarget; message: string };
  "graph/show": {
    graph: GraphResponse;
    source: GraphSource;
    /** select (and reveal) the nodes of this forward line */
    select: { file: string; line: number } | null;
  };
  /** a batch of `glassgrad/op` events (sessions launched with liveOps) */
  "graph/ops": { events: LiveEvent[] };
  "graph/status": { text: string; running: boolean };
  "graph/error": { message: string };
}

export type ToExtension = "ready" | "tensor/request" | "tensor/pin" | "graph/open" | "graph/refresh";
export type ToWebview = Exclude<keyof MessageMap, ToExtension>;

export type Message<K extends keyof MessageMap = keyof MessageMap> = {
  [P in K]: { type: P; payload: MessageMap[P] };
}[K];

export type ExtensionMessage = Message<ToExtension>;
export type WebviewMessage = Message<ToWebview>;

const TO_EXTENSION: ReadonlySet<string> = new Set<ToExtension>([
  "ready",
  "tensor/request",
  "tensor/pin",
  "graph/open",
  "graph/refresh",
]);

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function isSliceEntry(x: unknown): boolean {
  if (x === null || Number.isInteger(x)) return true;
  return (
    Array.isArray(x) && x.length >= 1 && x.length <= 3 && x.every((v) => v === null || Number.isInteger(v))
  );
}

/** A message from a webview, checked (a webview is a web page: the extension trusts no shape). */
export function parseExtensionMessage(raw: unknown): ExtensionMessage | undefined {
  if (!isRecord(raw) || typeof raw.type !== "string" || !TO_EXTENSION.has(raw.type)) return undefined;
  const p = raw.payload;
  if (!isRecord(p)) return undefined;
  switch (raw.type as ToExtension) {
    case "ready":
    case "graph/refresh":
      return { type: raw.type as "ready" | "graph/refresh", payload: {} };
    case "tensor/request":
      if (p.target !== "value" && p.target !== "grad") return undefined;
      if (p.slice !== null && !(Array.isArray(p.slice) && p.slice.length <= 32 && p.slice.every(isSliceEntry))) {
        return undefined;
      }
      return { type: "tensor/request", payload: { target: p.target, slice: p.slice as SliceEntry[] | null } };
    case "tensor/pin":
      return typeof p.pinned === "boolean" ? { type: "tensor/pin", payload: { pinned: p.pinned } } : undefined;
    case "graph/open":
      return typeof p.file === "string" && p.file.length > 0 && Number.isInteger(p.line) && (p.line as number) > 0
        ? { type: "graph/open", payload: { file: p.file, line: p.line as number } }
        : undefined;
  }
}

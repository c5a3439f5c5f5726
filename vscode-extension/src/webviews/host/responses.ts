// Shape checks of what the debug adapter and the language server answer, and their error text.

import type { GraphResponse, TensorResponse } from "../../shared/messages";

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

const isIntArray = (x: unknown): x is number[] => Array.isArray(x) && x.every((v) => Number.isInteger(v));

export function asTensorResponse(x: unknown): TensorResponse {
  if (
    !isRecord(x) ||
    !isIntArray(x.shape) ||
    !isIntArray(x.sliceShape) ||
    typeof x.dtype !== "string" ||
    !Number.isInteger(x.count) ||
    (x.format === "binary" ? typeof x.data !== "string" : !Array.isArray(x.values))
  ) {
    throw new Error("the debug adapter's glassgrad/tensor answer is not a tensor response");
  }
  return x as unknown as TensorResponse;
}

export function asGraphResponse(x: unknown): GraphResponse {
  if (!isRecord(x) || !Array.isArray(x.nodes) || !Array.isArray(x.edges) || !Array.isArray(x.leaves)) {
    throw new Error("the glassgrad/graph answer is not a graph");
  }
  for (const n of x.nodes) {
    if (!isRecord(n) || typeof n.id !== "string" || typeof n.op !== "string") {
      throw new Error("the glassgrad/graph answer has a malformed node");
    }
  }
  for (const e of x.edges) {
    if (!isRecord(e) || typeof e.from !== "string" || typeof e.to !== "string") {
      throw new Error("the glassgrad/graph answer has a malformed edge");
    }
  }
  return x as unknown as GraphResponse;
}

/** The useful line of an error from a custom request or the language server (a traceback's last). */
export function errorText(e: unknown): string {
  const raw = e instanceof Error ? e.message : typeof e === "string" ? e : JSON.stringify(e);
  const lines = (raw ?? "").split("\n").map((l) => l.trim()).filter((l) => l.length > 0);
  if (lines.length === 0) return "unknown error";
  const traceback = lines[0].startsWith("Traceback");
  const text = (traceback ? lines[lines.length - 1] : lines.join(" ")).replace(/^glassgrad\/\w+: /, "");
  // the adapter quotes the probe's exception as its repr: NameError("name 'h' is not defined")
  const repr = /^(\w+(?:Error|Exception))\((["'])(.*?)\2(?:, .*)?\)$/.exec(text);
  return repr ? `${repr[1]}: ${repr[3]}` : text;
}

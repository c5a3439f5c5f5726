// A glassgrad/tensor response's values as doubles (NaN, ±Infinity kept; bool as 0/1).

import type { TensorResponse } from "../../shared/messages";

function base64Bytes(data: string): Uint8Array {
  const binary = atob(data);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function half(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

const READERS: Record<string, [number, (v: DataView, o: number) => number]> = {
  float64: [8, (v, o) => v.getFloat64(o, true)],
  float32: [4, (v, o) => v.getFloat32(o, true)],
  float16: [2, (v, o) => half(v.getUint16(o, true))],
  int64: [8, (v, o) => Number(v.getBigInt64(o, true))],
  int32: [4, (v, o) => v.getInt32(o, true)],
  int16: [2, (v, o) => v.getInt16(o, true)],
  int8: [1, (v, o) => v.getInt8(o)],
  uint64: [8, (v, o) => Number(v.getBigUint64(o, true))],
  uint32: [4, (v, o) => v.getUint32(o, true)],
  uint16: [2, (v, o) => v.getUint16(o, true)],
  uint8: [1, (v, o) => v.getUint8(o)],
  bool: [1, (v, o) => (v.getUint8(o) ? 1 : 0)],
};

function jsonValue(v: number | boolean | string): number {
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  return NaN;
}

export function decodeValues(r: TensorResponse): Float64Array {
  if (r.format === "json") {
    return Float64Array.from((r.values ?? []).slice(0, r.count), jsonValue);
  }
  const reader = READERS[r.dtype];
  if (!reader) throw new Error(`values of dtype ${r.dtype} cannot be shown`);
  const [size, read] = reader;
  const bytes = base64Bytes(r.data ?? "");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Math.min(r.count, Math.floor(bytes.byteLength / size));
  const out = new Float64Array(n);
  if (r.dtype === "float32") {
    for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
  } else {
    for (let i = 0; i < n; i++) out[i] = read(view, i * size);
  }
  return out;
}

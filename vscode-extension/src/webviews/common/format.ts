// Numbers, shapes and durations as the views print them.

export function formatNumber(v: number, digits = 4): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "−Inf";
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(digits - 1);
  return String(Number(v.toPrecision(digits)));
}

export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

export function formatShape(shape: number[] | null | undefined): string {
  if (!shape) return "?";
  return `(${shape.join(", ")})`;
}

export function formatDuration(ns: number | null | undefined): string {
  if (ns === null || ns === undefined) return "";
  if (ns < 1e3) return `${ns} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(1)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(1)} ms`;
  return `${(ns / 1e9).toFixed(2)} s`;
}

export function basename(path: string | null | undefined): string {
  if (!path) return "?";
  return path.split(/[\\/]/).pop() ?? path;
}

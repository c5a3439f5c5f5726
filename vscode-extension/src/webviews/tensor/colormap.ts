// Colors of values: a diverging map (blue, neutral, red) symmetric around 0 when the values have
// both signs, else a sequential one (viridis); NaN and ±Inf in colors of their own, taken from the
// theme (VS Code's chart colors) so they stand out in light, dark and high-contrast themes.

export type RGB = [number, number, number];

const DIVERGING: RGB[] = [
  [33, 102, 172],
  [103, 169, 207],
  [209, 229, 240],
  [247, 247, 247],
  [253, 219, 199],
  [239, 138, 98],
  [178, 24, 43],
];

const VIRIDIS: RGB[] = [
  [68, 1, 84],
  [65, 68, 135],
  [42, 120, 142],
  [34, 168, 132],
  [122, 209, 81],
  [253, 231, 37],
];

export interface Scale {
  kind: "diverging" | "sequential";
  lo: number;
  hi: number;
}

export interface SpecialColors {
  nan: RGB;
  posInf: RGB;
  negInf: RGB;
}

export function scaleFor(min: number, max: number): Scale {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { kind: "sequential", lo: 0, hi: 1 };
  if (min < 0 && max > 0) {
    const m = Math.max(-min, max);
    return { kind: "diverging", lo: -m, hi: m };
  }
  return { kind: "sequential", lo: min, hi: max === min ? min + 1 : max };
}

function ramp(stops: RGB[], t: number): RGB {
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = stops[i];
  const b = stops[i + 1];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

export function colorAt(scale: Scale, t: number): RGB {
  return ramp(scale.kind === "diverging" ? DIVERGING : VIRIDIS, t);
}

export function colorOf(v: number, scale: Scale, special: SpecialColors): RGB {
  if (Number.isNaN(v)) return special.nan;
  if (v === Infinity) return special.posInf;
  if (v === -Infinity) return special.negInf;
  return colorAt(scale, (v - scale.lo) / (scale.hi - scale.lo));
}

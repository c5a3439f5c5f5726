// Statistics and histogram of the values shown (the response's `stats` are the whole tensor's).

export interface ShownStats {
  count: number;
  finite: number;
  min: number;
  max: number;
  mean: number;
  std: number;
  nan: number;
  posInf: number;
  negInf: number;
}

export function shownStats(values: Float64Array): ShownStats {
  let finite = 0;
  let nan = 0;
  let posInf = 0;
  let negInf = 0;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of values) {
    if (Number.isNaN(v)) nan++;
    else if (v === Infinity) posInf++;
    else if (v === -Infinity) negInf++;
    else {
      finite++;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const mean = finite ? sum / finite : NaN;
  let sq = 0;
  if (finite) for (const v of values) if (Number.isFinite(v)) sq += (v - mean) ** 2;
  return {
    count: values.length,
    finite,
    min: finite ? min : NaN,
    max: finite ? max : NaN,
    mean,
    std: finite ? Math.sqrt(sq / finite) : NaN,
    nan,
    posInf,
    negInf,
  };
}

export interface Histogram {
  lo: number;
  hi: number;
  counts: number[];
}

export function histogram(values: Float64Array, stats: ShownStats, bins = 40): Histogram {
  const counts = new Array<number>(bins).fill(0);
  if (!stats.finite) return { lo: 0, hi: 0, counts };
  let lo = stats.min;
  let hi = stats.max;
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const width = (hi - lo) / bins;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    counts[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
  }
  return { lo, hi, counts };
}

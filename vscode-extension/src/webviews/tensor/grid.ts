// The 2-D grid a heatmap draws from a response: the last two dimensions of the returned slice
// (the first block when the slice has more), and each cell's index in the whole tensor.

import type { SliceEntry, TensorResponse } from "../../shared/messages";

export interface Grid {
  rows: number;
  cols: number;
  /** the values, row-major; fewer than rows × cols when the response was truncated */
  values: Float64Array;
  /** the cell's index in the whole tensor, or undefined outside the values */
  index(row: number, col: number): number[] | undefined;
}

type Dim = { fixed: number } | { kept: number; start: number; step: number };

/** How each dimension of the tensor maps to the slice (the request's `slice`, then all). */
export function sliceDims(rank: number, slice: SliceEntry[] | null): Dim[] {
  const dims: Dim[] = [];
  let kept = 0;
  for (let d = 0; d < rank; d++) {
    const e = slice && d < slice.length ? slice[d] : null;
    if (typeof e === "number") dims.push({ fixed: e });
    else if (Array.isArray(e)) dims.push({ kept: kept++, start: e[0] ?? 0, step: e[2] ?? 1 });
    else dims.push({ kept: kept++, start: 0, step: 1 });
  }
  return dims;
}

export function gridOf(r: TensorResponse, slice: SliceEntry[] | null, values: Float64Array): Grid {
  const s = r.sliceShape;
  const n = s.length;
  const rows = n >= 2 ? s[n - 2] : 1;
  const cols = n >= 1 ? s[n - 1] : 1;
  const dims = sliceDims(r.shape.length, slice);
  return {
    rows,
    cols,
    values,
    index(row, col) {
      if (row < 0 || col < 0 || row >= rows || col >= cols || row * cols + col >= values.length) return undefined;
      const coords = new Array<number>(n).fill(0);
      if (n >= 1) coords[n - 1] = col;
      if (n >= 2) coords[n - 2] = row;
      return dims.map((d) => ("fixed" in d ? d.fixed : d.start + coords[d.kept] * d.step));
    },
  };
}

/**
 * The slice selector's dimensions: every leading dimension down to the last two is picked by
 * index; when the 2-D block is bigger than maxElements, a window of rows (dimension `window`).
 */
export interface SlicePlan {
  indexDims: number[];
  window: { dim: number; size: number; rows: number } | null;
}

export function slicePlan(shape: number[], maxElements: number): SlicePlan {
  const rank = shape.length;
  const indexDims = rank > 2 ? Array.from({ length: rank - 2 }, (_, i) => i) : [];
  const block = rank === 0 ? 1 : shape.slice(Math.max(0, rank - 2)).reduce((a, b) => a * b, 1);
  if (rank === 0 || block <= maxElements) return { indexDims, window: null };
  const dim = rank >= 2 ? rank - 2 : 0;
  const perRow = rank >= 2 ? shape[rank - 1] : 1;
  const rows = Math.max(1, Math.floor(maxElements / Math.max(1, perRow)));
  return { indexDims, window: { dim, size: shape[dim], rows } };
}

/** The request's slice for chosen indices of the index dimensions and a first window row. */
export function sliceFor(plan: SlicePlan, indices: number[], windowStart: number): SliceEntry[] | null {
  const slice: SliceEntry[] = plan.indexDims.map((_, i) => indices[i] ?? 0);
  if (plan.window) {
    while (slice.length < plan.window.dim) slice.push(null);
    slice.push([windowStart, windowStart + plan.window.rows, null]);
  }
  return slice.length > 0 ? slice : null;
}

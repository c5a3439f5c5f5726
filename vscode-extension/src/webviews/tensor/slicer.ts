// The slice selector: an index for each leading dimension of a tensor of rank > 2, and a window of
// rows when a 2-D block is bigger than the elements a response may hold. A change asks for a new
// slice.

import type { SliceEntry } from "../../shared/messages";
import { clear, h } from "../common/dom";
import { formatCount } from "../common/format";
import { sliceFor, type SlicePlan } from "./grid";

export class Slicer {
  private plan: SlicePlan = { indexDims: [], window: null };
  private shape: number[] = [];
  private indices: number[] = [];
  private windowStart = 0;

  constructor(
    private readonly el: HTMLElement,
    private readonly onChange: (slice: SliceEntry[] | null) => void,
  ) {}

  /** Show the selector for this shape, reflecting the slice the shown values came from. */
  update(shape: number[], plan: SlicePlan, slice: SliceEntry[] | null): void {
    this.shape = shape;
    this.plan = plan;
    this.indices = plan.indexDims.map((d) => {
      const e = slice?.[d];
      return typeof e === "number" ? e : 0;
    });
    const w = plan.window ? slice?.[plan.window.dim] : undefined;
    this.windowStart = Array.isArray(w) && typeof w[0] === "number" ? w[0] : 0;
    this.render();
  }

  /** The slice to ask for first (before any response): none. */
  get current(): SliceEntry[] | null {
    return sliceFor(this.plan, this.indices, this.windowStart);
  }

  private render(): void {
    clear(this.el);
    const { indexDims, window } = this.plan;
    this.el.hidden = indexDims.length === 0 && !window;
    if (this.el.hidden) return;
    this.el.append(h("span", { class: "slicer-label" }, "slice"));
    const parts: (string | HTMLElement)[] = ["["];
    indexDims.forEach((d, i) => {
      parts.push(this.stepper(`dim-${d}`, `index of dimension ${d}`, this.indices[i], this.shape[d] - 1, (v) => {
        this.indices[i] = v;
      }));
      parts.push(", ");
    });
    if (window) {
      const last = Math.max(0, window.size - window.rows);
      for (let d = indexDims.length; d < window.dim; d++) parts.push(":, ");
      parts.push(this.stepper(`window-${window.dim}`, `first row of dimension ${window.dim}`, this.windowStart, last, (v) => {
        this.windowStart = v;
      }, window.rows));
      parts.push(`:+${formatCount(window.rows)}`);
      for (let d = window.dim + 1; d < this.shape.length; d++) parts.push(", :");
    } else {
      parts.push(":, :");
    }
    parts.push("]");
    this.el.append(...parts);
  }

  private stepper(
    id: string,
    label: string,
    value: number,
    max: number,
    set: (v: number) => void,
    step = 1,
  ): HTMLElement {
    const input = h("input", {
      id: `slice-${id}`,
      class: "slice-index",
      type: "number",
      min: 0,
      max,
      step,
      value,
      "aria-label": label,
    });
    const commit = (v: number): void => {
      const clamped = Math.min(max, Math.max(0, Math.round(Number.isFinite(v) ? v : 0)));
      input.value = String(clamped);
      set(clamped);
      this.onChange(this.current);
    };
    input.addEventListener("change", () => commit(Number(input.value)));
    const prev = h("button", { class: "icon", title: `previous (${label})`, "aria-label": `previous ${label}` }, "‹");
    const next = h("button", { class: "icon", title: `next (${label})`, "aria-label": `next ${label}` }, "›");
    prev.addEventListener("click", () => commit(Number(input.value) - step));
    next.addEventListener("click", () => commit(Number(input.value) + step));
    return h("span", { class: "stepper" }, prev, input, next, h("span", { class: "dim-size" }, `/${max + (step > 1 ? step : 1)}`));
  }
}

// Pan and zoom of the graph's SVG: drag the background or scroll to pan, Ctrl/Cmd+wheel (or the
// toolbar) to zoom around the pointer.

export interface Transform {
  x: number;
  y: number;
  k: number;
}

export const MIN_SCALE = 0.05;
export const MAX_SCALE = 4;

export class PanZoom {
  t: Transform = { x: 0, y: 0, k: 1 };
  private drag: { x: number; y: number; moved: boolean } | undefined;
  /** true right after a drag, so the click that ends it selects nothing */
  dragged = false;
  /** the view shows the automatic overview (no pan or zoom since): a resize redoes it */
  auto = false;

  constructor(
    private readonly svg: SVGSVGElement,
    private readonly viewport: SVGGElement,
  ) {
    svg.addEventListener(
      "wheel",
      (e) => {
        e.preventDefault();
        this.auto = false;
        if (e.ctrlKey || e.metaKey) {
          const r = svg.getBoundingClientRect();
          this.zoomAt(this.t.k * Math.exp(-e.deltaY * 0.002), e.clientX - r.left, e.clientY - r.top);
        } else {
          this.set({ ...this.t, x: this.t.x - e.deltaX, y: this.t.y - e.deltaY });
        }
      },
      { passive: false },
    );
    svg.addEventListener("pointerdown", (e) => {
      if (e.button !== 0 || (e.target as Element).closest("[data-id],[data-module]")) return;
      this.drag = { x: e.clientX, y: e.clientY, moved: false };
      svg.setPointerCapture(e.pointerId);
      svg.classList.add("panning");
    });
    svg.addEventListener("pointermove", (e) => {
      if (!this.drag) return;
      const dx = e.clientX - this.drag.x;
      const dy = e.clientY - this.drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 2) {
        this.drag.moved = true;
        this.auto = false;
      }
      this.drag.x = e.clientX;
      this.drag.y = e.clientY;
      this.set({ ...this.t, x: this.t.x + dx, y: this.t.y + dy });
    });
    const end = (): void => {
      this.dragged = this.drag?.moved ?? false;
      this.drag = undefined;
      svg.classList.remove("panning");
    };
    svg.addEventListener("pointerup", end);
    svg.addEventListener("pointercancel", end);
  }

  set(t: Transform): void {
    this.t = { x: t.x, y: t.y, k: Math.min(MAX_SCALE, Math.max(MIN_SCALE, t.k)) };
    this.viewport.setAttribute("transform", `translate(${this.t.x.toFixed(1)},${this.t.y.toFixed(1)}) scale(${this.t.k.toFixed(4)})`);
  }

  zoomAt(k: number, px: number, py: number): void {
    const nk = Math.min(MAX_SCALE, Math.max(MIN_SCALE, k));
    const gx = (px - this.t.x) / this.t.k;
    const gy = (py - this.t.y) / this.t.k;
    this.set({ k: nk, x: px - gx * nk, y: py - gy * nk });
  }

  zoomBy(factor: number): void {
    this.auto = false;
    const r = this.svg.getBoundingClientRect();
    this.zoomAt(this.t.k * factor, r.width / 2, r.height / 2);
  }

  /** Fit a box of the graph into the view (not above 1:1). */
  fit(width: number, height: number): void {
    const r = this.svg.getBoundingClientRect();
    const k = Math.min(1, Math.max(MIN_SCALE, Math.min((r.width - 16) / Math.max(1, width), (r.height - 16) / Math.max(1, height))));
    this.set({ k, x: (r.width - width * k) / 2, y: Math.max(8, (r.height - height * k) / 2) });
  }

  /** Fit the graph, or when that would be too small to read, its top at a readable scale. */
  overview(width: number, height: number, readable = 0.6): void {
    const r = this.svg.getBoundingClientRect();
    this.auto = true;
    if (r.width < 2 || r.height < 2) return; // hidden: the resize that shows it fits
    const whole = Math.min((r.width - 16) / Math.max(1, width), (r.height - 16) / Math.max(1, height));
    if (whole >= readable) {
      this.fit(width, height);
      return;
    }
    const k = Math.min(1, Math.max(readable, (r.width - 16) / Math.max(1, width)));
    this.set({ k, x: width * k < r.width ? (r.width - width * k) / 2 : 8, y: 8 });
  }

  /** Put a point of the graph at the middle of the view, zooming in to at least `minScale`. */
  center(gx: number, gy: number, minScale = 0.7): void {
    this.auto = false;
    const r = this.svg.getBoundingClientRect();
    const k = Math.max(this.t.k, minScale);
    this.set({ k, x: r.width / 2 - gx * k, y: r.height / 2 - gy * k });
  }

  /** Where a point of the graph is on screen. */
  screen(gx: number, gy: number): [number, number] {
    return [this.t.x + gx * this.t.k, this.t.y + gy * this.t.k];
  }

  isVisible(gx: number, gy: number): boolean {
    const r = this.svg.getBoundingClientRect();
    const [sx, sy] = this.screen(gx, gy);
    return sx >= 0 && sy >= 0 && sx <= r.width && sy <= r.height;
  }
}

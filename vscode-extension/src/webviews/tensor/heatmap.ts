// The heatmap: one canvas pixel per element, scaled by CSS (pixelated) for zoom; hovering (or
// moving a cursor with the arrow keys) reports the element's index and value.

import { colorOf, type Scale, type SpecialColors } from "./colormap";
import type { Grid } from "./grid";

export const MIN_ZOOM = 1 / 16;
export const MAX_ZOOM = 64;

export interface Cell {
  row: number;
  col: number;
  index: number[];
  value: number;
}

export class Heatmap {
  readonly canvas: HTMLCanvasElement;
  private readonly box: HTMLDivElement;
  private grid: Grid | undefined;
  private zoomLevel = 1;
  private fitted = true;
  private cursor: { row: number; col: number } | undefined;

  constructor(
    private readonly container: HTMLElement,
    private readonly onHover: (cell: Cell | undefined) => void,
  ) {
    this.canvas = document.createElement("canvas");
    this.canvas.id = "heatmap";
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute("role", "img");
    this.canvas.setAttribute("aria-label", "heatmap of the tensor's values; arrow keys move the read-out");
    this.box = document.createElement("div");
    this.box.className = "cell-box";
    this.box.hidden = true;
    container.append(this.canvas, this.box);
    this.canvas.addEventListener("mousemove", (e) => this.hoverAt(e.offsetX, e.offsetY));
    this.canvas.addEventListener("mouseleave", () => {
      this.box.hidden = true;
      this.onHover(undefined);
    });
    this.canvas.addEventListener("keydown", (e) => this.onKey(e));
    container.addEventListener(
      "wheel",
      (e) => {
        if (!e.ctrlKey && !e.metaKey) return;
        e.preventDefault();
        this.setZoom(this.zoomLevel * (e.deltaY < 0 ? 1.25 : 0.8));
      },
      { passive: false },
    );
  }

  get zoom(): number {
    return this.zoomLevel;
  }

  render(grid: Grid, scale: Scale, special: SpecialColors): void {
    this.grid = grid;
    const { rows, cols, values } = grid;
    this.canvas.width = cols;
    this.canvas.height = rows;
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return;
    const image = ctx.createImageData(cols, rows);
    const px = image.data;
    const n = Math.min(values.length, rows * cols);
    for (let i = 0; i < n; i++) {
      const [r, g, b] = colorOf(values[i], scale, special);
      px[i * 4] = r;
      px[i * 4 + 1] = g;
      px[i * 4 + 2] = b;
      px[i * 4 + 3] = 255;
    }
    ctx.putImageData(image, 0, 0);
    if (this.fitted) this.fit();
    else this.applyZoom();
  }

  fit(): void {
    this.fitted = true;
    if (!this.grid) return;
    const width = Math.max(80, this.container.clientWidth - 8);
    const height = Math.max(80, this.container.clientHeight - 8);
    const z = Math.min(width / this.grid.cols, this.grid.rows > 1 ? height / this.grid.rows : 32, 32);
    this.zoomLevel = Math.max(MIN_ZOOM, z);
    this.applyZoom();
  }

  /** After a resize: fit again unless the user chose a zoom. */
  refit(): void {
    if (this.fitted) this.fit();
  }

  setZoom(z: number): void {
    this.fitted = false;
    this.zoomLevel = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, z));
    this.applyZoom();
  }

  /** CSS pixels per element, across and down (a single row is drawn at least 24 px high). */
  private cellSize(): [number, number] {
    const rows = this.grid?.rows ?? 1;
    const sx = this.zoomLevel;
    return [sx, rows === 1 ? Math.max(sx, 24) : sx];
  }

  private applyZoom(): void {
    if (!this.grid) return;
    const [sx, sy] = this.cellSize();
    this.canvas.style.width = `${this.grid.cols * sx}px`;
    this.canvas.style.height = `${this.grid.rows * sy}px`;
    this.canvas.dataset.zoom = String(this.zoomLevel);
  }

  cellAt(row: number, col: number): Cell | undefined {
    const index = this.grid?.index(row, col);
    if (!this.grid || !index) return undefined;
    return { row, col, index, value: this.grid.values[row * this.grid.cols + col] };
  }

  private hoverAt(x: number, y: number): void {
    const [sx, sy] = this.cellSize();
    const cell = this.cellAt(Math.floor(y / sy), Math.floor(x / sx));
    if (cell) this.cursor = { row: cell.row, col: cell.col };
    this.mark(cell);
    this.onHover(cell);
  }

  /** Outline the cell under the pointer or the keyboard cursor. */
  private mark(cell: Cell | undefined): void {
    this.box.hidden = !cell;
    if (!cell) return;
    const [sx, sy] = this.cellSize();
    this.box.style.left = `${this.canvas.offsetLeft + cell.col * sx - 1}px`;
    this.box.style.top = `${this.canvas.offsetTop + cell.row * sy - 1}px`;
    this.box.style.width = `${Math.max(2, sx)}px`;
    this.box.style.height = `${Math.max(2, sy)}px`;
  }

  private onKey(e: KeyboardEvent): void {
    const moves: Record<string, [number, number]> = {
      ArrowUp: [-1, 0],
      ArrowDown: [1, 0],
      ArrowLeft: [0, -1],
      ArrowRight: [0, 1],
    };
    const move = moves[e.key];
    if (!move || !this.grid) return;
    e.preventDefault();
    const at = this.cursor ?? { row: 0, col: 0 };
    const row = Math.min(this.grid.rows - 1, Math.max(0, at.row + (this.cursor ? move[0] : 0)));
    const col = Math.min(this.grid.cols - 1, Math.max(0, at.col + (this.cursor ? move[1] : 0)));
    this.cursor = { row, col };
    const cell = this.cellAt(row, col);
    this.mark(cell);
    this.onHover(cell);
  }
}

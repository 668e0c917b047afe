/**
 * Cheap motion detection that gates the detector (docs/edge.md#motion-gating), in the manner
 * of Frigate's: the frame is reduced to a small grey image (block means), compared with a
 * running background (exponential average), and the cells that differ by more than a
 * threshold, grown by one cell, are grouped into boxes (8-connected components). A global
 * change of brightness (auto exposure as a large bright vehicle enters, a cloud) is not
 * motion: the median difference over all cells is taken off every cell first. Pure: frames
 * in, boxes in frame pixels out; no clock.
 */
import type { RgbFrame } from '../models/frame.js';

export interface MotionOptions {
  /** Width of the grey image in cells (its height follows the frame's aspect). */
  cellsWide: number;
  /** Grey-level difference (0..255) of a cell from the background that counts as motion. */
  threshold: number;
  /** Weight of the new frame in the background average (0..1). */
  learnRate: number;
  /** Components smaller than this many cells (after growing by one cell: one changed cell makes 9) are noise. */
  minCells: number;
}

export const DEFAULT_MOTION_OPTIONS: Readonly<MotionOptions> = Object.freeze({
  cellsWide: 64,
  threshold: 14,
  learnRate: 0.1,
  minCells: 12,
});

export interface MotionResult {
  /** Boxes of moving regions, `[x1, y1, x2, y2]` in frame pixels. */
  boxes: Array<[number, number, number, number]>;
  /** Share of cells that moved (0..1). */
  fraction: number;
}

/** Mean grey of each cell of a `cw × ch` grid over the frame (about 3 × 3 pixels read per cell). */
export function greyCells(f: RgbFrame, cw: number, ch: number): Float32Array {
  const out = new Float32Array(cw * ch);
  const n = new Uint32Array(cw * ch);
  const sx = Math.max(1, Math.floor(f.width / cw / 3));
  const sy = Math.max(1, Math.floor(f.height / ch / 3));
  for (let y = 0; y < f.height; y += sy) {
    const cy = Math.min(ch - 1, Math.floor((y * ch) / f.height));
    for (let x = 0; x < f.width; x += sx) {
      const cx = Math.min(cw - 1, Math.floor((x * cw) / f.width));
      const p = (y * f.width + x) * 3;
      out[cy * cw + cx] =
        out[cy * cw + cx]! + 0.299 * f.data[p]! + 0.587 * f.data[p + 1]! + 0.114 * f.data[p + 2]!;
      n[cy * cw + cx]!++;
    }
  }
  for (let k = 0; k < out.length; k++) out[k] = n[k]! ? out[k]! / n[k]! : 0;
  return out;
}

/** Motion of one camera's frames against its running background. */
export class MotionDetector {
  readonly options: Readonly<MotionOptions>;
  private background: Float32Array | undefined;
  private size = { w: 0, h: 0, cw: 0, ch: 0 };

  constructor(options: Partial<MotionOptions> = {}) {
    this.options = Object.freeze({ ...DEFAULT_MOTION_OPTIONS, ...options });
  }

  /** Moving regions of `frame`; the first frame (or a new frame size) only sets the background. */
  update(frame: RgbFrame): MotionResult {
    const o = this.options;
    if (frame.width !== this.size.w || frame.height !== this.size.h) {
      const cw = Math.max(4, Math.min(o.cellsWide, frame.width));
      const ch = Math.max(3, Math.round((cw * frame.height) / frame.width));
      this.size = { w: frame.width, h: frame.height, cw, ch };
      this.background = undefined;
    }
    const { cw, ch } = this.size;
    const grey = greyCells(frame, cw, ch);
    const bg = this.background;
    if (!bg) {
      this.background = grey;
      return { boxes: [], fraction: 0 };
    }
    const moved = new Uint8Array(cw * ch);
    const diff = grey.map((g, k) => g - bg[k]!);
    const shift = Float32Array.from(diff).sort()[diff.length >> 1]!;
    let count = 0;
    for (let k = 0; k < grey.length; k++) {
      if (Math.abs(diff[k]! - shift) > o.threshold) {
        moved[k] = 1;
        count++;
      }
      bg[k] = bg[k]! + o.learnRate * (grey[k]! - bg[k]!);
    }
    const cells = components(dilate(moved, cw, ch), cw, ch, o.minCells);
    const sx = frame.width / cw;
    const sy = frame.height / ch;
    return {
      boxes: cells.map(([x1, y1, x2, y2]) => [x1 * sx, y1 * sy, x2 * sx, y2 * sy]),
      fraction: count / (cw * ch),
    };
  }
}

/** The mask grown by one cell in every direction. */
function dilate(m: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(m.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      if (!m[y * w + x]) continue;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy >= 0 && yy < h && xx >= 0 && xx < w) out[yy * w + xx] = 1;
        }
    }
  return out;
}

/** Bounding boxes (cell units, exclusive end) of 8-connected components of at least `minCells` cells. */
function components(
  m: Uint8Array,
  w: number,
  h: number,
  minCells: number,
): Array<[number, number, number, number]> {
  const seen = new Uint8Array(m.length);
  const out: Array<[number, number, number, number]> = [];
  const stack: number[] = [];
  for (let s = 0; s < m.length; s++) {
    if (!m[s] || seen[s]) continue;
    let [x1, y1, x2, y2, n] = [w, h, 0, 0, 0];
    seen[s] = 1;
    stack.push(s);
    while (stack.length) {
      const k = stack.pop()!;
      const x = k % w;
      const y = (k - x) / w;
      n++;
      x1 = Math.min(x1, x);
      y1 = Math.min(y1, y);
      x2 = Math.max(x2, x + 1);
      y2 = Math.max(y2, y + 1);
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          const yy = y + dy;
          const j = yy * w + xx;
          if (xx >= 0 && xx < w && yy >= 0 && yy < h && m[j] && !seen[j]) {
            seen[j] = 1;
            stack.push(j);
          }
        }
    }
    if (n >= minCells) out.push([x1, y1, x2, y2]);
  }
  return out;
}

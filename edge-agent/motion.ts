/**
 * Cheap motion detection that gates the detector (docs/edge.md#motion-gating), in the manner
 * of Frigate's: the frame is reduced to a small grey image (block means), compared with a
 * running background (exponential average), and the cells that differ by more than a
 * threshold, grown by one cell, are grouped into boxes (8-connected components); a component
 * none of whose cells changed since the previous frame (frame differencing) is the background
 * catching up, not motion. A global
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
  /**
   * A component is motion only if one of its cells also changed by more than this since the
   * previous frame (frame differencing; 0: off). What differs from the background alone is
   * the background still catching up — the ghost of a car that has left, for 2–3 s at rate
   * 0.1 — or something that stopped; the whole-frame check every `stillCheckMs` still sees it.
   */
  activeThreshold: number;
}

export const DEFAULT_MOTION_OPTIONS: Readonly<MotionOptions> = Object.freeze({
  cellsWide: 64,
  threshold: 14,
  learnRate: 0.1,
  minCells: 12,
  activeThreshold: 7,
});

export interface MotionResult {
  /** Boxes of moving regions, `[x1, y1, x2, y2]` in frame pixels. */
  boxes: Array<[number, number, number, number]>;
  /** Share of cells that moved (0..1). */
  fraction: number;
}

/** Which pixels a `cw × ch` grid samples, and the cell column of each sampled x (per frame size). */
interface Sampling {
  sx: number;
  sy: number;
  /** Byte offset in a row and cell column of each sampled x. */
  xOff: Int32Array;
  xCell: Int32Array;
  /** Pixels read per cell. */
  n: Uint32Array;
}
const samplings = new Map<string, Sampling>();

function sampling(width: number, height: number, cw: number, ch: number): Sampling {
  const key = `${width}x${height}/${cw}x${ch}`;
  let s = samplings.get(key);
  if (s) return s;
  const sx = Math.max(1, Math.floor(width / cw / 3));
  const sy = Math.max(1, Math.floor(height / ch / 3));
  const xs = Math.ceil(width / sx);
  const xOff = new Int32Array(xs);
  const xCell = new Int32Array(xs);
  for (let j = 0; j < xs; j++) {
    xOff[j] = j * sx * 3;
    xCell[j] = Math.min(cw - 1, Math.floor((j * sx * cw) / width));
  }
  const n = new Uint32Array(cw * ch);
  for (let y = 0; y < height; y += sy) {
    const row = Math.min(ch - 1, Math.floor((y * ch) / height)) * cw;
    for (let j = 0; j < xs; j++) n[row + xCell[j]!]!++;
  }
  s = { sx, sy, xOff, xCell, n };
  if (samplings.size > 16) samplings.clear();
  samplings.set(key, s);
  return s;
}

/** Mean grey of each cell of a `cw × ch` grid over the frame (about 3 × 3 pixels read per cell). */
export function greyCells(f: RgbFrame, cw: number, ch: number): Float32Array {
  const out = new Float32Array(cw * ch);
  const { sy, xOff, xCell, n } = sampling(f.width, f.height, cw, ch);
  const d = f.data;
  const xs = xOff.length;
  for (let y = 0; y < f.height; y += sy) {
    const row = Math.min(ch - 1, Math.floor((y * ch) / f.height)) * cw;
    const base = y * f.width * 3;
    for (let j = 0; j < xs; j++) {
      const p = base + xOff[j]!;
      const k = row + xCell[j]!;
      out[k] = out[k]! + 0.299 * d[p]! + 0.587 * d[p + 1]! + 0.114 * d[p + 2]!;
    }
  }
  for (let k = 0; k < out.length; k++) out[k] = n[k]! ? out[k]! / n[k]! : 0;
  return out;
}

/** The element that sorting `a` would put at index `k` (quickselect; reorders `a`). */
export function selectKth(a: Float32Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

/** Motion of one camera's frames against its running background. */
export class MotionDetector {
  readonly options: Readonly<MotionOptions>;
  private background: Float32Array | undefined;
  private previous: Float32Array | undefined;
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
    const prev = this.previous;
    this.previous = grey;
    if (!bg || !prev) {
      this.background = Float32Array.from(grey);
      return { boxes: [], fraction: 0 };
    }
    const moved = new Uint8Array(cw * ch);
    const diff = new Float32Array(grey.length);
    for (let k = 0; k < grey.length; k++) diff[k] = grey[k]! - bg[k]!;
    const shift = selectKth(Float32Array.from(diff), diff.length >> 1);
    let count = 0;
    for (let k = 0; k < grey.length; k++) {
      if (Math.abs(diff[k]! - shift) > o.threshold) {
        moved[k] = 1;
        count++;
      }
      bg[k] = bg[k]! + o.learnRate * (grey[k]! - bg[k]!);
    }
    let active: Uint8Array | undefined;
    if (o.activeThreshold > 0) {
      const step = new Float32Array(grey.length);
      for (let k = 0; k < grey.length; k++) step[k] = grey[k]! - prev[k]!;
      const stepShift = selectKth(Float32Array.from(step), step.length >> 1);
      active = new Uint8Array(grey.length);
      for (let k = 0; k < grey.length; k++)
        active[k] = Math.abs(step[k]! - stepShift) > o.activeThreshold ? 1 : 0;
    }
    const cells = components(dilate(moved, cw, ch), cw, ch, o.minCells, active);
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

/**
 * Bounding boxes (cell units, exclusive end) of 8-connected components of at least `minCells`
 * cells (and, given `active`, with at least one active cell).
 */
function components(
  m: Uint8Array,
  w: number,
  h: number,
  minCells: number,
  active?: Uint8Array,
): Array<[number, number, number, number]> {
  const seen = new Uint8Array(m.length);
  const out: Array<[number, number, number, number]> = [];
  const stack: number[] = [];
  for (let s = 0; s < m.length; s++) {
    if (!m[s] || seen[s]) continue;
    let [x1, y1, x2, y2, n] = [w, h, 0, 0, 0];
    let live = !active;
    seen[s] = 1;
    stack.push(s);
    while (stack.length) {
      const k = stack.pop()!;
      const x = k % w;
      const y = (k - x) / w;
      n++;
      if (active?.[k]) live = true;
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
    if (n >= minCells && live) out.push([x1, y1, x2, y2]);
  }
  return out;
}

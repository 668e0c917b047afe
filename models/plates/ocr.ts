/**
 * PP-OCRv4 text detection (DB) and recognition (CTC) over ONNX sessions, following
 * PaddleOCR's predict_det / predict_rec: detection input limited to 960 px on the long side
 * and rounded to multiples of 32, BGR mean/std; probability map thresholded at 0.3, boxes
 * scored by mean probability and expanded (unclip ratio 1.5); recognition input 48 px high,
 * `(v/255 − 0.5)/0.5`, padded to at least 320 wide; greedy CTC over ppocr_keys_v1 (index 0
 * is the blank, the last index a space).
 */
import { cropFrame, type RgbFrame } from '../frame.js';
import type { ModelEntry } from '../manifest.js';
import type { ModelSession } from '../onnx-session.js';
import { normalise, resizeRgb } from '../preprocess.js';
import { type Point, quadSize, warpQuad } from './warp.js';

export interface TextBox {
  /** Axis-aligned bounds, frame pixels. */
  box: [number, number, number, number];
  /** Oriented corners TL, TR, BR, BL, frame pixels. */
  quad: [Point, Point, Point, Point];
  score: number;
}

export interface TextDetOptions {
  limitSide?: number;
  binThreshold?: number;
  boxThreshold?: number;
  unclipRatio?: number;
  /** Ignore components smaller than this many map pixels. */
  minArea?: number;
}

export interface RecResult {
  text: string;
  /** Mean probability of the emitted characters (0 when empty). */
  score: number;
  /** Probability per emitted character. */
  charScores: number[];
}

export interface Component {
  /** Axis-aligned bbox in map pixels (x2, y2 exclusive). */
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  area: number;
  mean: number;
  /** Oriented rectangle from the pixels' principal axis: centre, unit axis, extents. */
  cx: number;
  cy: number;
  angle: number;
  uMin: number;
  uMax: number;
  vMin: number;
  vMax: number;
}

/**
 * Connected components of `prob > thr` (4-connected) with bbox, mean probability and an
 * oriented rectangle (PaddleOCR uses cv2.minAreaRect; the principal axis of the pixels is
 * the same for text lines and needs no OpenCV). Near-square blobs stay axis-aligned.
 */
export function components(prob: Float32Array, w: number, h: number, thr: number): Component[] {
  const seen = new Uint8Array(w * h);
  const stack = new Int32Array(w * h);
  const pix = new Int32Array(w * h);
  const out: Component[] = [];
  for (let start = 0; start < w * h; start++) {
    if (seen[start] || prob[start]! <= thr) continue;
    let sp = 0;
    let np = 0;
    stack[sp++] = start;
    seen[start] = 1;
    let x1 = w;
    let y1 = h;
    let x2 = 0;
    let y2 = 0;
    let sum = 0;
    let sx = 0;
    let sy = 0;
    while (sp > 0) {
      const p = stack[--sp]!;
      pix[np++] = p;
      const x = p % w;
      const y = (p - x) / w;
      sum += prob[p]!;
      sx += x;
      sy += y;
      if (x < x1) x1 = x;
      if (x > x2) x2 = x;
      if (y < y1) y1 = y;
      if (y > y2) y2 = y;
      const nb = [x > 0 ? p - 1 : -1, x < w - 1 ? p + 1 : -1, y > 0 ? p - w : -1, y < h - 1 ? p + w : -1];
      for (const q of nb) {
        if (q >= 0 && !seen[q] && prob[q]! > thr) {
          seen[q] = 1;
          stack[sp++] = q;
        }
      }
    }
    const cx = sx / np;
    const cy = sy / np;
    let cxx = 0;
    let cyy = 0;
    let cxy = 0;
    for (let i = 0; i < np; i++) {
      const x = (pix[i]! % w) - cx;
      const y = Math.floor(pix[i]! / w) - cy;
      cxx += x * x;
      cyy += y * y;
      cxy += x * y;
    }
    let angle = 0.5 * Math.atan2(2 * cxy, cxx - cyy);
    const elongated = x2 - x1 + 1 > 1.5 * (y2 - y1 + 1);
    if (!elongated || Math.abs(angle) > Math.PI / 4) angle = 0;
    const ux = Math.cos(angle);
    const uy = Math.sin(angle);
    let uMin = Number.POSITIVE_INFINITY;
    let uMax = Number.NEGATIVE_INFINITY;
    let vMin = Number.POSITIVE_INFINITY;
    let vMax = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < np; i++) {
      const x = (pix[i]! % w) - cx;
      const y = Math.floor(pix[i]! / w) - cy;
      const u = x * ux + y * uy;
      const v = -x * uy + y * ux;
      if (u < uMin) uMin = u;
      if (u > uMax) uMax = u;
      if (v < vMin) vMin = v;
      if (v > vMax) vMax = v;
    }
    out.push({
      x1,
      y1,
      x2: x2 + 1,
      y2: y2 + 1,
      area: np,
      mean: sum / np,
      cx,
      cy,
      angle,
      uMin: uMin - 0.5,
      uMax: uMax + 0.5,
      vMin: vMin - 0.5,
      vMax: vMax + 0.5,
    });
  }
  return out;
}

/** Text boxes in a frame: oriented quads (TL, TR, BR, BL) and their axis-aligned bounds. */
export async function detectText(
  session: ModelSession,
  entry: ModelEntry,
  f: RgbFrame,
  opts: TextDetOptions = {},
): Promise<TextBox[]> {
  const limit = opts.limitSide ?? 960;
  const r = Math.min(1, limit / Math.max(f.width, f.height));
  const W = Math.max(32, Math.round((f.width * r) / 32) * 32);
  const H = Math.max(32, Math.round((f.height * r) / 32) * 32);
  const rgb = await resizeRgb(f, W, H);
  const data = normalise(rgb, W, H, entry.preprocess, 'NCHW');
  const out = await session.run({ [entry.input.name]: { data, dims: [1, 3, H, W] } });
  const prob = Object.values(out)[0]!.data;
  const sx = f.width / W;
  const sy = f.height / H;
  const boxes: TextBox[] = [];
  for (const c of components(prob, W, H, opts.binThreshold ?? 0.3)) {
    if (c.area < (opts.minArea ?? 6) || c.mean < (opts.boxThreshold ?? 0.6)) continue;
    const bw = c.uMax - c.uMin;
    const bh = c.vMax - c.vMin;
    // DB unclip: the shrunk text kernel grows by d = A·ratio / L (rectangle here).
    const d = (bw * bh * (opts.unclipRatio ?? 1.5)) / (2 * (bw + bh));
    const ux = Math.cos(c.angle);
    const uy = Math.sin(c.angle);
    const at = (u: number, v: number): Point => [
      (c.cx + 0.5 + u * ux - v * uy) * sx,
      (c.cy + 0.5 + u * uy + v * ux) * sy,
    ];
    const quad: TextBox['quad'] = [
      at(c.uMin - d, c.vMin - d),
      at(c.uMax + d, c.vMin - d),
      at(c.uMax + d, c.vMax + d),
      at(c.uMin - d, c.vMax + d),
    ];
    const xs = quad.map((p) => p[0]);
    const ys = quad.map((p) => p[1]);
    boxes.push({
      box: [
        Math.max(0, Math.min(...xs)),
        Math.max(0, Math.min(...ys)),
        Math.min(f.width, Math.max(...xs)),
        Math.min(f.height, Math.max(...ys)),
      ],
      quad,
      score: c.mean,
    });
  }
  return boxes;
}

/** The text line under a detected quad, rectified to `height` pixels. */
export function lineImage(f: RgbFrame, t: TextBox, height = 48): RgbFrame {
  const size = quadSize(t.quad);
  if (size.height < 1 || size.width < 1) return cropFrame(f, ...t.box);
  const w = Math.max(8, Math.min(1280, Math.round((size.width * height) / size.height)));
  return warpQuad(f, t.quad, w, height);
}

/** Reads ppocr_keys_v1.txt into the CTC symbol table (blank first, space last). */
export function ctcSymbols(dictText: string): string[] {
  const lines = dictText.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return ['', ...lines, ' '];
}

/** Greedy CTC decode of `[T, C]` probabilities. */
export function ctcGreedy(probs: Float32Array, T: number, C: number, symbols: readonly string[]): RecResult {
  let text = '';
  const charScores: number[] = [];
  let prev = -1;
  for (let t = 0; t < T; t++) {
    let best = 0;
    let bestP = -1;
    const o = t * C;
    for (let c = 0; c < C; c++) {
      const p = probs[o + c]!;
      if (p > bestP) {
        bestP = p;
        best = c;
      }
    }
    if (best !== 0 && best !== prev) {
      text += symbols[best] ?? '';
      charScores.push(bestP);
    }
    prev = best;
  }
  const score = charScores.length ? charScores.reduce((a, b) => a + b, 0) / charScores.length : 0;
  return { text, score, charScores };
}

/** Recognises one text-line image. */
export async function recognise(
  session: ModelSession,
  entry: ModelEntry,
  symbols: readonly string[],
  line: RgbFrame,
): Promise<RecResult> {
  const H = 48;
  const w = Math.max(8, Math.min(1280, Math.ceil((H * line.width) / line.height)));
  const W = Math.max(320, w);
  const rgb = await resizeRgb(line, w, H);
  const inner = normalise(rgb, w, H, entry.preprocess, 'NCHW');
  const data = new Float32Array(3 * H * W);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < H; y++)
      data.set(inner.subarray((c * H + y) * w, (c * H + y + 1) * w), (c * H + y) * W);
  const out = await session.run({ [entry.input.name]: { data, dims: [1, 3, H, W] } });
  const t = Object.values(out)[0]!;
  return ctcGreedy(t.data, t.dims[1] ?? 0, t.dims[2] ?? 0, symbols);
}

/**
 * YOLOv5-face style plate detector (HyperLPR3 `y5fu`): rows of
 * `[cx, cy, w, h, obj, x1, y1, x2, y2, x3, y3, x4, y4, single, double]` in letterboxed input
 * pixels; corners are top-left, top-right, bottom-right, bottom-left. Score is obj × the
 * larger row-type score. The decode is pure; `detectPlates` runs a session.
 */

import { iou } from '../decoders/nms.js';
import type { RgbFrame } from '../frame.js';
import type { ModelEntry } from '../manifest.js';
import type { ModelSession } from '../onnx-session.js';
import { type InputTransform, prepareInput } from '../preprocess.js';
import type { Point } from './warp.js';

export interface PlateBox {
  /** Frame pixels. */
  box: [number, number, number, number];
  corners: [Point, Point, Point, Point];
  score: number;
  rows: 1 | 2;
}

export interface PlateDecodeOptions {
  scoreThreshold: number;
  iouThreshold: number;
}

/** Decodes `[N, 15]` rows into frame-pixel plates (NMS applied). */
export function decodePlateRows(
  data: Float32Array,
  n: number,
  t: InputTransform,
  opts: PlateDecodeOptions,
): PlateBox[] {
  const stride = data.length / n;
  if (stride !== 15) throw new RangeError(`plate detector rows have ${stride} values, want 15`);
  const ux = (x: number): number => (x - t.padX) / t.scaleX;
  const uy = (y: number): number => (y - t.padY) / t.scaleY;
  const cand: PlateBox[] = [];
  for (let i = 0; i < n; i++) {
    const o = i * stride;
    const obj = data[o + 4]!;
    if (obj <= opts.scoreThreshold) continue;
    const single = data[o + 13]!;
    const double = data[o + 14]!;
    const score = obj * Math.max(single, double);
    if (score <= opts.scoreThreshold) continue;
    const cx = data[o]!;
    const cy = data[o + 1]!;
    const w = data[o + 2]!;
    const h = data[o + 3]!;
    const corners = [0, 1, 2, 3].map(
      (k) => [ux(data[o + 5 + 2 * k]!), uy(data[o + 6 + 2 * k]!)] as const,
    ) as unknown as PlateBox['corners'];
    cand.push({
      box: [ux(cx - w / 2), uy(cy - h / 2), ux(cx + w / 2), uy(cy + h / 2)],
      corners,
      score,
      rows: double > single ? 2 : 1,
    });
  }
  cand.sort((a, b) => b.score - a.score);
  const kept: PlateBox[] = [];
  for (const c of cand) {
    const flat = [...c.box];
    if (kept.some((k) => iou([...k.box, ...flat], 0, 1) > opts.iouThreshold)) continue;
    kept.push(c);
  }
  return kept;
}

export async function detectPlates(
  session: ModelSession,
  entry: ModelEntry,
  f: RgbFrame,
  opts: Partial<PlateDecodeOptions> = {},
): Promise<PlateBox[]> {
  const inp = await prepareInput(f, entry.input, entry.preprocess);
  const out = await session.run({ [entry.input.name]: inp });
  const t = Object.values(out)[0]!;
  return decodePlateRows(t.data, t.dims[1] ?? 0, inp.transform, {
    scoreThreshold: opts.scoreThreshold ?? 0.4,
    iouThreshold: opts.iouThreshold ?? 0.5,
  });
}

/**
 * YOLOv8 / YOLO11 detection output `[1, 4 + C, N]`: per anchor column, box centre x, y,
 * width, height in input pixels, then C class scores (already sigmoid). Pure.
 */
import { Candidates } from './nms.js';

export interface YoloOptions {
  numClasses: number;
  scoreThreshold: number;
}

/** `data` is the flat `[4 + C, N]` tensor; `n` the anchor count (dims[2]). */
export function decodeYolo(data: Float32Array, n: number, opts: YoloOptions): Candidates {
  const C = opts.numClasses;
  if (data.length !== (4 + C) * n)
    throw new RangeError(`YOLO output has ${data.length} values, want (4+${C})*${n}`);
  const out = new Candidates();
  for (let i = 0; i < n; i++) {
    let best = -1;
    let bestScore = opts.scoreThreshold;
    for (let c = 0; c < C; c++) {
      const s = data[(4 + c) * n + i]!;
      if (s > bestScore) {
        bestScore = s;
        best = c;
      }
    }
    if (best < 0) continue;
    const cx = data[i]!;
    const cy = data[n + i]!;
    const w = data[2 * n + i]!;
    const h = data[3 * n + i]!;
    out.push(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, bestScore, best);
  }
  return out;
}

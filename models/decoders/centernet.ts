/**
 * CenterNet heatmap decoder (Zhou et al., "Objects as Points"), as in the MB3-CenterNet
 * graph's own tail that the converter prunes: a heatmap cell is a peak when it equals the
 * 3×3 max around it (SAME padding), the top-K peaks over all cells and classes are kept,
 * and the box is `(x·stride − l, y·stride − t, x·stride + r, y·stride + b)` with the
 * distances from the sizes map. Layout NHWC. Pure; boxes in model-input pixels.
 */
import { Candidates } from './nms.js';

export interface CenterNetOptions {
  /** Heatmap grid. */
  width: number;
  height: number;
  numClasses: number;
  stride: number;
  topK: number;
  scoreThreshold: number;
}

export function decodeCenterNet(
  heatmap: Float32Array,
  sizes: Float32Array,
  opts: CenterNetOptions,
): Candidates {
  const { width: W, height: H, numClasses: C } = opts;
  if (heatmap.length !== W * H * C || sizes.length !== W * H * 4) {
    throw new RangeError(
      `CenterNet: heatmap ${heatmap.length} want ${W * H * C}, sizes ${sizes.length} want ${W * H * 4}`,
    );
  }
  const peaks: Array<{ idx: number; s: number }> = [];
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      for (let c = 0; c < C; c++) {
        const idx = (y * W + x) * C + c;
        const s = heatmap[idx]!;
        if (s <= opts.scoreThreshold) continue;
        let isPeak = true;
        for (let dy = -1; dy <= 1 && isPeak; dy++) {
          const yy = y + dy;
          if (yy < 0 || yy >= H) continue;
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx;
            if (xx < 0 || xx >= W) continue;
            if (heatmap[(yy * W + xx) * C + c]! > s) {
              isPeak = false;
              break;
            }
          }
        }
        if (isPeak) peaks.push({ idx, s });
      }
    }
  }
  peaks.sort((a, b) => b.s - a.s || a.idx - b.idx);
  const out = new Candidates();
  for (const p of peaks.slice(0, opts.topK)) {
    const c = p.idx % C;
    const cell = Math.floor(p.idx / C);
    const x = (cell % W) * opts.stride;
    const y = Math.floor(cell / W) * opts.stride;
    const o = cell * 4;
    out.push(x - sizes[o]!, y - sizes[o + 1]!, x + sizes[o + 2]!, y + sizes[o + 3]!, p.s, c);
  }
  return out;
}

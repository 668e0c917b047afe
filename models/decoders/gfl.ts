/**
 * NanoDet / PicoDet GFL head decoder (Generalized Focal Loss, Li et al. 2020): per level,
 * sigmoid class scores `[HW, C]` and a discrete distribution over `regMax + 1` bins for
 * each box side `[HW, 4 * (regMax + 1)]` (logits). Distance = Σ softmax(bins)·k · stride.
 * Pure: boxes come out in model-input pixels.
 */
import { Candidates } from './nms.js';

export interface GflLevel {
  /** [HW * C] sigmoid scores, row-major by cell. */
  scores: Float32Array;
  /** [HW * 4 * (regMax + 1)] logits. */
  boxes: Float32Array;
  stride: number;
}

export interface GflOptions {
  inputWidth: number;
  inputHeight: number;
  numClasses: number;
  regMax: number;
  /** Anchor centre in cells (0.5 for PicoDet and NanoDet's GFL head). */
  cellOffset: number;
  scoreThreshold: number;
}

/** Expected value of a softmax distribution over `bins` logits starting at `o`. */
function integral(v: Float32Array, o: number, bins: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < bins; k++) max = Math.max(max, v[o + k]!);
  let sum = 0;
  let acc = 0;
  for (let k = 0; k < bins; k++) {
    const e = Math.exp(v[o + k]! - max);
    sum += e;
    acc += e * k;
  }
  return acc / sum;
}

export function decodeGfl(levels: readonly GflLevel[], opts: GflOptions): Candidates {
  const out = new Candidates();
  const bins = opts.regMax + 1;
  const C = opts.numClasses;
  for (const lv of levels) {
    const gw = Math.ceil(opts.inputWidth / lv.stride);
    const gh = Math.ceil(opts.inputHeight / lv.stride);
    const cells = lv.scores.length / C;
    if (cells !== gw * gh || lv.boxes.length !== cells * 4 * bins) {
      throw new RangeError(
        `GFL level stride ${lv.stride}: ${cells} cells, want ${gw}x${gh}; boxes ${lv.boxes.length} want ${cells * 4 * bins}`,
      );
    }
    for (let cell = 0; cell < cells; cell++) {
      let distances: [number, number, number, number] | undefined;
      for (let c = 0; c < C; c++) {
        const s = lv.scores[cell * C + c]!;
        if (s <= opts.scoreThreshold) continue;
        if (!distances) {
          const o = cell * 4 * bins;
          distances = [0, 1, 2, 3].map((side) => integral(lv.boxes, o + side * bins, bins) * lv.stride) as [
            number,
            number,
            number,
            number,
          ];
        }
        const cx = ((cell % gw) + opts.cellOffset) * lv.stride;
        const cy = (Math.floor(cell / gw) + opts.cellOffset) * lv.stride;
        out.push(cx - distances[0], cy - distances[1], cx + distances[2], cy + distances[3], s, c);
      }
    }
  }
  return out;
}

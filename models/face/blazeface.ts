/**
 * BlazeFace decoding (docs/privacy.md, "Face blur"): the SSD anchors of MediaPipe's
 * BlazeFace (`fixed_anchor_size`, one anchor grid per stride with several anchors per cell)
 * and the regressor layout `[dx, dy, w, h, 6 × (kx, ky)]` in input pixels relative to the
 * anchor centre. Scores are logits (sigmoid here, clipped as MediaPipe clips them). Pure.
 */
import { Candidates } from '../decoders/nms.js';

export interface BlazeFaceLevel {
  /** Grid stride, input px. */
  stride: number;
  /** Anchors per grid cell (all at the cell centre, unit size). */
  anchorsPerCell: number;
  /** Score logits, [1, cells * anchorsPerCell, 1]. */
  scores: Float32Array;
  /** Regressors, [1, cells * anchorsPerCell, 16]. */
  boxes: Float32Array;
}

export interface BlazeFaceOptions {
  inputSize: number;
  /** Keep candidates whose sigmoid score is at least this. */
  scoreThreshold: number;
}

const LOGIT_CLIP = 100;
const REGRESSORS = 16;

/** Decodes every level into face candidates, xyxy in model-input pixels, class 0. */
export function decodeBlazeFace(levels: readonly BlazeFaceLevel[], o: BlazeFaceOptions): Candidates {
  const out = new Candidates();
  for (const lv of levels) {
    const grid = Math.ceil(o.inputSize / lv.stride);
    const n = grid * grid * lv.anchorsPerCell;
    for (let i = 0; i < n; i++) {
      const logit = Math.max(-LOGIT_CLIP, Math.min(LOGIT_CLIP, lv.scores[i] ?? -LOGIT_CLIP));
      const score = 1 / (1 + Math.exp(-logit));
      if (score < o.scoreThreshold) continue;
      const cell = Math.floor(i / lv.anchorsPerCell);
      const ax = ((cell % grid) + 0.5) * lv.stride;
      const ay = (Math.floor(cell / grid) + 0.5) * lv.stride;
      const r = i * REGRESSORS;
      const cx = ax + lv.boxes[r]!;
      const cy = ay + lv.boxes[r + 1]!;
      const w = lv.boxes[r + 2]!;
      const h = lv.boxes[r + 3]!;
      if (!(w > 0 && h > 0)) continue;
      out.push(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, score, 0);
    }
  }
  return out;
}

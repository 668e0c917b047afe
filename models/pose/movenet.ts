/**
 * MoveNet single-pose decoding, as the TF.js graph does it after its heads (models/build.ts
 * cuts the graph there; models/pose/movenet.int.test.ts checks this against the graph's own
 * output): the person centre is the arg-max of the centre map (already weighted towards the
 * middle of the input); each keypoint's regressed position from that centre picks, by
 * heatmap ÷ (distance + 1.8), the heatmap cell, and the cell's sub-cell offset refines it.
 */

/** COCO keypoint order (MoveNet's). */
export const KEYPOINTS = [
  'nose',
  'leftEye',
  'rightEye',
  'leftEar',
  'rightEar',
  'leftShoulder',
  'rightShoulder',
  'leftElbow',
  'rightElbow',
  'leftWrist',
  'rightWrist',
  'leftHip',
  'rightHip',
  'leftKnee',
  'rightKnee',
  'leftAnkle',
  'rightAnkle',
] as const;
export type KeypointName = (typeof KEYPOINTS)[number];

/** Keypoints in input fractions (0..1 of the model input's height and width) with scores. */
export interface Pose {
  /** [y, x, score] per keypoint in {@link KEYPOINTS} order, flattened. */
  yxs: Float32Array;
}

export interface MoveNetHeads {
  /** [1, G, G, 17] after sigmoid. */
  heatmap: Float32Array;
  /** [1, G, G, 1]. */
  centre: Float32Array;
  /** [1, G, G, 34]: (dy, dx) per keypoint, grid cells. */
  regress: Float32Array;
  /** [1, G, G, 34]: (dy, dx) per keypoint, grid cells. */
  offset: Float32Array;
  /** Grid size (48 for the 192 input). */
  grid: number;
}

/** The graph's constants, as stored (float16): 1.8 and 1/48. */
const DIST_BIAS = 1.7998046875;
const CELL_TO_FRACTION: Record<number, number> = { 48: 0.0208282470703125 };

export function decodeMoveNet(h: MoveNetHeads): Pose {
  const G = h.grid;
  const K = KEYPOINTS.length;
  let best = 0;
  for (let i = 1; i < G * G; i++) if (h.centre[i]! > h.centre[best]!) best = i;
  const cy = Math.floor(best / G);
  const cx = best - cy * G;
  const scale = CELL_TO_FRACTION[G] ?? 1 / G;
  const yxs = new Float32Array(K * 3);
  for (let k = 0; k < K; k++) {
    const ry = cy + h.regress[best * 2 * K + 2 * k]!;
    const rx = cx + h.regress[best * 2 * K + 2 * k + 1]!;
    let bi = 0;
    let bv = -1;
    for (let y = 0; y < G; y++) {
      const dy2 = (y - ry) * (y - ry);
      for (let x = 0; x < G; x++) {
        const v = h.heatmap[(y * G + x) * K + k]! / (Math.sqrt(dy2 + (x - rx) * (x - rx)) + DIST_BIAS);
        if (v > bv) {
          bv = v;
          bi = y * G + x;
        }
      }
    }
    const ky = Math.floor(bi / G);
    const kx = bi - ky * G;
    yxs[3 * k] = (ky + h.offset[bi * 2 * K + 2 * k]!) * scale;
    yxs[3 * k + 1] = (kx + h.offset[bi * 2 * K + 2 * k + 1]!) * scale;
    yxs[3 * k + 2] = h.heatmap[bi * K + k]!;
  }
  return { yxs };
}

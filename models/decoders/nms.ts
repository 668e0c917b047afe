/**
 * Candidate boxes from a decoder and class-wise non-maximum suppression. Pure: no I/O.
 */
import { Detections } from '../detections.js';

/** Growable columnar candidate list (decoders push, NMS selects). */
export class Candidates {
  xyxy: number[] = [];
  score: number[] = [];
  classId: number[] = [];

  push(x1: number, y1: number, x2: number, y2: number, score: number, classId: number): void {
    this.xyxy.push(x1, y1, x2, y2);
    this.score.push(score);
    this.classId.push(classId);
  }

  get length(): number {
    return this.score.length;
  }

  toDetections(): Detections {
    return new Detections({
      xyxy: Float32Array.from(this.xyxy),
      score: Float32Array.from(this.score),
      classId: Int32Array.from(this.classId),
    });
  }
}

/** Intersection over union of boxes i and j of a flat xyxy array. */
export function iou(xyxy: ArrayLike<number>, i: number, j: number): number {
  const a = i * 4;
  const b = j * 4;
  const ix1 = Math.max(xyxy[a]!, xyxy[b]!);
  const iy1 = Math.max(xyxy[a + 1]!, xyxy[b + 1]!);
  const ix2 = Math.min(xyxy[a + 2]!, xyxy[b + 2]!);
  const iy2 = Math.min(xyxy[a + 3]!, xyxy[b + 3]!);
  const inter = Math.max(0, ix2 - ix1) * Math.max(0, iy2 - iy1);
  const areaA = Math.max(0, xyxy[a + 2]! - xyxy[a]!) * Math.max(0, xyxy[a + 3]! - xyxy[a + 1]!);
  const areaB = Math.max(0, xyxy[b + 2]! - xyxy[b]!) * Math.max(0, xyxy[b + 3]! - xyxy[b + 1]!);
  const union = areaA + areaB - inter;
  return union > 0 ? inter / union : 0;
}

export interface NmsOptions {
  iouThreshold: number;
  /** Keep at most this many rows (highest scores first). */
  maxDetections?: number;
}

/**
 * Class-wise NMS: a box suppresses lower-scored boxes of the same class overlapping it by
 * more than `iouThreshold`. Returns the kept rows sorted by descending score.
 */
export function nmsClasswise(d: Detections, opts: NmsOptions): Detections {
  const n = d.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => d.score[b]! - d.score[a]! || a - b);
  const removed = new Uint8Array(n);
  const keep: number[] = [];
  const max = opts.maxDetections ?? Number.POSITIVE_INFINITY;
  for (let oi = 0; oi < n && keep.length < max; oi++) {
    const i = order[oi]!;
    if (removed[i]) continue;
    keep.push(i);
    for (let oj = oi + 1; oj < n; oj++) {
      const j = order[oj]!;
      if (removed[j] || d.classId[j] !== d.classId[i]) continue;
      if (iou(d.xyxy, i, j) > opts.iouThreshold) removed[j] = 1;
    }
  }
  return d.select(keep);
}

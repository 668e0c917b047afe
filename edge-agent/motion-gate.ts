/**
 * Motion gating of the detector (docs/edge.md#motion-gating), Frigate-like: per camera, each
 * frame's motion (./motion.ts) decides whether the detector runs on it and on what.
 *   - no motion: skip the frame, except one full-frame check every `stillCheckMs` (a still
 *     scene costs almost nothing, yet a person standing still keeps being seen);
 *   - motion in small parts of the frame: detect on those regions only (the motion boxes
 *     grown by a margin and to a minimum side, overlapping ones merged, at most
 *     `maxRegions`), each cropped from the decoded frame at its own resolution (distant
 *     people reach the detector larger than in the whole frame scaled down), boxes mapped
 *     back and merged; objects of the last full detection outside the regions are carried
 *     over (they did not move);
 *   - motion over more than `cropMaxFraction` of the frame, or in more regions: the whole frame.
 * Pure: frames and times in, plans out.
 */
import type { RgbFrame } from '../models/frame.js';
import { MotionDetector, type MotionOptions } from './motion.js';

export interface MotionGateOptions {
  /** A camera without motion still gets a full-frame detection this often, ms. */
  stillCheckMs: number;
  /** Above this share of the frame's area the motion region is not cropped (0..1). */
  cropMaxFraction: number;
  /** Margin added around the motion region, as a share of its size on each side. */
  cropMargin: number;
  /** Smallest side of a crop, pixels (a tiny crop blown up to the model input helps nobody). */
  minCropPx: number;
  /**
   * More motion regions than this: the whole frame. Each region costs one detector run, as
   * much as the whole frame, so the default 1 never makes a frame dearer than ungated.
   */
  maxRegions: number;
  motion?: Partial<MotionOptions>;
}

export const DEFAULT_MOTION_GATE: Readonly<MotionGateOptions> = Object.freeze({
  stillCheckMs: 2000,
  cropMaxFraction: 0.4,
  cropMargin: 0.25,
  minCropPx: 160,
  maxRegions: 1,
});

export type GatePlan =
  | { kind: 'skip' }
  | { kind: 'full' }
  | { kind: 'crop'; regions: Array<[number, number, number, number]> };

export class MotionGate {
  readonly options: Readonly<MotionGateOptions>;
  private readonly motion: MotionDetector;
  private lastFullMs = Number.NEGATIVE_INFINITY;

  constructor(options: Partial<MotionGateOptions> = {}) {
    this.options = Object.freeze({ ...DEFAULT_MOTION_GATE, ...options });
    this.motion = new MotionDetector(this.options.motion);
  }

  plan(frame: RgbFrame, tsMs: number): GatePlan {
    const o = this.options;
    const m = this.motion.update(frame);
    const due = tsMs - this.lastFullMs >= o.stillCheckMs || tsMs < this.lastFullMs;
    const full = (): GatePlan => {
      this.lastFullMs = tsMs;
      return { kind: 'full' };
    };
    if (due) return full();
    if (m.boxes.length === 0) return { kind: 'skip' };
    const regions = cropRegions(m.boxes, frame.width, frame.height, o);
    const area = regions.reduce((a, r) => a + (r[2] - r[0]) * (r[3] - r[1]), 0);
    if (regions.length > o.maxRegions || area > o.cropMaxFraction * frame.width * frame.height) return full();
    return { kind: 'crop', regions };
  }
}

/** Motion boxes grown to crops (./cropRegion), overlapping crops merged into their union until none overlap. */
export function cropRegions(
  boxes: ReadonlyArray<readonly number[]>,
  width: number,
  height: number,
  o: Pick<MotionGateOptions, 'cropMargin' | 'minCropPx'>,
): Array<[number, number, number, number]> {
  let regions = boxes.map((b) => cropRegion([b], width, height, o));
  for (let merged = true; merged; ) {
    merged = false;
    outer: for (let i = 0; i < regions.length; i++)
      for (let j = i + 1; j < regions.length; j++) {
        const a = regions[i]!;
        const b = regions[j]!;
        if (a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]) {
          const u = cropRegion([a, b], width, height, { cropMargin: 0, minCropPx: o.minCropPx });
          regions = [...regions.filter((_, k) => k !== i && k !== j), u];
          merged = true;
          break outer;
        }
      }
  }
  return regions;
}

/** The union of the boxes, grown by the margin and to the minimum side, inside the frame. */
export function cropRegion(
  boxes: ReadonlyArray<readonly number[]>,
  width: number,
  height: number,
  o: Pick<MotionGateOptions, 'cropMargin' | 'minCropPx'>,
): [number, number, number, number] {
  let [x1, y1, x2, y2] = [width, height, 0, 0];
  for (const b of boxes) {
    x1 = Math.min(x1, b[0]!);
    y1 = Math.min(y1, b[1]!);
    x2 = Math.max(x2, b[2]!);
    y2 = Math.max(y2, b[3]!);
  }
  const grow = (a: number, b: number, size: number): [number, number] => {
    const m = (b - a) * o.cropMargin;
    let lo = a - m;
    let hi = b + m;
    const side = Math.min(size, Math.max(hi - lo, o.minCropPx));
    const c = (lo + hi) / 2;
    lo = Math.max(0, Math.min(size - side, c - side / 2));
    hi = lo + side;
    return [Math.floor(lo), Math.ceil(Math.min(size, hi))];
  };
  const [gx1, gx2] = grow(x1, x2, width);
  const [gy1, gy2] = grow(y1, y2, height);
  return [gx1, gy1, gx2, gy2];
}

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
 *   - motion over more than `cropMaxFraction` of the frame, or in more regions: the whole frame;
 *   - coasting (`coastFrames` > 1): when all motion is explained — every motion box lies
 *     inside the predicted box of a confirmed, steadily moving track (the caller passes them,
 *     ./coast.ts) or, with no track in view, overlaps a motion box the detector was run on at
 *     its last run (the same moving thing, already looked at and found no one to track in) —
 *     and every steady track has motion on it, the
 *     detector runs on only one frame in `coastFrames` and the tracker coasts on its motion
 *     model in between. New motion (touching nothing examined and no track), a track without
 *     motion (it stopped or turned), or the caller forbidding it (a new track, a track near a
 *     rule line or zone edge): detected at once.
 * Pure: frames and times in, plans out.
 */
import type { RgbFrame } from '../models/frame.js';
import { boxesOverlap, growBox } from './geometry.js';
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
  /**
   * While all motion is explained by steady tracks, the detector runs on one frame in this
   * many (1: every frame, coasting off).
   */
  coastFrames: number;
  /** A motion box counts as inside a track's predicted box grown by this share of its size on each side. */
  coastMargin: number;
  motion?: Partial<MotionOptions>;
}

export const DEFAULT_MOTION_GATE: Readonly<MotionGateOptions> = Object.freeze({
  stillCheckMs: 2000,
  cropMaxFraction: 0.4,
  cropMargin: 0.25,
  minCropPx: 160,
  maxRegions: 1,
  coastFrames: 1,
  coastMargin: 0.25,
});

export type GatePlan =
  | { kind: 'skip' }
  | { kind: 'coast' }
  | { kind: 'full' }
  | { kind: 'crop'; regions: Array<[number, number, number, number]> };

export class MotionGate {
  readonly options: Readonly<MotionGateOptions>;
  private readonly motion: MotionDetector;
  private lastFullMs = Number.NEGATIVE_INFINITY;
  /** Frames coasted since the detector last ran. */
  private coasted = 0;
  /** Motion boxes of the frame the detector last ran on. */
  private examined: ReadonlyArray<readonly number[]> = [];
  /** Motion boxes of the last planned frame (frame pixels): what motion zoom (./zoom.ts) crops around. */
  lastMotion: ReadonlyArray<readonly number[]> = [];

  constructor(options: Partial<MotionGateOptions> = {}) {
    this.options = Object.freeze({ ...DEFAULT_MOTION_GATE, ...options });
    this.motion = new MotionDetector(this.options.motion);
  }

  /**
   * The plan for one frame. `steadyTracks`: predicted boxes (frame pixels, at `tsMs`) of the
   * camera's confirmed, steadily moving tracks (maybe none), or undefined when coasting is not
   * allowed now (./coast.ts decides); only used when `coastFrames` > 1.
   */
  plan(frame: RgbFrame, tsMs: number, steadyTracks?: ReadonlyArray<readonly number[]>): GatePlan {
    const o = this.options;
    const m = this.motion.update(frame);
    this.lastMotion = m.boxes;
    const due = tsMs - this.lastFullMs >= o.stillCheckMs || tsMs < this.lastFullMs;
    const full = (): GatePlan => {
      this.lastFullMs = tsMs;
      this.coasted = 0;
      this.examined = m.boxes;
      return { kind: 'full' };
    };
    if (due) return full();
    if (m.boxes.length === 0) return { kind: 'skip' };
    if (
      steadyTracks &&
      this.coasted < o.coastFrames - 1 &&
      motionExplained(m.boxes, steadyTracks, this.examined, o.coastMargin)
    ) {
      this.coasted++;
      return { kind: 'coast' };
    }
    const regions = cropRegions(m.boxes, frame.width, frame.height, o);
    const area = regions.reduce((a, r) => a + (r[2] - r[0]) * (r[3] - r[1]), 0);
    if (regions.length > o.maxRegions || area > o.cropMaxFraction * frame.width * frame.height) return full();
    this.coasted = 0;
    this.examined = m.boxes;
    return { kind: 'crop', regions };
  }
}

/**
 * Every motion box inside some track box grown by `margin` of its size on each side or, when
 * there is no track, overlapping a motion box the detector last looked at, and every track box touched by some
 * motion box (a track without motion on it has stopped or turned: its prediction and the
 * motion disagree).
 */
export function motionExplained(
  motion: ReadonlyArray<readonly number[]>,
  tracks: ReadonlyArray<readonly number[]>,
  examined: ReadonlyArray<readonly number[]>,
  margin: number,
): boolean {
  const grown = tracks.map((t) => growBox(t, margin));
  const inside = (b: readonly number[], t: readonly number[]) =>
    b[0]! >= t[0]! && b[1]! >= t[1]! && b[2]! <= t[2]! && b[3]! <= t[3]!;
  // With steady tracks in view, motion must lie in them: a person walking past the tracked ones
  // must not be coasted over because it touches motion already looked at.
  const known = (b: readonly number[]) =>
    tracks.length > 0 ? grown.some((t) => inside(b, t)) : examined.some((e) => boxesOverlap(b, e));
  return motion.every(known) && tracks.every((t) => motion.some((b) => boxesOverlap(b, t)));
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

/**
 * Motion zoom (docs/accuracy.md, "Motion zoom"): the detector also runs on square crops around
 * the frame's small motion blobs, cut from the decoded frame at its own resolution and scaled
 * up to the model input, so a person 20–30 px tall reaches the detector several times larger
 * than in the whole frame scaled down. The crop's boxes are mapped back and merged with the
 * frame's (the tile merge of ./tiling.ts: boxes cut by a crop edge dropped, the rest kept by
 * score unless overlapping or inside a kept one). The agent uses it when `model.zoomCrops` ≥ 1
 * and the motion gate is on; each crop costs one detector run.
 */
import type { Detections } from '../models/detections.js';
import type { DetectOptions, DetectTimings, TimedDetections } from '../models/detector.js';
import { cropFrame, type RgbFrame } from '../models/frame.js';
import type { Box } from './geometry.js';
import { mergeViews, type TimedDetector } from './tiling.js';

export interface ZoomOptions {
  /** At most this many crops a frame (0: off). */
  crops: number;
  /** Crop side as a multiple of the blob's longer side (context around the mover). */
  context: number;
  /** Smallest crop side, pixels. */
  minPx: number;
  /** Blobs whose longer side exceeds this are not small movers (the whole frame sees them). */
  maxBlobPx: number;
}

export const DEFAULT_ZOOM: Readonly<Omit<ZoomOptions, 'crops'>> = Object.freeze({
  context: 1.5,
  minPx: 96,
  maxBlobPx: 80,
});

/**
 * Square crops (frame pixels) around the small motion blobs, smallest blobs first, at most
 * `crops`; a blob whose centre lies in a crop already chosen gets none. Pure.
 */
export function zoomViews(
  motion: ReadonlyArray<readonly number[]>,
  widthPx: number,
  heightPx: number,
  o: ZoomOptions,
): Box[] {
  const side = (b: readonly number[]): number => Math.max(b[2]! - b[0]!, b[3]! - b[1]!);
  const small = motion.filter((b) => side(b) <= o.maxBlobPx).sort((a, b) => side(a) - side(b));
  const views: Box[] = [];
  for (const b of small) {
    if (views.length >= o.crops) break;
    const cx = (b[0]! + b[2]!) / 2;
    const cy = (b[1]! + b[3]!) / 2;
    if (views.some((v) => cx >= v[0] && cx <= v[2] && cy >= v[1] && cy <= v[3])) continue;
    const s = Math.min(widthPx, heightPx, Math.max(o.minPx, o.context * side(b)));
    const x = Math.round(Math.max(0, Math.min(widthPx - s, cx - s / 2)));
    const y = Math.round(Math.max(0, Math.min(heightPx - s, cy - s / 2)));
    views.push([x, y, Math.min(widthPx, x + Math.round(s)), Math.min(heightPx, y + Math.round(s))]);
  }
  return views;
}

/**
 * The frame's detections (`base`, already merged over its own views) with the zoom crops'
 * merged in; crop boxes under `zoomMinScore` dropped. `model.smallMinScore` is not applied to
 * crop boxes: they lie on motion, and the clutter it is for (posts, signs) does not move — the
 * caller holds the frame's own small boxes to it before (./tiling.ts `holdSmall`). Timings summed.
 */
export async function detectZoomed(
  det: TimedDetector,
  frame: RgbFrame,
  base: TimedDetections,
  views: readonly Box[],
  opts: DetectOptions & { zoomMinScore?: number },
): Promise<TimedDetections> {
  if (views.length === 0) return base;
  const { zoomMinScore, ...rest } = opts;
  const crop = { ...rest, minScore: Math.max(rest.minScore ?? 0, zoomMinScore ?? 0) };
  const runs = await Promise.all(views.map((v) => det.detectTimed(cropFrame(frame, ...v), crop)));
  const timings: DetectTimings = { ...base.timings };
  for (const r of runs) {
    timings.preprocessMs += r.timings.preprocessMs;
    timings.runMs += r.timings.runMs;
    timings.decodeMs += r.timings.decodeMs;
  }
  const whole: Box = [0, 0, frame.width, frame.height];
  const parts: Array<{ detections: Detections; view: Box }> = [
    { detections: base.detections, view: whole },
    ...runs.map((r, k) => ({ detections: r.detections, view: views[k]! })),
  ];
  return { detections: mergeViews(parts, frame.width, frame.height), timings };
}

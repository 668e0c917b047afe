/**
 * SAHI-style sliced detection (docs/edge.md#tiled-detection): the whole frame plus an n×n grid
 * of overlapping tiles, each run through the detector at its input size (so distant people are
 * seen at a higher effective resolution), boxes mapped back to the frame, boxes cut by an inner
 * tile edge dropped, and the rest merged per class (IoU or containment). The agent uses it when
 * `model.tiles` ≥ 2; the accuracy harness (bench/eval/tiling.ts) measures it with `--tiling`.
 * Costs 1 + n² detector runs per frame.
 */
import { Detections } from '../models/detections.js';
import type { DetectOptions, DetectTimings, TimedDetections } from '../models/detector.js';
import { cropFrame, type RgbFrame } from '../models/frame.js';
import { type Box, iou } from './geometry.js';

/** Overlap of neighbouring tiles, as a fraction of a tile. */
export const TILE_OVERLAP = 0.2;
/** Merged boxes of one class overlapping more than this are one object. */
const MERGE_IOU = 0.5;

/** Height under which a box is small (docs/accuracy.md's small band). */
export const SMALL_PX = 32;

export interface TileOptions extends DetectOptions {
  /** Tile boxes below this score are dropped. */
  tileMinScore?: number;
  /** Whole-frame group boxes the tiles split are dropped (`isGroup`). */
  splitGroups?: boolean;
  /** The same picture at the camera's higher resolution: tiles are cropped from it. */
  native?: RgbFrame;
  /** After the merge, boxes under SMALL_PX tall scoring below this are dropped (any view). */
  smallMinScore?: number;
}

/** What tiled detection needs of a detector (the worker pool and the in-process detector both fit). */
export interface TimedDetector {
  detectTimed(frame: RgbFrame, opts?: DetectOptions): Promise<TimedDetections>;
}

/** The views: the whole frame, then `grid`×`grid` tiles overlapping by `overlap` of a tile. */
export function tileViews(widthPx: number, heightPx: number, grid: number, overlap = TILE_OVERLAP): Box[] {
  const views: Box[] = [[0, 0, widthPx, heightPx]];
  if (grid < 2) return views;
  const tw = Math.round(widthPx / (grid - (grid - 1) * overlap));
  const th = Math.round(heightPx / (grid - (grid - 1) * overlap));
  for (let j = 0; j < grid; j++)
    for (let i = 0; i < grid; i++) {
      const x = Math.round((i * (widthPx - tw)) / (grid - 1));
      const y = Math.round((j * (heightPx - th)) / (grid - 1));
      views.push([x, y, x + tw, y + th]);
    }
  return views;
}

/** Whether a box (frame pixels) touches an edge of view `v` that is inside the frame. */
function cutByInnerEdge(b: Box, v: Box, widthPx: number, heightPx: number): boolean {
  const m = 0.03 * (v[2] - v[0]);
  return (
    (v[0] > 0 && b[0] <= v[0] + m) ||
    (v[2] < widthPx && b[2] >= v[2] - m) ||
    (v[1] > 0 && b[1] <= v[1] + m) ||
    (v[3] < heightPx && b[3] >= v[3] - m)
  );
}

const inside = (a: Box, b: Box): boolean =>
  a[0] >= b[0] - 2 && a[1] >= b[1] - 2 && a[2] <= b[2] + 2 && a[3] <= b[3] + 2;

interface Row {
  box: Box;
  score: number;
  classId: number;
}

/**
 * Whether a whole-frame box is a group the tiles see as separate objects: two or more tile
 * boxes of its class lie inside it side by side (each at least 60 % of its height, overlapping
 * each other by IoU < 0.3) — a distant crowd the whole frame boxes two or three at a time.
 */
function isGroup(w: Row, tiles: readonly Row[]): boolean {
  const h = w.box[3] - w.box[1];
  const members = tiles.filter(
    (t) => t.classId === w.classId && inside(t.box, w.box) && t.box[3] - t.box[1] >= 0.6 * h,
  );
  for (let i = 0; i < members.length; i++)
    for (let j = i + 1; j < members.length; j++) if (iou(members[i]!.box, members[j]!.box) < 0.3) return true;
  return false;
}

/**
 * Merges the detections of each view (in view pixels; `views[k]` is where view k lies in the
 * frame) into frame detections: tile boxes cut by an inner tile edge are dropped, then boxes
 * are kept greedily by score unless one of the same class already kept overlaps it
 * (IoU > 0.5) or contains it. With `splitGroups`, whole-frame boxes the tiles split into
 * side-by-side objects (`isGroup`) are dropped first, so the tiles' single people survive the
 * containment rule. Pure.
 */
export function mergeViews(
  parts: ReadonlyArray<{ detections: Detections; view: Box }>,
  widthPx: number,
  heightPx: number,
  splitGroups = false,
): Detections {
  const wholeRows: Row[] = [];
  const tileRows: Row[] = [];
  for (const { detections: d, view: v } of parts) {
    const whole = v[0] === 0 && v[1] === 0 && v[2] === widthPx && v[3] === heightPx;
    for (let i = 0; i < d.length; i++) {
      const b = d.box(i);
      const box: Box = [b[0] + v[0], b[1] + v[1], b[2] + v[0], b[3] + v[1]];
      if (!whole && cutByInnerEdge(box, v, widthPx, heightPx)) continue;
      (whole ? wholeRows : tileRows).push({ box, score: d.score[i]!, classId: d.classId[i]! });
    }
  }
  const all = [...(splitGroups ? wholeRows.filter((w) => !isGroup(w, tileRows)) : wholeRows), ...tileRows];
  all.sort((a, b) => b.score - a.score);
  const kept: Row[] = [];
  for (const c of all)
    if (!kept.some((k) => k.classId === c.classId && (iou(k.box, c.box) > MERGE_IOU || inside(c.box, k.box))))
      kept.push(c);
  return Detections.fromRows(kept);
}

/**
 * Detections over the whole frame and `grid`×`grid` tiles, merged, with the summed timings
 * (`grid` < 2: one whole-frame call, the detector's own output). Tile boxes scoring under
 * `tileMinScore` are dropped (the whole frame's keep `minScore`). With `native` (the same
 * picture at the camera's higher resolution), tiles are cropped from it, so a tile has more
 * pixels than the decoded frame holds there. With `smallMinScore`, small boxes are held to
 * that score after the merge. The views go to the detector together, so a worker pool runs
 * them in parallel.
 */
export async function detectTiled(
  det: TimedDetector,
  frame: RgbFrame,
  grid: number,
  opts: TileOptions = {},
): Promise<TimedDetections> {
  const r = await detectViews(det, frame, grid, opts);
  return opts.smallMinScore ? { ...r, detections: holdSmall(r.detections, opts.smallMinScore) } : r;
}

/** Boxes under SMALL_PX tall scoring below `minScore` dropped (small clutter: posts, signs, cones). Pure. */
export function holdSmall(d: Detections, minScore: number): Detections {
  return d.filter(
    Array.from({ length: d.length }, (_, i) => {
      const b = d.box(i);
      return b[3] - b[1] >= SMALL_PX || d.score[i]! >= minScore;
    }),
  );
}

async function detectViews(
  det: TimedDetector,
  frame: RgbFrame,
  grid: number,
  opts: TileOptions,
): Promise<TimedDetections> {
  const { tileMinScore, splitGroups, native, smallMinScore: _, ...whole } = opts;
  if (grid < 2) return det.detectTimed(frame, whole);
  // Tiles see clutter at a higher resolution too (cones, bollards read as people): their boxes
  // may be held to a higher score than the whole frame's (docs/accuracy.md#tiled-detection).
  const tile = { ...whole, minScore: Math.max(whole.minScore ?? 0, tileMinScore ?? 0) };
  const views = tileViews(frame.width, frame.height, grid);
  const runs = await Promise.all(
    views.map((v, k) =>
      k === 0
        ? det.detectTimed(frame, whole)
        : native
          ? nativeTile(det, native, v, native.width / frame.width, native.height / frame.height, tile)
          : det.detectTimed(cropFrame(frame, v[0], v[1], v[2], v[3]), tile),
    ),
  );
  const timings: DetectTimings = { preprocessMs: 0, runMs: 0, decodeMs: 0 };
  for (const r of runs) {
    timings.preprocessMs += r.timings.preprocessMs;
    timings.runMs += r.timings.runMs;
    timings.decodeMs += r.timings.decodeMs;
  }
  const parts = runs.map((r, k) => ({ detections: r.detections, view: views[k]! }));
  return { detections: mergeViews(parts, frame.width, frame.height, splitGroups), timings };
}

/** One tile (decoded-frame pixels) cropped from the native frame, its boxes scaled back to tile pixels. */
async function nativeTile(
  det: TimedDetector,
  native: RgbFrame,
  v: Box,
  sx: number,
  sy: number,
  opts: DetectOptions,
): Promise<TimedDetections> {
  const r = await det.detectTimed(cropFrame(native, v[0] * sx, v[1] * sy, v[2] * sx, v[3] * sy), opts);
  // cropFrame starts at whole native pixels: the crop's origin in tile pixels is this far off.
  const dx = Math.max(0, Math.floor(v[0] * sx)) / sx - v[0];
  const dy = Math.max(0, Math.floor(v[1] * sy)) / sy - v[1];
  const rows = r.detections.toRows().map((d) => ({
    ...d,
    box: [d.box[0] / sx + dx, d.box[1] / sy + dy, d.box[2] / sx + dx, d.box[3] / sy + dy],
  }));
  return { detections: Detections.fromRows(rows), timings: r.timings };
}

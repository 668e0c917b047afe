/**
 * SAHI-style sliced detection for the accuracy harness (docs/accuracy.md): the whole frame
 * plus an n×n grid of overlapping tiles, each run through the detector at its input size (so
 * distant people are seen at a higher effective resolution), boxes mapped back, boxes cut by
 * an inner tile edge dropped, and the rest merged per class (IoU or containment). Measures
 * what tiling would buy; the edge agent does not tile.
 */
import type { Detector } from '../../models/detector.js';
import { cropFrame, type RgbFrame } from '../../models/frame.js';
import { iou } from './score.js';

export interface TiledBox {
  classId: number;
  box: number[];
  score: number;
}

/** The views: the whole frame, then `grid`×`grid` tiles overlapping by `overlap` of a tile. */
export function tileViews(widthPx: number, heightPx: number, grid: number, overlap = 0.2): number[][] {
  const views = [[0, 0, widthPx, heightPx]];
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
function cutByInnerEdge(b: number[], v: number[], widthPx: number, heightPx: number): boolean {
  const m = 0.03 * (v[2]! - v[0]!);
  return (
    (v[0]! > 0 && b[0]! <= v[0]! + m) ||
    (v[2]! < widthPx && b[2]! >= v[2]! - m) ||
    (v[1]! > 0 && b[1]! <= v[1]! + m) ||
    (v[3]! < heightPx && b[3]! >= v[3]! - m)
  );
}

const inside = (a: number[], b: number[]): boolean =>
  a[0]! >= b[0]! - 2 && a[1]! >= b[1]! - 2 && a[2]! <= b[2]! + 2 && a[3]! <= b[3]! + 2;

/** Detections over the whole frame and the tiles, merged (`grid` < 2: the whole frame only, unmerged). */
export async function detectTiled(
  det: Detector,
  frame: RgbFrame,
  grid: number,
  minScore: number,
): Promise<TiledBox[]> {
  const all: TiledBox[] = [];
  for (const v of tileViews(frame.width, frame.height, grid)) {
    const whole = v[2]! - v[0]! === frame.width && v[3]! - v[1]! === frame.height;
    const d = await det.detect(whole ? frame : cropFrame(frame, v[0]!, v[1]!, v[2]!, v[3]!), { minScore });
    for (let i = 0; i < d.score.length; i++) {
      const b = d.xyxy.subarray(i * 4, i * 4 + 4);
      const box = [b[0]! + v[0]!, b[1]! + v[1]!, b[2]! + v[0]!, b[3]! + v[1]!];
      if (!whole && cutByInnerEdge(box, v, frame.width, frame.height)) continue;
      all.push({ classId: d.classId[i]!, box, score: d.score[i]! });
    }
  }
  // One view: the detector's own output (its NMS), as the agent sees it.
  if (grid < 2) return all;
  all.sort((a, b) => b.score - a.score);
  const kept: TiledBox[] = [];
  for (const c of all)
    if (!kept.some((k) => k.classId === c.classId && (iou(k.box, c.box) > 0.5 || inside(c.box, k.box))))
      kept.push(c);
  return kept;
}

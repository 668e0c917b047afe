/**
 * Sliced detection for the accuracy harness (docs/accuracy.md): the agent's own tiling
 * (edge-agent/tiling.ts — the whole frame plus an n×n grid of overlapping tiles, SAHI-style
 * merge) with its boxes as plain rows.
 */
import type { Detector } from '../../models/detector.js';
import type { RgbFrame } from '../../models/frame.js';
import { detectTiled as detectTiledAgent, type TileOptions } from '../../edge-agent/tiling.js';

export interface TiledBox {
  classId: number;
  box: number[];
  score: number;
}

/** Detections over the whole frame and the tiles, merged (`grid` < 2: the whole frame only, unmerged). */
export async function detectTiled(
  det: Detector,
  frame: RgbFrame,
  grid: number,
  minScore: number,
  tileMinScore = 0,
  more: Pick<TileOptions, 'splitGroups' | 'native' | 'smallMinScore'> = {},
): Promise<TiledBox[]> {
  const { detections: d } = await detectTiledAgent(det, frame, grid, { minScore, tileMinScore, ...more });
  return Array.from({ length: d.length }, (_, i) => ({
    classId: d.classId[i]!,
    box: d.box(i),
    score: d.score[i]!,
  }));
}

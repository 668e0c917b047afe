/**
 * Sliced detection for the accuracy harness (docs/accuracy.md): the agent's own tiling
 * (edge-agent/tiling.ts — the whole frame plus an n×n grid of overlapping tiles, SAHI-style
 * merge) with its boxes as plain rows.
 */
import type { Detector } from '../../models/detector.js';
import type { RgbFrame } from '../../models/frame.js';
import type { Box } from '../../edge-agent/geometry.js';
import { detectTiled as detectTiledAgent, type TileOptions } from '../../edge-agent/tiling.js';
import { detectZoomed } from '../../edge-agent/zoom.js';

export interface TiledBox {
  classId: number;
  box: number[];
  score: number;
}

/**
 * Detections over the whole frame and the tiles, merged (`grid` < 2: the whole frame only,
 * unmerged); with `zoom`, the motion-zoom crops (edge-agent/zoom.ts) merged in as the agent does.
 */
export async function detectTiled(
  det: Detector,
  frame: RgbFrame,
  grid: number,
  minScore: number,
  tileMinScore = 0,
  more: Pick<TileOptions, 'splitGroups' | 'native' | 'smallMinScore'> & {
    zoom?: { views: readonly Box[]; minScore: number };
  } = {},
): Promise<TiledBox[]> {
  const { zoom, ...tiles } = more;
  const base = await detectTiledAgent(det, frame, grid, { minScore, tileMinScore, ...tiles });
  const { detections: d } = zoom
    ? await detectZoomed(det, frame, base, zoom.views, { minScore, zoomMinScore: zoom.minScore })
    : base;
  return Array.from({ length: d.length }, (_, i) => ({
    classId: d.classId[i]!,
    box: d.box(i),
    score: d.score[i]!,
  }));
}

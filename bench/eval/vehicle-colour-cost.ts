/**
 * Per-box cost of `vehicleColour` (edge-agent/attributes/crops.ts) over the labelled vehicle
 * boxes (bench/eval/labels/vehicle-colours.json): median of PASSES passes, after one warm-up
 * pass. To compare two commits run it in a worktree of each, alternately, on the same box
 * (two copies of the code in one process measured unequally here even when identical).
 * `npx tsx bench/eval/vehicle-colour-cost.ts [passes]`; prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../contracts/testdata.js';
import { vehicleColour } from '../../edge-agent/attributes/crops.js';
import type { Box } from '../../edge-agent/geometry.js';
import { FrameCache, type FrameRef } from './media.js';

type Label = FrameRef & { box: Box };
const PASSES = Number(process.argv[2] ?? 15);

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1]!;

async function main(): Promise<void> {
  const labels = JSON.parse(
    readFileSync(join(projectRoot, 'bench/eval/labels/vehicle-colours.json'), 'utf8'),
  ) as Label[];
  const frames = new FrameCache();
  const boxes = await Promise.all(
    labels.map(async (l) => {
      const f = await frames.get(l);
      return { img: { data: f.data, widthPx: f.width, heightPx: f.height }, box: l.box };
    }),
  );
  const times: number[] = [];
  for (let p = 0; p <= PASSES; p++) {
    const t = performance.now();
    for (const { img, box } of boxes) vehicleColour(img, box);
    if (p > 0) times.push(((performance.now() - t) / boxes.length) * 1000);
  }
  const us = Math.round(median(times) * 10) / 10;
  process.stdout.write(`${JSON.stringify({ boxes: boxes.length, passes: PASSES, usPerBox: us })}\n`);
}

await main();

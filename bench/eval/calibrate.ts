/**
 * Calibration of the Lab colour naming (edge-agent/attributes/lab.ts) on the colour labels:
 * coordinate descent over the cut-offs, scoring the mean of exact and within-alternative
 * agreement over upper, lower and vehicle colours. Fits on the labels with an even index and
 * reports the odd ones as held out (docs/accuracy.md).
 *
 *   npx tsx bench/eval/calibrate.ts
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../contracts/testdata.js';
import type { RgbImage } from '../../edge-agent/attributes/colour.js';
import { personColours, vehicleColour } from '../../edge-agent/attributes/crops.js';
import { LAB_NAMING, type LabNaming } from '../../edge-agent/attributes/lab.js';
import { FrameCache, type FrameRef } from './media.js';

type Label = FrameRef & {
  box: [number, number, number, number];
  upper?: string[];
  lower?: string[];
  body?: string[];
};
interface Item {
  img: RgbImage;
  label: Label;
  vehicle: boolean;
}

const GRID: Record<keyof LabNaming, number[]> = {
  blackL: [6, 8, 10, 12, 14, 16],
  greyL: [24, 28, 32, 36, 40],
  whiteL: [56, 60, 64, 68, 72, 76],
  minChroma: [5, 6, 7, 8, 9, 10, 12],
  darkExtraChroma: [0, 2, 4, 6, 8],
  lightChromaSlope: [0, 0.05, 0.1, 0.15, 0.2, 0.3],
  blueChromaFactor: [0.4, 0.5, 0.6, 0.7, 0.8, 1],
  darkBlueChroma: [4, 5, 6, 7, 8, 10, 12, 99],
};

function score(items: Item[], naming: LabNaming): { score: number; parts: string } {
  const t = { upper: [0, 0, 0], lower: [0, 0, 0], vehicle: [0, 0, 0] };
  const add = (k: keyof typeof t, want: string[] | undefined, got: string): void => {
    if (!want) return;
    t[k][0]!++;
    if (got === want[0]) t[k][1]!++;
    if (want.includes(got)) t[k][2]!++;
  };
  for (const { img, label, vehicle } of items) {
    if (vehicle) add('vehicle', label.body, vehicleColour(img, label.box, { naming }).colour);
    else {
      const c = personColours(img, label.box, { naming });
      add('upper', label.upper, c.upper.colour);
      add('lower', label.lower, c.lower.colour);
    }
  }
  const acc = Object.values(t).map(([n, e, w]) => (e! + w!) / 2 / Math.max(1, n!));
  const parts = Object.entries(t)
    .map(
      ([k, [n, e, w]]) => `${k} exact ${((100 * e!) / n!).toFixed(1)} within ${((100 * w!) / n!).toFixed(1)}`,
    )
    .join(', ');
  return { score: acc.reduce((a, b) => a + b, 0) / acc.length, parts };
}

async function main(): Promise<void> {
  const frames = new FrameCache();
  const read = (f: string): Label[] =>
    JSON.parse(readFileSync(join(projectRoot, 'bench/eval/labels', f), 'utf8'));
  const all: Item[] = [];
  for (const [file, vehicle] of [
    ['person-colours.json', false],
    ['vehicle-colours.json', true],
  ] as const) {
    for (const label of read(file)) {
      const f = await frames.get(label);
      all.push({ img: { data: f.data, widthPx: f.width, heightPx: f.height }, label, vehicle });
    }
  }
  const fit = all.filter((_, i) => i % 2 === 0);
  const held = all.filter((_, i) => i % 2 === 1);
  let best: LabNaming = { ...LAB_NAMING };
  let bestScore = score(fit, best).score;
  for (let round = 0; round < 3; round++) {
    let changed = false;
    for (const key of Object.keys(GRID) as Array<keyof LabNaming>) {
      for (const v of GRID[key]) {
        const cand = { ...best, [key]: v };
        if (cand.blackL >= cand.greyL || cand.greyL >= cand.whiteL) continue;
        const s = score(fit, cand).score;
        if (s > bestScore + 1e-9) {
          best = cand;
          bestScore = s;
          changed = true;
        }
      }
    }
    if (!changed) break;
  }
  process.stdout.write(`start  fit: ${score(fit, LAB_NAMING).parts}\n`);
  process.stdout.write(`start  held-out: ${score(held, LAB_NAMING).parts}\n`);
  process.stdout.write(`fitted ${JSON.stringify(best)}\n`);
  process.stdout.write(`fitted fit: ${score(fit, best).parts}\n`);
  process.stdout.write(`fitted held-out: ${score(held, best).parts}\n`);
  process.stdout.write(`fitted all: ${score(all, best).parts}\n`);
}

await main();

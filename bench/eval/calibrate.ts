/**
 * Calibration of the Lab colour naming (edge-agent/attributes/lab.ts) on the colour labels:
 * coordinate descent over the cut-offs, scoring the mean of exact and within-alternative
 * agreement over upper, lower and vehicle colours (docs/accuracy.md). Reports two held-out
 * figures: fitted on the labels with an even index and scored on the odd ones, and a 4-fold
 * cross-validation by time block of each clip (campus 20 s blocks, highway 7.5 s blocks, the
 * photos dealt round the folds), each block scored with cut-offs fitted on the other three.
 * Time blocks keep one vehicle's or one walk's frames in one fold; the campus people recur
 * over the whole clip, so no split separates individuals. Last, the fit on all labels: the
 * cross-validated figures estimate how cut-offs fitted this way carry to unseen frames.
 *
 *   npx tsx bench/eval/calibrate.ts [--folds-only]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../contracts/testdata.js';
import type { RgbImage } from '../../edge-agent/attributes/colour.js';
import { personColours, vehicleColour } from '../../edge-agent/attributes/crops.js';
import { LAB_NAMING, type LabNaming } from '../../edge-agent/attributes/lab.js';
import { FOLDS, foldOf } from './folds.js';
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
  fold: number;
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
  whiteBodyL: [0, 80, 84, 86, 88, 89, 90, 91, 92, 94, 96],
  darkRedChroma: [3, 4, 5, 6, 7, 8, 10, 99],
};

type Counts = Record<'upper' | 'lower' | 'vehicle', number[]>;

function score(items: Item[], naming: LabNaming): { score: number; parts: string; counts: Counts } {
  const t: Counts = { upper: [0, 0, 0], lower: [0, 0, 0], vehicle: [0, 0, 0] };
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
  return { score: acc.reduce((a, b) => a + b, 0) / acc.length, parts: describe(t), counts: t };
}

function describe(t: Counts): string {
  return Object.entries(t)
    .map(
      ([k, [n, e, w]]) =>
        `${k} exact ${((100 * e!) / n!).toFixed(1)} within ${((100 * w!) / n!).toFixed(1)} (n ${n})`,
    )
    .join(', ');
}

/** Coordinate descent over GRID from `start`, on `items`. */
function fitNaming(items: Item[], start: LabNaming): LabNaming {
  let best: LabNaming = { ...start };
  let bestScore = score(items, best).score;
  for (let round = 0; round < 3; round++) {
    let changed = false;
    for (const key of Object.keys(GRID) as Array<keyof LabNaming>) {
      for (const v of GRID[key]) {
        const cand = { ...best, [key]: v };
        if (cand.blackL >= cand.greyL || cand.greyL >= cand.whiteL) continue;
        const s = score(items, cand).score;
        if (s > bestScore + 1e-9) {
          best = cand;
          bestScore = s;
          changed = true;
        }
      }
    }
    if (!changed) break;
  }
  return best;
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
    for (const [index, label] of read(file).entries()) {
      const f = await frames.get(label);
      const img = { data: f.data, widthPx: f.width, heightPx: f.height };
      all.push({ img, label, vehicle, fold: foldOf(label, index) });
    }
  }
  const out = (line: string): boolean => process.stdout.write(`${line}\n`);
  out(`current cut-offs ${JSON.stringify(LAB_NAMING)}`);
  out(`current, all labels: ${score(all, LAB_NAMING).parts}`);
  // Cross-validation by time block: each fold scored with cut-offs fitted on the others.
  const held: Counts = { upper: [0, 0, 0], lower: [0, 0, 0], vehicle: [0, 0, 0] };
  for (let f = 0; f < FOLDS; f++) {
    const fitted = fitNaming(
      all.filter((i) => i.fold !== f),
      LAB_NAMING,
    );
    const r = score(
      all.filter((i) => i.fold === f),
      fitted,
    );
    out(`fold ${f} fitted ${JSON.stringify(fitted)}`);
    out(`fold ${f} held out: ${r.parts}`);
    for (const k of Object.keys(held) as Array<keyof Counts>)
      for (let j = 0; j < 3; j++) held[k][j]! += r.counts[k][j]!;
  }
  out(`cross-validated (time blocks), held out: ${describe(held)}`);
  const final = fitNaming(all, LAB_NAMING);
  out(`fitted on all labels ${JSON.stringify(final)}`);
  out(`fitted on all labels, all: ${score(all, final).parts}`);
  if (process.argv.includes('--folds-only')) return;
  const even = all.filter((_, i) => i % 2 === 0);
  const odd = all.filter((_, i) => i % 2 === 1);
  const best = fitNaming(even, LAB_NAMING);
  out(`even-index fit ${JSON.stringify(best)}`);
  out(`even-index fit, fitted on: ${score(even, best).parts}`);
  out(`even-index fit, held out (odd): ${score(odd, best).parts}`);
  out(`even-index fit, all: ${score(all, best).parts}`);
}

await main();

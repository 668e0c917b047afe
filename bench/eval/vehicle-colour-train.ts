/**
 * Vehicle body colour on the TRAINING labels only (bench/eval/labels/vehicle-colours-train.json;
 * docs/accuracy.md, "How the labels were made"): each label's answer beside its body statistics,
 * and a grid fit of the vehicle cut-offs of edge-agent/attributes/lab.ts on these labels. It
 * never reads the test labels (vehicle-colours.json): what it fits is then scored once on those
 * by `npm run eval -- --only colour`.
 *
 *   npx tsx bench/eval/vehicle-colour-train.ts [--fit]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../../contracts/testdata.js';
import type { RgbImage } from '../../edge-agent/attributes/colour.js';
import { PIXEL_COLOURS } from '../../edge-agent/attributes/colour.js';
import {
  subBox,
  VEHICLE_BODY,
  type VehicleColourOptions,
  vehicleBodyStats,
  vehicleColour,
} from '../../edge-agent/attributes/crops.js';
import { LAB_NAMING, type LabNaming } from '../../edge-agent/attributes/lab.js';
import { FrameCache, type FrameRef } from './media.js';

const { values } = parseArgs({
  options: {
    fit: { type: 'boolean', default: false },
    file: { type: 'string', default: 'vehicle-colours-train.json' },
  },
});

type Label = FrameRef & { box: [number, number, number, number]; body: string[]; identity?: number };
interface Item {
  img: RgbImage;
  label: Label;
}

/** What the fit may move: vehicle cut-offs of lab.ts and the chromatic rule of vehicleColour. */
interface Params {
  whiteBodyL: number;
  darkRedChroma: number;
  chromaticMinShare: number;
  chromaticMinRatio: number;
}
const GRID: Record<keyof Params, number[]> = {
  whiteBodyL: [80, 82, 84, 86, 88, 89, 90, 91, 92, 94, 96],
  darkRedChroma: [3, 4, 5, 6, 7, 8, 10, 99],
  chromaticMinShare: [0.15, 0.18, 0.2, 0.22, 0.25, 0.3],
  chromaticMinRatio: [0.3, 0.4, 0.5, 0.6, 0.75],
};
/** Today's values (lab.ts LAB_NAMING, vehicleColour's defaults). */
const START: Params = {
  whiteBodyL: LAB_NAMING.whiteBodyL,
  darkRedChroma: LAB_NAMING.darkRedChroma,
  chromaticMinShare: 0.25,
  chromaticMinRatio: 0.5,
};

function optionsOf(p: Params): VehicleColourOptions {
  const naming: LabNaming = { ...LAB_NAMING, whiteBodyL: p.whiteBodyL, darkRedChroma: p.darkRedChroma };
  return { naming, chromaticMinShare: p.chromaticMinShare, chromaticMinRatio: p.chromaticMinRatio };
}

function tally(items: Item[], p: Params): { exact: number; within: number; top2: number } {
  const t = { exact: 0, within: 0, top2: 0 };
  const options = optionsOf(p);
  for (const { img, label } of items) {
    const c = vehicleColour(img, label.box, options);
    if (c.colour === label.body[0]) t.exact++;
    if (label.body.includes(c.colour)) t.within++;
    if (label.body.includes(c.colour) || (c.second !== undefined && label.body.includes(c.second))) t.top2++;
  }
  return t;
}

/** Coordinate descent over GRID from `start` on exact + within. */
function fitCutOffs(items: Item[], start: Params): Params {
  let best = { ...start };
  const value = (n: Params): number => {
    const t = tally(items, n);
    return t.exact + t.within;
  };
  let bestValue = value(best);
  for (let round = 0; round < 3; round++) {
    let changed = false;
    for (const key of Object.keys(GRID) as Array<keyof Params>) {
      for (const v of GRID[key]) {
        const cand = { ...best, [key]: v };
        const s = value(cand);
        if (s > bestValue) {
          best = cand;
          bestValue = s;
          changed = true;
        }
      }
    }
    if (!changed) break;
  }
  return best;
}

async function main(): Promise<void> {
  if (values.file === 'vehicle-colours.json') throw new Error('this script is for the training labels only');
  const labels = JSON.parse(
    readFileSync(join(projectRoot, 'bench/eval/labels', values.file!), 'utf8'),
  ) as Label[];
  const frames = new FrameCache();
  const items: Item[] = [];
  for (const label of labels) {
    const f = await frames.get(label);
    items.push({ img: { data: f.data, widthPx: f.width, heightPx: f.height }, label });
  }
  const out = (s: string): boolean => process.stdout.write(`${s}\n`);
  for (const [i, { img, label }] of items.entries()) {
    const c = vehicleColour(img, label.box);
    const s = vehicleBodyStats(img, subBox(label.box, VEHICLE_BODY));
    const top = PIXEL_COLOURS.map((name, k) => [name, c.histogram[k]!] as const)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([n, v]) => `${n} ${v.toFixed(2)}`)
      .join(', ');
    const hue = ((Math.atan2(s.meanB, s.meanA) * 180) / Math.PI + 360) % 360;
    out(
      `${String(i).padStart(2)} ${label.media}@${label.tSec ?? '-'} h=${label.box[3] - label.box[1]} ${label.body.join('|')} → ${c.colour}${c.second ? `(${c.second})` : ''}  L90 ${s.l90} tint ${Math.hypot(s.meanA, s.meanB).toFixed(1)}@${hue.toFixed(0)}  ${top}`,
    );
  }
  const now = tally(items, START);
  out(`today: n ${items.length} exact ${now.exact} within ${now.within} with second ${now.top2}`);
  if (!values.fit) return;
  const show = (p: Params): string =>
    (Object.keys(GRID) as Array<keyof Params>).map((k) => `${k} ${p[k]}`).join(', ');
  // Held out by vehicle: each identity scored with the values fitted on the others.
  const held = { exact: 0, within: 0, top2: 0 };
  for (const id of new Set(items.map((i) => i.label.identity))) {
    const p = fitCutOffs(
      items.filter((i) => i.label.identity !== id),
      START,
    );
    const t = tally(
      items.filter((i) => i.label.identity === id),
      p,
    );
    out(`without vehicle ${id}: ${show(p)}; held out exact ${t.exact} within ${t.within}`);
    held.exact += t.exact;
    held.within += t.within;
    held.top2 += t.top2;
  }
  out(`held out by vehicle: exact ${held.exact} within ${held.within} with second ${held.top2}`);
  const fitted = fitCutOffs(items, START);
  const t = tally(items, fitted);
  out(
    `fitted on all training labels: ${show(fitted)}; exact ${t.exact} within ${t.within} with second ${t.top2}`,
  );
}

await main();

/**
 * Ways of taking a vehicle's body colour, measured on the colour labels with held-out figures
 * (docs/accuracy.md, "Vehicle body: sampling probes"). Two parts:
 *
 * - White against silver: on the labels `vehicleColour` answers white or grey, each lightness
 *   statistic of the body decides white (≥ a cut-off) or grey; the cut-off is fitted on all of
 *   them (in-sample) and, for the held-out figure, on three time-block folds (./folds.ts) and
 *   scored on the fourth. Statistics: percentiles of the body region's L*, the lightest of
 *   three Lab clusters (k-means), the L90 of the body without road-like pixels (ΔE < 8 to the
 *   strips beside the box), and the L90 against the road's median L* beside the box.
 * - The whole answer, on all labels: with pixels like the road beside the box counting 0.15
 *   (ΔE < 8, as `personColours` does with the background), and named by the largest of three
 *   Lab clusters of the body that is not the road's colour (white or grey by the L90 cut-off).
 *
 *   npx tsx bench/eval/vehicle-body-probe.ts
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../contracts/testdata.js';
import { forEachSample, labSamples, type RgbImage } from '../../edge-agent/attributes/colour.js';
import { besideStrips, subBox, VEHICLE_BODY, vehicleColour } from '../../edge-agent/attributes/crops.js';
import { LAB_NAMING, nameOfLab, rgbToLab } from '../../edge-agent/attributes/lab.js';
import type { Box } from '../../edge-agent/geometry.js';
import { FOLDS, foldOf } from './folds.js';
import { FrameCache, type FrameRef } from './media.js';

type Label = FrameRef & { box: Box; body?: string[] };
/** A sampled pixel: L*, a*, b*, centre weight. */
type Px = [number, number, number, number];
interface Item {
  want: string[];
  answer: string;
  /** The answer with road-like pixels down-weighted, as for people (background beside the box). */
  roadWeighted: string;
  fold: number;
  body: Px[];
  road: Float32Array;
}

/** The value at quantile `q` of ascending `sorted`. */
const at = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
const ascending = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);

function bodyPixels(img: RgbImage, body: Box): Px[] {
  const out: Px[] = [];
  forEachSample(img, body, 32, (r, g, b, w) => out.push([...rgbToLab(r, g, b), w]));
  return out;
}

/** Weighted k-means in Lab (k clusters seeded on L* quantiles, 10 rounds): centres and weight shares. */
function clusters(px: Px[], k: number): Array<{ lab: number[]; share: number }> {
  const byL = [...px].sort((a, b) => a[0] - b[0]);
  let centres = Array.from({ length: k }, (_, j) =>
    byL[Math.floor(((j + 0.5) / k) * byL.length)]!.slice(0, 3),
  );
  let shares = new Array<number>(k).fill(0);
  for (let round = 0; round < 10; round++) {
    const sums = centres.map(() => [0, 0, 0, 0]);
    for (const p of px) {
      let best = 0;
      let bestD = Number.POSITIVE_INFINITY;
      centres.forEach((c, j) => {
        const d = (p[0] - c[0]!) ** 2 + (p[1] - c[1]!) ** 2 + (p[2] - c[2]!) ** 2;
        if (d < bestD) [best, bestD] = [j, d];
      });
      const s = sums[best]!;
      for (let i = 0; i < 3; i++) s[i]! += p[i]! * p[3];
      s[3]! += p[3];
    }
    const total = sums.reduce((t, s) => t + s[3]!, 0);
    centres = sums.map((s, j) => (s[3]! > 0 ? [s[0]! / s[3]!, s[1]! / s[3]!, s[2]! / s[3]!] : centres[j]!));
    shares = sums.map((s) => s[3]! / total);
  }
  return centres.map((lab, j) => ({ lab, share: shares[j]! }));
}

const nearRoad = (p: readonly number[], road: Float32Array, d: number): boolean => {
  for (let k = 0; k + 2 < road.length; k += 3) {
    if ((p[0]! - road[k]!) ** 2 + (p[1]! - road[k + 1]!) ** 2 + (p[2]! - road[k + 2]!) ** 2 < d * d)
      return true;
  }
  return false;
};

const L = (px: Px[]): number[] => ascending(px.map((p) => p[0]));
const roadL = (it: Item): number => at(ascending([...it.road].filter((_, k) => k % 3 === 0)), 0.5);

/** Lightness statistics of a body that could tell white paint from silver. */
const STATISTICS: Record<string, (it: Item) => number> = {
  'L90 (vehicleColour today)': (it) => at(L(it.body), 0.9),
  L80: (it) => at(L(it.body), 0.8),
  L95: (it) => at(L(it.body), 0.95),
  'lightest of 3 clusters': (it) => Math.max(...clusters(it.body, 3).map((c) => c.lab[0]!)),
  'L90 without road-like pixels': (it) => {
    const kept = it.body.filter((p) => !nearRoad(p, it.road, 8));
    return at(L(kept.length >= 0.2 * it.body.length ? kept : it.body), 0.9);
  },
  ...Object.fromEntries(
    [0.5, 0.75, 0.9].map((q) => [
      `L${q * 100} of the pixels not named black`,
      (it: Item) => {
        const kept = it.body.filter((p) => nameOfLab(p[0], p[1], p[2]) !== 'black');
        return at(L(kept.length ? kept : it.body), q);
      },
    ]),
  ),
  'L90 − 0.25 road L': (it) => at(L(it.body), 0.9) - 0.25 * roadL(it),
  'L90 − 0.5 road L': (it) => at(L(it.body), 0.9) - 0.5 * roadL(it),
  'L90 − road L': (it) => at(L(it.body), 0.9) - roadL(it),
};

const right = (it: Item, white: boolean): boolean => it.want[0] === (white ? 'white' : 'grey');

/** The cut-off (white at or above) that gets most of `xs` right. */
function fitCut(xs: Array<{ v: number; it: Item }>): number {
  const vs = ascending([...new Set(xs.map((x) => x.v))]);
  const cuts = [vs[0]! - 1, ...vs.slice(1).map((v, k) => (v + vs[k]!) / 2), vs[vs.length - 1]! + 1];
  let best = cuts[0]!;
  let bestRight = -1;
  for (const c of cuts) {
    const n = xs.filter((x) => right(x.it, x.v >= c)).length;
    if (n > bestRight) [best, bestRight] = [c, n];
  }
  return best;
}

function whiteAgainstSilver(items: Item[]): void {
  const light = items.filter((it) => it.answer === 'white' || it.answer === 'grey');
  process.stdout.write(`white against silver: ${light.length} labels answered white or grey\n`);
  for (const [name, stat] of Object.entries(STATISTICS)) {
    const xs = light.map((it) => ({ v: stat(it), it }));
    const cut = fitCut(xs);
    const inSample = xs.filter((x) => right(x.it, x.v >= cut)).length;
    let held = 0;
    for (let f = 0; f < FOLDS; f++) {
      const c = fitCut(xs.filter((x) => x.it.fold !== f));
      held += xs.filter((x) => x.it.fold === f && right(x.it, x.v >= c)).length;
    }
    process.stdout.write(`  ${name}: in-sample ${inSample} (cut ${cut.toFixed(1)}), held out ${held}\n`);
  }
  percentileHeldOut(light);
}

/** Percentiles of the body's L* tried by {@link percentileHeldOut}, today's first (kept on ties). */
const PERCENTILES = [0.9, 0.8, 0.85, 0.95, 0.98];

/**
 * The percentile of L* and its cut-off both fitted on three folds and scored on the fourth:
 * whether choosing the percentile on the labels carries to held-out frames.
 */
function percentileHeldOut(light: Item[]): void {
  const sorted = new Map(light.map((it) => [it, L(it.body)]));
  let held = 0;
  const picks: string[] = [];
  for (let f = 0; f < FOLDS; f++) {
    const fit = light.filter((it) => it.fold !== f);
    let best = { q: 0.9, cut: 0, n: -1 };
    for (const q of PERCENTILES) {
      const xs = fit.map((it) => ({ v: at(sorted.get(it)!, q), it }));
      const cut = fitCut(xs);
      const n = xs.filter((x) => right(x.it, x.v >= cut)).length;
      if (n > best.n) best = { q, cut, n };
    }
    picks.push(`L${best.q * 100} ≥ ${best.cut.toFixed(1)}`);
    held += light.filter((it) => it.fold === f && right(it, at(sorted.get(it)!, best.q) >= best.cut)).length;
  }
  process.stdout.write(`  percentile and cut-off fitted per fold (${picks.join(', ')}): held out ${held}\n`);
}

/** The name of the largest non-road cluster of the body (white or grey by the L90 cut-off). */
function dominantCluster(it: Item): string {
  const cs = clusters(it.body, 3).filter((c) => c.share > 0);
  const notRoad = cs.filter((c) => !nearRoad(c.lab, it.road, 8));
  const c = (notRoad.length ? notRoad : cs).sort((a, b) => b.share - a.share)[0]!;
  const name = nameOfLab(c.lab[0]!, c.lab[1]!, c.lab[2]!);
  if (name !== 'white' && name !== 'grey') return name;
  return at(L(it.body), 0.9) >= LAB_NAMING.whiteBodyL ? 'white' : 'grey';
}

async function main(): Promise<void> {
  const frames = new FrameCache();
  const labels: Label[] = JSON.parse(
    readFileSync(join(projectRoot, 'bench/eval/labels/vehicle-colours.json'), 'utf8'),
  );
  const items: Item[] = [];
  for (const [index, l] of labels.entries()) {
    if (!l.body) continue;
    const f = await frames.get(l);
    const img: RgbImage = { data: f.data, widthPx: f.width, heightPx: f.height };
    const body = subBox(l.box, VEHICLE_BODY);
    const road = labSamples(img, besideStrips(img, l.box, body[1], body[3]));
    items.push({
      want: l.body,
      answer: vehicleColour(img, l.box).colour,
      roadWeighted: vehicleColour(img, l.box, { background: road }).colour,
      fold: foldOf(l, index),
      body: bodyPixels(img, body),
      road,
    });
  }
  const exact = (f: (it: Item) => string): number => items.filter((it) => f(it) === it.want[0]).length;
  process.stdout.write(`vehicleColour today: exact ${exact((it) => it.answer)} of ${items.length}\n`);
  process.stdout.write(
    `road-like pixels at 0.15: exact ${exact((it) => it.roadWeighted)} of ${items.length}\n`,
  );
  process.stdout.write(`dominant non-road cluster: exact ${exact(dominantCluster)} of ${items.length}\n`);
  whiteAgainstSilver(items);
}

await main();

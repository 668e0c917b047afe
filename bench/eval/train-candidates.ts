/**
 * Labelling aid for the vehicle colour TRAINING labels (docs/accuracy.md, "How the labels were
 * made"): vehicle boxes of the highway clip's identity labels (bench/eval/labels/tracks.json)
 * at instants at least `--gap` seconds from every colour TEST label (vehicle-colours.json) of
 * the same identity. A test label belongs to the identity overlapping it at IoU ≥ 0.1 (looser
 * than colour-track-match's 0.3, so a loosely boxed test vehicle still keeps its identity out);
 * a candidate is also dropped when its identity's box at the time of any test label within
 * ± gap overlaps that label's box at all — interpolated, or moved on linearly beyond the
 * identity's labelled frames (a vehicle the identity labels lost still moves). Writes the candidates (no colours) as JSON for label-crops.ts
 * `--path` to draw. Runs no colour code.
 *
 *   npx tsx bench/eval/train-candidates.ts --out /tmp/train-cands.json
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../../contracts/testdata.js';
import type { Box } from '../../edge-agent/geometry.js';
import { boxAt, type IdentityPath, identityOf, identityPaths } from './colour-track-match.js';
import { iou } from './score.js';
import type { TrackSequence } from './track-eval.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: '/tmp/xl-train-candidates.json' },
    gap: { type: 'string', default: '2' },
    'min-height': { type: 'string', default: '14' },
    midpoints: {
      type: 'boolean',
      default: false,
      description: 'also the instants half-way between labelled frames (boxes interpolated)',
    },
  },
});

interface TestLabel {
  media: string;
  tSec?: number;
  box: Box;
}

/** The identity's box at `tSec` outside its labelled span, moved on linearly from its two end boxes. */
export function extrapolate(path: IdentityPath, tSec: number): Box | undefined {
  if (path.length === 0) return undefined;
  const before = tSec < path[0]!.tSec;
  const [a, b] = before
    ? [path[1] ?? path[0]!, path[0]!]
    : [path[path.length - 2] ?? path[path.length - 1]!, path[path.length - 1]!];
  const dt = b.tSec - a.tSec;
  const s = dt === 0 ? 0 : (tSec - b.tSec) / dt;
  return b.box.map((v, i) => v + s * (v - a.box[i]!)) as unknown as Box;
}

function main(): void {
  const read = <T>(f: string): T =>
    JSON.parse(readFileSync(join(projectRoot, 'bench/eval/labels', f), 'utf8'));
  const seq = read<TrackSequence[]>('tracks.json').find((s) => s.media.includes('highway'))!;
  const tests = read<TestLabel[]>('vehicle-colours.json').filter((l) => l.media === seq.media);
  const paths = identityPaths(seq);
  const gap = Number(values.gap);
  const minH = Number(values['min-height']);
  const testIds = tests.map((l) => identityOf(paths, l.tSec!, l.box, 0.1, 0.8));
  const out: Array<{ media: string; tSec: number; box: Box; id: number }> = [];
  for (const [id, path] of paths) {
    const instants = path.map((p) => ({ tSec: p.tSec, box: p.box }));
    if (values.midpoints) {
      for (let k = 1; k < path.length; k++) {
        const tSec = Math.round(((path[k - 1]!.tSec + path[k]!.tSec) / 2) * 100) / 100;
        if (path[k]!.tSec - path[k - 1]!.tSec < 1) instants.push({ tSec, box: boxAt(path, tSec, 0)! });
      }
    }
    for (const { tSec, box } of instants) {
      if (box[3] - box[1] < minH) continue;
      const near = tests.some((l, k) => {
        if (Math.abs(l.tSec! - tSec) >= gap) return false;
        if (testIds[k] === id) return true;
        // A test label of no identity, or of another one: is it this vehicle after all? Beyond
        // the identity's labelled frames (a vehicle the identity labels lost) its box moves on
        // at the speed of its last (first) two boxes.
        const at = boxAt(path, l.tSec!, 0) ?? extrapolate(path, l.tSec!);
        return at !== undefined && iou(at, l.box) > 0;
      });
      if (!near)
        out.push({ media: seq.media, tSec, box: box.map((v) => Math.round(v)) as unknown as Box, id });
    }
  }
  out.sort((a, b) => a.tSec - b.tSec || a.id - b.id);
  writeFileSync(values.out!, `[\n${out.map((c) => JSON.stringify(c)).join(',\n')}\n]\n`);
  const ids = new Set(out.map((c) => c.id));
  process.stderr.write(`${out.length} candidates on ${ids.size} identities → ${values.out}\n`);
}

main();

/**
 * Vehicle colour per track beside per frame (docs/accuracy.md, "Colours: vehicle colour per
 * track"). The agent emits a track's colour — its vote over the track's frames
 * (edge-agent/attributes/track-profile.ts) — not one frame's. Each highway colour label is
 * given the identity it shows (./colour-track-match.ts, bench/eval/labels/tracks.json); that
 * identity's labelled boxes (every 0.8 s) are read with `vehicleColour` and folded into a
 * TrackProfiles as the agent folds its frames; the track's colour (and second candidate) is
 * scored against the label, beside the label's own one-frame answer, on the same labels.
 *
 *   npx tsx bench/eval/colour-tracks.ts [--json]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../contracts/testdata.js';
import type { RgbImage } from '../../edge-agent/attributes/colour.js';
import { vehicleColour } from '../../edge-agent/attributes/crops.js';
import { type ColourObservation, TrackProfiles } from '../../edge-agent/attributes/track-profile.js';
import type { Box } from '../../edge-agent/geometry.js';
import type { RgbFrame } from '../../models/frame.js';
import { identityOf, identityPaths } from './colour-track-match.js';
import { FrameCache } from './media.js';
import { type ColourTally, emptyTally, tallyColour } from './score.js';
import type { TrackSequence } from './track-eval.js';
import { clipFrames } from './video.js';

interface VehicleLabel {
  media: string;
  tSec?: number;
  box: Box;
  body?: string[];
}

const labels = (name: string): unknown =>
  JSON.parse(readFileSync(join(projectRoot, 'bench/eval/labels', name), 'utf8'));
const asImage = (f: RgbFrame): RgbImage => ({ data: f.data, widthPx: f.width, heightPx: f.height });

type TrackColour = { colour: string; second?: string };

/** Folds one frame's vehicle colour of `box` into `profiles` for track `id`, as the agent does. */
function observe(profiles: TrackProfiles, id: number, tSec: number, img: RgbImage, box: Box): void {
  const c = vehicleColour(img, box);
  const colour: ColourObservation = { colour: c.colour, confidence: c.confidence };
  if (c.second) colour.second = c.second;
  const [w, h] = [img.widthPx, img.heightPx];
  const boxNorm: Box = [box[0] / w, box[1] / h, box[2] / w, box[3] / h];
  profiles.observe({ trackId: id, tsMs: tSec * 1000, classId: 2, label: 'car', score: 1, boxNorm, colour });
}

/** The voted colour of each identity observed in `profiles`. */
function results(profiles: TrackProfiles, ids: Iterable<number>): Map<number, TrackColour> {
  const out = new Map<number, TrackColour>();
  for (const id of ids) {
    const p = profiles.end(id);
    if (p?.colour) out.set(id, { colour: p.colour.value, ...(p.colour2 ? { second: p.colour2 } : {}) });
  }
  return out;
}

/**
 * The track colour of every identity of `seq` over its labelled boxes, on the clip's own
 * frames as the identity labels were made (./video.ts: output seeking from the start).
 */
async function identityColours(seq: TrackSequence): Promise<Map<number, TrackColour>> {
  const profiles = new TrackProfiles({ maxTrackMs: Number.POSITIVE_INFINITY });
  const ids = new Set<number>();
  const byTime = new Map(seq.frames.map((f) => [Math.round(f.tSec * 100), f]));
  const clip = { media: seq.media, startSec: seq.startSec, durSec: seq.durSec, fps: 1.25 };
  for await (const { tSec, frame } of clipFrames(clip)) {
    const f = byTime.get(Math.round(tSec * 100));
    if (!f) continue;
    for (const [id, x1, y1, x2, y2] of f.boxes) {
      observe(profiles, id!, tSec, asImage(frame), [x1!, y1!, x2!, y2!]);
      ids.add(id!);
    }
  }
  return results(profiles, ids);
}

const pct = (k: number, t: ColourTally): number => Math.round((1000 * k) / Math.max(1, t.n)) / 10;
const figures = (t: ColourTally) => ({
  n: t.n,
  exactPct: pct(t.exact, t),
  withinPct: pct(t.within, t),
  withinTop2Pct: pct(t.withinTop2, t),
  confusions: t.confusions,
});

async function main(): Promise<void> {
  const frames = new FrameCache();
  const all = labels('vehicle-colours.json') as VehicleLabel[];
  const seqs = labels('tracks.json') as TrackSequence[];
  const tally = { perFrame: emptyTally(), trackBoxes: emptyTally(), labelledFrames: emptyTally() };
  let unmatched = 0;
  const labelsPerId = new Map<number, string[]>();
  for (const seq of seqs.filter((s) => s.cls === 'vehicle')) {
    const paths = identityPaths(seq);
    const tracks = await identityColours(seq);
    const matched: Array<{ l: VehicleLabel; id: number; img: RgbImage }> = [];
    // The vote over the frames the colour labels were made on, grouped by identity.
    const byLabels = new TrackProfiles({ maxTrackMs: Number.POSITIVE_INFINITY });
    for (const l of all.filter((x) => x.media === seq.media && x.body && x.tSec !== undefined)) {
      const id = identityOf(paths, l.tSec!, l.box);
      if (id === undefined || !tracks.has(id)) {
        unmatched++;
        continue;
      }
      const img = asImage(await frames.get(l));
      matched.push({ l, id, img });
      observe(byLabels, id, l.tSec!, img, l.box);
      labelsPerId.set(id, [...(labelsPerId.get(id) ?? []), l.body!.join('|')]);
    }
    const voted = results(byLabels, labelsPerId.keys());
    for (const { l, id, img } of matched) {
      const c = vehicleColour(img, l.box);
      tallyColour(tally.perFrame, l.body!, c.colour, c.second);
      const t = tracks.get(id)!;
      tallyColour(tally.trackBoxes, l.body!, t.colour, t.second);
      const v = voted.get(id)!;
      tallyColour(tally.labelledFrames, l.body!, v.colour, v.second);
    }
  }
  const result = {
    matched: tally.perFrame.n,
    unmatched,
    identities: labelsPerId.size,
    perFrame: figures(tally.perFrame),
    trackVoteIdentityBoxes: figures(tally.trackBoxes),
    trackVoteLabelledFrames: figures(tally.labelledFrames),
  };
  const log = (s: string): boolean => process.stderr.write(`${s}\n`);
  for (const [name, f] of [
    ["one frame (the label's own)", result.perFrame],
    ['track vote over the identity boxes (tracks.json, every 0.8 s)', result.trackVoteIdentityBoxes],
    ['track vote over the colour-labelled frames of the identity', result.trackVoteLabelledFrames],
  ] as const) {
    log(
      `vehicle ${name}: n=${f.n} exact ${f.exactPct} % within ${f.withinPct} % with second ${f.withinTop2Pct} %`,
    );
  }
  log(`${result.matched} labels on ${result.identities} identities, ${unmatched} not matched to one`);
  for (const [id, ls] of labelsPerId) if (ls.length > 1) log(`  identity ${id}: ${ls.join(', ')}`);
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();

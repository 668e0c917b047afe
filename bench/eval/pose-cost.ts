/**
 * Per-box cost of clothing colours with and without body keypoints, in one process over the
 * labelled person boxes (bench/eval/labels/person-colours.json), median of PASSES passes:
 * the box bands (crops.ts), MoveNet (edge-agent/attributes/pose.ts, 1 thread: crop,
 * letterbox, inference, decoding) and the colours of the keypoint regions.
 * `npx tsx bench/eval/pose-cost.ts [passes]`; prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../contracts/testdata.js';
import { personColours } from '../../edge-agent/attributes/crops.js';
import { PoseEstimator } from '../../edge-agent/attributes/pose.js';
import { POSE_MODEL } from '../../models/build.js';
import { defaultModelsDir } from '../../models/manifest.js';
import { FrameCache, type FrameRef } from './media.js';

type Label = FrameRef & { box: [number, number, number, number] };
const PASSES = Number(process.argv[2] ?? 5);

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1]!;

async function main(): Promise<void> {
  const labels = JSON.parse(
    readFileSync(join(projectRoot, 'bench/eval/labels/person-colours.json'), 'utf8'),
  ) as Label[];
  const frames = new FrameCache();
  const loaded = await Promise.all(labels.map(async (l) => ({ l, f: await frames.get(l) })));
  const pose = await PoseEstimator.open(defaultModelsDir(), POSE_MODEL, 1);
  const bands: number[] = [];
  const poseMs: number[] = [];
  const kpColours: number[] = [];
  for (let p = 0; p < PASSES; p++) {
    let tb = 0;
    let tp = 0;
    let tk = 0;
    for (const { l, f } of loaded) {
      const img = { data: f.data, widthPx: f.width, heightPx: f.height };
      let t = performance.now();
      personColours(img, l.box);
      tb += performance.now() - t;
      t = performance.now();
      const kp = await pose.estimate(f, l.box);
      tp += performance.now() - t;
      t = performance.now();
      personColours(img, l.box, {}, kp);
      tk += performance.now() - t;
    }
    bands.push((tb / loaded.length) * 1000);
    poseMs.push(tp / loaded.length);
    kpColours.push((tk / loaded.length) * 1000);
  }
  await pose.release();
  process.stdout.write(
    `${JSON.stringify({
      boxes: loaded.length,
      passes: PASSES,
      bandsUsPerBox: Math.round(median(bands)),
      poseMsPerBox: Math.round(median(poseMs) * 10) / 10,
      keypointColoursUsPerBox: Math.round(median(kpColours)),
    })}\n`,
  );
}

await main();

/**
 * Detector runs a frame with motion gating, coasting off and on (`motion.coastFrames`,
 * edge-agent/motion-gate.ts and edge-agent/coast.ts; docs/edge.md, "Motion gating"): each
 * shared clip whole at 5 fps, the agent's gate, detector (the default model, crops as the
 * agent makes them) and tracker (./eval/motion-eval.ts gatedDetections), and the share of
 * frames skipped (still), coasted, cropped and detected whole.
 *
 *   npx tsx bench/motion-coast.ts [--json] [--coast 1,2,3]
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EDGE_DETECTOR } from '../contracts/config/gateway.js';
import { testDataDir } from '../contracts/testdata.js';
import { buildModels } from '../models/build.js';
import { OnnxDetector } from '../models/detector.js';
import { defaultModelsDir, loadModel } from '../models/manifest.js';
import { openSession } from '../models/onnx-session.js';
import { gatedDetections } from './eval/motion-eval.js';

const CLIPS = ['video/parking_lane_topdown.mp4', 'video/campus_pedestrians.mp4', 'video/highway_cctv.avi'];
const FPS = 5;
const MIN_SCORE = 0.3;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { json: { type: 'boolean', default: false }, coast: { type: 'string', default: '1,2,3' } },
  });
  if (!testDataDir()) throw new Error('test media not found at ../shared/data (set XUELIANG_TEST_DATA)');
  const modelsDir = resolve(defaultModelsDir());
  await buildModels({ modelsDir, progress: () => {} });
  const { entry, path } = await loadModel(modelsDir, EDGE_DETECTOR);
  const det = new OnnxDetector(entry, await openSession(path, { threads: 1 }));
  const out: Record<string, Record<string, unknown>> = {};
  for (const media of CLIPS) {
    // Past the clip's end: ffmpeg stops at the last frame.
    const durSec = 3600;
    out[media] = {};
    for (const coastFrames of values.coast.split(',').map(Number)) {
      const seq = { media, startSec: 0, durSec, cls: 'person' as const, frames: [] };
      const { plans } = await gatedDetections(det, seq, FPS, MIN_SCORE, { coastFrames });
      const n = plans.skip + plans.coast + plans.crop + plans.full;
      const pct = (x: number) => Math.round((1000 * x) / n) / 10;
      const r = {
        frames: n,
        skippedPct: pct(plans.skip),
        coastedPct: pct(plans.coast),
        croppedPct: pct(plans.crop),
        fullPct: pct(plans.full),
        detectorRunsPerFrame: Math.round((1000 * (plans.crop + plans.full)) / n) / 1000,
      };
      out[media][`coast${coastFrames}`] = r;
      process.stderr.write(`${media} coastFrames ${coastFrames}: ${JSON.stringify(r)}\n`);
    }
  }
  if (values.json) process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`motion-coast failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);

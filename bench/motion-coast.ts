/**
 * Detector runs a frame with motion gating, coasting off and on (`motion.coastFrames`,
 * edge-agent/motion-gate.ts and edge-agent/coast.ts; docs/edge.md, "Motion gating"): each
 * shared clip whole at 5 fps, the agent's gate, detector (the default model, crops as the
 * agent makes them) and tracker (./eval/motion-eval.ts gatedDetections), and the share of
 * frames skipped (still), coasted, cropped and detected whole.
 *
 * `--cost R`: instead, R alternating rounds of the three arms bench:edge compares, each clip's
 * first 30 s decoded as bench:edge's cameras are (5 fps, 640×480): the busy scene ungated
 * (coastFrames 0 here: no gate), the street scene gated with coasting, and without; the CPU a
 * frame is this process's (one thread: gate, detector in-process with 1 thread, tracker) plus
 * ffmpeg's (reaped children, /proc/self/stat), so a loaded box slows it but changes it little.
 *
 *   npx tsx bench/motion-coast.ts [--json] [--coast 1,2,3] [--cost R]
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EDGE_DETECTOR } from '../contracts/config/gateway.js';
import { testDataDir } from '../contracts/testdata.js';
import { buildModels } from '../models/build.js';
import { OnnxDetector } from '../models/detector.js';
import type { RgbFrame } from '../models/frame.js';
import { defaultModelsDir, loadModel } from '../models/manifest.js';
import { openSession } from '../models/onnx-session.js';
import { gatedDetections } from './eval/motion-eval.js';
import { ffmpegFrames } from './eval/video.js';

const CLIPS = ['video/parking_lane_topdown.mp4', 'video/campus_pedestrians.mp4', 'video/highway_cctv.avi'];
const FPS = 5;
const MIN_SCORE = 0.3;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      coast: { type: 'string', default: '1,2,3' },
      cost: { type: 'string', default: '0' },
    },
  });
  if (!testDataDir()) throw new Error('test media not found at ../shared/data (set XUELIANG_TEST_DATA)');
  const modelsDir = resolve(defaultModelsDir());
  await buildModels({ modelsDir, progress: () => {} });
  const { entry, path } = await loadModel(modelsDir, EDGE_DETECTOR);
  const det = new OnnxDetector(entry, await openSession(path, { threads: 1 }));
  if (Number(values.cost) > 0) {
    const r = await costRounds(det, Number(values.cost), Number(values.coast.split(',').at(-1)));
    if (values.json) process.stdout.write(`${JSON.stringify(r)}\n`);
    return;
  }
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

/** CPU ms of this process and its reaped children (ffmpeg), from /proc/self/stat. */
function cpuMs(): number {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]); // utime stime cutime cstime
  return (ticks * 1000) / CLK_TCK;
}
const CLK_TCK = 100;

/** bench:edge's camera frames: the clip's first 30 s at 5 fps, scaled to 640×480. */
async function* cameraFrames(media: string): AsyncGenerator<{ tSec: number; frame: RgbFrame }> {
  const args = ['-loglevel', 'error', '-threads', '1', '-t', '30', '-i', join(testDataDir()!, media)];
  args.push('-vf', `fps=${FPS},scale=640:480:flags=area,format=rgb24`, '-f', 'rawvideo', '-');
  let k = 0;
  // Reaped when the frames end (ffmpegFrames): its CPU is in cutime.
  for await (const frame of ffmpegFrames(args, 640, 480)) yield { tSec: k++ / FPS, frame };
}

async function costRounds(det: OnnxDetector, rounds: number, coastFrames: number) {
  const arms = {
    busy: { media: CLIPS[1]!, coastFrames: 0 },
    streetCoast: { media: CLIPS[0]!, coastFrames },
    streetNoCoast: { media: CLIPS[0]!, coastFrames: 1 },
  };
  const cpu: Record<string, number[]> = { busy: [], streetCoast: [], streetNoCoast: [] };
  for (let r = 0; r < rounds; r++)
    for (const [name, a] of Object.entries(arms)) {
      const seq = { media: a.media, startSec: 0, durSec: 30, cls: 'person' as const, frames: [] };
      const c0 = cpuMs();
      const { plans } = await gatedDetections(
        det,
        seq,
        FPS,
        MIN_SCORE,
        { coastFrames: a.coastFrames },
        cameraFrames(a.media),
      );
      const n = plans.skip + plans.coast + plans.crop + plans.full;
      const ms = Math.round((100 * (cpuMs() - c0)) / n) / 100;
      cpu[name]!.push(ms);
      process.stderr.write(
        `round ${r + 1} ${name}: ${n} frames, ${ms} ms CPU a frame, ${JSON.stringify(plans)}, load ${loadavg()[0]!.toFixed(1)}\n`,
      );
    }
  const ratios = (k: string) => cpu.busy!.map((b, i) => Math.round((100 * b) / cpu[k]![i]!) / 100);
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  return {
    coastFrames,
    cpuMsPerFrame: cpu,
    streetCostRatio: { rounds: ratios('streetCoast'), median: median(ratios('streetCoast')) },
    streetCostRatioNoCoast: { rounds: ratios('streetNoCoast'), median: median(ratios('streetNoCoast')) },
  };
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`motion-coast failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);

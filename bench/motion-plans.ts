/**
 * What the motion gate (edge-agent/motion-gate.ts, defaults) decides on the shared clips, as
 * bench:edge's cameras see them: each clip decoded by ffmpeg at 5 fps and scaled to 640×480,
 * every frame planned, and the share of frames skipped, cropped and detected whole, the
 * detector runs per frame and the gate's CPU per frame reported (docs/edge.md, "Motion gating").
 *
 *   npx tsx bench/motion-plans.ts [--json]
 */
import { join } from 'node:path';
import { testDataDir } from '../contracts/testdata.js';
import { MotionGate } from '../edge-agent/motion-gate.js';
import type { RgbFrame } from '../models/frame.js';
import { ffmpegFrames } from './eval/video.js';

const W = 640;
const H = 480;
const FPS = 5;
const CLIPS = ['video/campus_pedestrians.mp4', 'video/parking_lane_topdown.mp4', 'video/highway_cctv.avi'];

function frames(path: string): AsyncGenerator<RgbFrame> {
  const vf = `fps=${FPS},scale=${W}:${H}:flags=area,format=rgb24`;
  return ffmpegFrames(['-loglevel', 'error', '-i', path, '-vf', vf, '-f', 'rawvideo', '-'], W, H);
}

async function main(): Promise<void> {
  const data = testDataDir();
  if (!data) throw new Error('test media not found at ../shared/data (set XUELIANG_TEST_DATA)');
  const out: Record<string, unknown> = {};
  for (const clip of CLIPS) {
    const gate = new MotionGate();
    const n = { skip: 0, coast: 0, crop: 0, full: 0 };
    const timeline: string[] = [];
    let cpuUs = 0;
    let k = 0;
    for await (const f of frames(join(data, clip))) {
      const c0 = process.cpuUsage();
      const p = gate.plan(f, Math.round((k * 1000) / FPS));
      const c = process.cpuUsage(c0);
      cpuUs += c.user + c.system;
      n[p.kind]++;
      timeline.push(p.kind === 'skip' ? '.' : p.kind === 'crop' ? 'c' : 'F');
      k++;
    }
    const pct = (x: number) => Math.round((1000 * x) / k) / 10;
    const r = {
      frames: k,
      skippedPct: pct(n.skip),
      croppedPct: pct(n.crop),
      fullPct: pct(n.full),
      detectorRunsPerFrame: Math.round((100 * (n.crop + n.full)) / k) / 100,
      gateCpuMsPerFrame: Math.round(cpuUs / k) / 1000,
    };
    out[clip] = r;
    process.stderr.write(`${clip}: ${JSON.stringify(r)}\n`);
    for (let i = 0; i < timeline.length; i += 75)
      process.stderr.write(`  ${(i / FPS).toFixed(0).padStart(3)} s ${timeline.slice(i, i + 75).join('')}\n`);
  }
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`motion-plans failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);

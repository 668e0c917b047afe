/**
 * Edge benchmark (`npm run bench:edge [-- --json] [--threads N] [--concurrency N] [--model NAME] [--window S]`).
 *
 * In one process, against a private Mosquitto and a tap that acks like ingest:
 * 1. detector-only throughput: `detect()` back to back (`--concurrency` calls in flight, as
 *    the agent runs it) on decoded frames of the clip
 *    (measured before and after the pipeline runs; the mean is the reference);
 * 2. pipeline throughput: the whole agent (ffmpeg → slots → detector → tracker, rules,
 *    attributes → snapshots → spool → MQTT) on 4 looped file cameras read losslessly
 *    (`speed: 0`, the detector never waits for frames); per-stage medians come from here;
 *    decode is ffmpeg's CPU time per frame (from /proc);
 * 3. real-time capacity: N looped file cameras at 5 fps paced in real time, N from
 *    pipeline fps ÷ 5 up or down until the largest N with < 5 % dropped frames;
 *    frame-to-publish latency percentiles come from the largest passing N.
 * efficiency = pipeline fps ÷ detector-only fps. Footage: campus_pedestrians.mp4 from
 * ../shared/data, else the demo's sample (OpenCV vtest.avi, the same scene).
 * Human-readable lines go to stderr; with --json the last stdout line is one JSON object.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { sampleVideo } from '../bin/commands/demo.js';
import { silentLogger } from '../contracts/log.js';
import { testDataDir } from '../contracts/testdata.js';
import { EdgeAgent } from '../edge-agent/agent.js';
import { type Broker, gatewayConfig, startBroker, Tap } from '../edge-agent/agent-testkit.js';
import { type CameraFrame, CameraSource } from '../edge-agent/source/camera-source.js';
import { buildModels, DEFAULT_DETECTOR } from '../models/build.js';
import { OnnxDetector } from '../models/detector.js';
import { defaultModelsDir, loadModel } from '../models/manifest.js';
import { SessionCache } from '../models/onnx-session.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    threads: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '1' },
    model: { type: 'string', default: DEFAULT_DETECTOR },
    'models-dir': { type: 'string' },
    window: { type: 'string', default: '20' },
    width: { type: 'string', default: '640' },
    height: { type: 'string', default: '480' },
  },
});
const threads = Number(values.threads);
const concurrency = Math.max(1, Number(values.concurrency));
const windowS = Math.max(5, Number(values.window));
const W = Number(values.width);
const H = Number(values.height);
const FPS = 5;
const GW = 'gw-bench';
const log = (s: string): void => {
  process.stderr.write(`${s}\n`);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

const data = testDataDir();
const campus = data ? join(data, 'video', 'campus_pedestrians.mp4') : '';
const video = existsSync(campus) ? campus : sampleVideo();
const modelsDir = resolve(values['models-dir'] ?? defaultModelsDir());

/** CPU ms (user + system) of this process's ffmpeg children. */
function ffmpegCpuMs(): number {
  const tick = 10; // ms per clock tick (USER_HZ = 100 on Linux)
  let ms = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (comm !== 'ffmpeg' || Number(rest[1]) !== process.pid) continue;
      ms += (Number(rest[11]) + Number(rest[12])) * tick;
    } catch {
      // exited meanwhile
    }
  }
  return ms;
}

async function decodeFrames(n: number): Promise<CameraFrame[]> {
  const frames: CameraFrame[] = [];
  const src = new CameraSource({
    id: 'bench',
    url: video,
    fps: FPS,
    width: W,
    height: H,
    loop: false,
    speed: 0,
    stallMs: 10_000,
    log: silentLogger(),
  });
  src.on('frame', (f) => {
    if (frames.length < n) frames.push(f);
  });
  src.start();
  while (frames.length < n) await sleep(20);
  await src.stop();
  return frames;
}

/** Frames per second of `detect()` alone, `concurrency` calls in flight (as the agent runs it). */
async function detectorOnly(det: OnnxDetector, frames: CameraFrame[], seconds: number): Promise<number> {
  for (let i = 0; i < 3; i++) await det.detect(frames[i % frames.length]!.frame);
  const t0 = performance.now();
  let n = 0;
  const worker = async () => {
    while (performance.now() - t0 < seconds * 1000) await det.detect(frames[n++ % frames.length]!.frame);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return (n * 1000) / (performance.now() - t0);
}

async function withAgent<T>(
  broker: Broker,
  cameras: number,
  speed: number,
  run: (a: EdgeAgent) => Promise<T>,
): Promise<T> {
  const tap = await Tap.connect(broker.url, GW);
  const config = gatewayConfig({
    gateway: GW,
    mqttUrl: broker.url,
    modelsDir,
    cameras: Array.from({ length: cameras }, (_, i) => ({
      id: `cam-b${i}`,
      url: video,
      fps: FPS,
      width: W,
      height: H,
      loop: true,
      speed,
    })),
    extra: {
      model: { dir: modelsDir, name: values.model, threads, concurrency },
      attributes: { plates: false },
    },
  });
  const agent = await EdgeAgent.start({ config, log: silentLogger() });
  try {
    return await run(agent);
  } finally {
    await agent.stop();
    await tap.close();
  }
}

function totals(a: EdgeAgent) {
  return a
    .cameraStats()
    .reduce(
      (t, c) => ({ in: t.in + c.framesIn, proc: t.proc + c.framesProcessed, drop: t.drop + c.framesDropped }),
      { in: 0, proc: 0, drop: 0 },
    );
}

async function main(): Promise<void> {
  await buildModels({ modelsDir, progress: log });
  log(
    `bench:edge — ${values.model}, ${threads} thread(s) × ${concurrency} in flight, ${W}x${H} at ${FPS} fps, ${cpus().length} cores, load ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  log(`footage: ${video}`);
  const frames = await decodeFrames(40);
  const { entry, path } = await loadModel(modelsDir, values.model);
  const sessions = new SessionCache();
  const det = new OnnxDetector(entry, await sessions.get(path, { threads }));
  const detFpsBefore = await detectorOnly(det, frames, windowS / 2);
  log(`detector only: ${detFpsBefore.toFixed(1)} fps`);

  const broker = await startBroker();
  try {
    // 2. Pipeline throughput, lossless sources.
    const pipe = await withAgent(broker, 4, 0, async (a) => {
      await sleep(5000);
      a.resetStageStats();
      const t0 = totals(a);
      const cpu0 = ffmpegCpuMs();
      const s0 = performance.now();
      await sleep(windowS * 1000);
      const t1 = totals(a);
      const cpu1 = ffmpegCpuMs();
      const fps = ((t1.proc - t0.proc) * 1000) / (performance.now() - s0);
      return { fps, decodeMs: (cpu1 - cpu0) / Math.max(1, t1.in - t0.in), stages: a.stageStats() };
    });
    const detFpsAfter = await detectorOnly(det, frames, windowS / 2);
    const detFps = (detFpsBefore + detFpsAfter) / 2;
    const efficiency = pipe.fps / detFps;
    log(
      `pipeline (4 lossless cameras): ${pipe.fps.toFixed(1)} fps; detector only after: ${detFpsAfter.toFixed(1)} fps; efficiency ${efficiency.toFixed(2)}`,
    );

    // 3. Real-time capacity at 5 fps per camera.
    const tryCameras = async (n: number) =>
      withAgent(broker, n, 1, async (a) => {
        await sleep(6000);
        a.resetStageStats();
        const t0 = totals(a);
        await sleep(windowS * 1000);
        const t1 = totals(a);
        const inN = t1.in - t0.in;
        const dropped = (t1.drop - t0.drop) / Math.max(1, inN);
        const lat = a.stageStats().latency;
        log(
          `  ${n} cameras at ${FPS} fps: ${((inN * 1000) / (windowS * 1000)).toFixed(1)} fps in, ${(dropped * 100).toFixed(1)} % dropped, latency p50 ${lat.p50} ms p95 ${lat.p95} ms`,
        );
        return { ok: dropped < 0.05 && inN > 0, dropped, latency: lat };
      });
    let n = Math.max(1, Math.floor(pipe.fps / FPS));
    let best: { n: number; latency: { p50: number; p95: number } } | undefined;
    let r = await tryCameras(n);
    if (r.ok) {
      best = { n, latency: r.latency };
      for (;;) {
        const up = await tryCameras(n + 1);
        if (!up.ok) break;
        n++;
        best = { n, latency: up.latency };
      }
    } else {
      while (n > 1 && !r.ok) {
        n--;
        r = await tryCameras(n);
      }
      if (r.ok) best = { n, latency: r.latency };
    }
    const s = pipe.stages;
    const result = {
      maxCameras5fps: best?.n ?? 0,
      stageMs: {
        decode: round(pipe.decodeMs, 2),
        preprocess: round(s.preprocess.p50, 2),
        inference: round(s.inference.p50, 2),
        tracking: round(s.tracking.p50, 2),
        attributes: round(s.attributes.p50, 2),
        publish: round(s.publish.p50, 2),
      },
      latencyMs: { p50: best?.latency.p50 ?? null, p95: best?.latency.p95 ?? null },
      efficiency: round(efficiency, 3),
      pipelineFps: round(pipe.fps, 2),
      detectorFps: { before: round(detFpsBefore, 2), after: round(detFpsAfter, 2) },
      model: values.model,
      inputPx: entry.input.width,
      threads,
      concurrency,
      decodePx: `${W}x${H}`,
      cores: cpus().length,
      loadAvg1m: round(loadavg()[0]!, 2),
    };
    log(JSON.stringify(result, null, 2));
    if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await broker.kill();
    await sessions.closeAll();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    log(`bench:edge failed: ${(e as Error).stack ?? String(e)}`);
    process.exit(1);
  },
);

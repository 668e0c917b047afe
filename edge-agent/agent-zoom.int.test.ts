/**
 * Motion zoom in the running agent (edge-agent/zoom.ts, docs/accuracy.md "Motion zoom"), with
 * real ffmpeg, the edge default detector in a worker and a private Mosquitto: on the highway
 * clip where the cyclist is 15–30 px tall, `model.zoomCrops` crops the small motion blobs, and
 * every crop is one more detector run, counted in the camera's `zoomCrops`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../contracts/log.js';
import { NO_TEST_DATA, testDataDir } from '../contracts/testdata.js';
import { loadModel } from '../models/manifest.js';
import { BUILD_TIMEOUT_MS, builtModelsDir } from '../models/testkit.js';
import { WorkerDetector } from '../models/worker-detector.js';
import { EdgeAgent } from './agent.js';
import {
  type Broker,
  countingDetector,
  gatewayConfig,
  mosquittoUnavailable,
  startBroker,
  Tap,
} from './agent-testkit.js';

const data = testDataDir();
const noBroker = mosquittoUnavailable();
if (!data) console.warn(`edge-agent zoom: ${NO_TEST_DATA}`);
const GW = 'gw-edge-zoom';

let broker: Broker;
let modelsDir: string;
let dir: string;
let worker: WorkerDetector;

beforeAll(async () => {
  if (!data || noBroker) return;
  modelsDir = await builtModelsDir();
  broker = await startBroker();
  dir = mkdtempSync(join(tmpdir(), 'xl-zoom-'));
  const highway = join(data, 'video', 'highway_cctv.avi');
  const ff = ['-loglevel', 'error', '-y', '-ss', '8', '-i', highway, '-t', '5'];
  execFileSync('ffmpeg', [...ff, '-c:v', 'libx264', '-preset', 'ultrafast', join(dir, 'cyclist.mp4')]);
  const { entry, path } = await loadModel(modelsDir, 'nanodet-g-320');
  worker = await WorkerDetector.open({ entry, path, workers: 1, threads: 1 });
}, BUILD_TIMEOUT_MS);

afterAll(async () => {
  await worker?.close();
  await broker?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function run(zoomCrops: number) {
  // The real detector, its calls counted.
  const { detector, runs } = countingDetector(worker);
  const tap = await Tap.connect(broker.url, GW);
  const config = gatewayConfig({
    gateway: GW,
    mqttUrl: broker.url,
    modelsDir,
    cameras: [{ id: 'cam-zoom', url: join(dir, 'cyclist.mp4'), fps: 5, speed: 0 }],
    extra: {
      model: { dir: modelsDir, zoomCrops },
      motion: { enabled: true },
      attributes: { plates: false },
    },
  });
  const agent = await EdgeAgent.start({ config, log: silentLogger(), detector });
  try {
    await agent.idle();
    await agent.drained(20_000);
    return { stats: agent.cameraStats()[0]!, runs: runs() };
  } finally {
    await agent.stop();
    await tap.close();
  }
}

describe.skipIf(!data || !!noBroker)('edge agent with model.zoomCrops', () => {
  it('crops the small motion blobs, one detector run each, at most zoomCrops a frame', async () => {
    const { stats, runs } = await run(2);
    expect(stats.framesProcessed).toBe(stats.framesIn);
    expect(stats.framesIn).toBeGreaterThanOrEqual(20);
    const detected = stats.framesProcessed - stats.framesSkipped;
    // The highway always moves: cars and the cyclist leave small blobs on most frames.
    expect(stats.zoomCrops).toBeGreaterThan(detected / 2);
    expect(stats.zoomCrops).toBeLessThanOrEqual(2 * detected);
    // One run per region of a cropped frame (the gate's default maxRegions is 1), one per whole frame.
    expect(runs).toBe(detected + stats.zoomCrops);
  }, 180_000);

  it('costs nothing when off', async () => {
    const { stats, runs } = await run(0);
    expect(stats.zoomCrops).toBe(0);
    expect(runs).toBe(stats.framesProcessed - stats.framesSkipped);
  }, 180_000);
});

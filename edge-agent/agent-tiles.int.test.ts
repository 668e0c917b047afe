/**
 * Tiled detection in the running agent (docs/edge.md#tiled-detection), with real ffmpeg, the
 * edge default detector in a worker and a private Mosquitto: with `model.tiles: 2` every frame
 * costs five detector runs (the whole frame and four tiles) and people walking still become
 * sightings.
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
if (!data) console.warn(`edge-agent tiles: ${NO_TEST_DATA}`);
const GW = 'gw-edge-tiles';

let broker: Broker;
let modelsDir: string;
let dir: string;
let worker: WorkerDetector;

beforeAll(async () => {
  if (!data || noBroker) return;
  modelsDir = await builtModelsDir();
  broker = await startBroker();
  dir = mkdtempSync(join(tmpdir(), 'xl-tiles-'));
  const campus = join(data, 'video', 'campus_pedestrians.mp4');
  execFileSync('ffmpeg', [
    '-loglevel',
    'error',
    '-y',
    '-i',
    campus,
    '-t',
    '6',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    join(dir, 'walk.mp4'),
  ]);
  const { entry, path } = await loadModel(modelsDir, 'nanodet-g-320');
  worker = await WorkerDetector.open({ entry, path, workers: 1, threads: 1 });
}, BUILD_TIMEOUT_MS);

afterAll(async () => {
  await worker?.close();
  await broker?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!data || !!noBroker)('edge agent with model.tiles', () => {
  it('runs the detector 1 + 2² times a frame and still sights the people walking', async () => {
    // The real detector, its calls counted.
    const { detector, runs } = countingDetector(worker);
    const tap = await Tap.connect(broker.url, GW);
    const config = gatewayConfig({
      gateway: GW,
      mqttUrl: broker.url,
      modelsDir,
      cameras: [{ id: 'cam-tiles', url: join(dir, 'walk.mp4'), fps: 5, speed: 0 }],
      extra: { model: { dir: modelsDir, tiles: 2 }, attributes: { plates: false } },
    });
    const agent = await EdgeAgent.start({ config, log: silentLogger(), detector });
    try {
      await agent.idle();
      await agent.drained(20_000);
      const stats = agent.cameraStats()[0]!;
      expect(stats.framesProcessed).toBe(stats.framesIn);
      expect(stats.framesIn).toBeGreaterThanOrEqual(25);
      expect(runs()).toBe(5 * stats.framesProcessed);
      const people = [...tap.hits.values()].filter((h) => h.kind === 'sighting' && h.type === 'person');
      expect(people.length).toBeGreaterThanOrEqual(2);
    } finally {
      await agent.stop();
      await tap.close();
    }
  }, 180_000);
});

/**
 * Motion gating in the running agent (docs/edge.md#motion-gating), with real ffmpeg, the real
 * detector and a private Mosquitto: a still scene is detected only every `stillCheckMs`; on
 * real footage with people walking, people are still detected and tracked.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../contracts/log.js';
import { NO_TEST_DATA, testDataDir } from '../contracts/testdata.js';
import { BUILD_TIMEOUT_MS, builtModelsDir } from '../models/testkit.js';
import { EdgeAgent } from './agent.js';
import { type Broker, gatewayConfig, mosquittoUnavailable, startBroker, Tap } from './agent-testkit.js';

const data = testDataDir();
const noBroker = mosquittoUnavailable();
if (!data) console.warn(`edge-agent motion: ${NO_TEST_DATA}`);
const GW = 'gw-edge-motion';

let broker: Broker;
let modelsDir: string;
let dir: string;

beforeAll(async () => {
  if (!data || noBroker) return;
  modelsDir = await builtModelsDir();
  broker = await startBroker();
  dir = mkdtempSync(join(tmpdir(), 'xl-motion-'));
  // A still scene: one campus frame held for 6 s; and the first 8 s of the campus clip.
  const campus = join(data, 'video', 'campus_pedestrians.mp4');
  const ff = (args: string[]) => execFileSync('ffmpeg', ['-loglevel', 'error', '-y', ...args]);
  ff(['-i', campus, '-frames:v', '1', join(dir, 'still.png')]);
  ff([
    '-loop',
    '1',
    '-i',
    join(dir, 'still.png'),
    '-t',
    '6',
    '-r',
    '10',
    '-pix_fmt',
    'yuv420p',
    join(dir, 'still.mp4'),
  ]);
  ff(['-i', campus, '-t', '8', '-c:v', 'libx264', '-preset', 'ultrafast', join(dir, 'walk.mp4')]);
}, BUILD_TIMEOUT_MS);

afterAll(async () => {
  await broker?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function run(file: string, motion: boolean) {
  const tap = await Tap.connect(broker.url, GW);
  const config = gatewayConfig({
    gateway: GW,
    mqttUrl: broker.url,
    modelsDir,
    cameras: [{ id: 'cam-motion', url: file, fps: 5, speed: 0 }],
    extra: { attributes: { plates: false }, motion: { enabled: motion, stillCheckMs: 2000 } },
  });
  const agent = await EdgeAgent.start({ config, log: silentLogger() });
  try {
    await agent.idle();
    await agent.drained(20_000);
    return { stats: agent.cameraStats()[0]!, hits: [...tap.hits.values()], stages: agent.stageStats() };
  } finally {
    await agent.stop();
    await tap.close();
  }
}

describe.skipIf(!data || !!noBroker)('edge agent with motion gating', () => {
  it('a still scene is detected once every stillCheckMs, every frame still processed', async () => {
    const { stats, stages } = await run(join(dir, 'still.mp4'), true);
    expect(stats.framesProcessed).toBe(stats.framesIn);
    expect(stats.framesIn).toBeGreaterThanOrEqual(28);
    // 6 s at 5 fps: a full check at 0, 2 and 4 s, the rest skipped.
    expect(stats.framesSkipped).toBeGreaterThanOrEqual(stats.framesProcessed - 4);
    expect(stats.framesCropped).toBe(0);
    // The gate is timed on every frame (stage `motion`), and costs far less than a detection.
    expect(stages.motion.n).toBe(stats.framesIn);
    expect(stages.motion.p50).toBeLessThan(stages.inference.p50);
  }, 120_000);

  it('people walking are still detected and become sightings', async () => {
    const gated = await run(join(dir, 'walk.mp4'), true);
    expect(gated.stats.framesProcessed).toBe(gated.stats.framesIn);
    const people = gated.hits.filter((h) => h.kind === 'sighting' && h.type === 'person');
    expect(people.length).toBeGreaterThanOrEqual(2);
  }, 120_000);
});

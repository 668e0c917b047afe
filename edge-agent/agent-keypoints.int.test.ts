/**
 * The edge agent with `attributes.keypoints` on (clothing colours from MoveNet body
 * keypoints, docs/accuracy.md) on real footage, beside the same run with it off: every frame
 * is still processed, person sightings still carry both clothing colours, and the wall time
 * of both runs is reported (file source at `speed: 0`, so the time is the agent's work).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hit } from '../contracts/hit.js';
import { silentLogger } from '../contracts/log.js';
import { NO_TEST_DATA, testDataDir } from '../contracts/testdata.js';
import { BUILD_TIMEOUT_MS, builtModelsDir } from '../models/testkit.js';
import { EdgeAgent } from './agent.js';
import { type Broker, gatewayConfig, mosquittoUnavailable, startBroker, Tap } from './agent-testkit.js';

const data = testDataDir();
const noBroker = mosquittoUnavailable();
const GW = 'gw-edge-kp';
let broker: Broker;
let modelsDir: string;

beforeAll(async () => {
  if (!data || noBroker) return;
  modelsDir = await builtModelsDir();
  broker = await startBroker();
}, BUILD_TIMEOUT_MS);

afterAll(async () => {
  await broker?.kill();
});

async function run(keypoints: boolean): Promise<{ hits: Hit[]; framesProcessed: number; ms: number }> {
  const tap = await Tap.connect(broker.url, GW);
  const config = gatewayConfig({
    gateway: GW,
    mqttUrl: broker.url,
    modelsDir,
    cameras: [
      {
        id: 'cam-campus',
        url: join(data!, 'video', 'campus_pedestrians.mp4'),
        // 2 fps keeps the two runs of the whole clip to about half a minute in the suite.
        fps: 2,
        width: 768,
        height: 576,
        speed: 0,
      },
    ],
    extra: { attributes: { plates: false, keypoints } },
  });
  const t0 = performance.now();
  const agent = await EdgeAgent.start({ config, log: silentLogger() });
  try {
    await agent.idle();
    const ms = performance.now() - t0;
    expect(await agent.drained(20_000)).toBe(true);
    return { hits: tap.list(), framesProcessed: agent.cameraStats()[0]!.framesProcessed, ms };
  } finally {
    await agent.stop();
    await tap.close();
  }
}

describe.skipIf(!data || !!noBroker)(
  `edge agent with attributes.keypoints${data ? '' : ` (${NO_TEST_DATA})`}`,
  () => {
    it('processes every frame and colours the person sightings, as with the bands', async () => {
      const off = await run(false);
      const on = await run(true);
      const persons = (r: { hits: Hit[] }) =>
        r.hits.filter((h) => h.kind === 'sighting' && h.type === 'person');
      const coloured = (r: { hits: Hit[] }) =>
        persons(r).filter((h) => h.attrs?.upperColor && h.attrs.lowerColor).length;
      process.stderr.write(
        `campus, keypoints off: ${off.framesProcessed} frames in ${(off.ms / 1000).toFixed(1)} s, ${persons(off).length} person sightings (${coloured(off)} coloured); on: ${on.framesProcessed} frames in ${(on.ms / 1000).toFixed(1)} s, ${persons(on).length} (${coloured(on)})\n`,
      );
      expect(on.framesProcessed).toBe(off.framesProcessed);
      expect(persons(on).length).toBeGreaterThanOrEqual(10);
      expect(coloured(on) / persons(on).length).toBeGreaterThan(0.8);
    }, 900_000);
  },
);

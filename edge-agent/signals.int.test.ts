/**
 * red_light end to end at the edge, with a real MQTT broker (the shared Mosquitto on
 * 127.0.0.1:1883, a unique controller id): a controller publishes its phases, the agent's
 * signal feed takes them, and a car crossing the stop line becomes a `red_light` hit during
 * red and none during green (the per-camera pipeline on synthetic frames, as in
 * agent-camera.test.ts).
 */
import mqtt, { type MqttClient } from 'mqtt';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../contracts/log.js';
import type { Hit } from '../contracts/hit.js';
import type { Phase } from '../contracts/signal.js';
import { topics } from '../contracts/topics.js';
import { checkHit } from '../contracts/validate.js';
import { COCO_LABELS } from '../models/coco-labels.js';
import { Detections } from '../models/detections.js';
import { CameraPipeline } from './agent-camera.js';
import { gatewayConfig } from './agent-testkit.js';
import { connectSignals, type SignalFeed, signalControllers } from './signals.js';

const BROKER = 'mqtt://127.0.0.1:1883';
const CONTROLLER = `sig-${ulid().toLowerCase()}`;
const W = 320;
const H = 240;
const CAR = COCO_LABELS.indexOf('car');

const config = gatewayConfig({
  gateway: 'gw-signal',
  mqttUrl: 'mqtt://127.0.0.1:1',
  modelsDir: '/nonexistent',
  cameras: [
    {
      id: 'cam-junction',
      url: '/dev/null',
      width: W,
      height: H,
      lines: [{ id: 'stop', from: [0, 0.5], to: [1, 0.5] }],
      rules: [
        {
          id: 'run-red',
          type: 'red_light',
          line: 'stop',
          direction: 'in',
          classes: ['car'],
          controller: CONTROLLER,
          approach: 'south',
        },
      ],
    },
  ],
});

let controller: MqttClient;
let feed: SignalFeed;

beforeAll(async () => {
  controller = await mqtt.connectAsync(BROKER, { clientId: `${CONTROLLER}-pub`, protocolVersion: 4 });
  expect(signalControllers(config)).toEqual([CONTROLLER]);
  feed = connectSignals({
    url: BROKER,
    clientId: `${CONTROLLER}-sub`,
    controllers: [CONTROLLER],
    log: silentLogger(),
  });
  await feed.ready;
});
afterAll(async () => {
  await feed?.close();
  await controller?.endAsync();
});

async function setPhase(phase: Phase): Promise<void> {
  const before = feed.stats().taken;
  const msg = {
    v: 1,
    controller: CONTROLLER,
    tsMs: Date.now(),
    approaches: { south: phase, east: phase === 'red' ? 'green' : 'red' },
  };
  await controller.publishAsync(topics.signal(CONTROLLER), JSON.stringify(msg), { qos: 1 });
  const end = Date.now() + 5_000;
  while (feed.stats().taken === before && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  expect(feed.stats().taken).toBe(before + 1);
}

/** A car (60×50 px) drives down across the stop line at y = 120, then leaves. */
async function driveThrough(): Promise<Hit[]> {
  let n = 0;
  const pipeline = new CameraPipeline({
    gateway: 'gw-signal',
    camera: config.cameras[0]!,
    config,
    labels: COCO_LABELS,
    model: 'nanodet-g-416',
    newId: () => `01TEST${String(n++).padStart(20, '0')}`,
    log: silentLogger(),
    phases: feed.phases,
  });
  const t0 = Date.now();
  const hits: Hit[] = [];
  const frame = { data: new Uint8Array(W * H * 3).fill(110), width: W, height: H };
  for (let i = 0; i < 35; i++) {
    const y1 = 40 + i * 5;
    const dets =
      i < 20
        ? Detections.fromRows([{ box: [120, y1, 180, y1 + 50], score: 0.9, classId: CAR }])
        : Detections.empty();
    const out = await pipeline.process(
      { camera: 'cam-junction', seq: i, tsMs: t0 + i * 200, receivedMs: 0, frame },
      dets,
    );
    hits.push(...out.hits);
  }
  return hits;
}

describe('red_light with phases over MQTT', () => {
  it('a crossing during red yields a red_light event', async () => {
    await setPhase('red');
    const hits = await driveThrough();
    expect(hits.map((h) => `${h.kind}/${h.type}`)).toEqual(['event/red_light', 'sighting/vehicle']);
    for (const h of hits) expect(checkHit(h).ok).toBe(true);
    expect(hits[0]).toMatchObject({ rule: 'run-red', zone: 'stop', label: 'car' });
  });

  it('the same crossing during green yields none', async () => {
    await setPhase('green');
    const hits = await driveThrough();
    expect(hits.map((h) => `${h.kind}/${h.type}`)).toEqual(['sighting/vehicle']);
  });

  it('a broken phase message is refused and changes nothing', async () => {
    const before = feed.stats();
    await controller.publishAsync(topics.signal(CONTROLLER), '{"v":1,"controller":"x"}', { qos: 1 });
    const end = Date.now() + 3_000;
    while (feed.stats().refused === before.refused && Date.now() < end)
      await new Promise((r) => setTimeout(r, 20));
    expect(feed.stats()).toEqual({ taken: before.taken, refused: before.refused + 1 });
  });
});

/**
 * Sensors through the real chain (docs/iot.md): a gateway publishes readings and alarms over
 * MQTT to the embedded endpoint → Redis (BullMQ) → worker → chDB, the worker's sensor rules
 * derive events, the alert engine opens tasks for the sensor's grid and notifies the grid
 * member over MQTT. Fixture times are relative to now.
 */
import type { MqttClient } from 'mqtt';
import mqtt from 'mqtt';
import { Registry } from 'prom-client';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alarm, reading, sensorEnvelope, sensorKindsRaw, sensorsRaw } from '../analytics/sensors/testkit.js';
import { type AlertEngine, createAlertEngine } from '../analytics/tasks/service.js';
import type { Task } from '../analytics/tasks/model.js';
import { makeEnvelope, makeHit } from '../contracts/testkit.js';
import { silentLogger } from '../contracts/log.js';
import type { SensorReading } from '../contracts/sensor.js';
import { topics } from '../contracts/topics.js';
import { SensorGatewaySim } from '../edge-agent/sensors/gateway-sim.js';
import { simSensorsFromCity } from '../edge-agent/sensors/simulate.js';
import {
  apiKeyOf,
  connectGateway,
  gatewayPassword,
  count,
  type Harness,
  startHarness,
  TEST_REDIS_URL,
  until,
} from './testkit.js';

const GW = 'gw-000';
const WATER = 'sen-000-0';
const SMOKE = 'sen-000-1';
/** The gauge on the other gateway: its own silence rule of 3 s, and it never reports. */
const SILENT = 'sen-001-0';

let h: Harness;
let alerts: AlertEngine;
let gw: MqttClient;
let member: MqttClient;
const notified: Array<{ event: string; task: Task }> = [];

beforeAll(async () => {
  const sensors = sensorsRaw({ gateways: 2, perGateway: 3 });
  (sensors[3] as Record<string, unknown>).rules = [{ id: 'gauge-offline', type: 'silence', afterMs: 3_000 }];
  h = await startHarness(
    {
      gateways: 2,
      camerasPerGateway: 1,
      ingest: { bundleMaxMs: 50, sensorSilenceCheckMs: 250 },
      keys: { m0: ['grid_member', 'grid-0'], m1: ['grid_member', 'grid-1'] },
      extra: {
        sensorKinds: sensorKindsRaw({ forMs: 120_000, cooldownMs: 600_000 }),
        sensors,
        fusion: { cameraRadiusM: 300, windowMs: 60_000, maxSnapshots: 5 },
      },
    },
    { onStored: (job) => void alerts?.onRows(job.hits) },
  );
  alerts = await createAlertEngine({
    config: h.config,
    store: h.store,
    redisUrl: TEST_REDIS_URL,
    log: silentLogger(),
    registry: new Registry(),
    publisher: { publish: (t, p) => h.ingest.publish(t, Buffer.from(p)), close: async () => undefined },
  });
  gw = await connectGateway(h.ingest.mqttUrl, GW);
  member = await mqtt.connectAsync(h.ingest.mqttUrl, {
    clientId: `m0-${ulid().slice(-6)}`,
    username: 'm0',
    password: apiKeyOf('m0'),
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  member.on('message', (_t, p) => notified.push(JSON.parse(p.toString()) as { event: string; task: Task }));
  await member.subscribeAsync(topics.gridTasks('grid-0'), { qos: 1 });
}, 60_000);

afterAll(async () => {
  await member?.endAsync();
  await gw?.endAsync();
  await alerts?.close();
  await h?.close();
});

async function send(readings: SensorReading[], events: ReturnType<typeof alarm>[] = []): Promise<void> {
  await gw.publishAsync(topics.sensors(GW), JSON.stringify(sensorEnvelope(GW, readings, events)), { qos: 1 });
}

/** Polls until `fn` yields a non-empty list; returns it (fails the test when time runs out). */
async function waitFor<T>(fn: () => Promise<T[]>, timeoutMs = 10_000): Promise<T[]> {
  let v: T[] = [];
  await until(async () => {
    v = await fn();
    return v.length > 0;
  }, timeoutMs);
  if (v.length === 0) throw new Error(`nothing within ${timeoutMs} ms`);
  return v;
}

const tasksOf = (rule: string) => async () =>
  (await alerts.list({ org: 'city', limit: 100 })).filter(
    (t) => t.source.kind === 'rule' && t.source.ruleId === rule,
  );

describe('sensors end to end', () => {
  it('a water level above its threshold for its duration opens one task on its grid; a spike does not; the cooldown holds', async () => {
    const t0 = Date.now() - 20 * 60_000;
    const at = (s: number) => t0 + s * 1000;
    // A 30-second spike to 400 cm: under the 2-minute duration.
    await send([
      reading(WATER, 'level', 120, at(0)),
      reading(WATER, 'level', 400, at(30)),
      reading(WATER, 'level', 118, at(60)),
    ]);
    expect(
      await until(async () => (await count(h.store, 'SELECT count() AS n FROM sensor_readings')) >= 3),
    ).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(await tasksOf('water-high')()).toEqual([]);
    // Above for 2.5 minutes, in two messages.
    await send([90, 120, 150].map((s) => reading(WATER, 'level', 350 + s / 10, at(s))));
    await send([180, 210, 240].map((s) => reading(WATER, 'level', 380, at(s))));
    const [task] = await waitFor(tasksOf('water-high'));
    expect(task).toMatchObject({
      grid: 'grid-0',
      camera: WATER,
      status: 'open',
      priority: 'high',
      hitCount: 1,
    });
    expect(task?.orgPath).toEqual(['city', 'county', 'grid-0']);
    // Back down past the hysteresis, then up again for long enough: within the cooldown the
    // same task is updated, not a second one opened.
    await send([270, 300].map((s) => reading(WATER, 'level', 200, at(s))));
    await send([330, 360, 390, 420, 450, 480].map((s) => reading(WATER, 'level', 390, at(s))));
    await until(async () => ((await tasksOf('water-high')())[0]?.hitCount ?? 0) >= 2);
    const all = await tasksOf('water-high')();
    expect(all.map((t) => [t.id, t.hitCount])).toEqual([[task!.id, 2]]);
    // The event is a hit of kind event: searchable like any other.
    expect(
      await count(
        h.store,
        "SELECT count() AS n FROM hits WHERE type = 'sensor_threshold' AND camera = {c:String}",
        { c: WATER },
      ),
    ).toBe(2);
    // The grid member heard of it over MQTT.
    expect(await until(() => notified.some((n) => n.event === 'opened' && n.task.id === task!.id))).toBe(
      true,
    );
  });

  it('the readings roll up into 1-minute and 1-hour buckets', async () => {
    const rows = await h.store.query<{ n: string; vmax: number; last: number }>(
      'SELECT sum(n) AS n, max(vmax) AS vmax, argMaxMerge(last) AS last FROM sensor_readings_1h WHERE sensor = {s:String}',
      { s: WATER },
    );
    const raw = await count(h.store, 'SELECT count() AS n FROM sensor_readings WHERE sensor = {s:String}', {
      s: WATER,
    });
    expect(Number(rows[0]?.n)).toBe(raw);
    expect(rows[0]?.vmax).toBe(400);
    expect(rows[0]?.last).toBe(390);
    expect(
      await count(
        h.store,
        'SELECT count() AS n FROM (SELECT bucket FROM sensor_readings_1m WHERE sensor = {s:String} GROUP BY bucket)',
        { s: WATER },
      ),
    ).toBeGreaterThanOrEqual(8);
  });

  it("a smoke alarm opens an urgent task on the detector grid, carrying the nearby cameras' snapshots around its time", async () => {
    const atMs = Date.now() - 1000;
    // cam-000-0 stands ~14 m from the detector: two snapshots within the 60 s window, one 5 min before.
    const seen = (dtMs: number, snapshot: string) =>
      makeHit({ gateway: GW, camera: 'cam-000-0', tsMs: atMs + dtMs, snapshot });
    const near = [seen(-30_000, 'snap-near-1'), seen(-5 * 60_000, 'snap-old'), seen(-2_000, 'snap-near-2')];
    await gw.publishAsync(topics.hits(GW), JSON.stringify(makeEnvelope(near)), { qos: 1 });
    expect(
      await until(
        async () =>
          (await count(h.store, "SELECT count() AS n FROM hits WHERE snapshot LIKE 'snap-%'")) === 3,
      ),
    ).toBe(true);
    await send([], [alarm(SMOKE, 'smoke', atMs)]);
    const [t] = await waitFor(tasksOf('smoke-alarm'));
    expect(t).toMatchObject({ grid: 'grid-0', camera: SMOKE, priority: 'urgent' });
    const withNearby = await waitFor(async () => {
      const x = await alerts.get(t!.id);
      return x?.nearby?.length ? [x] : [];
    });
    expect(withNearby[0]?.nearby?.map((n) => [n.snapshot, n.camera, n.tsMs - atMs])).toEqual([
      ['snap-near-1', 'cam-000-0', -30_000],
      ['snap-near-2', 'cam-000-0', -2_000],
    ]);
    expect(withNearby[0]?.nearby?.[0]?.distanceM).toBeLessThan(30);
    // The grid member was told of it as a task change.
    expect(await until(() => notified.some((n) => n.event === 'nearby_added' && n.task.id === t!.id))).toBe(
      true,
    );
  });

  it('a silent sensor opens an offline task', async () => {
    const [t] = await waitFor(tasksOf('gauge-offline'), 15_000);
    expect(t).toMatchObject({ grid: 'grid-1', camera: SILENT });
    // The sensors that keep reporting (or whose silence is 15 minutes) are not offline.
    expect((await tasksOf('gauge-offline')()).map((x) => x.camera)).toEqual([SILENT]);
  });

  it('quarantines hostile readings with their reason and keeps taking good ones', async () => {
    const now = Date.now() - 5_000;
    const good = reading(WATER, 'battery', 3.6, now);
    const text = JSON.stringify(
      sensorEnvelope(GW, [
        good,
        { ...reading(WATER, 'level', 1, now), value: 'NaN' as unknown as number },
        { ...reading(WATER, 'level', 1, now), metric: 'x'.repeat(50_000) },
        { ...reading(WATER, 'level', 1, now), unit: 'mm' },
        reading('sen-nowhere', 'level', 1, now),
        reading('sen-001-2', 'noise', 50, now),
        { ...reading(WATER, 'level', 7, now), value: 7 },
      ]),
    ).replace('"value":7', '"value":-1e999');
    await gw.publishAsync(topics.sensors(GW), text, { qos: 1 });
    await gw.publishAsync(
      topics.sensors(GW),
      '{"v":1,"msgId":"x","gateway":"gw-000","readings":[{"value":NaN}]}',
      { qos: 1 },
    );
    await gw.publishAsync(topics.sensors(GW), Buffer.alloc(5 * 1024 * 1024, 0x20), { qos: 1 });
    const want = {
      INGEST_BAD_READING: 3,
      INGEST_BAD_UNIT: 1,
      INGEST_UNKNOWN_SENSOR: 2,
      INGEST_BAD_JSON: 1,
      INGEST_OVERSIZE: 1,
    };
    const got = async () =>
      Object.fromEntries(
        (
          await h.store.query<{ reason: string; n: string }>(
            "SELECT reason, count() AS n FROM quarantine WHERE topic LIKE '%/sensors' GROUP BY reason",
          )
        ).map((r) => [r.reason, Number(r.n)]),
      );
    await until(async () => Object.keys(await got()).length >= 5, 10_000);
    expect(await got()).toEqual(want);
    expect(await count(h.store, "SELECT count() AS n FROM sensor_readings WHERE metric = 'battery'")).toBe(1);
    expect(gw.connected).toBe(true);
  });

  it('the simulator publishes every configured sensor through the real path, and all of it is stored', async () => {
    const sensors = simSensorsFromCity(h.config).filter((x) => x.gateway === 'gw-001');
    const before = await count(h.store, "SELECT count() AS n FROM sensor_readings WHERE gateway = 'gw-001'");
    const sim = new SensorGatewaySim({
      url: h.ingest.mqttUrl,
      sensors,
      passwords: new Map([['gw-001', gatewayPassword('gw-001')]]),
      intervalMs: 200,
      sim: { faultRate: 0 },
      log: silentLogger(),
    });
    await until(() => sim.stats().rounds >= 3, 10_000);
    const st = await sim.close();
    expect(st.spooled).toBe(0);
    // Water gauges report level and battery, smoke detectors battery, noise monitors noise.
    expect(st.readings).toBe(st.rounds * 4);
    expect(
      await until(
        async () =>
          (await count(h.store, "SELECT count() AS n FROM sensor_readings WHERE gateway = 'gw-001'")) -
            before ===
          st.readings,
      ),
    ).toBe(true);
  });
});

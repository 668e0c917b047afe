/**
 * Sensor readings on the block path (ingest/reading-jobs.ts, docs/iot.md): the bundler keeps
 * the job's readings block beside the job in Redis, the worker inserts its bytes under the job
 * id and deletes it after the done marker. Real aedes, Redis and chDB; times relative to now.
 */
import { Redis } from 'ioredis';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reading, sensorEnvelope, sensorKindsRaw, sensorsRaw } from '../analytics/sensors/testkit.js';
import type { Store } from '../analytics/store.js';
import { topics } from '../contracts/topics.js';
import { doneKey, openQueue, readingsKey } from './jobs.js';
import { connectGateway, count, type Harness, startHarness, TEST_REDIS_URL, until } from './testkit.js';

const GW = 'gw-000';
const WATER = 'sen-000-0';
let h: Harness;
let gw: MqttClient;
let redis: Redis;
/** Readings INSERTs that reach the store and then report a failure (counted down). */
let failAfterStoring = 0;
let readingInserts = 0;

beforeAll(async () => {
  h = await startHarness(
    {
      gateways: 1,
      camerasPerGateway: 1,
      ingest: { bundleMaxMs: 20, attempts: 3, backoffMs: 50 },
      extra: { sensorKinds: sensorKindsRaw({}), sensors: sensorsRaw({ gateways: 1, perGateway: 3 }) },
    },
    {
      // The INSERT lands, then the worker sees it fail: its retry sends the same block again.
      wrapStore: (store): Store => ({
        ...store,
        async insertBlock(table, block, o) {
          await store.insertBlock(table, block, o);
          if (table !== 'sensor_readings') return;
          readingInserts++;
          if (failAfterStoring > 0) {
            failAfterStoring--;
            throw new Error('injected failure after the INSERT');
          }
        },
      }),
    },
  );
  redis = new Redis(TEST_REDIS_URL);
  gw = await connectGateway(h.ingest.mqttUrl, GW);
}, 60_000);

afterAll(async () => {
  await gw?.endAsync();
  redis?.disconnect();
  await h?.close();
});

const readingKeys = () => redis.keys(readingsKey(h.config.redis.prefix, '*'));

describe('sensor readings as blocks beside their jobs', () => {
  it('a readings INSERT retried after it landed stores each reading and rollup count once; the block is deleted', async () => {
    const t0 = Date.now() - 30 * 60_000;
    const values = [101.5, 102.25, -3, 4_999.75];
    failAfterStoring = 1;
    const before = readingInserts;
    await gw.publishAsync(
      topics.sensors(GW),
      JSON.stringify(
        sensorEnvelope(
          GW,
          values.map((v, i) => reading(WATER, 'level', v, t0 + i * 1000)),
        ),
      ),
      { qos: 1 },
    );
    const q = { s: WATER, t0 };
    const stored = () =>
      count(
        h.store,
        'SELECT count() AS n FROM sensor_readings WHERE sensor = {s:String} AND ts >= fromUnixTimestamp64Milli({t0:Int64})',
        q,
      );
    expect(
      await until(async () => (await stored()) === values.length && readingInserts >= before + 2, 15_000),
    ).toBe(true);
    // The second INSERT of the same block under the same token was dropped, in the rollups too.
    const rollup = await h.store.query<{ n: string; s: number }>(
      "SELECT sum(n) AS n, sum(vsum) AS s FROM sensor_readings_1m WHERE sensor = {s:String} AND metric = 'level' AND bucket >= toStartOfMinute(fromUnixTimestamp64Milli({t0:Int64}))",
      q,
    );
    expect(Number(rollup[0]?.n)).toBe(values.length);
    expect(rollup[0]?.s).toBeCloseTo(
      values.reduce((a, b) => a + b, 0),
      6,
    );
    const rows = await h.store.query<{ v: number }>(
      'SELECT value AS v FROM sensor_readings WHERE sensor = {s:String} AND ts >= fromUnixTimestamp64Milli({t0:Int64}) ORDER BY ts',
      q,
    );
    expect(rows.map((r) => r.v)).toEqual(values);
    expect(await until(async () => (await readingKeys()).length === 0, 5_000)).toBe(true);
  });

  it('a job whose readings block is gone is done when its done marker is set, and a dead letter when not', async () => {
    const prefix = h.config.redis.prefix;
    const queue = openQueue(redis, prefix);
    const job = {
      v: 1 as const,
      hits: [],
      readingBlockKey: true as const,
      readingCount: 3,
      snapshots: [],
      quarantine: [],
      keys: [],
      firstMs: Date.now(),
    };
    const opts = { attempts: 1, removeOnComplete: true, removeOnFail: false };
    await redis.set(doneKey(prefix, 'readings-gone-done'), '1', 'PX', 60_000);
    await queue.add('bundle', job, { jobId: 'readings-gone-done', ...opts });
    await queue.add('bundle', job, { jobId: 'readings-gone-lost', ...opts });
    expect(await until(async () => (await h.ingest.deadLetters()).total === 1, 10_000)).toBe(true);
    const dl = await h.ingest.deadLetters();
    expect(dl.items[0]?.jobId).toBe('readings-gone-lost');
    expect(dl.items[0]?.failedReason).toContain('readings block');
    expect(
      await until(async () => (await queue.getJobState('readings-gone-done')) === 'unknown', 5_000),
    ).toBe(true);
    await (await queue.getJob('readings-gone-lost'))?.remove();
    await queue.close();
  });
});

/**
 * End-to-end acks and the replay window (docs/architecture.md#no-loss-chain steps 4–6), retries and dead letters,
 * against real aedes, Redis and chDB.
 */
import { Redis } from 'ioredis';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../analytics/store.js';
import { makeEnvelope, makeHit } from '../contracts/testkit.js';
import { topics } from '../contracts/topics.js';
import { parseAck } from '../contracts/ack.js';
import { claim } from './dedup.js';
import { blockKey, doneKey, openQueue, QUEUE_NAME } from './jobs.js';
import {
  cameraId,
  connectGateway,
  count,
  gatewayId,
  type Harness,
  startHarness,
  TEST_REDIS_URL,
  until,
} from './testkit.js';

const GW = gatewayId(0);
let h: Harness;
let gw: MqttClient;
let redis: Redis;
const acked: string[] = [];
/** Store inserts fail while this is above zero (counted down per failed call). */
let failInserts = 0;

beforeAll(async () => {
  h = await startHarness(
    {
      gateways: 1,
      camerasPerGateway: 1,
      ingest: { bundleMaxMs: 20, attempts: 3, backoffMs: 50, claimGraceMs: 500 },
    },
    {
      // A store that fails on demand, as a wrapper: the worker sees real rejections.
      wrapStore: (store): Store => ({
        ...store,
        async insert(table, rows, o) {
          if (failInserts > 0) {
            failInserts--;
            throw new Error('injected store failure');
          }
          return store.insert(table, rows, o);
        },
        async insertBlock(table, block, o) {
          if (failInserts > 0) {
            failInserts--;
            throw new Error('injected store failure');
          }
          return store.insertBlock(table, block, o);
        },
      }),
    },
  );
  redis = new Redis(TEST_REDIS_URL);
  gw = await connectGateway(h.ingest.mqttUrl, GW);
  await gw.subscribeAsync(topics.ack(GW), { qos: 1 });
  gw.on('message', (_t, p) => acked.push(...(parseAck(p) ?? [])));
});
afterAll(async () => {
  await gw?.endAsync();
  redis?.disconnect();
  await h?.close();
});

const envelope = (n: number) =>
  makeEnvelope(Array.from({ length: n }, () => makeHit({ gateway: GW, camera: cameraId(0, 0) })));
const blockKeys = () => redis.keys(blockKey(h.config.redis.prefix, '*'));
const hitsOf = (msgIds: string[]) =>
  count(h.store, 'SELECT count() AS n FROM hits WHERE id IN {ids:Array(String)}', { ids: msgIds });

describe('acks and replays', () => {
  it('acks a message after Redis holds it; a resend is acked again and not stored twice', async () => {
    const e = envelope(5);
    const payload = Buffer.from(JSON.stringify(e));
    await gw.publishAsync(topics.hits(GW), payload, { qos: 1 });
    expect(await until(() => acked.includes(e.msgId), 5_000)).toBe(true);
    const dupsBefore = h.ingest.stats().duplicatesDropped;
    await gw.publishAsync(topics.hits(GW), payload, { qos: 1 });
    expect(await until(() => acked.filter((x) => x === e.msgId).length === 2, 5_000)).toBe(true);
    expect(h.ingest.stats().duplicatesDropped).toBe(dupsBefore + 1);
    const ids = e.hits.map((x) => x.id);
    expect(await until(async () => (await hitsOf(ids)) === 5)).toBe(true);
    // The job's hits block, kept beside it in Redis, is deleted once the job is stored.
    expect(await until(async () => (await blockKeys()).length === 0, 5_000)).toBe(true);
    // After the job completed and left the queue, its done marker still identifies replays.
    await gw.publishAsync(topics.hits(GW), payload, { qos: 1 });
    expect(await until(() => acked.filter((x) => x === e.msgId).length === 3, 5_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(await hitsOf(ids)).toBe(5);
  });

  it('a claim left by a node that died before queueing blocks only for the grace period', async () => {
    const e = envelope(3);
    // What a node leaves when it dies between claiming the key and adding the job.
    const claimedAt = Date.now();
    const prefix = h.config.redis.prefix;
    const dedup = { redis, prefix, queueKey: `${prefix}:${QUEUE_NAME}`, windowMs: 60_000, claimGraceMs: 500 };
    expect(await claim(dedup, [`m:${GW}:${e.msgId}`], '01DEADNODEJOB', claimedAt)).toEqual(['fresh']);
    const payload = Buffer.from(JSON.stringify(e));
    // The receiver holds the young claim's copy and asks again (receiver.ts), instead of
    // leaving it to the gateway's resend: it is acked once the grace period (500 ms) is over.
    await gw.publishAsync(topics.hits(GW), payload, { qos: 1 });
    expect(await until(() => acked.includes(e.msgId), 5_000)).toBe(true);
    expect(Date.now() - claimedAt).toBeGreaterThanOrEqual(500);
    expect(await until(async () => (await hitsOf(e.hits.map((x) => x.id))) === 3)).toBe(true);
  });

  it('retries failed inserts with backoff and stores once', async () => {
    const e = envelope(4);
    const retries = h.ingest.stats().retries;
    failInserts = 2;
    await gw.publishAsync(topics.hits(GW), Buffer.from(JSON.stringify(e)), { qos: 1 });
    expect(await until(async () => (await hitsOf(e.hits.map((x) => x.id))) === 4, 10_000)).toBe(true);
    expect(h.ingest.stats().retries).toBe(retries + 2);
  });

  it('exhausted jobs become dead letters, listed and re-drivable without duplicates', async () => {
    const e = envelope(6);
    failInserts = 3; // = attempts
    await gw.publishAsync(topics.hits(GW), Buffer.from(JSON.stringify(e)), { qos: 1 });
    expect(await until(async () => (await h.ingest.deadLetters()).total === 1, 10_000)).toBe(true);
    const dl = await h.ingest.deadLetters();
    expect(dl.items[0]).toMatchObject({ hits: 6, attemptsMade: 3, failedReason: 'injected store failure' });
    expect(h.ingest.stats().deadLetters).toBe(1);
    expect(await hitsOf(e.hits.map((x) => x.id))).toBe(0);
    // A dead letter keeps its hits block in Redis until it is re-driven and stored.
    const jobId = dl.items[0]?.jobId ?? '';
    expect(await redis.exists(blockKey(h.config.redis.prefix, jobId))).toBe(1);
    // The gateway resending it is a duplicate: the dead letter holds it.
    await gw.publishAsync(topics.hits(GW), Buffer.from(JSON.stringify(e)), { qos: 1 });
    expect(await until(() => acked.filter((x) => x === e.msgId).length === 2, 5_000)).toBe(true);
    expect(await h.ingest.redrive()).toEqual([dl.items[0]?.jobId]);
    expect(await until(async () => (await hitsOf(e.hits.map((x) => x.id))) === 6, 10_000)).toBe(true);
    expect((await h.ingest.deadLetters()).total).toBe(0);
    // Running the same job id again (a redrive after a partial success) is deduplicated by the store.
    await new Promise((r) => setTimeout(r, 200));
    expect(await hitsOf(e.hits.map((x) => x.id))).toBe(6);
    expect(await until(async () => (await blockKeys()).length === 0, 5_000)).toBe(true);
  });

  it('a job whose block is gone is done when its done marker is set, and a dead letter when not', async () => {
    const prefix = h.config.redis.prefix;
    const queue = openQueue(redis, prefix);
    const job = {
      v: 1 as const,
      hits: [],
      hitBlockKey: true as const,
      hitCount: 2,
      snapshots: [],
      quarantine: [],
      keys: [],
      firstMs: Date.now(),
    };
    // An earlier run stored it, set the marker and deleted the block, and died before completing.
    await redis.set(doneKey(prefix, 'gone-done'), '1', 'PX', 60_000);
    await queue.add('bundle', job, {
      jobId: 'gone-done',
      attempts: 1,
      removeOnComplete: true,
      removeOnFail: false,
    });
    // Nothing stored it: the block must be there, and its absence is a failure, not a silent success.
    await queue.add('bundle', job, {
      jobId: 'gone-lost',
      attempts: 1,
      removeOnComplete: true,
      removeOnFail: false,
    });
    expect(await until(async () => (await h.ingest.deadLetters()).total === 1, 10_000)).toBe(true);
    const dl = await h.ingest.deadLetters();
    expect(dl.items[0]).toMatchObject({ jobId: 'gone-lost', hits: 2 });
    expect(dl.items[0]?.failedReason).toContain('not in Redis');
    expect(await until(async () => (await queue.getJobState('gone-done')) === 'unknown', 5_000)).toBe(true);
    await (await queue.getJob('gone-lost'))?.remove();
    await queue.close();
  });
});

/**
 * A copy resent after the replay window is stored once (ingest/late-copies.ts): end to end
 * through real aedes, Redis and chDB with a 1 s window, and the filter itself on chDB.
 */
import { rmSync } from 'node:fs';
import { Redis } from 'ioredis';
import type { MqttClient } from 'mqtt';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hitsToBlock } from '../analytics/hit-block.js';
import { hitToRow } from '../analytics/hit-rows.js';
import type { Store } from '../analytics/store.js';
import { parseAck } from '../contracts/ack.js';
import { makeEnvelope, makeHit } from '../contracts/testkit.js';
import { topics } from '../contracts/topics.js';
import { dropStoredCopies, hasLateMessage } from './late-copies.js';
import { doneKey } from './queue-keys.js';
import {
  cameraId,
  connectGateway,
  count,
  gatewayId,
  type Harness,
  openTestStore,
  startHarness,
  TEST_REDIS_URL,
  until,
} from './testkit.js';

const GW = gatewayId(0);
const WINDOW_MS = 1_000;

describe('hasLateMessage', () => {
  const now = Date.now();
  const id = (ageMs: number) => ulid(now - ageMs);
  it('flags a job whose message or snapshot id is older than half the window', () => {
    expect(hasLateMessage([`m:${GW}:${id(100)}`], now, 1_000)).toBe(false);
    expect(hasLateMessage([`m:${GW}:${id(100)}`, `m:${GW}:${id(600)}`], now, 1_000)).toBe(true);
    expect(hasLateMessage([`s:${GW}:${id(700)}`], now, 1_000)).toBe(true);
  });
  it('ignores digests and ids that are not ULIDs', () => {
    expect(hasLateMessage([`q:${GW}:0123abcd`, `m:${GW}:hand-made`], now, 1_000)).toBe(false);
  });
});

describe('dropStoredCopies on chDB', () => {
  let store: Store;
  let dir: string;
  const rows = (n: number) =>
    Array.from({ length: n }, () =>
      hitToRow(makeHit({ gateway: GW, camera: cameraId(0, 0) }), {
        grid: 'g1',
        orgPath: ['city', 'd1', 'g1'],
      }),
    );
  beforeAll(async () => {
    ({ store, dir } = await openTestStore());
  });
  afterAll(async () => {
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('drops rows stored before the job was made, keeps the rest', async () => {
    const old = rows(3);
    await store.insertBlock('hits', hitsToBlock(old), { dedupToken: ulid() });
    const fresh = rows(2);
    const f = await dropStoredCopies(store, hitsToBlock([...old, ...fresh]), [], Date.now() + 1_000);
    expect(f.dropped).toBe(3);
    expect(f.hits.rows).toBe(2);
    expect(f.hits.data).toContain(fresh[0]!.id);
    expect(f.hits.data).not.toContain(old[0]!.id);
  });

  it('keeps rows a previous attempt of the same job stored (its token drops them)', async () => {
    const madeMs = Date.now() - 5_000;
    const mine = rows(2);
    await store.insertBlock('hits', hitsToBlock(mine), { dedupToken: ulid() });
    const f = await dropStoredCopies(store, hitsToBlock(mine), [], madeMs);
    expect(f.dropped).toBe(0);
    expect(f.hits.rows).toBe(2);
  });
});

describe('a resend after the replay window', () => {
  let h: Harness;
  let gw: MqttClient;
  let redis: Redis;
  const acked: string[] = [];
  beforeAll(async () => {
    h = await startHarness({
      gateways: 1,
      camerasPerGateway: 1,
      ingest: { bundleMaxMs: 20, replayWindowMs: WINDOW_MS },
    });
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

  const doneKeys = () => redis.keys(doneKey(h.config.redis.prefix, '*'));

  it('is queued again, and the store keeps one copy of each hit', async () => {
    const e = makeEnvelope(Array.from({ length: 4 }, () => makeHit({ gateway: GW, camera: cameraId(0, 0) })));
    const ids = e.hits.map((x) => x.id);
    const payload = Buffer.from(JSON.stringify(e));
    const hitsOf = () =>
      count(h.store, 'SELECT count() AS n FROM hits WHERE id IN {ids:Array(String)}', { ids });
    await gw.publishAsync(topics.hits(GW), payload, { qos: 1 });
    expect(await until(async () => (await hitsOf()) === 4)).toBe(true);
    // The window passes: the claims and the done marker expire, so the copy is not a replay.
    expect(await until(async () => (await doneKeys()).length === 0, 5_000)).toBe(true);
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const dups = h.ingest.stats().duplicatesDropped;
    await gw.publishAsync(topics.hits(GW), payload, { qos: 1 });
    expect(await until(() => acked.filter((x) => x === e.msgId).length === 2, 5_000)).toBe(true);
    expect(h.ingest.stats().duplicatesDropped).toBe(dups);
    // Its job is stored (a new done marker), and without the check the hits would be there twice.
    expect(await until(async () => (await doneKeys()).length > 0, 5_000, 10)).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(await hitsOf()).toBe(4);
  });
});

/**
 * The bundler's hold (ingest/bundler.ts onAge) on real Redis: while jobs wait in the queue a
 * bundle keeps filling up to `holdMs` as long as messages keep coming, and is cut at once when
 * nothing joined it for `maxMs` (its senders wait for its acks: holding only holds them), or
 * once the queue has drained (the count seen at the last flush is asked again).
 */
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { ulid } from 'ulid';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../contracts/log.js';
import { Bundler, type Part } from './bundler.js';
import { openQueue, QUEUE_NAME } from './jobs.js';
import { IngestMetrics } from './metrics.js';
import { dropPrefix, TEST_REDIS_URL } from './testkit.js';

const prefix = `xltest-${ulid().toLowerCase()}`;
const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
const queue = openQueue(redis, prefix);
const MAX_MS = 100;
const HOLD_MS = 1_500;

const bundler = new Bundler({
  queue,
  dedup: {
    redis,
    prefix,
    queueKey: `${prefix}:${QUEUE_NAME}`,
    windowMs: 60_000,
    claimGraceMs: 30_000,
  },
  maxHits: 10_000,
  maxMs: MAX_MS,
  holdMs: HOLD_MS,
  maxBytes: 1 << 24,
  maxQueuedJobs: 100,
  attempts: 1,
  backoffMs: 100,
  metrics: new IngestMetrics(new Registry()),
  log: silentLogger(),
});

const part = (): Part => ({
  key: `m:gw-hold:${ulid()}`,
  hits: [],
  snapshots: [],
  quarantine: [],
  bytes: 100,
});

/** A message every 10 ms for 600 ms: ms until the first was acked, and all the adds. */
async function trickle(): Promise<{ first: number; rest: Promise<unknown> }> {
  const t0 = Date.now();
  const first = bundler.add(part()).then(() => Date.now() - t0);
  const rest: Promise<unknown>[] = [];
  while (Date.now() - t0 < 600) {
    rest.push(bundler.add(part()));
    await new Promise((r) => setTimeout(r, 10));
  }
  return { first: await first, rest: Promise.all(rest) };
}

afterAll(async () => {
  await bundler.close();
  await queue.close();
  await dropPrefix(TEST_REDIS_URL, prefix);
  redis.disconnect();
});

describe('bundle hold while jobs wait', () => {
  it('holds a bundle that keeps filling, and cuts one that stopped at once', async () => {
    // No worker: every job added stays waiting. A flush counts the waiting jobs before it adds
    // its own: after the second, the bundler sees the writers behind.
    expect(await bundler.add(part())).toBe('fresh');
    expect(await bundler.add(part())).toBe('fresh');
    expect(await queue.getJobCountByTypes('waiting')).toBe(2);

    // Messages every 10 ms for 600 ms: one bundle, held past maxMs while it fills.
    const { first, rest } = await trickle();
    expect(first).toBeGreaterThanOrEqual(300);
    await rest;
    expect(await queue.getJobCountByTypes('waiting')).toBe(3);

    // One message and then nothing: acked after about maxMs, not holdMs.
    const t1 = Date.now();
    expect(await bundler.add(part())).toBe('fresh');
    expect(Date.now() - t1).toBeLessThan(HOLD_MS / 2);
    expect(await queue.getJobCountByTypes('waiting')).toBe(4);
  }, 20_000);

  it('does not hold once the queue has drained since the last flush', async () => {
    // The last flush saw jobs waiting (the test above left 4); the writers then took them all.
    expect(await queue.getJobCountByTypes('waiting')).toBeGreaterThan(0);
    await queue.drain();
    expect(await queue.getJobCountByTypes('waiting')).toBe(0);
    // Messages every 10 ms for 600 ms, as above: the first is acked after about maxMs.
    const { first, rest } = await trickle();
    expect(first).toBeLessThan(300);
    await rest;
  }, 20_000);
});

/**
 * The bundler's flush on real Redis (ingest/bundler.ts): the readings block written beside the
 * claim holds only the fresh messages' readings once the claim has answered, and is gone when no
 * message was fresh; the room check that is not waited for still holds the queue at
 * `maxQueuedJobs`.
 */
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { ulid } from 'ulid';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../contracts/log.js';
import { Bundler, type Part } from './bundler.js';
import { markStored } from './dedup.js';
import { openQueue, QUEUE_NAME, readingsKey } from './jobs.js';
import { IngestMetrics } from './metrics.js';
import { dropPrefix, TEST_REDIS_URL } from './testkit.js';

const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
const opened: Array<{ bundler: Bundler; queue: ReturnType<typeof openQueue>; prefix: string }> = [];

function bundlerFor(maxQueuedJobs: number) {
  const prefix = `xltest-${ulid().toLowerCase()}`;
  const queue = openQueue(redis, prefix);
  const bundler = new Bundler({
    queue,
    dedup: { redis, prefix, queueKey: `${prefix}:${QUEUE_NAME}`, windowMs: 60_000, claimGraceMs: 30_000 },
    maxHits: 10_000,
    maxMs: 20,
    holdMs: 20,
    maxBytes: 1 << 24,
    maxQueuedJobs,
    attempts: 1,
    backoffMs: 100,
    metrics: new IngestMetrics(new Registry()),
    log: silentLogger(),
  });
  opened.push({ bundler, queue, prefix });
  return { bundler, queue, prefix };
}

const line = (sensor: string) => `["${sensor}","level",1,2,"cm","good","water_level","gw","g",1,1,1]\n`;
const part = (sensor: string, key = `m:gw-flush:${ulid()}`): Part => ({
  key,
  hits: [],
  snapshots: [],
  quarantine: [],
  readings: { data: line(sensor), rows: 1 },
  bytes: 100,
});

/** Every job in the queue (readings bundles are prioritized), oldest first. */
async function jobs(queue: ReturnType<typeof openQueue>) {
  const all = await queue.getJobs(['waiting', 'prioritized']);
  return all.sort((a, b) => (a!.id! < b!.id! ? -1 : 1));
}

afterAll(async () => {
  for (const o of opened) {
    await o.bundler.close().catch(() => undefined);
    await o.queue.close();
    await dropPrefix(TEST_REDIS_URL, o.prefix);
  }
  redis.disconnect();
});

describe('bundler flush', () => {
  it('keeps only the fresh messages readings in the block, and leaves no block when none is fresh', async () => {
    const { bundler, queue, prefix } = bundlerFor(100);
    const first = part('s-a');
    expect(await bundler.add(first)).toBe('fresh');
    const [job1] = await jobs(queue);
    await markStored(redis, prefix, job1!.id!, [first.key], 60_000);

    // A resend of the stored message and a new one in one bundle: the job holds the new one only.
    const [again, fresh] = await Promise.all([bundler.add({ ...first }), bundler.add(part('s-b'))]);
    expect([again, fresh]).toEqual(['duplicate', 'fresh']);
    const all = await jobs(queue);
    expect(all).toHaveLength(2);
    const job2 = all[1]!;
    expect(job2.data.readingCount).toBe(1);
    expect(await redis.get(readingsKey(prefix, job2.id!))).toBe(line('s-b'));

    // Only the stored message again: no job, and no block left behind.
    const before = await redis.keys(`${prefix}:*readings*`);
    expect(await bundler.add({ ...first })).toBe('duplicate');
    await new Promise((r) => setTimeout(r, 50));
    expect(await jobs(queue)).toHaveLength(2);
    expect((await redis.keys(`${prefix}:*readings*`)).sort()).toEqual(before.sort());
  }, 20_000);

  it('holds bundles once maxQueuedJobs wait, though the count is not waited for while far below it', async () => {
    const { bundler, queue } = bundlerFor(4);
    for (let i = 0; i < 4; i++) expect(await bundler.add(part(`s-${i}`))).toBe('fresh');
    expect(await jobs(queue)).toHaveLength(4);
    let settled = false;
    const fifth = bundler.add(part('s-5')).then((v) => {
      settled = true;
      return v;
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(settled).toBe(false);
    expect(await jobs(queue)).toHaveLength(4);
    // Room again: the held bundle goes.
    await (await jobs(queue))[0]!.remove();
    expect(await fifth).toBe('fresh');
    expect(await jobs(queue)).toHaveLength(4);
  }, 20_000);
});

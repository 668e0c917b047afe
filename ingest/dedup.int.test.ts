import { Redis } from 'ioredis';
import { ulid } from 'ulid';
import { afterAll, describe, expect, it } from 'vitest';
import { claim, type DedupOptions, NodeLease, seenKey } from './dedup.js';
import { QUEUE_NAME } from './jobs.js';
import { TEST_REDIS_URL } from './testkit.js';

const redis = new Redis(TEST_REDIS_URL);
const prefixes: string[] = [];
afterAll(async () => {
  for (const p of prefixes) {
    const keys = await redis.keys(`${p}:*`);
    if (keys.length) await redis.del(...keys);
  }
  redis.disconnect();
});

async function opts(lease: NodeLease | undefined, prefix: string): Promise<DedupOptions> {
  if (lease) await lease.refresh();
  return {
    redis,
    prefix,
    queueKey: `${prefix}:${QUEUE_NAME}`,
    windowMs: 60_000,
    claimGraceMs: 60_000,
    ...(lease ? { lease } : {}),
  };
}

describe('replay claims and node leases', () => {
  it('a claim whose node is alive holds for the grace period; once its lease is gone it is retaken at once', async () => {
    const prefix = `xltest-dedup-${ulid().toLowerCase()}`;
    prefixes.push(prefix);
    const a = new NodeLease(redis, prefix, 'node-a');
    const b = new NodeLease(redis, prefix, 'node-b');
    const oa = await opts(a, prefix);
    const ob = await opts(b, prefix);
    const now = Date.now();
    // Node a claims but never adds its job (it is about to die).
    expect(await claim(oa, ['m:gw:1'], 'job-a', now)).toEqual(['fresh']);
    // While a lives, b's copy is left unacked (the claim may be in flight).
    expect(await claim(ob, ['m:gw:1'], 'job-b', now + 10)).toEqual(['pending']);
    // a dies: its lease is gone (stop() removes it; a crash lets it run out in NODE_LEASE_MS).
    await a.stop();
    expect(await claim(ob, ['m:gw:1'], 'job-b', now + 20)).toEqual(['fresh']);
    // Now b's claim stands: its job exists, so a resend is a duplicate.
    await redis.hset(`${prefix}:${QUEUE_NAME}:job-b`, 'name', 'bundle');
    expect(await claim(oa, ['m:gw:1'], 'job-c', now + 30)).toEqual(['duplicate']);
    await b.stop();
  });

  it('claims without a node (older format) still wait for the grace period', async () => {
    const prefix = `xltest-dedup-${ulid().toLowerCase()}`;
    prefixes.push(prefix);
    const o = await opts(undefined, prefix);
    const now = Date.now();
    expect(await claim(o, ['m:gw:2'], 'job-1', now)).toEqual(['fresh']);
    expect(await claim(o, ['m:gw:2'], 'job-2', now + 1_000)).toEqual(['pending']);
    expect(await claim(o, ['m:gw:2'], 'job-2', now + 61_000)).toEqual(['fresh']);
  });

  it("a live node's claim made with a ULID job id is retaken after the grace period, counted from the id", async () => {
    const prefix = `xltest-dedup-${ulid().toLowerCase()}`;
    prefixes.push(prefix);
    const a = new NodeLease(redis, prefix, 'node-a');
    const o = await opts(a, prefix);
    const t = Date.now();
    expect(await claim(o, ['m:gw:3'], ulid(t), t)).toEqual(['fresh']);
    expect(await redis.get(seenKey(prefix, 'm:gw:3'))).toMatch(/^[0-9A-Z]{26}:node-a$/);
    expect(await claim(o, ['m:gw:3'], ulid(t + 1_000), t + 1_000)).toEqual(['pending']);
    expect(await claim(o, ['m:gw:3'], ulid(t + 61_000), t + 61_000)).toEqual(['fresh']);
    await a.stop();
  });
});

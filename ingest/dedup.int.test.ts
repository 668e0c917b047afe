import { Redis } from 'ioredis';
import { ulid } from 'ulid';
import { afterAll, describe, expect, it } from 'vitest';
import { claim, claimOf, type DedupOptions, markStored, NodeLease, releaseIfOrphaned } from './dedup.js';
import { replayKey } from './queue-keys.js';
import { QUEUE_NAME } from './jobs.js';
import { REPLAY_SLICE_MS, replaySlot } from './replay-slots.js';
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
    expect(await claimOf(redis, prefix, 'm:gw:3')).toEqual({
      job: expect.stringMatching(/^[0-9A-Z]{26}$/),
      tail: 'node-a',
    });
    expect(await claim(o, ['m:gw:3'], ulid(t + 1_000), t + 1_000)).toEqual(['pending']);
    expect(await claim(o, ['m:gw:3'], ulid(t + 61_000), t + 61_000)).toEqual(['fresh']);
    await a.stop();
  });

  it('claims of ULID message ids share one small hash per gateway and slice, packed, found again by a resend', async () => {
    const prefix = `xltest-dedup-${ulid().toLowerCase()}`;
    prefixes.push(prefix);
    const a = new NodeLease(redis, prefix, 'nA');
    const b = new NodeLease(redis, prefix, 'nB');
    const oa = await opts(a, prefix);
    const ob = await opts(b, prefix);
    // At the start of a slice: all 40 ids fall into it.
    const t = Math.floor(Date.now() / REPLAY_SLICE_MS) * REPLAY_SLICE_MS;
    const keys = Array.from({ length: 40 }, (_, i) => `m:gw-1:${ulid(t + i)}`);
    const jobA = ulid(t);
    // The same key twice in one bundle: the second is a duplicate of the first.
    expect(await claim(oa, [...keys, keys[0]!], jobA, t)).toEqual([...keys.map(() => 'fresh'), 'duplicate']);
    const hash = replayKey(prefix, replaySlot(keys[0]!).bucket);
    expect(await redis.hlen(hash)).toBe(40);
    expect(await redis.object('ENCODING', hash)).toBe('listpack');
    expect(await claimOf(redis, prefix, keys[5]!)).toEqual({ job: jobA, tail: 'nA' });
    // a's job is queued: b's copies are duplicates.
    await redis.hset(`${prefix}:${QUEUE_NAME}:${jobA}`, 'name', 'bundle');
    expect(await claim(ob, keys.slice(0, 3), ulid(t + 50), t + 50)).toEqual([
      'duplicate',
      'duplicate',
      'duplicate',
    ]);
    // A bundle of b's fails before its job is added: its claims are released, a resend is fresh at once.
    const more = [`m:gw-1:${ulid(t + 100)}`, `m:gw-2:${ulid(t + 100)}`];
    const jobB = ulid(t + 100);
    expect(await claim(ob, more, jobB, t + 100)).toEqual(['fresh', 'fresh']);
    expect(await releaseIfOrphaned(ob, more, jobB)).toBe(true);
    expect(await claimOf(redis, prefix, more[0]!)).toBeUndefined();
    expect(await claim(oa, more, ulid(t + 200), t + 200)).toEqual(['fresh', 'fresh']);
    // A claim made by a node whose lease is gone is retaken at once (compare-and-set on the field).
    const orphan = `m:gw-3:${ulid(t + 300)}`;
    expect(await claim(ob, [orphan], ulid(t + 300), t + 300)).toEqual(['fresh']);
    expect(await claim(oa, [orphan], ulid(t + 310), t + 310)).toEqual(['pending']);
    await b.stop();
    const jobA2 = ulid(t + 320);
    expect(await claim(oa, [orphan], jobA2, t + 320)).toEqual(['fresh']);
    expect(await claimOf(redis, prefix, orphan)).toEqual({ job: jobA2, tail: 'nA' });
    await a.stop();
  });

  it('a claim lives the whole window, renewed with its hash; after the window a copy is claimed afresh', async () => {
    const prefix = `xltest-dedup-${ulid().toLowerCase()}`;
    prefixes.push(prefix);
    const a = new NodeLease(redis, prefix, 'nA');
    const o = { ...(await opts(a, prefix)), windowMs: 600 };
    const t = Math.floor(Date.now() / REPLAY_SLICE_MS) * REPLAY_SLICE_MS;
    const first = `m:gw-1:${ulid(t)}`;
    const second = `m:gw-1:${ulid(t + 1)}`;
    const job1 = ulid(t);
    expect(await claim(o, [first], job1, Date.now())).toEqual(['fresh']);
    await markStored(redis, prefix, job1, [first], 600);
    await new Promise((r) => setTimeout(r, 400));
    // A later claim in the same hash renews it: the first claim outlives its own 600 ms.
    expect(await claim(o, [second], ulid(), Date.now())).toEqual(['fresh']);
    await new Promise((r) => setTimeout(r, 400));
    expect(await claim(o, [first], ulid(), Date.now())).toEqual(['duplicate']);
    await new Promise((r) => setTimeout(r, 700));
    expect(await redis.exists(replayKey(prefix, replaySlot(first).bucket))).toBe(0);
    expect(await claim(o, [first], ulid(), Date.now())).toEqual(['fresh']);
    await a.stop();
  });

  it("a stored job's claims shrink to the stored mark, found as duplicates; another job's claim is left alone", async () => {
    const prefix = `xltest-dedup-${ulid().toLowerCase()}`;
    prefixes.push(prefix);
    const a = new NodeLease(redis, prefix, 'nA');
    const o = await opts(a, prefix);
    const t = Math.floor(Date.now() / REPLAY_SLICE_MS) * REPLAY_SLICE_MS;
    const mine = [`m:gw-1:${ulid(t)}`, `s:gw-1:${ulid(t)}`, 'q:gw-1:digest'];
    const other = `m:gw-1:${ulid(t + 1)}`;
    const job = ulid(t);
    const job2 = ulid(t + 1);
    expect(await claim(o, mine, job, t)).toEqual(['fresh', 'fresh', 'fresh']);
    expect(await claim(o, [other], job2, t)).toEqual(['fresh']);
    const hash = replayKey(prefix, replaySlot(mine[0]!).bucket);
    const bytesBefore = Number(await redis.memory('USAGE', hash));
    // The worker names the other key too (it never does): a claim of another job stays.
    await markStored(redis, prefix, job, [...mine, other], 60_000);
    for (const k of mine) expect(await claimOf(redis, prefix, k)).toBe('stored');
    expect(await claimOf(redis, prefix, other)).toEqual({ job: job2, tail: 'nA' });
    expect(Number(await redis.memory('USAGE', hash))).toBeLessThan(bytesBefore);
    // Copies are duplicates without the job or its done marker.
    await redis.del(`${prefix}:${QUEUE_NAME}:done:${job}`);
    expect(await claim(o, mine, ulid(), Date.now())).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect(await claim(o, [other], ulid(), Date.now())).toEqual(['pending']);
    await a.stop();
  });
});

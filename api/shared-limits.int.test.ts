/**
 * Rate limits and revocations shared through a real Redis (api/shared-limits.ts): two limiters
 * standing for two API processes spend one bucket between them, most takes answer without a
 * round trip, an unreachable Redis falls back to the local bucket, and a revocation made in one
 * process is seen by the other.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ulid } from 'ulid';
import { redisConnection } from '../analytics/redis.js';
import { silentLogger } from '../contracts/log.js';
import { dropPrefix, TEST_REDIS_URL, until } from '../ingest/testkit.js';
import { RevocationList, SharedRateLimiter } from './shared-limits.js';

const prefix = `xltest-${ulid().toLowerCase()}`;
const log = silentLogger();
const conns = [redisConnection(TEST_REDIS_URL, log), redisConnection(TEST_REDIS_URL, log)];
afterAll(async () => {
  for (const c of conns) c.disconnect();
  await dropPrefix(TEST_REDIS_URL, prefix);
});

const take = async (l: SharedRateLimiter, key: string) => await l.take(key, Date.now());

describe('SharedRateLimiter', () => {
  it('two processes spend one bucket between them', async () => {
    const o = { perSecond: 0.1, burst: 20, prefix, name: 'key', log };
    const a = new SharedRateLimiter({ ...o, redis: conns[0]! });
    const b = new SharedRateLimiter({ ...o, redis: conns[1]! });
    let ok = 0;
    for (let i = 0; i < 40; i++) if (await take(i % 2 ? a : b, 'k1')) ok++;
    expect(ok).toBe(20);
    // Refusals after Redis said "empty" answer at once, without a round trip each.
    const leases = a.leasesTaken;
    for (let i = 0; i < 100; i++) expect(a.take('k1', Date.now())).toBe(false);
    expect(a.leasesTaken).toBe(leases);
    // Another key has a bucket of its own.
    expect(await take(a, 'k2')).toBe(true);
  });

  it('answers most takes from a lease, without a round trip', async () => {
    const l = new SharedRateLimiter({
      perSecond: 1000,
      burst: 2000,
      prefix,
      name: 'fast',
      log,
      redis: conns[0]!,
    });
    let sync = 0;
    for (let i = 0; i < 1000; i++) {
      const r = l.take('busy', Date.now());
      if (r === true) sync++;
      else expect(await r).toBe(true);
    }
    // Leases of 100 tokens (a tenth of a second's worth): 10 round trips for 1,000 takes.
    expect(l.leasesTaken).toBeLessThanOrEqual(11);
    expect(sync).toBeGreaterThanOrEqual(989);
  });

  it('falls back to a local bucket while Redis cannot be reached', async () => {
    const dead = redisConnection('redis://127.0.0.1:1', log, { maxRetriesPerRequest: 0 });
    try {
      const l = new SharedRateLimiter({ perSecond: 0.1, burst: 3, prefix, name: 'down', log, redis: dead });
      const got = [];
      for (let i = 0; i < 5; i++) got.push(await take(l, 'k'));
      expect(got).toEqual([true, true, true, false, false]);
    } finally {
      dead.disconnect();
    }
  });
});

describe('RevocationList', () => {
  it('a revocation in one process is seen by the other, and lapses at its time', async () => {
    const subs = [redisConnection(TEST_REDIS_URL, log), redisConnection(TEST_REDIS_URL, log)];
    const a = new RevocationList(conns[0]!, subs[0], prefix, log);
    const b = new RevocationList(conns[1]!, subs[1], prefix, log);
    await a.start();
    await b.start();
    try {
      expect(b.has('jti-1')).toBe(false);
      await a.revoke({ id: 'jti-1', untilMs: Date.now() + 60_000 });
      await a.revoke({ id: 'jti-2', untilMs: Date.now() + 300 });
      expect(a.has('jti-1')).toBe(true);
      expect(await until(() => b.has('jti-1') && b.has('jti-2'), 3000)).toBe(true);
      await new Promise((r) => setTimeout(r, 400));
      expect((await b.list()).map((r) => r.id)).toEqual(['jti-1']);
      // A third process starting later reads the list at start.
      const c = new RevocationList(conns[0]!, undefined, prefix, log);
      await c.start();
      expect([c.has('jti-1'), c.has('jti-2')]).toEqual([true, false]);
      await c.close();
    } finally {
      await a.close();
      await b.close();
    }
  });
});

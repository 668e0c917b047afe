/**
 * A receiver's node lease on a starved event loop (ingest/dedup.ts NodeLease.renew), against
 * real Redis: a lease whose refresh timer could not run is renewed on the spot while its key
 * still lives, and not once it has lapsed (another node may have taken its claims over).
 */
import { Redis } from 'ioredis';
import { ulid } from 'ulid';
import { afterAll, describe, expect, it } from 'vitest';
import { NODE_LEASE_MS, NodeLease } from './dedup.js';
import { TEST_REDIS_URL } from './testkit.js';

const redis = new Redis(TEST_REDIS_URL);
const prefix = `xltest-lease-${ulid().toLowerCase()}`;
afterAll(() => redis.disconnect());

/** Holds the event loop, as a starved process does: no timer runs meanwhile. */
function starve(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy
  }
}

describe('node lease renewal', () => {
  it('renews a stale lease that never lapsed, and refuses one that did', async () => {
    const lease = new NodeLease(redis, prefix, 'n1');
    await lease.refresh();
    expect(lease.fresh(Date.now())).toBe(true);

    starve(NODE_LEASE_MS * 0.6);
    expect(lease.fresh(Date.now())).toBe(false);
    expect(await lease.renew()).toBe(true);
    expect(lease.fresh(Date.now())).toBe(true);

    await lease.refresh();
    starve(NODE_LEASE_MS * 1.2);
    // The key expired meanwhile: the lease lapsed, whatever the refresh now says. (Both are sent
    // before the late timer's own refresh can run.)
    const existed = redis.exists(`${prefix}:ingest:node:n1`);
    const renewed = lease.renew();
    expect(await existed).toBe(0);
    expect(await renewed).toBe(false);
    await lease.stop();
  });
});

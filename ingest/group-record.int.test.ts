import { Redis } from 'ioredis';
import { ulid } from 'ulid';
import { afterAll, describe, expect, it } from 'vitest';
import { claim, claimOf, type DedupOptions } from './dedup.js';
import { groupMembers, markGroup, recordGroup, storedOf } from './group-record.js';
import { QUEUE_NAME } from './jobs.js';
import { blockKey, doneKey, groupKey, inGroupKey, readingsKey } from './queue-keys.js';
import { dropPrefix, TEST_REDIS_URL } from './testkit.js';

const redis = new Redis(TEST_REDIS_URL);
const prefixes: string[] = [];
afterAll(async () => {
  for (const p of prefixes) await dropPrefix(TEST_REDIS_URL, p);
  redis.disconnect();
});

function fresh(): { prefix: string; o: DedupOptions } {
  const prefix = `xltest-group-${ulid().toLowerCase()}`;
  prefixes.push(prefix);
  const o = { redis, prefix, queueKey: `${prefix}:${QUEUE_NAME}`, windowMs: 60_000, claimGraceMs: 60_000 };
  return { prefix, o };
}

describe('group record', () => {
  it('records members in order and points each at the group', async () => {
    const { prefix } = fresh();
    const said = await recordGroup(redis, prefix, 'g1', ['j3', 'j1', 'j2']);
    expect(said).toEqual([{ in: 'this' }, { in: 'this' }, { in: 'this' }]);
    expect(await groupMembers(redis, prefix, 'g1')).toEqual(['j3', 'j1', 'j2']);
    expect(await redis.mget(inGroupKey(prefix, 'j3'), inGroupKey(prefix, 'j1'))).toEqual(['g1', 'g1']);
    // Recording the same group again (a retried script call) changes nothing.
    expect(await recordGroup(redis, prefix, 'g1', ['j3', 'j1', 'j2'])).toEqual(said);
    expect(await groupMembers(redis, prefix, 'g1')).toEqual(['j3', 'j1', 'j2']);
  });

  it('refuses a member already in another group or stored; the rest form the group', async () => {
    const { prefix } = fresh();
    await recordGroup(redis, prefix, 'g1', ['a', 'b']);
    await redis.set(doneKey(prefix, 'c'), '1');
    const said = await recordGroup(redis, prefix, 'g2', ['b', 'c', 'd', 'e']);
    expect(said).toEqual([{ in: 'other', group: 'g1' }, { in: 'stored' }, { in: 'this' }, { in: 'this' }]);
    expect(await groupMembers(redis, prefix, 'g2')).toEqual(['d', 'e']);
    expect(await redis.get(inGroupKey(prefix, 'b'))).toBe('g1');
    expect(await redis.get(inGroupKey(prefix, 'c'))).toBeNull();
    // Nobody left: no group is written.
    expect(await recordGroup(redis, prefix, 'g3', ['a', 'c'])).toEqual([
      { in: 'other', group: 'g1' },
      { in: 'stored' },
    ]);
    expect(await groupMembers(redis, prefix, 'g3')).toBeUndefined();
  });

  it('marks every member stored at once: done markers, claims, blocks, pointers and the group go', async () => {
    const { prefix, o } = fresh();
    const [j1, j2] = [ulid(), ulid()];
    expect(await claim(o, ['m:gw:1', 'm:gw:2'], j1, Date.now())).toEqual(['fresh', 'fresh']);
    expect(await claim(o, ['m:gw:3'], j2, Date.now())).toEqual(['fresh']);
    for (const id of [j1, j2]) await redis.set(blockKey(prefix, id), 'x');
    await redis.set(readingsKey(prefix, j2), 'y');
    await recordGroup(redis, prefix, 'g', [j1, j2]);
    // m:gw:1 is listed for j2 too, but its claim names j1: it is marked through j1.
    const members = [
      { id: j1, keys: ['m:gw:1', 'm:gw:2'] },
      { id: j2, keys: ['m:gw:3', 'm:gw:1'] },
    ];
    await markGroup(redis, prefix, 'g', members, 60_000);
    expect(await storedOf(redis, prefix, [j1, j2, 'other'])).toEqual([true, true, false]);
    expect(await redis.pttl(doneKey(prefix, j1))).toBeGreaterThan(50_000);
    for (const k of ['m:gw:1', 'm:gw:2', 'm:gw:3']) expect(await claimOf(redis, prefix, k)).toBe('stored');
    const left = await redis.exists(
      blockKey(prefix, j1),
      blockKey(prefix, j2),
      readingsKey(prefix, j2),
      inGroupKey(prefix, j1),
      inGroupKey(prefix, j2),
      groupKey(prefix, 'g'),
    );
    expect(left).toBe(0);
    // Again (a re-run that found a member stored): nothing changes, nothing fails.
    await markGroup(redis, prefix, 'g', members, 60_000);
    expect(await storedOf(redis, prefix, [j1, j2])).toEqual([true, true]);
  });

  it('leaves a claim that names another job as it is', async () => {
    const { prefix, o } = fresh();
    const [j1, j2] = [ulid(), ulid()];
    await claim(o, ['m:gw:9'], j2, Date.now());
    await markGroup(redis, prefix, 'g', [{ id: j1, keys: ['m:gw:9'] }], 60_000);
    const c = await claimOf(redis, prefix, 'm:gw:9');
    expect(c).not.toBe('stored');
    expect(c && c !== 'stored' ? c.job : '').toBe(j2);
  });
});

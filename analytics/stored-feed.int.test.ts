import { Redis } from 'ioredis';
import { ulid } from 'ulid';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../contracts/log.js';
import { makeHit } from '../contracts/testkit.js';
import { hitsToBlock } from './hit-block.js';
import { type HitRow, hitToRow } from './hit-rows.js';
import { appendStored, STORED_GROUP, startStoredFeed, storedFeedKey } from './stored-feed.js';

const URL = 'redis://127.0.0.1:6379';
const redis = new Redis(URL);
const prefixes: string[] = [];
afterAll(async () => {
  for (const p of prefixes) {
    const keys = await redis.keys(`${p}:*`);
    if (keys.length) await redis.del(...keys);
  }
  redis.disconnect();
});

function fresh(): string {
  const p = `xltest-feed-${ulid().toLowerCase()}`;
  prefixes.push(p);
  return p;
}

const rows = (n: number): HitRow[] =>
  Array.from({ length: n }, () =>
    hitToRow(makeHit({ camera: 'cam-1' }), { grid: 'g', orgPath: ['city', 'g'] }),
  );

const until = async (fn: () => boolean | Promise<boolean>, ms = 5_000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
};

describe('stored-batch feed', () => {
  it('appends a job once, hands its rows over, and removes the entry once handled', async () => {
    const prefix = fresh();
    const batch = rows(3);
    await appendStored(redis, prefix, hitsToBlock(batch), 'job-1', 60_000);
    // A re-run job appends nothing.
    await appendStored(redis, prefix, hitsToBlock(batch), 'job-1', 60_000);
    expect(await redis.xlen(storedFeedKey(prefix))).toBe(1);
    const got: Array<{ rows: HitRow[]; job: string }> = [];
    const feed = await startStoredFeed({
      redisUrl: URL,
      prefix,
      log: silentLogger(),
      claimIdleMs: 500,
      handle: async (r, job) => {
        got.push({ rows: r, job });
      },
    });
    expect(await until(() => got.length === 1)).toBe(true);
    expect(got[0]).toEqual({ rows: batch, job: 'job-1' });
    expect(await until(async () => (await redis.xlen(storedFeedKey(prefix))) === 0)).toBe(true);
    await feed.close();
  });

  it('a batch read by a consumer that died before acknowledging is matched by another', async () => {
    const prefix = fresh();
    const key = storedFeedKey(prefix);
    await redis.xgroup('CREATE', key, STORED_GROUP, '0', 'MKSTREAM');
    await appendStored(redis, prefix, hitsToBlock(rows(2)), 'job-2', 60_000);
    // A consumer reads the entry and dies: it stays pending under that consumer.
    const read = await redis.xreadgroup('GROUP', STORED_GROUP, 'dead', 'COUNT', 10, 'STREAMS', key, '>');
    expect(read).not.toBeNull();
    const pending = (await redis.xpending(key, STORED_GROUP)) as [number, ...unknown[]];
    expect(pending[0]).toBe(1);
    const jobs: string[] = [];
    const feed = await startStoredFeed({
      redisUrl: URL,
      prefix,
      log: silentLogger(),
      claimIdleMs: 300,
      handle: async (_r, job) => {
        jobs.push(job);
      },
    });
    expect(await until(() => jobs.length > 0)).toBe(true);
    expect(jobs).toEqual(['job-2']);
    expect(await until(async () => (await redis.xlen(key)) === 0)).toBe(true);
    await feed.close();
  });

  it('a failed match is retried, not dropped', async () => {
    const prefix = fresh();
    await appendStored(redis, prefix, hitsToBlock(rows(1)), 'job-3', 60_000);
    let calls = 0;
    const feed = await startStoredFeed({
      redisUrl: URL,
      prefix,
      log: silentLogger(),
      claimIdleMs: 200,
      handle: async () => {
        calls++;
        if (calls === 1) throw new Error('engine not ready');
      },
    });
    expect(await until(async () => (await redis.xlen(storedFeedKey(prefix))) === 0)).toBe(true);
    expect(calls).toBe(2);
    await feed.close();
  });
});

/**
 * The worker's groups (ingest/coalesce.ts) against real Redis and BullMQ, with a store that
 * records its INSERTs: fresh jobs stored once each; a group recorded by a run that died before
 * its marking stored again as a whole, in its recorded order, under its token; a group with a
 * member already stored only marked.
 */
import type { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { ulid } from 'ulid';
import { afterAll, describe, expect, it } from 'vitest';
import { HIT_BLOCK_TABLE } from '../analytics/hit-block.js';
import { blockBytes } from '../analytics/row-block.js';
import type { Store } from '../analytics/store.js';
import { silentLogger } from '../contracts/log.js';
import { recordGroup, storedOf } from './group-record.js';
import { type BundleJob, openQueue, startWorker, type WorkerOptions } from './jobs.js';
import { blockKey, doneKey, groupKey, inGroupKey } from './queue-keys.js';
import { dropPrefix, TEST_REDIS_URL, until } from './testkit.js';

const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
const prefixes: string[] = [];
const workers: Worker<BundleJob>[] = [];
afterAll(async () => {
  for (const w of workers) await w.close();
  for (const p of prefixes) await dropPrefix(TEST_REDIS_URL, p);
  redis.disconnect();
});

interface Insert {
  table: string;
  token: string;
  data: string;
}

/** A job whose two hit rows wait in its block at `blockKey` (no hits in the job itself). */
const blockJob = (firstMs: number): BundleJob => ({
  v: 1,
  hits: [],
  hitBlockKey: true,
  hitCount: 2,
  snapshots: [],
  quarantine: [],
  keys: [],
  firstMs,
});

function recordingStore(inserts: Insert[]): Store {
  return {
    get client(): never {
      throw new Error('not used');
    },
    engine: 'server',
    database: '',
    query: async () => [],
    command: async () => undefined,
    insert: async (table, rows, o) => {
      if (rows.length) inserts.push({ table, token: o?.dedupToken ?? '', data: JSON.stringify(rows) });
    },
    insertBlock: async (table, b, o) => {
      if (b.rows) inserts.push({ table, token: o?.dedupToken ?? '', data: blockBytes(b).toString() });
    },
    close: async () => undefined,
  } as Store;
}

/** Jobs of two hits each, their blocks beside them; returns their ids and blocks. */
async function queueJobs(prefix: string, n: number, add = true, intake = (_i: number) => false) {
  const queue = openQueue(redis, prefix);
  const ids = Array.from({ length: n }, () => ulid());
  const blocks = ids.map((id) => `["${id}-a"]\n["${id}-b"]\n`);
  for (const [i, id] of ids.entries()) {
    await redis.set(blockKey(prefix, id), blocks[i]!);
    const data: BundleJob = { ...blockJob(Date.now()), ...(intake(i) ? { hitsVia: HIT_BLOCK_TABLE } : {}) };
    if (add) await queue.add('bundle', data, { jobId: id, removeOnComplete: true, attempts: 3 });
  }
  await queue.close();
  return { ids, blocks };
}

function worker(prefix: string, inserts: Insert[], maxRows: number, more: Partial<WorkerOptions> = {}) {
  const w = startWorker({
    connection: redis,
    prefix,
    store: recordingStore(inserts),
    concurrency: 2,
    doneTtlMs: 60_000,
    log: silentLogger(),
    coalesce: { maxRows, maxBytes: 1 << 20, jobs: 8 },
    ...more,
  });
  workers.push(w);
  return w;
}

const hitsOf = (inserts: Insert[]) => inserts.filter((i) => i.table === 'hits');

describe('several jobs, one INSERT', () => {
  it('a group goes in through hits_intake only when every job in it does (hitsVia)', async () => {
    const prefix = `xltest-coal-${ulid().toLowerCase()}`;
    prefixes.push(prefix);
    // Jobs 2 and 5 were queued before hits_intake (no hitsVia).
    const { ids, blocks } = await queueJobs(prefix, 8, true, (i) => i !== 2 && i !== 5);
    const inserts: Insert[] = [];
    worker(prefix, inserts, 100);
    expect(await until(async () => (await storedOf(redis, prefix, ids)).every(Boolean), 20_000, 20)).toBe(
      true,
    );
    const hitInserts = inserts.filter((i) => i.table === 'hits' || i.table === HIT_BLOCK_TABLE);
    const all = hitInserts.map((i) => i.data).join('');
    for (const b of blocks) expect(all.split(b).length - 1).toBe(1);
    for (const ins of hitInserts) {
      const old = [ids[2]!, ids[5]!].some((id) => ins.data.includes(id));
      expect(ins.table).toBe(old ? 'hits' : HIT_BLOCK_TABLE);
    }
    expect(hitInserts.some((i) => i.table === HIT_BLOCK_TABLE)).toBe(true);
  });

  it('fresh jobs: each block stored once, all marked, no group left', async () => {
    const prefix = `xltest-coal-${ulid().toLowerCase()}`;
    prefixes.push(prefix);
    const { ids, blocks } = await queueJobs(prefix, 6);
    const inserts: Insert[] = [];
    worker(prefix, inserts, 100);
    expect(await until(async () => (await storedOf(redis, prefix, ids)).every(Boolean), 20_000, 20)).toBe(
      true,
    );
    const all = hitsOf(inserts)
      .map((i) => i.data)
      .join('');
    for (const b of blocks) expect(all.split(b).length - 1).toBe(1);
    expect(await redis.keys(`${groupKey(prefix, '')}*`)).toEqual([]);
    expect(await redis.keys(`${inGroupKey(prefix, '')}*`)).toEqual([]);
    expect(await redis.exists(...ids.map((id) => blockKey(prefix, id)))).toBe(0);
  });

  it('held jobs run their rules once each, in arrival order, before their turn', async () => {
    const prefix = `xltest-coal-${ulid().toLowerCase()}`;
    prefixes.push(prefix);
    const { ids } = await queueJobs(prefix, 6);
    const inserts: Insert[] = [];
    const derived: Array<{ id: string; firstRun: boolean | undefined; inserted: number }> = [];
    const store = recordingStore(inserts);
    const slow: Store = Object.assign(Object.create(store) as Store, {
      // Each INSERT takes a while: the jobs behind it are held meanwhile.
      insertBlock: async (...a: Parameters<Store['insertBlock']>) => {
        await new Promise((r) => setTimeout(r, 150));
        await store.insertBlock(...a);
      },
    });
    worker(prefix, inserts, 100, {
      store: slow,
      derive: {
        rows: async (_job, id, firstRun) => {
          derived.push({ id, firstRun, inserted: hitsOf(inserts).length });
          await new Promise((r) => setTimeout(r, 5));
          return [];
        },
        done: () => undefined,
      },
    });
    expect(await until(async () => (await storedOf(redis, prefix, ids)).every(Boolean), 20_000, 20)).toBe(
      true,
    );
    expect(derived.map((d) => d.id)).toEqual(ids);
    expect(derived.every((d) => d.firstRun === true)).toBe(true);
    // Fewer INSERTs than jobs: some were grouped, and a grouped job's rules ran while the INSERT
    // before its own was still running (not only once its turn came).
    const groups = hitsOf(inserts).length;
    expect(groups).toBeLessThan(ids.length);
    const last = derived[derived.length - 1]!;
    expect(last.inserted).toBeLessThan(groups - 1);
  });

  it('a group recorded before a crash is stored again whole, in its order, under its token, once', async () => {
    const prefix = `xltest-coal-${ulid().toLowerCase()}`;
    prefixes.push(prefix);
    const { ids, blocks } = await queueJobs(prefix, 3, false);
    const order = [ids[2]!, ids[0]!, ids[1]!];
    await recordGroup(redis, prefix, 'gcrashed', order);
    const queue = openQueue(redis, prefix);
    for (const id of ids) await queue.add('bundle', blockJob(0), { jobId: id, removeOnComplete: true });
    await queue.close();
    const inserts: Insert[] = [];
    // Coalescing off in this worker: a recorded group is honoured all the same.
    worker(prefix, inserts, 0);
    expect(await until(async () => (await storedOf(redis, prefix, ids)).every(Boolean), 20_000, 20)).toBe(
      true,
    );
    const byIndex = (id: string) => blocks[ids.indexOf(id)]!;
    expect(hitsOf(inserts)).toEqual([
      { table: 'hits', token: 'gcrashed', data: order.map(byIndex).join('') },
    ]);
    expect(await redis.exists(groupKey(prefix, 'gcrashed'), ...ids.map((id) => inGroupKey(prefix, id)))).toBe(
      0,
    );
  });

  it('a group with a member already stored: the rest are marked, nothing is inserted', async () => {
    const prefix = `xltest-coal-${ulid().toLowerCase()}`;
    prefixes.push(prefix);
    const { ids } = await queueJobs(prefix, 2, false);
    await recordGroup(redis, prefix, 'ghalf', ids);
    // The first member is stored and gone from the queue; the second is queued.
    await redis.set(doneKey(prefix, ids[0]!), '1');
    await redis.del(blockKey(prefix, ids[0]!));
    const queue = openQueue(redis, prefix);
    await queue.add('bundle', blockJob(0), { jobId: ids[1]!, removeOnComplete: true });
    const inserts: Insert[] = [];
    worker(prefix, inserts, 100);
    expect(await until(async () => (await storedOf(redis, prefix, ids)).every(Boolean), 20_000, 20)).toBe(
      true,
    );
    expect(
      await until(async () => (await queue.getJobCounts('active', 'waiting')).active === 0, 5_000, 20),
    ).toBe(true);
    await queue.close();
    expect(inserts).toEqual([]);
    expect(await redis.exists(groupKey(prefix, 'ghalf'), blockKey(prefix, ids[1]!))).toBe(0);
  });
});

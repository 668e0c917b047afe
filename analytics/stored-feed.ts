/**
 * The stored-batch feed (docs/architecture.md#no-loss-chain step 6): after a worker's INSERT
 * returned and before its job completes, the stored hits block is appended to a Redis stream;
 * the alert engine reads it through a consumer group and acknowledges an entry only after it
 * matched the batch. A crash between the insert and the match leaves the job (re-run: the
 * INSERT is deduplicated, the append is not repeated) or a pending entry (claimed by a live
 * consumer after `claimIdleMs`), so every stored batch is matched at least once; a replayed
 * match finds the task its cooldown key holds and adds to it (analytics/tasks/alerts-to-tasks.ts),
 * it never opens a second one.
 */
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Logger } from '../contracts/log.js';
import { blockToHits } from './hit-block.js';
import type { HitRow } from './hit-rows.js';
import { type RedisTarget, redisConnection } from './redis.js';
import type { RowBlock } from './row-block.js';

export const STORED_GROUP = 'alerts';

/**
 * An entry its consumer has not acknowledged for this long is taken over by another (its
 * process died, or the match failed), ms. Longer than a batch's match takes on a loaded box.
 */
export const STORED_CLAIM_IDLE_MS = 5_000;

export function storedFeedKey(prefix: string): string {
  return `${prefix}:alerts:stored`;
}

function addedKey(prefix: string, jobId: string): string {
  return `${prefix}:alerts:added:${jobId}`;
}

/** Appends once per job id (a re-run job finds its marker): one entry `job`, `hits`. */
const APPEND = `
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[1]) then
  return redis.call('XADD', KEYS[1], '*', 'job', ARGV[2], 'hits', ARGV[3])
end
return false`;

/**
 * The fault `bench:faults` injects (docs/ingest.md#faults): with the environment variable
 * XUELIANG_FAULT_INJECT=kill-after-insert, a worker that finds the key `{prefix}:fault:armed`
 * takes it and kills itself (SIGKILL) right after an INSERT, before the batch is matched.
 */
const FAULT = process.env.XUELIANG_FAULT_INJECT === 'kill-after-insert';

/** Records a stored hits block for the alert engine (`ttlMs`: how long a job id is remembered). */
export async function appendStored(
  redis: Redis,
  prefix: string,
  block: RowBlock,
  jobId: string,
  ttlMs: number,
): Promise<void> {
  const armed = FAULT ? await redis.getdel(`${prefix}:fault:armed`) : null;
  await redis.eval(APPEND, 2, storedFeedKey(prefix), addedKey(prefix, jobId), ttlMs, jobId, block.data);
  if (armed) process.kill(process.pid, 'SIGKILL');
}

export interface StoredFeedOptions {
  redisUrl: RedisTarget;
  prefix: string;
  log: Logger;
  /** Matches a stored batch; the entry is acknowledged when it resolves. */
  handle: (rows: HitRow[], jobId: string) => Promise<void>;
  /** An entry left unacknowledged this long by its consumer (dead, or failed) is taken over. */
  claimIdleMs: number;
  /** Entries read at a time. */
  count?: number;
}

export interface StoredFeed {
  /** Entries handled so far. */
  handled(): number;
  close(): Promise<void>;
}

type Entry = [id: string, fields: string[]];

/** Consumers left by processes gone for an hour with nothing pending (each start adds one). */
async function dropIdleConsumers(conn: Redis, key: string): Promise<void> {
  const list = (await conn.xinfo('CONSUMERS', key, STORED_GROUP)) as unknown[][];
  for (const c of list) {
    const f: Record<string, unknown> = {};
    for (let i = 0; i + 1 < c.length; i += 2) f[String(c[i])] = c[i + 1];
    if (Number(f.pending) === 0 && Number(f.idle) > 3_600_000)
      await conn.xgroup('DELCONSUMER', key, STORED_GROUP, String(f.name));
  }
}

/** Consumes the stored-batch feed until closed (one consumer of the group per process). */
export async function startStoredFeed(o: StoredFeedOptions): Promise<StoredFeed> {
  const key = storedFeedKey(o.prefix);
  const me = `${hostname()}-${process.pid}-${Date.now().toString(36)}`;
  const conn = redisConnection(o.redisUrl, o.log, { worker: true, label: 'stored feed redis error' });
  try {
    await conn.xgroup('CREATE', key, STORED_GROUP, '0', 'MKSTREAM');
  } catch (e) {
    if (!String((e as Error).message).includes('BUSYGROUP')) {
      conn.disconnect();
      throw e;
    }
  }
  await dropIdleConsumers(conn, key).catch(() => undefined);
  let closed = false;
  let n = 0;
  const count = o.count ?? 16;

  async function handleAll(entries: readonly Entry[]): Promise<void> {
    for (const [id, fields] of entries) {
      if (closed) return;
      const f: Record<string, string> = {};
      for (let i = 0; i + 1 < (fields?.length ?? 0); i += 2) f[fields[i]!] = fields[i + 1]!;
      try {
        await o.handle(blockToHits({ data: f.hits ?? '' }), f.job ?? '');
      } catch (e) {
        // Left pending: taken over again after claimIdleMs.
        o.log.warn({ err: (e as Error).message, entry: id }, 'stored batch not matched; will retry');
        continue;
      }
      await conn.multi().xack(key, STORED_GROUP, id).xdel(key, id).exec();
      n++;
    }
  }

  async function claimIdle(): Promise<void> {
    const r = (await conn.xautoclaim(key, STORED_GROUP, me, o.claimIdleMs, '0-0', 'COUNT', count)) as [
      string,
      Entry[],
    ];
    await handleAll((r?.[1] ?? []).filter((e) => e?.[1]));
  }

  const loop = (async () => {
    let lastClaim = 0;
    while (!closed) {
      try {
        if (Date.now() - lastClaim >= o.claimIdleMs / 2) {
          lastClaim = Date.now();
          await claimIdle();
        }
        const res = (await conn.xreadgroup(
          'GROUP',
          STORED_GROUP,
          me,
          'COUNT',
          count,
          'BLOCK',
          Math.max(100, Math.floor(o.claimIdleMs / 2)),
          'STREAMS',
          key,
          '>',
        )) as Array<[string, Entry[]]> | null;
        if (res) for (const [, entries] of res) await handleAll(entries);
      } catch (e) {
        if (closed) return;
        o.log.warn({ err: (e as Error).message }, 'stored feed read failed; retrying');
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  })();

  return {
    handled: () => n,
    async close() {
      closed = true;
      conn.disconnect();
      await loop;
    },
  };
}

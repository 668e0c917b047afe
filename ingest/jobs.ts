/**
 * The queue between receivers and writers (docs/architecture.md#no-loss-chain steps 4–6): one BullMQ job per bundle,
 * holding rows ready for the store. A worker writes one job as one INSERT per table with
 * `insert_deduplication_token = jobId`, so a retried or re-run job cannot duplicate rows;
 * then it marks the job done for the replay window (see dedup.ts). Failed jobs retry with
 * exponential backoff; exhausted ones stay in the failed set: the dead letters.
 */
import { type Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { HitRow } from '../analytics/hit-rows.js';
import type { RowBlock } from '../analytics/row-block.js';
import type { Store } from '../analytics/store.js';
import { Coalescer, firstStart, groupOf } from './coalesce.js';
import { markStored } from './dedup.js';
import {
  type BundleJob,
  jobHitBlock,
  jobHitCount,
  readBlock,
  storedJob,
  type WorkerOptions,
  withoutLateCopies,
  writeHits,
} from './job-data.js';
import { blockKey, doneKey, QUEUE_NAME, readingsKey } from './queue-keys.js';
import { loadReadings, readingRowsBlock, writeReadingBlock } from './reading-jobs.js';
import { StoreBackWatch } from './store-back.js';

export type {
  BundleJob,
  CoalesceLimits,
  Deriver,
  QuarantineRow,
  SnapshotRow,
  WorkerOptions,
} from './job-data.js';
export { blockKey, doneKey, QUEUE_NAME, readingsKey };

export function queueOptions(prefix: string) {
  return { prefix };
}

/**
 * Writes one job: one INSERT per non-empty table, each with the job id as dedup token.
 * `hits` is the job's hits block (jobHitBlock) when the caller built it already.
 */
export async function writeJob(
  store: Store,
  job: BundleJob,
  jobId: string,
  hits: RowBlock = jobHitBlock(job),
): Promise<void> {
  await writeHits(store, job, jobId, hits);
  await writeReadingBlock(store, readingRowsBlock(job.readings), jobId);
}

/**
 * The readings INSERT and the rules (their Redis round trip, ingest/sensor-rules.ts) at once:
 * the readings do not depend on the rows the rules derive. Both settle before either failure
 * is thrown (a retry writes everything again under the same tokens).
 */
async function readingsAndDerived(
  o: WorkerOptions,
  job: Job<BundleJob>,
  id: string,
  readings: RowBlock | undefined,
): Promise<HitRow[]> {
  const [stored, derived] = await Promise.allSettled([
    writeReadingBlock(o.store, readings, id),
    Promise.resolve(o.derive?.rows(job.data, id, firstStart(job)) ?? []),
  ]);
  if (stored.status === 'rejected') throw stored.reason;
  if (derived.status === 'rejected') throw derived.reason;
  return derived.value;
}

/**
 * One write at a time: `run` starts once every write handed in before it has settled. The jobs a
 * worker holds at once (`concurrency`) fetch their blocks and send their acks around another's
 * INSERT, but INSERT one at a time and in the order they reached this point: the rules see a
 * sensor's readings in order, and chDB gets one INSERT at a time (its session keeps settings
 * between calls, analytics/store.ts).
 */
function writeTurns(): <T>(run: () => Promise<T>) => Promise<T> {
  let last: Promise<unknown> = Promise.resolve();
  return (run) => {
    const mine = last.then(run);
    last = mine.catch(() => undefined);
    return mine;
  };
}

/** One job, one INSERT under its id (no coalescing): its acks run beside the next INSERT. */
async function writeAlone(
  o: WorkerOptions,
  inTurn: ReturnType<typeof writeTurns>,
  job: Job<BundleJob>,
  bytes: Buffer | undefined,
  readings: RowBlock | undefined,
): Promise<void> {
  const id = job.id as string;
  const { block, derived } = await inTurn(async () => {
    const turnMs = Date.now();
    const derived = await readingsAndDerived(o, job, id, readings);
    const { data, block } = await withoutLateCopies(o, job, jobHitBlock(job.data, derived, bytes));
    await writeHits(o.store, data, id, block);
    o.trace?.turn?.([id], turnMs, turnMs, Date.now());
    return { block, derived };
  });
  o.derive?.done(id);
  if (o.afterInsert && block.rows > 0) await o.afterInsert(block, id);
  // Before the job completes (and is removed): a resend of its messages must still find
  // it, as the job, as this marker or as its claims marked stored, or it would be queued
  // again under another token. The block goes after the marker: a re-run that finds it gone
  // finds the marker (readBlock); one that finds it re-inserts under the same token.
  await markStored(o.connection, o.prefix, id, job.data.keys, o.doneTtlMs);
  // Both blocks in one DEL: none is left behind by a worker dying between two.
  const blocks = [
    ...(job.data.hitBlockKey ? [blockKey(o.prefix, id)] : []),
    ...(job.data.readingBlockKey ? [readingsKey(o.prefix, id)] : []),
  ];
  if (blocks.length) await o.connection.del(...blocks);
  o.onWritten?.(block.rows, job.data.snapshots.length);
  if (o.onStored) o.onStored(storedJob(job.data, block, derived), id);
}

export function startWorker(o: WorkerOptions): Worker<BundleJob> {
  const inTurn = writeTurns();
  const grouping = (o.coalesce?.maxRows ?? 0) > 0;
  const groups = new Coalescer(o, o.coalesce ?? { maxRows: 0, maxBytes: 0 }, inTurn);
  const w = new Worker<BundleJob>(
    QUEUE_NAME,
    async (job: Job<BundleJob>) => {
      const id = job.id as string;
      o.trace?.picked?.(id, Date.now());
      // Both blocks and the group record in one round trip: on a busy receiver each awaited
      // reply waits for the event loop, so a job reached its INSERT a turn later (docs/iot.md).
      const [bytes, group, readings] = await Promise.all([
        readBlock(o, job.data, id),
        groupOf(o, id),
        loadReadings(o.connection, o.prefix, job.data, id),
      ]);
      if (bytes === null || readings === null) return;
      o.trace?.ready?.(id, Date.now());
      if (grouping || group !== null) {
        const fresh = firstStart(job);
        await groups.write({ job, id, bytes, readings, fresh, ...(group !== null ? { group } : {}) });
        return;
      }
      await writeAlone(o, inTurn, job, bytes, readings);
    },
    {
      connection: o.connection,
      prefix: o.prefix,
      concurrency: grouping ? Math.max(o.concurrency, o.coalesce?.jobs ?? 0) : o.concurrency,
      // A crashed worker's job is taken over after this; the dedup token makes the re-run safe
      // (and so does the stored feed's once-per-job append). The lock is renewed every half of
      // it; bench:faults measured 8 s to recover from a worker kill with 10 s / 5 s.
      lockDuration: 3_000,
      stalledInterval: 1_000,
      maxStalledCount: 1_000,
      autorun: true,
    },
  );
  const storeBack = promoteWhenStoreBack(w, o);
  w.on('failed', (job, err) => {
    if (!job) return;
    storeBack.failed();
    const exhausted = job.attemptsMade >= (job.opts.attempts ?? 1);
    o.onFailed?.(job.id as string, exhausted, err);
    if (exhausted)
      o.log.error({ jobId: job.id, err: err.message }, 'job exhausted its attempts: dead letter');
    else o.log.warn({ jobId: job.id, attempt: job.attemptsMade, err: err.message }, 'job failed; will retry');
  });
  w.on('error', (err) => o.log.warn({ err: err.message }, 'worker error'));
  w.on('closed', () => void groups.close());
  return w;
}

/**
 * A job stored right after a run of failed ones: the store is back, the delayed retries go now
 * instead of after their backoff (ingest/store-back.ts).
 */
function promoteWhenStoreBack(w: Worker<BundleJob>, o: WorkerOptions): StoreBackWatch {
  const watch = new StoreBackWatch();
  let queue: Queue<BundleJob> | undefined;
  w.on('completed', () => {
    if (!watch.stored()) return;
    queue ??= openQueue(o.connection, o.prefix);
    queue.promoteJobs().then(
      () => o.log.info('store back: delayed retries promoted'),
      (e: unknown) => o.log.warn({ err: (e as Error).message }, 'promoting delayed retries failed'),
    );
  });
  w.on('closed', () => void queue?.close().catch(() => undefined));
  return watch;
}

export function openQueue(connection: Redis, prefix: string): Queue<BundleJob> {
  const q = new Queue<BundleJob>(QUEUE_NAME, { connection, prefix });
  // BullMQ prints a queue's connection errors to the console unless someone listens; the
  // connection's own handler logs them (analytics/redis.ts), and failed commands reach the caller.
  q.on('error', () => undefined);
  return q;
}

export interface DeadLetter {
  jobId: string;
  failedReason: string;
  attemptsMade: number;
  hits: number;
  snapshots: number;
  quarantine: number;
  firstMs: number;
  finishedOn: number | undefined;
}

/** Dead letters, newest first. */
export async function listDeadLetters(
  queue: Queue<BundleJob>,
  offset = 0,
  limit = 100,
): Promise<{ total: number; items: DeadLetter[] }> {
  const total = await queue.getFailedCount();
  const jobs = await queue.getFailed(offset, offset + limit - 1);
  return {
    total,
    items: jobs.filter(Boolean).map((j) => ({
      jobId: j.id as string,
      failedReason: j.failedReason ?? '',
      attemptsMade: j.attemptsMade,
      hits: jobHitCount(j.data),
      snapshots: j.data.snapshots.length,
      quarantine: j.data.quarantine.length,
      firstMs: j.data.firstMs,
      finishedOn: j.finishedOn,
    })),
  };
}

/** Moves every dead letter back to waiting (same job id, so the same dedup token). */
export async function redrive(queue: Queue<BundleJob>): Promise<string[]> {
  const ids: string[] = [];
  for (;;) {
    const jobs = await queue.getFailed(0, 499);
    if (jobs.length === 0) return ids;
    for (const j of jobs) {
      if (!j) continue;
      await j.retry('failed', { resetAttemptsMade: true });
      ids.push(j.id as string);
    }
  }
}

/**
 * The queue between receivers and writers (docs/architecture.md#no-loss-chain steps 4–6): one BullMQ job per bundle,
 * holding rows ready for the store. A worker writes one job as one INSERT per table with
 * `insert_deduplication_token = jobId`, so a retried or re-run job cannot duplicate rows;
 * then it marks the job done for the replay window (see dedup.ts). Failed jobs retry with
 * exponential backoff; exhausted ones stay in the failed set: the dead letters.
 */
import { type Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { blockToHits, HIT_BLOCK_COLUMNS, hitsToBlock } from '../analytics/hit-block.js';
import type { HitRow } from '../analytics/hit-rows.js';
import { concatBlocks, type RowBlock } from '../analytics/row-block.js';
import type { ReadingColumns, ReadingRow } from '../analytics/sensors/rows.js';
import type { Store } from '../analytics/store.js';
import type { Logger } from '../contracts/log.js';
import { Coalescer, type CoalesceLimits, firstStart, groupOf } from './coalesce.js';
import { markStored } from './dedup.js';
import { bytesBesideJob } from './job-bytes.js';
import { dropStoredCopies, hasLateMessage } from './late-copies.js';
import { blockKey, doneKey, QUEUE_NAME, readingsKey } from './queue-keys.js';
import { loadReadings, readingRowsBlock, writeReadingBlock } from './reading-jobs.js';
import { StoreBackWatch } from './store-back.js';

export { blockKey, doneKey, QUEUE_NAME, readingsKey };

/** A row of the `quarantine` table. */
export interface QuarantineRow {
  ts: number;
  gateway: string;
  topic: string;
  reason: string;
  detail: string;
  raw: string;
  raw_bytes: number;
}

/** A row of the `snapshots` table (the JPEG as base64: JSONEachRow strings are not byte-safe). */
export interface SnapshotRow {
  id: string;
  gateway: string;
  ts: number;
  bytes: number;
  jpeg_base64: string;
}

export interface BundleJob {
  v: 1;
  /**
   * The bundle's hits as rows. On the queue it is empty when `hitBlock` carries them; the worker
   * fills it in from the block only for an `onStored` listener.
   */
  hits: HitRow[];
  /**
   * The hits pre-encoded once by the receiver (analytics/hit-block.ts, JSONCompactEachRow in
   * HIT_BLOCK_COLUMNS order) inside the job: jobs queued before `hitBlockKey` (still accepted).
   */
  hitBlock?: string;
  /**
   * The hits block is not in the job's JSON but beside it, as bytes, at `blockKey(prefix, jobId)`:
   * the receiver writes it before adding the job, the worker reads it as a Buffer and hands it to
   * the store as is, and deletes it with the done marker (docs/ingest.md#store-path). Inside the
   * job it was escaped into BullMQ's JSON, measured, and decoded again: a third of the receiver
   * and worker CPU in bench:ingest.
   */
  hitBlockKey?: true;
  /** Hits in the block (`hitBlock` or `hitBlockKey`). */
  hitCount?: number;
  snapshots: SnapshotRow[];
  quarantine: QuarantineRow[];
  /** Sensor readings (docs/iot.md) as columns in the job: jobs queued before `readingBlockKey` (still accepted). */
  readingCols?: ReadingColumns;
  /**
   * The readings block is beside the job, as bytes, at `readingsKey(prefix, jobId)` (like
   * `hitBlockKey`; ingest/reading-jobs.ts); `readingCount` readings in it.
   */
  readingBlockKey?: true;
  readingCount?: number;
  /** The same readings decoded: jobs queued before `readingBlockKey` (the worker decodes `readingCols`; never queued). */
  readings?: ReadingRow[];
  /** The readings block read beside the job (the worker sets it before writing; never queued). */
  readingBlock?: RowBlock;
  /** Replay-window keys of the messages in this job (for the record; acks are already sent). */
  keys: string[];
  /** When the oldest message of the bundle arrived, epoch ms. */
  firstMs: number;
}

export function queueOptions(prefix: string) {
  return { prefix };
}

export interface WorkerOptions {
  connection: Redis;
  prefix: string;
  store: Store;
  concurrency: number;
  /** How long the done marker lives: the replay window, ms. */
  doneTtlMs: number;
  log: Logger;
  onStored?: (job: BundleJob, jobId: string) => void;
  /**
   * Called after the INSERT and before the job completes, with the stored hits block: the
   * durable hand-off to the alert engine (analytics/stored-feed.ts). A rejection fails the job,
   * which is retried (the INSERT is deduplicated by its token).
   */
  afterInsert?: (hits: RowBlock, jobId: string) => Promise<void>;
  /** Counts of what a job wrote (metrics), without decoding its hits. */
  onWritten?: (hits: number, snapshots: number) => void;
  derive?: Deriver;
  /**
   * Several held jobs stored by one INSERT (ingest/coalesce.ts); absent or `maxRows` 0: one
   * INSERT per job, as before (a job an earlier run put in a group is still stored with it).
   */
  coalesce?: CoalesceLimits & {
    /** Jobs held at once while coalescing (at least `concurrency`). */
    jobs: number;
  };
  onFailed?: (jobId: string, exhausted: boolean, err: Error) => void;
}

/**
 * The job's hits as one block: the receiver's block (`bytes` read from its key, or the one in
 * the job), or its rows encoded; then `extra` rows.
 */
export function jobHitBlock(job: BundleJob, extra: readonly HitRow[] = [], bytes?: Buffer): RowBlock {
  const own: RowBlock =
    bytes !== undefined
      ? { columns: HIT_BLOCK_COLUMNS, data: bytes, rows: job.hitCount ?? 0 }
      : job.hitBlock
        ? { columns: HIT_BLOCK_COLUMNS, data: job.hitBlock, rows: job.hitCount ?? 0 }
        : hitsToBlock(job.hits);
  return extra.length ? concatBlocks(own, hitsToBlock(extra)) : own;
}

/** Hits in a job, whichever way it carries them. */
export function jobHitCount(job: BundleJob): number {
  return job.hitBlock || job.hitBlockKey ? (job.hitCount ?? 0) : job.hits.length;
}

/**
 * The job's hits block bytes from its key (undefined when the job carries its hits itself), or
 * `null` when the key is gone because an earlier run of this job stored it and set its done
 * marker (its completion was lost): nothing left to do. A missing block without a marker throws.
 */
export async function readBlock(
  o: WorkerOptions,
  job: BundleJob,
  id: string,
): Promise<Buffer | null | undefined> {
  if (!job.hitBlockKey) return undefined;
  return bytesBesideJob(o.connection, o.prefix, blockKey(o.prefix, id), id, 'hits');
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

/** The job's hits (as a block), snapshots and quarantine rows. */
export async function writeHits(store: Store, job: BundleJob, jobId: string, hits: RowBlock): Promise<void> {
  // The views fed by `hits` (plates, stats, appearances) must drop a retried block too, or a
  // retry double-counts (docs/architecture.md#no-loss-chain step 6; analytics/migrations/004_stats.sql).
  await store.insertBlock('hits', hits, {
    dedupToken: jobId,
    settings: { deduplicate_blocks_in_dependent_materialized_views: 1 },
  });
  await store.insert('snapshots', job.snapshots, { dedupToken: jobId });
  await store.insert('quarantine', job.quarantine, { dedupToken: jobId });
}

/**
 * The readings INSERT and the rules (their Redis round trip, ingest/sensor-rules.ts) at once:
 * the readings do not depend on the rows the rules derive. Both settle before either failure
 * is thrown (a retry writes everything again under the same tokens).
 */
async function readingsAndDerived(
  o: WorkerOptions,
  job: BundleJob,
  id: string,
  readings: RowBlock | undefined,
): Promise<HitRow[]> {
  const [stored, derived] = await Promise.allSettled([
    writeReadingBlock(o.store, readings, id),
    Promise.resolve(o.derive?.rows(job, id) ?? []),
  ]);
  if (stored.status === 'rejected') throw stored.reason;
  if (derived.status === 'rejected') throw derived.reason;
  return derived.value;
}

/**
 * Rows a worker derives from a job before writing it (the sensor rules' events,
 * ingest/sensor-rules.ts), stored in the same INSERT as the job's hits. `rows` must return the
 * same rows when a job is retried (it keeps them by job id until `done`).
 */
export interface Deriver {
  rows(job: BundleJob, jobId: string): HitRow[] | Promise<HitRow[]>;
  done(jobId: string): void;
}

/**
 * The stored job for an `onStored` listener: `hits` is decoded from the block when first read
 * (a listener that only counts, `hitCount`, does not pay for it).
 */
export function storedJob(job: BundleJob, block: RowBlock, derived: readonly HitRow[]): BundleJob {
  const blockBorne = job.hitBlock !== undefined || job.hitBlockKey === true;
  let rows: HitRow[] | undefined;
  const out: BundleJob = { ...job, hitCount: block.rows };
  Object.defineProperty(out, 'hits', {
    enumerable: true,
    get: () => {
      rows ??= blockBorne ? blockToHits(block) : [...job.hits, ...derived];
      return rows;
    },
  });
  return out;
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

/**
 * A job carrying a message older than half the replay window may hold copies the store already
 * has under another job's token (ingest/late-copies.ts): they are dropped before the INSERT.
 */
export async function withoutLateCopies(
  o: WorkerOptions,
  job: Job<BundleJob>,
  block: RowBlock,
): Promise<{ data: BundleJob; block: RowBlock }> {
  if (!hasLateMessage(job.data.keys, Date.now(), o.doneTtlMs)) return { data: job.data, block };
  const f = await dropStoredCopies(o.store, block, job.data.snapshots, job.timestamp);
  if (f.dropped > 0)
    o.log.info({ jobId: job.id, dropped: f.dropped }, 'dropped copies stored before the replay window');
  return { data: { ...job.data, snapshots: f.snapshots }, block: f.hits };
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
    const derived = await readingsAndDerived(o, job.data, id, readings);
    const { data, block } = await withoutLateCopies(o, job, jobHitBlock(job.data, derived, bytes));
    await writeHits(o.store, data, id, block);
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
      const [bytes, group] = await Promise.all([readBlock(o, job.data, id), groupOf(o, id)]);
      if (bytes === null) return;
      const readings = await loadReadings(o.connection, o.prefix, job.data, id);
      if (readings === null) return;
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

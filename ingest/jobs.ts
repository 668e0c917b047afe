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
import { decodeReadings, type ReadingColumns, type ReadingRow } from '../analytics/sensors/rows.js';
import type { Store } from '../analytics/store.js';
import type { Logger } from '../contracts/log.js';

/**
 * The queue's name carries a hash tag: every key of the queue, and the replay-window keys checked
 * with it, hash to one Redis Cluster slot (docs/architecture.md#redis-high-availability).
 */
export const QUEUE_NAME = '{hits}';

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
  hits: HitRow[];
  snapshots: SnapshotRow[];
  quarantine: QuarantineRow[];
  /** Sensor readings (docs/iot.md) as they travel in the queue; absent when the bundle held none. */
  readingCols?: ReadingColumns;
  /** The same readings decoded (the worker fills this in before writing; never queued). */
  readings?: ReadingRow[];
  /** Replay-window keys of the messages in this job (for the record; acks are already sent). */
  keys: string[];
  /** When the oldest message of the bundle arrived, epoch ms. */
  firstMs: number;
}

export function queueOptions(prefix: string) {
  return { prefix };
}

export function doneKey(prefix: string, jobId: string): string {
  return `${prefix}:${QUEUE_NAME}:done:${jobId}`;
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
  derive?: Deriver;
  onFailed?: (jobId: string, exhausted: boolean, err: Error) => void;
}

/** Writes one job: one INSERT per non-empty table, each with the job id as dedup token. */
export async function writeJob(store: Store, job: BundleJob, jobId: string): Promise<void> {
  await writeHits(store, job, jobId);
  await writeReadings(store, job, jobId);
}

/** The job's hits, snapshots and quarantine rows. */
async function writeHits(store: Store, job: BundleJob, jobId: string): Promise<void> {
  // The views fed by `hits` (plates, stats, appearances) must drop a retried block too, or a
  // retry double-counts (docs/architecture.md#no-loss-chain step 6; analytics/migrations/004_stats.sql).
  await store.insert('hits', job.hits, {
    dedupToken: jobId,
    settings: { deduplicate_blocks_in_dependent_materialized_views: 1 },
  });
  await store.insert('snapshots', job.snapshots, { dedupToken: jobId });
  await store.insert('quarantine', job.quarantine, { dedupToken: jobId });
}

/** The job's sensor readings. */
async function writeReadings(store: Store, job: BundleJob, jobId: string): Promise<void> {
  // Readings feed the 1-minute and 1-hour rollups (analytics/migrations/020_sensor_readings.sql).
  if (job.readings?.length)
    await store.insert('sensor_readings', job.readings, {
      dedupToken: jobId,
      settings: { deduplicate_blocks_in_dependent_materialized_views: 1 },
    });
}

/**
 * The readings INSERT and the rules (their Redis round trip, ingest/sensor-rules.ts) at once:
 * the readings do not depend on the rows the rules derive. Both settle before either failure
 * is thrown (a retry writes everything again under the same tokens).
 */
async function readingsAndDerived(o: WorkerOptions, job: BundleJob, id: string): Promise<HitRow[]> {
  const [stored, derived] = await Promise.allSettled([
    writeReadings(o.store, job, id),
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

export function startWorker(o: WorkerOptions): Worker<BundleJob> {
  const w = new Worker<BundleJob>(
    QUEUE_NAME,
    async (job: Job<BundleJob>) => {
      const id = job.id as string;
      if (job.data.readingCols) job.data.readings = decodeReadings(job.data.readingCols);
      const derived = await readingsAndDerived(o, job.data, id);
      const data = derived.length ? { ...job.data, hits: [...job.data.hits, ...derived] } : job.data;
      await writeHits(o.store, data, id);
      o.derive?.done(id);
      // Before the job completes (and is removed): a resend of its messages must still find
      // it, as the job or as this marker, or it would be queued again under another token.
      await o.connection.set(doneKey(o.prefix, id), '1', 'PX', o.doneTtlMs);
      o.onStored?.(data, id);
    },
    {
      connection: o.connection,
      prefix: o.prefix,
      concurrency: o.concurrency,
      // A crashed worker's job is taken over after this; the dedup token makes the re-run safe.
      lockDuration: 10_000,
      stalledInterval: 5_000,
      maxStalledCount: 1_000,
      autorun: true,
    },
  );
  w.on('failed', (job, err) => {
    if (!job) return;
    const exhausted = job.attemptsMade >= (job.opts.attempts ?? 1);
    o.onFailed?.(job.id as string, exhausted, err);
    if (exhausted)
      o.log.error({ jobId: job.id, err: err.message }, 'job exhausted its attempts: dead letter');
    else o.log.warn({ jobId: job.id, attempt: job.attemptsMade, err: err.message }, 'job failed; will retry');
  });
  w.on('error', (err) => o.log.warn({ err: err.message }, 'worker error'));
  return w;
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
      hits: j.data.hits.length,
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

/**
 * What a queue job carries and what a worker does with one job's rows (ingest/jobs.ts runs the
 * worker; ingest/coalesce.ts stores several jobs by one INSERT): the job's shape, the worker's
 * options, its hits block, the hits INSERT, late copies dropped, the stored job for listeners.
 */
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { blockToHits, HIT_BLOCK_COLUMNS, HIT_BLOCK_TABLE, hitsToBlock } from '../analytics/hit-block.js';
import type { HitRow } from '../analytics/hit-rows.js';
import { concatBlocks, type RowBlock } from '../analytics/row-block.js';
import type { ReadingColumns, ReadingRow } from '../analytics/sensors/rows.js';
import type { Store } from '../analytics/store.js';
import type { Logger } from '../contracts/log.js';
import { bytesBesideJob } from './job-bytes.js';
import { dropStoredCopies, hasLateMessage } from './late-copies.js';
import { blockKey } from './queue-keys.js';
import type { StageTrace } from './stage-trace.js';

/** Limits of a group of jobs stored by one INSERT (ingest/coalesce.ts). */
export interface CoalesceLimits {
  /** Most rows (hits, readings, snapshots, quarantine) in one group; 0: every job alone. */
  maxRows: number;
  /** Most block bytes (hits and readings) in one group. */
  maxBytes: number;
}

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
  /**
   * The table the job's hits are INSERTed into: HIT_BLOCK_TABLE (`hits_intake`, whose view
   * writes `hits`) for jobs queued since it exists; absent, `hits` itself (jobs queued before).
   * A retried INSERT is deduplicated only through the table the first one went to, so a job
   * keeps its table across re-runs and upgrades.
   */
  hitsVia?: typeof HIT_BLOCK_TABLE;
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
  /** Stage timestamps (bench:ingest's latency breakdown; ingest/stage-trace.ts). */
  trace?: StageTrace;
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

/** The job's hits (as a block), snapshots and quarantine rows. */
export async function writeHits(store: Store, job: BundleJob, jobId: string, hits: RowBlock): Promise<void> {
  // The views fed by `hits` (plates, stats, appearances) must drop a retried block too, or a
  // retry double-counts (docs/architecture.md#no-loss-chain step 6; analytics/migrations/004_stats.sql).
  await store.insertBlock(job.hitsVia === HIT_BLOCK_TABLE ? HIT_BLOCK_TABLE : 'hits', hits, {
    dedupToken: jobId,
    settings: { deduplicate_blocks_in_dependent_materialized_views: 1 },
  });
  await store.insert('snapshots', job.snapshots, { dedupToken: jobId });
  await store.insert('quarantine', job.quarantine, { dedupToken: jobId });
}

/**
 * Rows a worker derives from a job before writing it (the sensor rules' events,
 * ingest/sensor-rules.ts), stored in the same INSERT as the job's hits. `rows` must return the
 * same rows when a job is retried (it keeps them by job id until `done`).
 */
export interface Deriver {
  /**
   * `firstRun`: the job was never started before (coalesce.ts firstStart), so no earlier run
   * can have kept rows for it: they need not be looked up.
   */
  rows(job: BundleJob, jobId: string, firstRun?: boolean): HitRow[] | Promise<HitRow[]>;
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

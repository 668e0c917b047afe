/**
 * A job's sensor readings on the block path (docs/iot.md, docs/ingest.md#store-path): the
 * bundler encodes them once into a block (analytics/sensors/reading-block.ts) and writes its
 * bytes beside the job (`readingsKey`) before adding the job; the worker reads the bytes and
 * hands them to the store as is, under the job id as dedup token. The rules read, from the same
 * bytes, only the lines of the sensors that have rules (ingest/sensor-rules.ts).
 */
import type { Redis } from 'ioredis';
import { READING_BLOCK_COLUMNS, readingsToBlock } from '../analytics/sensors/reading-block.js';
import { decodeReadings, type ReadingColumns, type ReadingRow } from '../analytics/sensors/rows.js';
import type { RowBlock } from '../analytics/row-block.js';
import type { Store } from '../analytics/store.js';
import { bytesBesideJob } from './job-bytes.js';
import { readingsKey } from './queue-keys.js';

/** The readings fields of a queue job (ingest/jobs.ts BundleJob). */
export interface ReadingsJob {
  readingBlockKey?: true;
  readingCount?: number;
  readingCols?: ReadingColumns;
  readings?: ReadingRow[];
  /** The readings block read beside the job (the worker sets it; never queued). */
  readingBlock?: RowBlock;
}

/**
 * The job's readings block, also set on `job.readingBlock` for the rules: from its key, or from
 * the columns of a job queued before the block path (those set `job.readings` too). `null` when the key is gone because
 * an earlier run stored the job and set its done marker (nothing left to do); a missing block
 * without the marker throws. `undefined` when the job has no readings.
 */
export async function loadReadings(
  redis: Redis,
  prefix: string,
  job: ReadingsJob,
  id: string,
): Promise<RowBlock | null | undefined> {
  if (job.readingBlockKey) {
    const bytes = await bytesBesideJob(redis, prefix, readingsKey(prefix, id), id, 'readings');
    if (!bytes) return null;
    const block: RowBlock = { columns: READING_BLOCK_COLUMNS, data: bytes, rows: job.readingCount ?? 0 };
    job.readingBlock = block;
    return block;
  }
  if (job.readingCols) job.readings = decodeReadings(job.readingCols);
  return job.readings?.length ? readingsToBlock(job.readings) : undefined;
}

/** The readings block into `sensor_readings` (and its rollups), the job id as dedup token. */
export async function writeReadingBlock(
  store: Store,
  block: RowBlock | undefined,
  jobId: string,
): Promise<void> {
  // Readings feed the 1-minute and 1-hour rollups (analytics/migrations/020_sensor_readings.sql):
  // a retried block must not count twice in them either.
  if (block && block.rows > 0)
    await store.insertBlock('sensor_readings', block, {
      dedupToken: jobId,
      settings: { deduplicate_blocks_in_dependent_materialized_views: 1 },
    });
}

/** The job's readings as rows (for `writeJob` callers holding rows, not a block). */
export function readingRowsBlock(rows: readonly ReadingRow[] | undefined): RowBlock | undefined {
  return rows?.length ? readingsToBlock(rows) : undefined;
}

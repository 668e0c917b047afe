/**
 * `hits` rows as a row block (analytics/row-block.ts): the receiver encodes a bundle's hits
 * once, the queue carries the block as one string, the worker hands it to the store as is.
 * Pure.
 */
import type { HitRow } from './hit-rows.js';
import { decodeBlock, encodeBlock, type RowBlock } from './row-block.js';

/** The `hits` columns a block carries, in order (analytics/migrations/001_hits.sql, 013, 014, 030). */
export const HIT_BLOCK_COLUMNS = [
  'id',
  'ts',
  'gateway',
  'camera',
  'grid',
  'org_path',
  'kind',
  'type',
  'label',
  'score',
  'box',
  'track',
  'zone',
  'rule',
  'duration_ms',
  'color',
  'upper_color',
  'lower_color',
  'color2',
  'upper_color2',
  'lower_color2',
  'vehicle_type',
  'plate',
  'plate_score',
  'direction',
  'appearance',
  'snapshot',
  'snapshot_crop',
  'frame',
  'model',
] as const;

/**
 * The table ingest INSERTs hits blocks into (analytics/migrations/032_hits_intake.sql): a Null
 * table of HIT_BLOCK_COLUMNS as plain strings whose view writes each block into `hits`. The
 * store parses a LowCardinality column value by value; as String, converted a column at a time,
 * the block costs less (docs/ingest.md#store-path). Jobs say whether they use it (`hitsVia`,
 * ingest/job-data.ts): a retry must come through the same table to be deduplicated.
 */
export const HIT_BLOCK_TABLE = 'hits_intake';

function values(r: HitRow): unknown[] {
  return [
    r.id,
    r.ts,
    r.gateway,
    r.camera,
    r.grid,
    r.org_path,
    r.kind,
    r.type,
    r.label,
    r.score,
    r.box,
    r.track,
    r.zone,
    r.rule,
    r.duration_ms,
    r.color,
    r.upper_color,
    r.lower_color,
    r.color2 ?? '',
    r.upper_color2 ?? '',
    r.lower_color2 ?? '',
    r.vehicle_type,
    r.plate,
    r.plate_score,
    r.direction,
    r.appearance,
    r.snapshot,
    r.snapshot_crop,
    r.frame,
    r.model,
  ];
}

export function hitsToBlock(rows: readonly HitRow[]): RowBlock {
  return encodeBlock(HIT_BLOCK_COLUMNS, rows.map(values));
}

/** The rows of a hits block (for the alert engine and other readers of stored batches). */
export function blockToHits(b: Pick<RowBlock, 'data'>): HitRow[] {
  return decodeBlock(b).map((v) => {
    const r: Record<string, unknown> = {};
    for (let i = 0; i < HIT_BLOCK_COLUMNS.length; i++) r[HIT_BLOCK_COLUMNS[i]!] = v[i];
    return r as unknown as HitRow;
  });
}

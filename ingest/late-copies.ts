/**
 * Copies that arrive after the replay window (docs/ingest.md#replay-window). A gateway that
 * stored a message, lost its ack and stayed offline longer than `replayWindowMs` resends a
 * message whose claim has expired: it is claimed afresh and queued under a new job id, so the
 * store's dedup token (the job id) does not recognise it. The worker therefore checks the
 * store itself, by id, for the rows of any job that carries an old message, and drops the rows
 * it already holds. Only old messages pay for the lookup: a job is checked when one of its
 * messages was made (its ULID time, set by the gateway) more than half a window ago, which
 * leaves half a window for clock skew between gateway and centre.
 */
import { decodeTime } from 'ulid';
import { HIT_BLOCK_COLUMNS } from '../analytics/hit-block.js';
import { decodeBlock, encodeBlock, type RowBlock } from '../analytics/row-block.js';
import type { Store } from '../analytics/store.js';

/** Time a replay key's id was made (`m:gw:msgId`, `s:gw:snapId`), or undefined (`q:` digests). */
function keyTime(key: string): number | undefined {
  if (!key.startsWith('m:') && !key.startsWith('s:')) return undefined;
  try {
    return decodeTime(key.slice(key.lastIndexOf(':') + 1));
  } catch {
    return undefined;
  }
}

/** True when one of the job's messages is old enough that its claim may have expired. */
export function hasLateMessage(keys: readonly string[], nowMs: number, windowMs: number): boolean {
  const cutoff = nowMs - windowMs / 2;
  for (const k of keys) {
    const t = keyTime(k);
    if (t !== undefined && t < cutoff) return true;
  }
  return false;
}

/**
 * Ids among `rows` (id, ts ms) that `table` held before `beforeMs`. Rows an earlier attempt of
 * the same job stored (ingested after the job was made) are not counted: a retry must build the
 * same block again so that its dedup token, and the stored feed's once-per-job append, hold.
 */
async function storedIds(
  store: Store,
  table: 'hits' | 'snapshots',
  rows: readonly { id: string; ts: number }[],
  beforeMs: number,
): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const r of rows) {
    lo = Math.min(lo, r.ts);
    hi = Math.max(hi, r.ts);
  }
  // The ts bounds prune partitions (by day) and, for hits, the time-first key; the bloom
  // filter on id (analytics/migrations/001_hits.sql) skips granules that cannot hold the ids.
  const found = await store.query<{ id: string }>(
    `SELECT DISTINCT id FROM ${table}
      WHERE ts >= fromUnixTimestamp64Milli({lo:Int64}) AND ts <= fromUnixTimestamp64Milli({hi:Int64})
        AND id IN {ids:Array(String)}
        AND ingested_at < fromUnixTimestamp64Milli({before:Int64})`,
    { lo, hi, before: beforeMs, ids: rows.map((r) => r.id) },
  );
  return new Set(found.map((r) => r.id));
}

export interface LateFiltered<S> {
  hits: RowBlock;
  snapshots: S[];
  /** Rows dropped because the store held them already. */
  dropped: number;
}

/** Drops the hits (a HIT_BLOCK_COLUMNS block) and snapshots stored before the job was made. */
export async function dropStoredCopies<S extends { id: string; ts: number }>(
  store: Store,
  hits: RowBlock,
  snapshots: readonly S[],
  jobMadeMs: number,
): Promise<LateFiltered<S>> {
  const rows = decodeBlock(hits);
  const keyed = rows.map((r) => ({ id: String(r[0]), ts: Number(r[1]) }));
  const [hitIds, snapIds] = await Promise.all([
    storedIds(store, 'hits', keyed, jobMadeMs),
    storedIds(store, 'snapshots', snapshots, jobMadeMs),
  ]);
  const keptRows = hitIds.size ? rows.filter((r) => !hitIds.has(String(r[0]))) : rows;
  const keptSnaps = snapIds.size ? snapshots.filter((s) => !snapIds.has(s.id)) : [...snapshots];
  return {
    hits: hitIds.size ? encodeBlock(HIT_BLOCK_COLUMNS, keptRows) : hits,
    snapshots: keptSnaps,
    dropped: rows.length - keptRows.length + snapshots.length - keptSnaps.length,
  };
}

/**
 * Snapshots for unknown hits (docs/architecture.md#no-loss-chain step 4): a snapshot that no hit names within the grace period
 * is moved to the quarantine table (reason INGEST_ORPHAN_SNAPSHOT). Hits may arrive after
 * their snapshot (the edge publishes the crop first), hence the grace period. The sweep works
 * on time slices of `sliceMs`, each claimed once in Redis so several workers share the work.
 */
import type { Redis } from 'ioredis';
import { sql } from '../analytics/sql.js';
import type { Store } from '../analytics/store.js';

export interface OrphanSweepOptions {
  store: Store;
  redis: Redis;
  /** Redis key prefix (config.redis.prefix). */
  prefix: string;
  graceMs: number;
  sliceMs: number;
}

/** The slice a sweep at `nowMs` handles: the last whole slice that ended `graceMs` ago. */
export function orphanSlice(
  nowMs: number,
  graceMs: number,
  sliceMs: number,
): { fromMs: number; toMs: number } {
  const toMs = Math.floor((nowMs - graceMs) / sliceMs) * sliceMs;
  return { fromMs: toMs - sliceMs, toMs };
}

/** Quarantines and deletes the orphans of one slice; returns false when another worker had claimed it. */
export async function sweepOrphanSnapshots(o: OrphanSweepOptions, nowMs: number): Promise<boolean> {
  const { fromMs, toMs } = orphanSlice(nowMs, o.graceMs, o.sliceMs);
  const claimed = await o.redis.set(
    `${o.prefix}:orphans:${fromMs}`,
    String(nowMs),
    'PX',
    7 * 86_400_000,
    'NX',
  );
  if (claimed !== 'OK') return false;
  const params = { from: fromMs, to: toMs, hitsTo: nowMs };
  await o.store.command(sql('orphan_snapshots_quarantine'), params);
  await o.store.command(sql('orphan_snapshots_delete'), params);
  return true;
}

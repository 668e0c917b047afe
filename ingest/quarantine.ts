/** Reading the `quarantine` table (what ingest refused), for the API and tools. */
import { sql } from '../analytics/sql.js';
import type { Store } from '../analytics/store.js';

export interface QuarantineItem {
  tsMs: number;
  gateway: string;
  topic: string;
  reason: string;
  detail: string;
  raw: string;
  rawBytes: number;
}

export async function listQuarantine(
  store: Store,
  f: { fromMs: number; toMs: number; gateway?: string; reason?: string; limit: number },
): Promise<QuarantineItem[]> {
  const rows = await store.query<Record<string, string | number>>(sql('quarantine_list'), {
    from: f.fromMs,
    to: f.toMs,
    gateway: f.gateway ?? '',
    reason: f.reason ?? '',
    limit: f.limit,
  });
  return rows.map((r) => ({
    tsMs: Number(r.ts_ms),
    gateway: String(r.gateway),
    topic: String(r.topic),
    reason: String(r.reason),
    detail: String(r.detail),
    raw: String(r.raw),
    rawBytes: Number(r.raw_bytes),
  }));
}

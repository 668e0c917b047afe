/**
 * The API's reads of hits, snapshots, statistics, appearance neighbours and the audit trail, one
 * function per named SQL file (analytics/sql/): routes call these and never write SQL. The
 * `hits_search` parameter block is spelled out once, in `searchHits`.
 */
import type { StoredRow } from './hit-rows.js';
import { sql } from './sql.js';
import type { Store } from './store.js';

const DAY_MS = 86_400_000;
/** Upper bound of `ts` when an id carries no time (2100-01-01). */
const NO_TIME_TO_MS = 4_102_444_800_000;

/** ULID → its time part in ms, or undefined (Crockford base32, 10 characters). */
export function ulidTimeMs(id: string): number | undefined {
  if (!/^[0-9A-HJKMNP-TV-Z]{26}$/i.test(id)) return undefined;
  const A = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  let t = 0;
  for (const ch of id.slice(0, 10).toUpperCase()) t = t * 32 + A.indexOf(ch);
  return t <= 2 ** 48 ? t : undefined;
}

export interface HitSearch {
  fromMs: number;
  toMs: number;
  /** The caller's org ids (empty: the whole city) and their districts (prune the key). */
  scope: readonly string[];
  districts: readonly string[];
  org?: string;
  cameras?: readonly string[];
  kind?: string;
  type?: string;
  label?: string;
  zone?: string;
  color?: string;
  upper?: string;
  lower?: string;
  /** Keyset cursor: rows strictly below (cursorTs, cursorId). */
  cursorTs?: number;
  cursorId?: string;
  limit: number;
}

/** Hits newest first (`hits_search`); an absent filter matches anything. */
export function searchHits(store: Store, s: HitSearch): Promise<StoredRow[]> {
  return store.query<StoredRow>(sql('hits_search'), {
    from: s.fromMs,
    to: s.toMs,
    scope: [...s.scope],
    districts: [...s.districts],
    org: s.org ?? '',
    cameras: [...(s.cameras ?? [])],
    kind: s.kind ?? '',
    type: s.type ?? '',
    label: s.label ?? '',
    zone: s.zone ?? '',
    color: s.color ?? '',
    upper: s.upper ?? '',
    lower: s.lower ?? '',
    cursorTs: s.cursorTs ?? 0,
    cursorId: s.cursorId ?? '',
    limit: s.limit,
  });
}

/** One hit in scope by id; its ULID time bounds the scan (an id is made after the hit was seen). */
export async function hitById(
  store: Store,
  id: string,
  scope: readonly string[],
): Promise<StoredRow | undefined> {
  const t = ulidTimeMs(id);
  const [row] = await store.query<StoredRow>(sql('hit_by_id'), {
    id,
    from: t === undefined ? 0 : Math.max(0, t - 2 * DAY_MS),
    to: t === undefined ? NO_TIME_TO_MS : t + 3_600_000,
    scope: [...scope],
  });
  return row;
}

/** A snapshot's JPEG (base64) if a hit in scope names it. */
export async function snapshotById(
  store: Store,
  id: string,
  scope: readonly string[],
): Promise<{ jpeg_base64: string } | undefined> {
  const t = ulidTimeMs(id);
  const [row] = await store.query<{ jpeg_base64: string }>(sql('snapshot_by_id'), {
    id,
    from: t === undefined ? 0 : Math.max(0, t - 2 * DAY_MS),
    to: t === undefined ? NO_TIME_TO_MS : t + 2 * DAY_MS,
    scope: [...scope],
  });
  return row;
}

export interface StatsQuery {
  fromMs: number;
  toMs: number;
  scope: readonly string[];
  districts: readonly string[];
  org: string;
  cameras: readonly string[];
  type: string;
  bucket: 'hour' | 'day';
  tz: string;
  by: string;
  /** Depth of the org path whose element keys a row when `by` is org. */
  level: number;
}

export function statsCounts(
  store: Store,
  q: StatsQuery,
): Promise<Array<{ t_ms: string; key: string; n: string }>> {
  return store.query(sql('stats_counts'), {
    from: q.fromMs,
    to: q.toMs,
    scope: [...q.scope],
    districts: [...q.districts],
    org: q.org,
    cameras: [...q.cameras],
    type: q.type,
    bucket: q.bucket,
    tz: q.tz,
    by: q.by,
    level: q.level,
  });
}

export interface SimilarQuery {
  vec: readonly number[];
  fromMs: number;
  toMs: number;
  scope: readonly string[];
  districts: readonly string[];
  cameras: readonly string[];
  upperBins: readonly number[];
  lowerBins: readonly number[];
  excludeId: string;
  limit: number;
}

export interface SimilarRow {
  id: string;
  ts_ms: string;
  camera: string;
  upper_color: string;
  lower_color: string;
  distance: number;
}

export function similarAppearance(store: Store, q: SimilarQuery): Promise<SimilarRow[]> {
  return store.query<SimilarRow>(sql('appearance_similar'), {
    vec: [...q.vec],
    from: q.fromMs,
    to: q.toMs,
    scope: [...q.scope],
    districts: [...q.districts],
    cameras: [...q.cameras],
    upperBins: [...q.upperBins],
    lowerBins: [...q.lowerBins],
    excludeId: q.excludeId,
    limit: q.limit,
  });
}

export function auditRows(
  store: Store,
  q: { fromMs: number; toMs: number; keyId: string; caseId: string; limit: number },
): Promise<Array<Record<string, string>>> {
  return store.query<Record<string, string>>(sql('audit_list'), {
    from: q.fromMs,
    to: q.toMs,
    keyId: q.keyId,
    caseId: q.caseId,
    limit: q.limit,
  });
}

/** A case's audit rows (the excerpt an evidence export carries). */
export function auditOfCase(
  store: Store,
  caseId: string,
  limit: number,
): Promise<Array<Record<string, unknown>>> {
  return store.query<Record<string, unknown>>(sql('audit_case'), { caseId, limit });
}

/** The newest reading per sensor and metric since `sinceMs` (GET /sensors). */
export function sensorLast(
  store: Store,
  sensors: readonly string[],
  sinceMs: number,
): Promise<Array<{ sensor: string; metric: string; unit: string; value: number; ts_ms: string }>> {
  return store.query(sql('sensor_last'), { sensors: [...sensors], since: sinceMs });
}

export interface SeriesRow {
  metric: string;
  unit: string;
  t_ms: string;
  readings: string;
  v_min: number;
  v_max: number;
  v_avg: number;
  v_last: number;
}

/** A sensor's rollup series, per minute or per hour (GET /sensors/:id/series). */
export function sensorSeries(
  store: Store,
  q: { sensor: string; metric: string; fromMs: number; toMs: number; minute: boolean },
): Promise<SeriesRow[]> {
  return store.query<SeriesRow>(sql('sensor_series'), {
    sensors: [q.sensor],
    metric: q.metric,
    from: q.fromMs,
    to: q.toMs,
    minute: q.minute ? 1 : 0,
  });
}

/** Whether the store answers (GET /healthz). */
export async function storeAnswers(store: Pick<Store, 'query'>): Promise<boolean> {
  try {
    await store.query('SELECT 1');
    return true;
  } catch {
    return false;
  }
}

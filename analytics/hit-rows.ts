/**
 * Hit (contract v1) ↔ `hits` row. Pure. The row carries the camera's grid and org path
 * (resolved from city.yaml at ingest) so jurisdiction filters are a column test.
 */
import type { Hit, HitAttrs } from '../contracts/hit.js';
import type { Placement } from '../contracts/org-tree.js';

export type { Placement };

export interface HitRow {
  id: string;
  ts: number;
  gateway: string;
  camera: string;
  grid: string;
  org_path: readonly string[];
  kind: string;
  type: string;
  label: string;
  score: number;
  box: readonly number[];
  track: number;
  zone: string;
  rule: string;
  duration_ms: number;
  color: string;
  upper_color: string;
  lower_color: string;
  /** Second candidate colours ('' when none; absent in rows written before migration 030). */
  color2?: string;
  upper_color2?: string;
  lower_color2?: string;
  vehicle_type: string;
  plate: string;
  plate_score: number;
  direction: string;
  appearance: string;
  snapshot: string;
  snapshot_crop: readonly number[];
  frame: string;
  model: string;
}

export function hitToRow(h: Hit, place: Placement | undefined): HitRow {
  const a: HitAttrs = h.attrs ?? {};
  return {
    id: h.id,
    ts: h.tsMs,
    gateway: h.gateway,
    camera: h.camera,
    grid: place?.grid ?? '',
    org_path: place?.orgPath ?? [],
    kind: h.kind,
    type: h.type,
    label: h.label,
    score: h.score,
    box: h.box,
    track: h.track ?? 0,
    zone: h.zone ?? '',
    rule: h.rule ?? '',
    duration_ms: h.durationMs ?? 0,
    color: a.color ?? '',
    upper_color: a.upperColor ?? '',
    lower_color: a.lowerColor ?? '',
    color2: a.color2 ?? '',
    upper_color2: a.upperColor2 ?? '',
    lower_color2: a.lowerColor2 ?? '',
    vehicle_type: a.vehicleType ?? '',
    plate: a.plate ?? '',
    plate_score: a.plateScore ?? 0,
    direction: a.direction ?? '',
    appearance: h.appearance ?? '',
    snapshot: h.snapshot ?? '',
    snapshot_crop: h.snapshotCrop ?? [],
    frame: h.frame ?? '',
    model: h.model ?? '',
  };
}

/** The columns a query selects to rebuild hits (ts as epoch ms in `ts_ms`: an alias `ts` would shadow the column in WHERE). */
export const HIT_COLUMNS = `id, toUnixTimestamp64Milli(ts) AS ts_ms, gateway, camera, kind, type, label, score, box, track, zone, rule,
  duration_ms, color, upper_color, lower_color, color2, upper_color2, lower_color2, vehicle_type, plate, plate_score, direction,
  appearance, snapshot, snapshot_crop, frame, model`;

export type StoredRow = Omit<HitRow, 'ts' | 'grid' | 'org_path'> & { ts_ms: number | string };

/** Rebuilds a contract hit from a stored row: empty columns become absent fields. */
export function rowToHit(r: StoredRow): Hit {
  const attrs: Record<string, unknown> = {};
  if (r.color) attrs.color = r.color;
  if (r.upper_color) attrs.upperColor = r.upper_color;
  if (r.lower_color) attrs.lowerColor = r.lower_color;
  if (r.color2) attrs.color2 = r.color2;
  if (r.upper_color2) attrs.upperColor2 = r.upper_color2;
  if (r.lower_color2) attrs.lowerColor2 = r.lower_color2;
  if (r.vehicle_type) attrs.vehicleType = r.vehicle_type;
  if (r.plate) {
    attrs.plate = r.plate;
    attrs.plateScore = round(Number(r.plate_score));
  }
  if (r.direction) attrs.direction = r.direction;
  const hit: Record<string, unknown> = {
    v: 1,
    id: r.id,
    tsMs: Number(r.ts_ms),
    gateway: r.gateway,
    camera: r.camera,
    kind: r.kind,
    type: r.type,
    label: r.label,
    score: round(Number(r.score)),
    box: r.box.map((x) => round(Number(x))),
    zone: r.zone || null,
    rule: r.rule || null,
  };
  if (Number(r.track)) hit.track = Number(r.track);
  if (Number(r.duration_ms)) hit.durationMs = Number(r.duration_ms);
  if (Object.keys(attrs).length) hit.attrs = attrs;
  if (r.appearance) hit.appearance = r.appearance;
  if (r.snapshot) hit.snapshot = r.snapshot;
  if (r.snapshot_crop?.length === 4) hit.snapshotCrop = r.snapshot_crop.map((x) => round(Number(x)));
  if (r.frame) hit.frame = r.frame;
  if (r.model) hit.model = r.model;
  return hit as Hit;
}

/** Float32 columns come back as e.g. 0.8799999952; six decimals is the contract's precision. */
function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/**
 * Sensor readings → `sensor_readings` rows, and sensor events → `hits` rows of kind `event`
 * whose `camera` column holds the sensor id (docs/iot.md): so search, statistics, audit and
 * tasks treat a smoke alarm like any other event. Pure.
 */
import { createHash } from 'node:crypto';
import type { SensorEvent, SensorReading } from '../../contracts/sensor.js';
import type { SensorEventType } from '../../contracts/vocabulary.js';
import type { HitRow } from '../hit-rows.js';
import type { SensorInfo } from './catalog.js';

/** A row of `sensor_readings` (analytics/migrations/020_sensor_readings.sql). */
export interface ReadingRow {
  sensor: string;
  metric: string;
  ts: number;
  value: number;
  unit: string;
  quality: string;
  kind: string;
  gateway: string;
  grid: string;
  raw_days: number;
  minute_days: number;
  hour_days: number;
}

export function readingToRow(r: SensorReading, s: SensorInfo, gateway: string): ReadingRow {
  return {
    sensor: r.sensor,
    metric: r.metric,
    ts: r.tsMs,
    value: r.value,
    unit: r.unit,
    quality: r.quality ?? 'good',
    kind: s.kind,
    gateway,
    grid: s.placement?.grid ?? '',
    raw_days: s.retention.rawDays,
    minute_days: s.retention.minuteDays,
    hour_days: s.retention.hourDays,
  };
}

export interface SensorEventSpec {
  id: string;
  sensor: SensorInfo;
  gateway: string;
  tsMs: number;
  type: SensorEventType;
  /** The rule that fired (derived events), or '' for a device alarm. */
  rule: string;
  durationMs: number;
}

/** A sensor event as a `hits` row: label = the sensor's kind, a zero box, score 1. */
export function sensorEventRow(e: SensorEventSpec): HitRow {
  return {
    id: e.id,
    ts: e.tsMs,
    gateway: e.gateway,
    camera: e.sensor.id,
    grid: e.sensor.placement?.grid ?? '',
    org_path: e.sensor.placement?.orgPath ?? [],
    kind: 'event',
    type: e.type,
    label: labelOf(e.sensor.kind),
    score: 1,
    box: [0, 0, 0, 0],
    track: 0,
    zone: '',
    rule: e.rule,
    duration_ms: Math.max(0, Math.min(7 * 86_400_000, Math.round(e.durationMs))),
    color: '',
    upper_color: '',
    lower_color: '',
    vehicle_type: '',
    plate: '',
    plate_score: 0,
    direction: '',
    appearance: '',
    snapshot: '',
    snapshot_crop: [],
    frame: '',
    model: '',
  };
}

/** The hit contract's label pattern is `^[a-z][a-z0-9_ ]*$`: kinds are ids, so map them onto it. */
export function labelOf(kind: string): string {
  const l = kind.toLowerCase().replace(/[^a-z0-9_ ]/g, '_');
  return /^[a-z]/.test(l) ? l.slice(0, 64) : `sensor_${l}`.slice(0, 64);
}

const B32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A ULID for a sensor event made from its time and what identifies it (sensor, rule or device
 * event id): the same event gets the same id when it is derived or sent again, and the API's
 * lookup by id can bound the time from the id (api/context.ts ulidTimeMs).
 */
export function sensorEventId(tsMs: number, seed: string): string {
  let t = '';
  let ms = Math.max(0, Math.floor(tsMs));
  for (let i = 0; i < 10; i++) {
    t = B32[ms % 32]! + t;
    ms = Math.floor(ms / 32);
  }
  const h = createHash('sha1').update(seed).digest();
  let r = '';
  for (let i = 0; i < 16; i++) r += B32[h[i]! & 31]!;
  return t + r;
}

/** A device alarm as a hits row; its id is derived from the device's event id (resends collapse). */
export function alarmRow(e: SensorEvent, s: SensorInfo, gateway: string): HitRow {
  return sensorEventRow({
    id: sensorEventId(e.tsMs, `alarm|${s.id}|${e.id}`),
    sensor: s,
    gateway,
    tsMs: e.tsMs,
    type: e.alarm,
    rule: '',
    durationMs: e.durationMs ?? 0,
  });
}

/**
 * Readings as jobs queued before the block path carried them (ingest/jobs.ts `readingCols`,
 * still accepted; new jobs carry a block beside the job, analytics/sensors/reading-block.ts):
 * columns of numbers and indexes into one string table, instead of an object per reading. Measured in bench:sensors (2-core box): JSON of
 * 10,000 ReadingRow objects took ~170 ms to write and as long to read on each side of Redis;
 * the columns are a fraction of the bytes and the time.
 */
export interface ReadingColumns {
  strings: string[];
  /** Per reading: indexes into `strings`. */
  sensor: number[];
  metric: number[];
  unit: number[];
  quality: number[];
  kind: number[];
  gateway: number[];
  grid: number[];
  ts: number[];
  value: number[];
  /** Per reading three numbers: raw, minute and hour retention, days. */
  days: number[];
}

export function encodeReadings(rows: readonly ReadingRow[]): ReadingColumns {
  const index = new Map<string, number>();
  const c: ReadingColumns = {
    strings: [],
    sensor: [],
    metric: [],
    unit: [],
    quality: [],
    kind: [],
    gateway: [],
    grid: [],
    ts: [],
    value: [],
    days: [],
  };
  const id = (s: string): number => {
    let k = index.get(s);
    if (k === undefined) {
      k = c.strings.length;
      c.strings.push(s);
      index.set(s, k);
    }
    return k;
  };
  for (const r of rows) {
    c.sensor.push(id(r.sensor));
    c.metric.push(id(r.metric));
    c.unit.push(id(r.unit));
    c.quality.push(id(r.quality));
    c.kind.push(id(r.kind));
    c.gateway.push(id(r.gateway));
    c.grid.push(id(r.grid));
    c.ts.push(r.ts);
    c.value.push(r.value);
    c.days.push(r.raw_days, r.minute_days, r.hour_days);
  }
  return c;
}

export function decodeReadings(c: ReadingColumns): ReadingRow[] {
  const s = c.strings;
  const out: ReadingRow[] = new Array(c.ts.length);
  for (let i = 0; i < c.ts.length; i++) {
    out[i] = {
      sensor: s[c.sensor[i]!]!,
      metric: s[c.metric[i]!]!,
      ts: c.ts[i]!,
      value: c.value[i]!,
      unit: s[c.unit[i]!]!,
      quality: s[c.quality[i]!]!,
      kind: s[c.kind[i]!]!,
      gateway: s[c.gateway[i]!]!,
      grid: s[c.grid[i]!]!,
      raw_days: c.days[3 * i]!,
      minute_days: c.days[3 * i + 1]!,
      hour_days: c.days[3 * i + 2]!,
    };
  }
  return out;
}

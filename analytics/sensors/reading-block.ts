/**
 * `sensor_readings` rows as a row block (analytics/row-block.ts), like analytics/hit-block.ts
 * for hits: the receiver encodes a bundle's readings once, the block waits beside its job in
 * Redis as bytes, and the worker hands those bytes to the store as is (`Store.insertBlock`,
 * docs/iot.md). The rules read the readings of the sensors that have rules from the same bytes
 * (`blockReadingsOf`). Pure.
 */
import { decodeBlock, type RowBlock } from '../row-block.js';
import type { SensorMetric } from '../../contracts/config/sensors.js';
import type { SensorReading } from '../../contracts/sensor.js';
import type { SensorInfo } from './catalog.js';
import type { ReadingRow } from './rows.js';

/** The `sensor_readings` columns a block carries, in order (analytics/migrations/020_sensor_readings.sql). */
export const READING_BLOCK_COLUMNS = [
  'sensor',
  'metric',
  'ts',
  'value',
  'unit',
  'quality',
  'kind',
  'gateway',
  'grid',
  'raw_days',
  'minute_days',
  'hour_days',
] as const;

/** One reading as its block line (a JSON array in READING_BLOCK_COLUMNS order, '\n' after it). */
export function readingLine(r: ReadingRow): string {
  return `${JSON.stringify([
    r.sensor,
    r.metric,
    r.ts,
    r.value,
    r.unit,
    r.quality,
    r.kind,
    r.gateway,
    r.grid,
    r.raw_days,
    r.minute_days,
    r.hour_days,
  ])}\n`;
}

export function readingsToBlock(rows: readonly ReadingRow[]): RowBlock {
  let data = '';
  for (const r of rows) data += readingLine(r);
  return { columns: READING_BLOCK_COLUMNS, data, rows: rows.length };
}

/** The readings of a block (`onStored` listeners and tests; the store and the rules never decode it all). */
export function blockToReadings(b: Pick<RowBlock, 'data'>): ReadingRow[] {
  return decodeBlock(b).map(lineRow);
}

/**
 * The readings of the block's lines whose sensor is in `sensors` (ids as JSON strings, quotes
 * included, as each line begins with one): the rules read only the sensors that have rules, and
 * the other lines are passed over without being parsed. A line's id is taken to end at the next
 * quote: right for the ids of city.yaml (their pattern, contracts/config/sensors.ts, needs no
 * escaping); an id that needs escaping (registered under --open, with no rules) is cut at a
 * backslash that no city.yaml id has, so it matches none.
 */
export function blockReadingsOf(b: Pick<RowBlock, 'data'>, sensors: ReadonlySet<string>): ReadingRow[] {
  const text = typeof b.data === 'string' ? b.data : b.data.toString('utf8');
  const out: ReadingRow[] = [];
  for (let at = 0; at < text.length; ) {
    let nl = text.indexOf('\n', at);
    if (nl < 0) nl = text.length;
    const idEnd = text.indexOf('"', at + 2);
    if (idEnd > 0 && idEnd < nl && sensors.has(text.slice(at + 1, idEnd + 1)))
      out.push(lineRow(JSON.parse(text.slice(at, nl)) as unknown[]));
    at = nl + 1;
  }
  return out;
}

function lineRow(v: unknown[]): ReadingRow {
  return {
    sensor: v[0] as string,
    metric: v[1] as string,
    ts: v[2] as number,
    value: v[3] as number,
    unit: v[4] as string,
    quality: v[5] as string,
    kind: v[6] as string,
    gateway: v[7] as string,
    grid: v[8] as string,
    raw_days: v[9] as number,
    minute_days: v[10] as number,
    hour_days: v[11] as number,
  };
}

/** A block's text as it is built up message by message (the bundler joins them). */
export interface ReadingLines {
  data: string;
  rows: number;
}

/**
 * Block lines straight from validated readings, without a row object or a value array per
 * reading: what is constant per sensor (its id, kind, gateway, grid, retention) and per metric
 * (its name and unit) is JSON-encoded once and kept; a reading adds its time, value and quality.
 * The lines are byte for byte `readingLine(readingToRow(r, s, gateway))` (tested in
 * analytics/sensors/sensors.test.ts). For the intake (ingest/sensor-intake.ts).
 */
export class ReadingLineEncoder {
  private readonly sensors = new WeakMap<SensorInfo, { gateway: string; head: string; tail: string }>();
  private readonly metrics = new WeakMap<SensorMetric, { metric: string; unit: string }>();

  line(r: SensorReading, s: SensorInfo, gateway: string): string {
    let c = this.sensors.get(s);
    if (!c || c.gateway !== gateway || s.id !== r.sensor) {
      c = {
        gateway,
        head: JSON.stringify(r.sensor),
        tail: JSON.stringify([
          s.kind,
          gateway,
          s.placement?.grid ?? '',
          s.retention.rawDays,
          s.retention.minuteDays,
          s.retention.hourDays,
        ]).slice(1),
      };
      if (s.id === r.sensor) this.sensors.set(s, c);
    }
    const m = s.metrics.get(r.metric);
    let mu = m && this.metrics.get(m);
    if (!m || !mu || m.metric !== r.metric || m.unit !== r.unit) {
      mu = { metric: JSON.stringify(r.metric), unit: JSON.stringify(r.unit) };
      if (m && m.metric === r.metric && m.unit === r.unit) this.metrics.set(m, mu);
    }
    const q = QUALITY.get(r.quality ?? 'good') ?? JSON.stringify(r.quality);
    // A finite number prints the same in a template as in JSON (the contract refuses the rest).
    return `[${c.head},${mu.metric},${num(r.tsMs)},${num(r.value)},${mu.unit},${q},${c.tail}\n`;
  }
}

const QUALITY = new Map([
  ['good', '"good"'],
  ['uncertain', '"uncertain"'],
  ['bad', '"bad"'],
]);

function num(x: number): string {
  return Number.isFinite(x) ? `${x}` : JSON.stringify(x);
}

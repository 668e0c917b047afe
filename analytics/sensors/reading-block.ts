/**
 * `sensor_readings` rows as a row block (analytics/row-block.ts), like analytics/hit-block.ts
 * for hits: the receiver encodes a bundle's readings once, the block waits beside its job in
 * Redis as bytes, and the worker hands those bytes to the store as is (`Store.insertBlock`,
 * docs/iot.md). The rules still need the readings as values: `blockToReadings`. Pure.
 */
import { decodeBlock, type RowBlock } from '../row-block.js';
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

/** The readings of a block (the rules and `onStored` listeners read them; the store never does). */
export function blockToReadings(b: Pick<RowBlock, 'data'>): ReadingRow[] {
  return decodeBlock(b).map((v) => ({
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
  }));
}


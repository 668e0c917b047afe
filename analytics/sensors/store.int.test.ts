/**
 * The readings table and its rollups on chDB (analytics/migrations/020_sensor_readings.sql):
 * a retried job (same dedup token) stores nothing twice, in the table or in either rollup;
 * the series and last-value queries (analytics/sql/sensor_*.sql) read the rollups.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCityConfig } from '../../contracts/config/index.js';
import { openTestStore, testCityRaw } from '../../ingest/testkit.js';
import { rmSync } from 'node:fs';
import { sql } from '../sql.js';
import type { Store } from '../store.js';
import { SensorCatalog } from './catalog.js';
import { readingToRow } from './rows.js';
import { reading, sensorKindsRaw, sensorsRaw } from './testkit.js';

let store: Store;
let dir: string;
const city = loadCityConfig(
  undefined,
  {},
  {
    ...testCityRaw({ gateways: 1, camerasPerGateway: 1 }),
    sensorKinds: sensorKindsRaw({}),
    sensors: sensorsRaw({ gateways: 1, perGateway: 3 }),
  },
);
const cat = new SensorCatalog(city);
const S = 'sen-000-0';
const HOUR = 3_600_000;
// Three whole hours ago, at the start of an hour: the buckets are predictable.
const T0 = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;
const INSERT = { settings: { deduplicate_blocks_in_dependent_materialized_views: 1 as const } };

beforeAll(async () => {
  ({ store, dir } = await openTestStore());
});
afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('sensor_readings and rollups', () => {
  it('a retried insert with the same token adds nothing to the table or the rollups', async () => {
    // Every 10 s for two hours: 720 readings, values 0..719.
    const rows = Array.from({ length: 720 }, (_, i) =>
      readingToRow(reading(S, 'level', i, T0 + i * 10_000), cat.get(S)!, 'gw-000'),
    );
    await store.insert('sensor_readings', rows, { dedupToken: 'job-1', ...INSERT });
    await store.insert('sensor_readings', rows, { dedupToken: 'job-1', ...INSERT });
    const n = async (table: string) =>
      Number((await store.query<{ n: string }>(`SELECT sum(n) AS n FROM ${table}`))[0]?.n);
    expect(Number((await store.query<{ n: string }>('SELECT count() AS n FROM sensor_readings'))[0]?.n)).toBe(
      720,
    );
    expect(await n('sensor_readings_1m')).toBe(720);
    expect(await n('sensor_readings_1h')).toBe(720);
  });

  it('answers series from the 1-minute and 1-hour rollups with min, max, avg and last', async () => {
    const q = (minute: number) =>
      store.query<{
        t_ms: string;
        readings: string;
        v_min: number;
        v_max: number;
        v_avg: number;
        v_last: number;
        unit: string;
      }>(sql('sensor_series'), {
        sensors: [S],
        metric: 'level',
        from: T0,
        to: T0 + 2 * HOUR,
        minute,
      });
    const hours = await q(0);
    expect(
      hours.map((r) => [
        Number(r.t_ms) - T0,
        Number(r.readings),
        r.v_min,
        r.v_max,
        r.v_avg,
        r.v_last,
        r.unit,
      ]),
    ).toEqual([
      [0, 360, 0, 359, 179.5, 359, 'cm'],
      [HOUR, 360, 360, 719, 539.5, 719, 'cm'],
    ]);
    const minutes = await q(1);
    expect(minutes).toHaveLength(120);
    expect(minutes[1]).toMatchObject({ v_min: 6, v_max: 11, v_last: 11 });
  });

  it('reads the newest value per sensor and metric', async () => {
    const last = await store.query<{ sensor: string; metric: string; value: number; ts_ms: string }>(
      sql('sensor_last'),
      {
        sensors: [S, 'sen-000-2'],
        since: T0 - HOUR,
      },
    );
    expect(last.map((r) => [r.sensor, r.metric, r.value, Number(r.ts_ms) - T0])).toEqual([
      [S, 'level', 719, 7_190_000],
    ]);
  });
});

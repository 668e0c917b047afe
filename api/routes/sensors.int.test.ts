/**
 * GET /api/v1/sensors and /sensors/:id/series on chDB with the sample city's sensors
 * (deploy/city.yaml): scoped by jurisdiction, answered from the rollups, audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SensorCatalog } from '../../analytics/sensors/catalog.js';
import { readingToRow } from '../../analytics/sensors/rows.js';
import { reading } from '../../analytics/sensors/testkit.js';
import type { Store } from '../../analytics/store.js';
import { KEYS, openTestStore, testApp, testConfig } from '../testkit.js';

let store: Store;
let app: Awaited<ReturnType<typeof testApp>>;
const HOUR = 3_600_000;
// Readings every minute over three whole hours ending an hour before the current one, so the
// newest is over an hour old at any time of day (ending at the current hour, it was minutes old
// just after the hour and the sensor was not yet 'silent').
const T0 = Math.floor(Date.now() / HOUR) * HOUR - 4 * HOUR;
const cat = new SensorCatalog(testConfig());

beforeAll(async () => {
  store = await openTestStore('xl-sensors-api-');
  const rows = [];
  for (let m = 0; m < 180; m++) {
    rows.push(
      readingToRow(
        reading('wl-xh-001', 'level', 100 + m, T0 + m * 60_000),
        cat.get('wl-xh-001')!,
        'gw-xihu-01',
      ),
    );
    rows.push(
      readingToRow(
        reading('sm-gs-001', 'battery', 3.6, T0 + m * 60_000),
        cat.get('sm-gs-001')!,
        'gw-gongshu-01',
      ),
    );
  }
  await store.insert('sensor_readings', rows);
  app = await testApp(store);
});
afterAll(async () => {
  await app?.close();
  await store?.close();
});

const get = (url: string, key: string = KEYS.admin) =>
  app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
type SensorsBody = {
  sensors: Array<{ id: string; state: string; last: Array<{ metric: string; value: number; tsMs: number }> }>;
};

describe('GET /api/v1/sensors', () => {
  it('lists the sensors in your jurisdiction with their newest readings and state', async () => {
    const all = (await get('/api/v1/sensors')).json() as SensorsBody;
    expect(all.sensors.map((s) => s.id).sort()).toEqual(
      cat.size ? [...cat.all()].map((s) => s.id).sort() : [],
    );
    const wl = all.sensors.find((s) => s.id === 'wl-xh-001')!;
    expect(wl.last).toEqual([{ metric: 'level', unit: 'cm', value: 279, tsMs: T0 + 179 * 60_000 }]);
    // Its last reading is over an hour old and its silence rule is 15 minutes.
    expect(wl.state).toBe('silent');
    expect(all.sensors.find((s) => s.id === 'wl-xh-002')?.state).toBe('unknown');
    const xihu = (await get('/api/v1/sensors', KEYS.xihu)).json() as SensorsBody;
    expect(xihu.sensors.map((s) => s.id).sort()).toEqual([
      'ns-xh-001',
      'sm-demo-1',
      'wl-demo-1',
      'wl-xh-001',
      'wl-xh-002',
    ]);
    const smoke = (await get('/api/v1/sensors?kind=smoke', KEYS.gongshu)).json() as SensorsBody;
    expect(smoke.sensors.map((s) => s.id)).toEqual(['sm-gs-001']);
  });
});

describe('GET /api/v1/sensors/:id/series', () => {
  type Series = {
    bucket: string;
    series: Array<{
      metric: string;
      unit: string;
      points: Array<{ tsMs: number; n: number; min: number; max: number; avg: number; last: number }>;
    }>;
  };
  it('answers hourly and minute series from the rollups', async () => {
    const h = (await get(`/api/v1/sensors/wl-xh-001/series?from=${T0}&to=${T0 + 3 * HOUR}`)).json() as Series;
    expect(h.bucket).toBe('hour');
    expect(h.series).toHaveLength(1);
    expect(h.series[0]?.points.map((p) => [p.tsMs - T0, p.n, p.min, p.max, p.avg, p.last])).toEqual([
      [0, 60, 100, 159, 129.5, 159],
      [HOUR, 60, 160, 219, 189.5, 219],
      [2 * HOUR, 60, 220, 279, 249.5, 279],
    ]);
    const m = (
      await get(
        `/api/v1/sensors/wl-xh-001/series?from=${T0}&to=${T0 + 10 * 60_000}&bucket=minute&metric=level`,
      )
    ).json() as Series;
    expect(m.series[0]?.points.map((p) => p.last)).toEqual([
      100, 101, 102, 103, 104, 105, 106, 107, 108, 109,
    ]);
  });

  it('refuses sensors outside your jurisdiction (404) and bad input (400), and audits', async () => {
    const r = await get(`/api/v1/sensors/sm-gs-001/series?from=${T0}&to=${T0 + HOUR}`, KEYS.xihu);
    expect(r.statusCode).toBe(404);
    expect(r.json()).toMatchObject({ code: 'API_NOT_FOUND' });
    expect((await get(`/api/v1/sensors/nope/series?from=${T0}&to=${T0 + HOUR}`)).statusCode).toBe(404);
    expect(
      (await get(`/api/v1/sensors/wl-xh-001/series?from=${T0}&to=${T0 + HOUR}&bucket=second`)).statusCode,
    ).toBe(400);
    expect(
      (
        await get(`/api/v1/sensors/wl-xh-001/series?from=${T0 - 30 * 24 * HOUR}&to=${T0}&bucket=minute`)
      ).json(),
    ).toMatchObject({ code: 'API_BAD_REQUEST' });
    const audited = await store.query<{ endpoint: string; status: number }>(
      "SELECT endpoint, status FROM audit_log WHERE endpoint LIKE 'GET /sensors%' ORDER BY seq",
    );
    expect(audited.map((a) => `${a.endpoint} ${a.status}`)).toEqual(
      expect.arrayContaining([
        'GET /sensors 200',
        'GET /sensors/:id/series 200',
        'GET /sensors/:id/series 404',
      ]),
    );
  });
});

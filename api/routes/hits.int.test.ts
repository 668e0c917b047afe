import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHit } from '../../contracts/testkit.js';
import { hitToRow } from '../../analytics/hit-rows.js';
import type { Store } from '../../analytics/store.js';
import { KEYS, openTestStore, testApp } from '../testkit.js';

const KEY: string = KEYS.admin;

let store: Store;
let app: Awaited<ReturnType<typeof testApp>>;
// An hour ago, whole seconds: inside the 30-day retention on any date (an older fixture is
// removed by ClickHouse's background TTL merge within seconds of the insert).
const t0 = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
const hits = Array.from({ length: 25 }, (_, i) =>
  makeHit({
    tsMs: t0 + i * 1000,
    camera: i % 2 ? 'cam-a' : 'cam-b',
    type: i % 3 ? 'vehicle' : 'person',
    label: i % 3 ? 'car' : 'person',
  }),
);

beforeAll(async () => {
  store = await openTestStore('xl-hits-');
  await store.insert(
    'hits',
    hits.map((h) => hitToRow(h, undefined)),
  );
  app = await testApp(store);
});
afterAll(async () => {
  await app.close();
  await store.close();
});

const get = (url: string, key = KEY) =>
  app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });

describe('GET /api/v1/hits', () => {
  it('returns hits in the contract shape, newest first, paged by cursor', async () => {
    const seen: string[] = [];
    let url = `/api/v1/hits?from=${t0}&to=${t0 + 60_000}&limit=10`;
    for (let page = 0; page < 5; page++) {
      const r = await get(url);
      expect(r.statusCode).toBe(200);
      const body = r.json() as { hits: typeof hits; next?: string };
      seen.push(...body.hits.map((h) => h.id));
      if (!body.next) break;
      url = `/api/v1/hits?from=${t0}&to=${t0 + 60_000}&limit=10&cursor=${body.next}`;
    }
    expect(seen).toEqual([...hits].reverse().map((h) => h.id));
    const one = (await get(`/api/v1/hits?from=${t0}&to=${t0 + 1}`)).json() as { hits: unknown[] };
    expect(one.hits).toEqual([hits[0]]);
  });

  it('filters by camera and type, accepts ISO times', async () => {
    const from = new Date(t0).toISOString();
    const to = new Date(t0 + 60_000).toISOString();
    const r = (await get(`/api/v1/hits?from=${from}&to=${to}&camera=cam-a&type=person&limit=100`)).json() as {
      hits: typeof hits;
    };
    const want = hits.filter((h) => h.camera === 'cam-a' && h.type === 'person');
    expect(r.hits.map((h) => h.id).sort()).toEqual(want.map((h) => h.id).sort());
  });

  it.each([
    ['no range', '/api/v1/hits', 'API_BAD_REQUEST'],
    ['no to', `/api/v1/hits?from=${t0}`, 'API_BAD_REQUEST'],
    ['garbage time', '/api/v1/hits?from=yesterday&to=today', 'API_BAD_RANGE'],
    ['inverted', `/api/v1/hits?from=${t0 + 10}&to=${t0}`, 'API_BAD_RANGE'],
    ['too long', `/api/v1/hits?from=0&to=${t0}`, 'API_BAD_RANGE'],
    ['huge limit', `/api/v1/hits?from=${t0}&to=${t0 + 1}&limit=99999999`, 'API_BAD_REQUEST'],
    [
      'injection',
      `/api/v1/hits?from=${t0}&to=${t0 + 1}&camera=${encodeURIComponent("x' OR 1=1 --")}`,
      'API_BAD_REQUEST',
    ],
    ['unknown field', `/api/v1/hits?from=${t0}&to=${t0 + 1}&drop=1`, 'API_BAD_REQUEST'],
    ['forged cursor', `/api/v1/hits?from=${t0}&to=${t0 + 1}&cursor=abc`, 'API_BAD_CURSOR'],
  ])('answers 400 with a code for %s', async (_n, url, code) => {
    const r = await get(url);
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code });
  });

  it('needs a known API key', async () => {
    const url = `/api/v1/hits?from=${t0}&to=${t0 + 1}`;
    expect((await app.inject({ method: 'GET', url })).json()).toMatchObject({ code: 'API_UNAUTHORIZED' });
    expect((await get(url, 'xl_wrong_key_000000')).statusCode).toBe(401);
  });

  it('serves health and metrics', async () => {
    expect((await get('/healthz')).json()).toMatchObject({ ok: true });
    expect((await get('/metrics')).statusCode).toBe(200);
    expect((await get('/nope')).json()).toMatchObject({ code: 'API_NOT_FOUND' });
  });
});

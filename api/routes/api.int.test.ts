import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appearanceDescriptor } from '../../analytics/appearance.js';
import { plantNeedles, seedHits } from '../../analytics/seed.js';
import type { Store } from '../../analytics/store.js';
import type { Hit } from '../../contracts/hit.js';
import { signJwt } from '../jwt.js';
import { JWT_SECRET, KEYS, openTestStore, testApp, testConfig } from '../testkit.js';

let store: Store;
let app: Awaited<ReturnType<typeof testApp>>;
const config = testConfig();
const NOW = Date.now();
const H = 3_600_000;
// The seed fills the two whole UTC days before today; needles go 3 hours before today began.
const TODAY = Math.floor(NOW / 86_400_000) * 86_400_000;
const T0 = TODAY - 3 * H;
const PLATE = '浙L5B218';
const XIHU_CAMS = ['cam-xh-0001', 'cam-xh-0002', 'cam-xh-0003', 'cam-xh-0004'];
let plateHits: Hit[];
let gsPlateHits: Hit[];
let personHits: Hit[];
let crop: Buffer;
const cases: Record<string, string> = {};

type Key = keyof typeof KEYS;
const req = (method: 'GET' | 'POST', url: string, key: Key | string = 'admin', payload?: unknown) =>
  app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${key in KEYS ? KEYS[key as Key] : key}` },
    ...(payload ? { payload: payload as object } : {}),
  });
const get = (url: string, key: Key | string = 'admin') => req('GET', url, key);
const win = `from=${T0 - H}&to=${T0 + 2 * H}`;

beforeAll(async () => {
  store = await openTestStore('xl-api-');
  await seedHits(store, config, { hits: 150_000, days: 2, endMs: NOW, tzOffsetMin: 480, seed: 7 });
  // A person crop: purple top over yellow trousers (the seed never dresses anyone in yellow below).
  const w = 40;
  const h = 80;
  const px = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) px.set(y < h / 2 ? [128, 40, 160] : [230, 200, 30], (y * w + x) * 3);
  crop = await sharp(px, { raw: { width: w, height: h, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
  const dec = await sharp(crop).resize(48, 96, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  const descriptor = appearanceDescriptor(new Uint8Array(dec.data), dec.info.width, dec.info.height);
  plateHits = await plantNeedles(store, config, {
    plates: [
      { plate: PLATE, cameras: XIHU_CAMS, startMs: T0, stepMs: 240_000, color: 'red', vehicleType: 'suv' },
    ],
  });
  gsPlateHits = await plantNeedles(store, config, {
    plates: [{ plate: '浙L5B218', cameras: ['cam-gs-0001', 'cam-gs-0002'], startMs: T0 + H, stepMs: 60_000 }],
  });
  personHits = await plantNeedles(store, config, {
    persons: [
      {
        upper: 'purple',
        lower: 'yellow',
        cameras: ['cam-xh-0001', 'cam-xh-0003', 'cam-gs-0001'],
        startMs: T0,
        stepMs: 600_000,
        descriptor,
      },
    ],
  });
  // Snapshots (table of migration 002): one for a xihu hit, one for a gongshu hit.
  await store.insert('snapshots', [
    {
      id: 'SNAPXIHU01',
      gateway: 'gw-xihu-01',
      ts: T0,
      bytes: crop.length,
      jpeg_base64: crop.toString('base64'),
    },
    {
      id: 'SNAPGS0001',
      gateway: 'gw-gongshu-01',
      ts: T0,
      bytes: crop.length,
      jpeg_base64: crop.toString('base64'),
    },
  ]);
  await plantNeedles(store, config, {
    plates: [{ plate: '沪Z00001', cameras: ['cam-xh-0002'], startMs: T0, stepMs: 1 }],
  }).then((hs) =>
    store.command(
      "ALTER TABLE hits UPDATE snapshot = 'SNAPXIHU01' WHERE id = {id:String} SETTINGS mutations_sync = 1",
      { id: hs[0]!.id },
    ),
  );
  await plantNeedles(store, config, {
    plates: [{ plate: '沪Z00002', cameras: ['cam-gs-0003'], startMs: T0, stepMs: 1 }],
  }).then((hs) =>
    store.command(
      "ALTER TABLE hits UPDATE snapshot = 'SNAPGS0001' WHERE id = {id:String} SETTINGS mutations_sync = 1",
      { id: hs[0]!.id },
    ),
  );
  app = await testApp(store, config);
  for (const [who, org] of [
    ['xihu', 'xihu'],
    ['gongshu', 'gongshu'],
    ['admin', 'hz'],
  ] as const) {
    const r = await req('POST', '/api/v1/cases', who, {
      title: `test case ${who}`,
      kind: 'hit_and_run',
      org,
    });
    expect(r.statusCode, r.body).toBe(201);
    cases[who] = (r.json() as { id: string }).id;
  }
}, 120_000);

afterAll(async () => {
  await app?.close();
  await store?.close();
});

describe('hits search and jurisdiction', () => {
  it('finds planted hits by camera and time; pages by cursor', async () => {
    const r = await get(`/api/v1/hits?from=${T0}&to=${T0 + 1}&camera=cam-xh-0001&type=vehicle`);
    expect(r.statusCode, r.body).toBe(200);
    expect((r.json() as { hits: Hit[] }).hits.map((h) => h.id)).toContain(plateHits[0]!.id);
    const seen = new Set<string>();
    let url = `/api/v1/hits?${win}&camera=cam-xh-0002&limit=50`;
    for (let page = 0; page < 3; page++) {
      const b = (await get(url)).json() as { hits: Hit[]; next?: string };
      for (const h of b.hits) seen.add(h.id);
      if (!b.next) break;
      url = `/api/v1/hits?${win}&camera=cam-xh-0002&limit=50&cursor=${b.next}`;
    }
    expect(seen.size).toBe(150);
  });

  it('filters by org and colours in SQL (checked against the rows themselves)', async () => {
    const r = (await get(`/api/v1/hits?${win}&org=gongshu&upper=purple&lower=yellow`)).json() as {
      hits: Hit[];
    };
    expect(r.hits.map((h) => h.id)).toEqual([personHits[2]!.id]);
    const v = (await get(`/api/v1/hits?${win}&type=vehicle&color=red&limit=500`)).json() as { hits: Hit[] };
    expect(v.hits.length).toBeGreaterThan(0);
    expect(v.hits.every((h) => h.attrs?.color === 'red' && h.type === 'vehicle')).toBe(true);
  });

  it("gives a county analyst nothing from another county's cameras", async () => {
    const all = (await get(`/api/v1/hits?${win}&limit=5000`, 'xihu')).json() as { hits: Hit[] };
    expect(all.hits.length).toBeGreaterThan(100);
    expect(all.hits.every((h) => !h.camera.startsWith('cam-gs-'))).toBe(true);
    const cam = (await get(`/api/v1/hits?${win}&camera=cam-gs-0001`, 'xihu')).json() as { hits: Hit[] };
    expect(cam.hits).toEqual([]);
    expect((await get(`/api/v1/hits?${win}&org=gongshu`, 'xihu')).statusCode).toBe(403);
    // By id: its own county's hit, yes; the other county's, 404.
    expect((await get(`/api/v1/hits/${plateHits[0]!.id}`, 'xihu')).json()).toMatchObject({
      id: plateHits[0]!.id,
    });
    expect((await get(`/api/v1/hits/${gsPlateHits[0]!.id}`, 'xihu')).json()).toMatchObject({
      code: 'API_NOT_FOUND',
    });
    expect((await get(`/api/v1/hits/${gsPlateHits[0]!.id}`, 'gongshu')).statusCode).toBe(200);
    // Snapshots follow the hit that names them.
    const own = await get('/api/v1/snapshots/SNAPXIHU01', 'xihu');
    expect(own.statusCode).toBe(200);
    expect(own.headers['content-type']).toBe('image/jpeg');
    expect(Buffer.compare(own.rawPayload, crop)).toBe(0);
    expect((await get('/api/v1/snapshots/SNAPGS0001', 'xihu')).statusCode).toBe(404);
    expect((await get('/api/v1/snapshots/SNAPGS0001', 'gongshu')).statusCode).toBe(200);
    expect((await get('/api/v1/snapshots/SNAPGS0001', 'admin')).statusCode).toBe(200);
    // Cameras and orgs lists are scoped too.
    const cams = (await get('/api/v1/cameras', 'xihu')).json() as { cameras: Array<{ id: string }> };
    expect(cams.cameras.map((c) => c.id).sort()).toEqual(['cam-demo-1', 'cam-demo-2', ...XIHU_CAMS].sort());
    const orgs = (await get('/api/v1/orgs', 'gongshu')).json() as { orgs: Array<{ id: string }> };
    expect(orgs.orgs.map((o) => o.id)).toContain('grid-gs-02');
    expect(orgs.orgs.map((o) => o.id)).not.toContain('xihu');
  });
});

describe('vehicles', () => {
  const v = (q: string, key: Key = 'xihu') => get(`/api/v1/vehicles?${win}&caseId=${cases[key]}&${q}`, key);

  it('refuses plate, route and person searches without an open case in the jurisdiction', async () => {
    for (const url of [
      `/api/v1/vehicles?${win}&plate=${encodeURIComponent(PLATE)}`,
      `/api/v1/vehicles/route?${win}&plate=${encodeURIComponent(PLATE)}`,
      `/api/v1/persons?${win}&upper=red`,
    ]) {
      const r = await get(url, 'xihu');
      expect(r.statusCode, url).toBe(403);
      expect(r.json()).toMatchObject({ code: 'API_CASE_REQUIRED' });
    }
    // Another county's case is not usable.
    const other = await get(
      `/api/v1/vehicles?${win}&plate=${encodeURIComponent(PLATE)}&caseId=${cases.gongshu}`,
      'xihu',
    );
    expect(other.json()).toMatchObject({ code: 'API_CASE_REQUIRED' });
  });

  it('finds a plate exactly, with its sightings in scope only', async () => {
    const r = await v(`plate=${encodeURIComponent('浙l·5b218')}`);
    expect(r.statusCode, r.body).toBe(200);
    const b = r.json() as {
      plates: Array<{ plate: string; n: number; color: string }>;
      sightings: Array<{ id: string; camera: string }>;
    };
    expect(b.plates).toMatchObject([{ plate: PLATE, n: 4, color: 'red' }]);
    expect(b.sightings.map((s) => s.id).sort()).toEqual(plateHits.map((h) => h.id).sort());
    const admin = (await v(`plate=${encodeURIComponent(PLATE)}`, 'admin')).json() as {
      plates: Array<{ n: number }>;
    };
    expect(admin.plates[0]!.n).toBe(6);
  });

  it('finds it by wildcard and by a fuzzy read with a confusable or a missing character', async () => {
    const w = (await v(`mode=wildcard&plate=${encodeURIComponent('浙L*21?')}`)).json() as {
      plates: Array<{ plate: string }>;
    };
    expect(w.plates.map((p) => p.plate)).toContain(PLATE);
    expect(w.plates.every((p) => /^浙L.*21.$/u.test(p.plate))).toBe(true);
    for (const [read, distance] of [
      ['浙LSB218', 0.5],
      ['浙L58218', 0.5],
      ['浙L5B28', 1],
      ['浙LS8Z18', 1.5],
    ] as const) {
      const f = (await v(`mode=fuzzy&plate=${encodeURIComponent(read)}`)).json() as {
        plates: Array<{ plate: string; distance: number }>;
      };
      expect(f.plates[0], read).toMatchObject({ plate: PLATE, distance });
      expect(f.plates.every((p, i) => i === 0 || p.distance >= f.plates[i - 1]!.distance)).toBe(true);
    }
    const none = (await v(`mode=fuzzy&plate=${encodeURIComponent('浙L4B218')}`)).json() as {
      plates: Array<{ plate: string }>;
    };
    expect(none.plates.map((p) => p.plate)).not.toContain(PLATE); // 5→4 is not an OCR confusion
  });

  it('filters by colour and type', async () => {
    const ok = (await v(`plate=${encodeURIComponent(PLATE)}&color=red&type=suv`)).json() as {
      sightings: unknown[];
    };
    expect(ok.sightings).toHaveLength(4);
    const no = (await v(`plate=${encodeURIComponent(PLATE)}&color=blue`)).json() as { sightings: unknown[] };
    expect(no.sightings).toHaveLength(0);
  });

  it('finds vehicles by colour and type without a plate, in scope only', async () => {
    const r = await v('color=red&type=suv&limit=1000');
    expect(r.statusCode, r.body).toBe(200);
    const b = r.json() as {
      plates: unknown[];
      sightings: Array<{ id: string; camera: string; color: string; vehicleType: string; tsMs: number }>;
    };
    expect(b.plates).toEqual([]);
    expect(b.sightings.map((s) => s.id)).toEqual(expect.arrayContaining(plateHits.map((h) => h.id)));
    for (const s of b.sightings) {
      expect([s.color, s.vehicleType]).toEqual(['red', 'suv']);
      expect(s.camera.startsWith('cam-gs-'), s.camera).toBe(false);
    }
    expect(b.sightings.every((s, i) => i === 0 || s.tsMs <= b.sightings[i - 1]!.tsMs)).toBe(true);
    const none = await v('');
    expect(none.statusCode).toBe(400);
    expect(none.json()).toMatchObject({ code: 'API_BAD_REQUEST' });
  });

  it('reconstructs the route in time order with positions and gaps', async () => {
    const r = await get(
      `/api/v1/vehicles/route?${win}&plate=${encodeURIComponent(PLATE)}&caseId=${cases.xihu}`,
      'xihu',
    );
    expect(r.statusCode, r.body).toBe(200);
    const b = r.json() as {
      stops: Array<{ camera: string; lat: number; gapMs: number | null; distanceM: number | null }>;
    };
    expect(b.stops.map((s) => s.camera)).toEqual(XIHU_CAMS);
    expect(b.stops.map((s) => s.gapMs)).toEqual([null, 240_000, 240_000, 240_000]);
    expect(b.stops[1]!.distanceM).toBeGreaterThan(100);
    expect(b.stops[0]!.lat).toBeCloseTo(30.2367, 4);
  });
});

describe('persons', () => {
  it('finds planted persons by clothing colours in the area', async () => {
    const r = await get(`/api/v1/persons?${win}&upper=purple&lower=yellow&org=xihu&caseId=${cases.admin}`);
    expect(r.statusCode, r.body).toBe(200);
    expect((r.json() as { hits: Hit[] }).hits.map((h) => h.id).sort()).toEqual(
      personHits
        .slice(0, 2)
        .map((h) => h.id)
        .sort(),
    );
  });

  it('finds the nearest appearances to an uploaded crop and to a hit', async () => {
    const body = {
      image: crop.toString('base64'),
      from: String(T0 - H),
      to: String(T0 + 2 * H),
      caseId: cases.admin,
      limit: 5,
    };
    const r = await req('POST', '/api/v1/persons/similar', 'admin', body);
    expect(r.statusCode, r.body).toBe(200);
    const res = (r.json() as { results: Array<{ id: string; distance: number }> }).results;
    expect(
      res
        .slice(0, 3)
        .map((x) => x.id)
        .sort(),
    ).toEqual(personHits.map((h) => h.id).sort());
    expect(res[0]!.distance).toBe(0);
    expect(res[3]!.distance).toBeGreaterThan(50);
    const byHit = await req('POST', '/api/v1/persons/similar', 'xihu', {
      hitId: personHits[0]!.id,
      from: body.from,
      to: body.to,
      caseId: cases.xihu,
    });
    const ids = (byHit.json() as { results: Array<{ id: string }> }).results.map((x) => x.id);
    expect(ids[0]).toBe(personHits[1]!.id); // itself excluded; the gongshu sighting is out of scope
    expect(ids).not.toContain(personHits[2]!.id);
  });
});

describe('stats', () => {
  it('counts from the hourly view equal counts from hits, per type, in scope', async () => {
    const from = TODAY - 2 * 86_400_000 + 5 * H;
    const r = await get(`/api/v1/stats?from=${from}&to=${TODAY - 2 * H}&bucket=day&by=type`, 'gongshu');
    expect(r.statusCode, r.body).toBe(200);
    const got = new Map<string, number>();
    for (const row of (r.json() as { rows: Array<{ key: string; n: number }> }).rows)
      got.set(row.key, (got.get(row.key) ?? 0) + row.n);
    const truth = await store.query<{ type: string; n: string }>(
      "SELECT type, count() AS n FROM hits WHERE has(org_path, 'gongshu') AND ts >= toStartOfHour(fromUnixTimestamp64Milli({f:Int64}, 'UTC')) AND ts < fromUnixTimestamp64Milli({t:Int64}, 'UTC') GROUP BY type",
      { f: from, t: TODAY - 2 * H },
    );
    expect(Object.fromEntries(got)).toEqual(Object.fromEntries(truth.map((t) => [t.type, Number(t.n)])));
    const byOrg = (await get(`/api/v1/stats?from=${from}&to=${TODAY}&by=org`, 'admin')).json() as {
      rows: Array<{ key: string }>;
    };
    expect(new Set(byOrg.rows.map((x) => x.key))).toEqual(new Set(['xihu', 'gongshu']));
  });
});

describe('cases and audit', () => {
  it('closes a case; a closed case no longer authorises searches', async () => {
    const c = (
      await req('POST', '/api/v1/cases', 'xihu', { title: 'short-lived', kind: 'other' })
    ).json() as { id: string };
    expect((await req('POST', `/api/v1/cases/${c.id}/close`, 'xihu')).json()).toMatchObject({
      status: 'closed',
    });
    expect((await req('POST', `/api/v1/cases/${c.id}/close`, 'xihu')).statusCode).toBe(409);
    const r = await get(`/api/v1/vehicles?${win}&plate=${encodeURIComponent(PLATE)}&caseId=${c.id}`, 'xihu');
    expect(r.json()).toMatchObject({ code: 'API_CASE_REQUIRED' });
    const list = (await get('/api/v1/cases?status=closed', 'xihu')).json() as {
      cases: Array<{ id: string }>;
    };
    expect(list.cases.map((x) => x.id)).toContain(c.id);
    expect((await get(`/api/v1/cases/${cases.gongshu}`, 'xihu')).statusCode).toBe(404);
    expect((await req('POST', '/api/v1/cases', 'viewer', { title: 'x', kind: 'other' })).statusCode).toBe(
      403,
    );
  });

  it('records searches and views in a hash chain that detects tampering', async () => {
    expect(
      (
        await get(
          `/api/v1/audit?${win.replace(/from=\d+/, `from=${NOW - H}`).replace(/to=\d+/, `to=${Date.now() + H}`)}`,
          'xihu',
        )
      ).statusCode,
    ).toBe(403);
    const rows = (await get(`/api/v1/audit?from=${NOW - H}&to=${Date.now() + H}&limit=1000`)).json() as {
      rows: Array<{
        keyId: string;
        endpoint: string;
        caseId: string;
        resultCount: number;
        status: number;
        filters: string;
      }>;
    };
    const searches = rows.rows.filter(
      (x) => x.endpoint === 'GET /vehicles' && x.keyId === 'xihu-analyst' && x.status === 200,
    );
    const plateSearch = searches.find((x) => 'plate' in JSON.parse(x.filters));
    expect(plateSearch).toMatchObject({ caseId: cases.xihu });
    // A search by colour and type alone is audited under its case too.
    expect(searches.find((x) => !('plate' in JSON.parse(x.filters)))).toMatchObject({ caseId: cases.xihu });
    expect(rows.rows.some((x) => x.endpoint === 'GET /vehicles' && x.status === 403)).toBe(true);
    expect(
      rows.rows.some(
        (x) => x.endpoint === 'GET /snapshots/:id' && x.status === 404 && x.keyId === 'xihu-analyst',
      ),
    ).toBe(true);
    expect(rows.rows.some((x) => x.endpoint === 'GET /hits/:id' && x.resultCount === 1)).toBe(true);
    const ok = (await get('/api/v1/audit/verify')).json() as { ok: boolean; rows: number };
    expect(ok.ok).toBe(true);
    expect(ok.rows).toBeGreaterThan(20);
    await store.command(
      "ALTER TABLE audit_log UPDATE result_count = result_count + 1 WHERE chain = 'test' AND seq = 5 SETTINGS mutations_sync = 1",
    );
    const bad = (await get('/api/v1/audit/verify')).json() as {
      ok: boolean;
      broken: Array<{ seq: number; reason: string }>;
    };
    expect(bad.ok).toBe(false);
    expect(bad.broken[0]).toMatchObject({ seq: 5 });
  });
});

describe('auth', () => {
  const jwt = (over: Record<string, unknown> = {}, secret = JWT_SECRET) => {
    const now = Math.floor(Date.now() / 1000);
    return signJwt(
      {
        sub: 'officer-7',
        role: 'analyst',
        org: 'gongshu',
        iat: now,
        exp: now + 600,
        iss: 'xueliang',
        ...over,
      } as never,
      secret,
    );
  };
  it('accepts an HS256 JWT and scopes it by its org', async () => {
    const r = await get(`/api/v1/hits?${win}&limit=2000`, jwt());
    expect(r.statusCode, r.body).toBe(200);
    expect(
      (r.json() as { hits: Hit[] }).hits.every(
        (h) => h.camera.startsWith('cam-gs-') || h.camera === 'cam-demo-3',
      ),
    ).toBe(true);
  });
  it.each([
    ['wrong secret', () => jwt({}, 'another-secret-another-secret-another')],
    ['expired', () => jwt({ iat: 1000, exp: 1600 })],
    ['too long-lived', () => jwt({ exp: Math.floor(Date.now() / 1000) + 30 * 86400 })],
    ['unknown role', () => jwt({ role: 'root' })],
    ['alg none', () => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${jwt().split('.')[1]}.`],
  ])('refuses a JWT: %s', async (_n, token) => {
    expect((await get(`/api/v1/hits?${win}`, token())).json()).toMatchObject({ code: 'API_UNAUTHORIZED' });
  });
  it('refuses a JWT whose org is not in the tree', async () => {
    expect((await get(`/api/v1/hits?${win}`, jwt({ org: 'atlantis' }))).statusCode).toBe(403);
  });
  it('limits the request rate per key', async () => {
    const limited = await testApp(store, testConfig({ rateLimit: { perSecond: 0.01, burst: 3 } }));
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await limited.inject({
        method: 'GET',
        url: '/api/v1/orgs',
        headers: { authorization: `Bearer ${KEYS.viewer}` },
      });
      codes.push(r.statusCode);
    }
    const other = await limited.inject({
      method: 'GET',
      url: '/api/v1/orgs',
      headers: { authorization: `Bearer ${KEYS.admin}` },
    });
    await limited.close();
    expect(codes).toEqual([200, 200, 200, 429, 429]);
    expect(other.statusCode).toBe(200);
  });
  it('serves the OpenAPI document at /docs/json (the UI at /docs)', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/vehicles',
        '/api/v1/persons/similar',
        '/api/v1/stats',
        '/api/v1/audit',
      ]),
    );
  });
});

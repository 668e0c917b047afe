/**
 * Signed image links from notifications (`/media/snapshots/:id?exp=&sig=`, contracts/links.ts):
 * a valid link shows the JPEG without a key and is audited; an expired, tampered or foreign
 * link, or any link when the city has no link secret, is refused with 403 API_LINK_INVALID.
 */
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hitToRow } from '../../analytics/hit-rows.js';
import { OrgTree } from '../../contracts/org-tree.js';
import type { Store } from '../../analytics/store.js';
import { makeHit } from '../../contracts/testkit.js';
import { mediaLink } from '../../contracts/links.js';
import { KEYS, openTestStore, testApp, testConfig } from '../testkit.js';

const SECRET = 'link-secret-for-media-tests-0123456789';
const PUBLIC = 'https://xl.example.gov.cn';
let store: Store;
let app: FastifyInstance;
let jpeg: Buffer;
const NOW = Date.now();

beforeAll(async () => {
  store = await openTestStore('xl-media-');
  jpeg = await sharp({ create: { width: 32, height: 24, channels: 3, background: { r: 200, g: 30, b: 30 } } })
    .jpeg()
    .toBuffer();
  await store.insert('snapshots', [
    {
      id: 'SNAPMEDIA01',
      gateway: 'gw-xihu-01',
      ts: NOW - 60_000,
      bytes: jpeg.length,
      jpeg_base64: jpeg.toString('base64'),
    },
  ]);
  // An event on a xihu camera that names its crop and its whole frame.
  const place = new OrgTree(testConfig()).placement('cam-xh-0001');
  await store.insert('snapshots', [
    {
      id: 'FRAMEXH0001',
      gateway: 'gw-xihu-01',
      ts: NOW - 60_000,
      bytes: jpeg.length,
      jpeg_base64: jpeg.toString('base64'),
    },
  ]);
  await store.insert('hits', [hitToRow(event, place)]);
  const base = testConfig();
  app = await testApp(
    store,
    { ...base, api: { ...base.api, publicUrl: PUBLIC, linkSecret: SECRET, linkTtlSec: 600 } },
    () => NOW,
  );
}, 60_000);

afterAll(async () => {
  await app?.close();
  await store?.close();
});

const event = makeHit({
  id: ulid(NOW - 60_000),
  tsMs: NOW - 60_000,
  gateway: 'gw-xihu-01',
  camera: 'cam-xh-0001',
  kind: 'event',
  type: 'illegal_parking',
  label: 'car',
  zone: 'kerb',
  rule: 'kerb',
  snapshot: 'SNAPMEDIA01',
  frame: 'FRAMEXH0001',
});
const local = (link: string) => link.slice(PUBLIC.length);
const opts = (over: Partial<Parameters<typeof mediaLink>[0]> = {}) => ({
  publicUrl: PUBLIC,
  linkSecret: SECRET,
  linkTtlSec: 600,
  nowMs: NOW,
  ...over,
});

describe('signed image links', () => {
  it('serve the JPEG without a key, and audit the view', async () => {
    const r = await app.inject({ method: 'GET', url: local(mediaLink(opts(), 'SNAPMEDIA01')) });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('image/jpeg');
    expect(r.rawPayload.equals(jpeg)).toBe(true);
    const audit = await store.query<{ key_id: string; endpoint: string; status: number }>(
      "SELECT key_id, endpoint, status FROM audit_log WHERE endpoint = 'GET /media/snapshots/:id'",
    );
    expect(audit).toEqual([expect.objectContaining({ key_id: 'signed-link', status: 200 })]);
    // A frame (named by a hit's `frame`) works the same.
    expect(
      (await app.inject({ method: 'GET', url: local(mediaLink(opts(), 'FRAMEXH0001')) })).statusCode,
    ).toBe(200);
  });

  it.each([
    ['expired', () => mediaLink(opts({ nowMs: NOW - 700_000 }), 'SNAPMEDIA01')],
    [
      'signed with another secret',
      () => mediaLink(opts({ linkSecret: 'another-secret-0123456789-0123456789' }), 'SNAPMEDIA01'),
    ],
    ['for another id', () => mediaLink(opts(), 'SNAPMEDIA02').replace('SNAPMEDIA02', 'SNAPMEDIA01')],
    [
      'with a longer expiry than signed',
      () =>
        mediaLink(opts(), 'SNAPMEDIA01').replace(/exp=(\d+)/, (_m, e: string) => `exp=${Number(e) + 3600}`),
    ],
  ])('refuse a link %s', async (_name, make) => {
    const r = await app.inject({ method: 'GET', url: local(make()) });
    expect(r.statusCode).toBe(403);
    expect(r.json()).toMatchObject({ code: 'API_LINK_INVALID' });
  });

  it('do not serve a snapshot that only another gateway’s hit names', async () => {
    // A hostile gongshu gateway names a xihu snapshot id in its hit; a task link to it must not
    // show the xihu image (the same gateway rule as GET /snapshots/:id; docs/security.md).
    await store.insert('snapshots', [
      {
        id: 'SNAPXIHU002',
        gateway: 'gw-xihu-01',
        ts: NOW - 60_000,
        bytes: jpeg.length,
        jpeg_base64: jpeg.toString('base64'),
      },
    ]);
    const hostile = makeHit({
      id: ulid(NOW - 60_000),
      tsMs: NOW - 60_000,
      gateway: 'gw-gongshu-01',
      camera: 'cam-gs-0001',
      snapshot: 'SNAPXIHU002',
    });
    await store.insert('hits', [hitToRow(hostile, new OrgTree(testConfig()).placement('cam-gs-0001'))]);
    const r = await app.inject({ method: 'GET', url: local(mediaLink(opts(), 'SNAPXIHU002')) });
    expect(r.statusCode).toBe(404);
  });

  it('refuse every link when the city has no link secret', async () => {
    const other = await testApp(store, testConfig(), () => NOW);
    const r = await other.inject({ method: 'GET', url: local(mediaLink(opts(), 'SNAPMEDIA01')) });
    await other.close();
    expect(r.statusCode).toBe(403);
    expect(mediaLink(opts({ linkSecret: '' }), 'SNAPMEDIA01')).toBe('');
  });

  it('an event frame is stored with its hit and served to the jurisdiction that sees the hit', async () => {
    const get = (url: string, key: string) =>
      app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
    const hit = await get(`/api/v1/hits/${event.id}`, KEYS.xihu);
    expect(hit.statusCode, hit.body).toBe(200);
    expect(hit.json()).toMatchObject({ id: event.id, snapshot: 'SNAPMEDIA01', frame: 'FRAMEXH0001' });
    const mine = await get('/api/v1/snapshots/FRAMEXH0001', KEYS.xihu);
    expect(mine.statusCode).toBe(200);
    expect(mine.rawPayload.equals(jpeg)).toBe(true);
    expect((await get('/api/v1/snapshots/FRAMEXH0001', KEYS.gongshu)).statusCode).toBe(404);
  });

  it('answer bad input with 400, never 500', async () => {
    for (const q of ['', '?exp=abc&sig=x', '?exp=1&sig=%00%01', '?exp=1&sig=x&more=1']) {
      const r = await app.inject({ method: 'GET', url: `/media/snapshots/SNAPMEDIA01${q}` });
      expect(r.statusCode, q).toBe(400);
    }
  });
});

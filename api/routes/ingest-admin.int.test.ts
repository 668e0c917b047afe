/** GET /api/v1/quarantine and /api/v1/deadletters over a real ingest tier (aedes, Redis, chDB). */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HIT_BLOCK_TABLE } from '../../analytics/hit-block.js';
import type { Store } from '../../analytics/store.js';
import { makeEnvelope, makeHit } from '../../contracts/testkit.js';
import { silentLogger } from '../../contracts/log.js';
import { topics } from '../../contracts/topics.js';
import {
  cameraId,
  connectGateway,
  gatewayId,
  type Harness,
  startHarness,
  until,
} from '../../ingest/testkit.js';
import { buildApp } from '../app.js';
import { hashSecret } from '../../contracts/secrets.js';

const ADMIN = 'xl_test_ingest_admin_0123456789';
const ANALYST = 'xl_test_ingest_analyst_0123456789';
const GW = gatewayId(0);
let h: Harness;
let app: Awaited<ReturnType<typeof buildApp>>;
let failInserts = 0;

beforeAll(async () => {
  h = await startHarness(
    { gateways: 1, camerasPerGateway: 1, ingest: { bundleMaxMs: 20, attempts: 1 } },
    {
      wrapStore: (s): Store => ({
        ...s,
        async insert(table, rows, o) {
          if (failInserts > 0 && table === 'hits' && rows.length > 0) {
            failInserts--;
            throw new Error('injected');
          }
          return s.insert(table, rows, o);
        },
        async insertBlock(table, block, o) {
          if (failInserts > 0 && (table === 'hits' || table === HIT_BLOCK_TABLE) && block.rows > 0) {
            failInserts--;
            throw new Error('injected');
          }
          return s.insertBlock(table, block, o);
        },
      }),
    },
  );
  app = await buildApp({
    config: h.config,
    store: h.store,
    registry: new Registry(),
    log: silentLogger(),
    ingest: h.ingest,
    extraKeys: [
      { keyId: 'admin', hash: hashSecret(ADMIN), role: 'admin', org: 'city' },
      { keyId: 'analyst', hash: hashSecret(ANALYST), role: 'analyst', org: 'city' },
    ],
  });
  const gw = await connectGateway(h.ingest.mqttUrl, GW);
  await gw.publishAsync(topics.hits(GW), Buffer.from('{"v":1,"truncated'), { qos: 1 });
  failInserts = 1;
  await gw.publishAsync(
    topics.hits(GW),
    JSON.stringify(makeEnvelope([makeHit({ gateway: GW, camera: cameraId(0, 0) })])),
    { qos: 1 },
  );
  await gw.endAsync();
  await until(async () => (await h.ingest.deadLetters()).total === 1, 10_000);
}, 60_000);
afterAll(async () => {
  await app?.close();
  await h?.close();
});

const get = (url: string, key = ADMIN) =>
  app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });

describe('ingest admin routes', () => {
  it('lists quarantined messages with their reason and raw bytes', async () => {
    const now = Date.now();
    await until(
      async () =>
        (
          (await get(`/api/v1/quarantine?from=${now - 60_000}&to=${now + 60_000}`)).json() as {
            items: unknown[];
          }
        ).items.length > 0,
    );
    const r = await get(`/api/v1/quarantine?from=${now - 60_000}&to=${now + 60_000}&reason=INGEST_BAD_JSON`);
    expect(r.statusCode).toBe(200);
    const { items } = r.json() as { items: Array<Record<string, unknown>> };
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      gateway: GW,
      topic: topics.hits(GW),
      reason: 'INGEST_BAD_JSON',
      raw: '{"v":1,"truncated',
      rawBytes: 17,
    });
    const none = (
      await get(`/api/v1/quarantine?from=${now - 60_000}&to=${now + 60_000}&gateway=gw-other`)
    ).json() as { items: unknown[] };
    expect(none.items).toEqual([]);
  });

  it('lists dead letters', async () => {
    const r = await get('/api/v1/deadletters');
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      total: 1,
      items: [{ hits: 1, attemptsMade: 1, failedReason: 'injected' }],
    });
  });

  it('is for admins only and validates input', async () => {
    expect((await get('/api/v1/deadletters', ANALYST)).statusCode).toBe(403);
    expect((await get(`/api/v1/quarantine?from=0&to=1`, ANALYST)).statusCode).toBe(403);
    const bad = await get(`/api/v1/quarantine?from=0&to=1&reason=${encodeURIComponent("x' OR 1=1")}`);
    expect(bad.statusCode).toBe(400);
    expect((await get('/api/v1/deadletters?limit=0')).json()).toMatchObject({ code: 'API_BAD_REQUEST' });
  });
});

/**
 * Tasks over HTTP on real parts: a gateway publishes a hit to the ingest endpoint, ingest
 * stores it and hands it to the alert engine; the task reaches the right grid member's SSE
 * stream (and not another grid's), the task list follows jurisdiction, actions are audited.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import mqtt, { type MqttClient } from 'mqtt';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../analytics/tasks/model.js';
import { type AlertEngine, createAlertEngine } from '../../analytics/tasks/service.js';
import { HitFeedPublisher, HitFeedSubscriber } from '../../analytics/hit-feed.js';
import { redisConnection } from '../../analytics/redis.js';
import {
  alertCity,
  dropPrefix,
  GATEWAY_PASSWORD,
  TEST_REDIS_URL,
  type TempStore,
  tempStore,
  until,
} from '../../analytics/tasks/testkit.js';
import { makeEnvelope, makeHit } from '../../contracts/testkit.js';
import type { Hit } from '../../contracts/hit.js';
import { silentLogger } from '../../contracts/log.js';
import { topics } from '../../contracts/topics.js';
import { type IngestService, startIngest } from '../../ingest/service.js';
import { buildApp } from '../app.js';
import type { KeyRecord } from '../auth.js';
import { hashSecret } from '../../contracts/secrets.js';

const KEYS: Record<string, Omit<KeyRecord, 'hash'>> = {
  'key-grid-a-0123456789': { keyId: 'grid-a-member', role: 'grid_member', org: 'grid-a' },
  'key-grid-b-0123456789': { keyId: 'grid-b-member', role: 'grid_member', org: 'grid-b' },
  'key-village-0123456789': { keyId: 'village-admin', role: 'admin', org: 'village-a' },
  'key-viewer-0123456789': { keyId: 'viewer', role: 'viewer', org: 'grid-a' },
  'key-analyst-0123456789': { keyId: 'analyst', role: 'analyst', org: 'county-a' },
};
const keyOf = (id: string) => Object.entries(KEYS).find(([, v]) => v.keyId === id)![0];

const cfg = alertCity({
  rules: [{ id: 'parking', match: { types: ['illegal_parking'] }, cooldownMs: 60_000 }],
});
let ts: TempStore;
let engine: AlertEngine;
let ingest: IngestService;
let app: FastifyInstance;
let base = '';
let gateway: MqttClient;
let feedOut: HitFeedPublisher;
let feedIn: HitFeedSubscriber;
const feedConns: ReturnType<typeof redisConnection>[] = [];

interface Sse {
  events: Array<{ event: string; data: unknown }>;
  close(): void;
}

async function sse(key: string): Promise<Sse> {
  const ac = new AbortController();
  const res = await fetch(`${base}/api/v1/stream`, {
    headers: { authorization: `Bearer ${key}` },
    signal: ac.signal,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const events: Sse['events'] = [];
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let buf = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += dec.decode(value, { stream: true });
        let k = buf.indexOf('\n\n');
        while (k >= 0) {
          const block = buf.slice(0, k);
          buf = buf.slice(k + 2);
          const ev = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (ev && data) events.push({ event: ev, data: JSON.parse(data) });
          k = buf.indexOf('\n\n');
        }
      }
    } catch {
      // aborted
    }
  })();
  return { events, close: () => ac.abort() };
}

const call = async (key: string, method: string, path: string, body?: unknown) => {
  const res = await app.inject({
    method: method as 'GET',
    url: `/api/v1${path}`,
    headers: { authorization: `Bearer ${key}` },
    ...(body ? { payload: body as object } : {}),
  });
  return { status: res.statusCode, body: res.json() as Record<string, unknown> };
};
const publish = (hits: Hit[]) =>
  gateway.publishAsync(topics.hits('gw-1'), JSON.stringify(makeEnvelope(hits, { gateway: 'gw-1' })), {
    qos: 1,
  });

beforeAll(async () => {
  ts = await tempStore(cfg);
  const log = silentLogger();
  engine = await createAlertEngine({
    config: cfg,
    store: ts.store,
    redisUrl: TEST_REDIS_URL,
    log,
    registry: new Registry(),
  });
  // Live hits travel on the hit feed through Redis, as between processes (analytics/hit-feed.ts).
  feedConns.push(redisConnection(TEST_REDIS_URL, log), redisConnection(TEST_REDIS_URL, log));
  // The API subscribes first: a publisher probes for listeners when it starts (and each second).
  feedIn = new HitFeedSubscriber(feedConns[1]!, cfg.redis.prefix);
  await feedIn.start();
  feedOut = new HitFeedPublisher(feedConns[0]!, cfg.redis.prefix, log);
  ingest = await startIngest({
    config: cfg,
    store: ts.store,
    redisUrl: TEST_REDIS_URL,
    log,
    registry: new Registry(),
    mqtt: { mode: 'embedded', host: '127.0.0.1', port: 0 },
    open: false,
    onStored: (job) => {
      feedOut.publish(job.hits);
      void engine.onRows(job.hits);
    },
  });
  const extraKeys = Object.entries(KEYS).map(([k, v]) => ({ ...v, hash: hashSecret(k) }));
  app = await buildApp({
    config: cfg,
    store: ts.store,
    registry: new Registry(),
    log,
    extraKeys,
    alerts: engine,
    hitFeed: feedIn,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  gateway = await mqtt.connectAsync(ingest.mqttUrl, {
    clientId: 'gw-1-api-test',
    username: 'gw-1',
    password: GATEWAY_PASSWORD,
    reconnectPeriod: 0,
  });
}, 60_000);

afterAll(async () => {
  await gateway?.endAsync();
  await app?.close();
  await ingest?.close();
  await engine?.close();
  feedOut?.close();
  await feedIn?.close();
  for (const c of feedConns) c.disconnect();
  await ts?.close();
  await dropPrefix(TEST_REDIS_URL, cfg.redis.prefix);
});

describe('tasks API and stream', () => {
  it('streams the hit and its task to the grid member of that grid only, within 2 s of publishing', async () => {
    const a = await sse(keyOf('grid-a-member'));
    const b = await sse(keyOf('grid-b-member'));
    try {
      const t0 = Date.now();
      const h = makeHit({
        gateway: 'gw-1',
        camera: 'cam-a',
        kind: 'event',
        type: 'illegal_parking',
        zone: 'z',
        tsMs: Date.now(),
      });
      await publish([h]);
      const ev = await until(() => a.events.find((e) => e.event === 'task'), 2000);
      expect(Date.now() - t0).toBeLessThan(2000);
      expect(ev.data).toMatchObject({ event: 'opened', task: { grid: 'grid-a', camera: 'cam-a' } });
      expect(a.events.some((e) => e.event === 'hit' && (e.data as Hit).id === h.id)).toBe(true);
      await new Promise((r) => setTimeout(r, 300));
      expect(b.events).toEqual([]);
    } finally {
      a.close();
      b.close();
    }
  });

  it('lists tasks by jurisdiction and audits every action', async () => {
    const mine = await call(keyOf('grid-a-member'), 'GET', '/tasks');
    expect(mine.status).toBe(200);
    const tasks = mine.body.tasks as Task[];
    expect(tasks).toHaveLength(1);
    const id = tasks[0]!.id;
    expect((await call(keyOf('grid-b-member'), 'GET', '/tasks')).body.tasks).toEqual([]);
    expect(
      ((await call(keyOf('village-admin'), 'GET', '/tasks?status=open')).body.tasks as Task[]).map(
        (t) => t.id,
      ),
    ).toEqual([id]);
    expect((await call(keyOf('grid-a-member'), 'GET', '/tasks?org=village-a')).status).toBe(403);
    expect((await call(keyOf('grid-a-member'), 'GET', '/tasks?status=bogus')).status).toBe(400);

    expect((await call(keyOf('grid-b-member'), 'POST', `/tasks/${id}/accept`, { note: 'x' })).status).toBe(
      404,
    );
    expect((await call(keyOf('viewer'), 'POST', `/tasks/${id}/accept`, { note: 'x' })).status).toBe(403);
    const acc = await call(keyOf('grid-a-member'), 'POST', `/tasks/${id}/accept`, { note: 'on my way' });
    expect(acc.status).toBe(200);
    expect(acc.body.task).toMatchObject({
      status: 'accepted',
      acceptedBy: 'grid-a-member',
      note: 'on my way',
    });
    const again = await call(keyOf('grid-a-member'), 'POST', `/tasks/${id}/accept`, { note: '' });
    expect(again).toMatchObject({ status: 409, body: { code: 'API_TASK_CONFLICT' } });
    const esc = await call(keyOf('grid-a-member'), 'POST', `/tasks/${id}/escalate`, { note: 'need help' });
    expect(esc.body.task).toMatchObject({ status: 'escalated', org: 'village-a' });
    const res = await call(keyOf('village-admin'), 'POST', `/tasks/${id}/resolve`, {
      note: 'towed',
      disposition: 'resolved',
    });
    expect(res.body.task).toMatchObject({ status: 'resolved', disposition: 'resolved' });
    const one = await call(keyOf('grid-a-member'), 'GET', `/tasks/${id}`);
    expect((one.body.events as Array<{ type: string }>).map((e) => e.type)).toEqual([
      'opened',
      'accepted',
      'escalated',
      'resolved',
    ]);

    const audited = await ts.store.query<{ endpoint: string; status: number }>(
      "SELECT endpoint, status FROM audit_log WHERE endpoint LIKE '%tasks%' ORDER BY seq",
    );
    expect(audited.map((r) => `${r.endpoint} ${r.status}`)).toEqual(
      expect.arrayContaining([
        'POST /tasks/:id/accept 200',
        'POST /tasks/:id/accept 403',
        'POST /tasks/:id/accept 404',
        'POST /tasks/:id/accept 409',
        'POST /tasks/:id/escalate 200',
        'POST /tasks/:id/resolve 200',
      ]),
    );
  });

  it('adds case watches only under an open case in the jurisdiction', async () => {
    const row = (id: string, status: string) => ({
      id,
      org: 'county-a',
      title: 't',
      kind: 'hit_and_run',
      status,
      created_by: 'analyst',
      created_at: Date.now(),
      closed_by: '',
      closed_at: 0,
      version: 1,
    });
    await ts.store.insert('cases', [row('case-open', 'open'), row('case-closed', 'closed')]);
    const ok = await call(keyOf('analyst'), 'POST', '/watches', {
      caseId: 'case-open',
      kind: 'plate',
      pattern: '浙H12345',
    });
    expect(ok.status).toBe(200);
    expect(ok.body.watch).toMatchObject({ mode: 'fuzzy', caseOrg: 'county-a' });
    expect(
      (
        await call(keyOf('analyst'), 'POST', '/watches', {
          caseId: 'case-closed',
          kind: 'plate',
          pattern: '浙H1',
        })
      ).body.code,
    ).toBe('API_CASE_REQUIRED');
    expect(
      (
        await call(keyOf('grid-a-member'), 'POST', '/watches', {
          caseId: 'case-open',
          kind: 'plate',
          pattern: '浙H1',
        })
      ).status,
    ).toBe(403);
    expect(
      (await call(keyOf('analyst'), 'POST', '/watches', { caseId: 'case-open', kind: 'clothing' })).status,
    ).toBe(400);
    expect(((await call(keyOf('analyst'), 'GET', '/watches')).body.watches as unknown[]).length).toBe(1);

    await publish([
      makeHit({ gateway: 'gw-1', camera: 'cam-b', tsMs: Date.now(), attrs: { plate: '浙H1Z345' } }),
    ]);
    const t = await until(
      async () =>
        ((await call(keyOf('analyst'), 'GET', '/tasks')).body.tasks as Task[]).find(
          (x) => x.source.kind === 'watch',
        ),
      2000,
    );
    expect(t).toMatchObject({ grid: 'grid-b', source: { caseId: 'case-open' } });

    // Closing the case drops its watches at once.
    expect((await call(keyOf('analyst'), 'POST', '/cases/case-open/close')).status).toBe(200);
    expect(((await call(keyOf('analyst'), 'GET', '/watches')).body.watches as unknown[]).length).toBe(0);
  });
});

/**
 * The alert loop (docs/alerts.md) end to end on real parts: a gateway publishes over MQTT to the ingest tier's
 * embedded endpoint; ingest stores the batch in chDB (via BullMQ on Redis) and hands it to
 * the alert engine; tasks are notified over a real MQTT broker (aedes) and webhooks.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import mqtt, { type MqttClient } from 'mqtt';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEnvelope, makeHit } from '../../contracts/testkit.js';
import type { Hit } from '../../contracts/hit.js';
import { silentLogger } from '../../contracts/log.js';
import { topics } from '../../contracts/topics.js';
import { type IngestService, startIngest } from '../../ingest/service.js';
import type { Task } from './model.js';
import { verifyWebhook } from './notify.js';
import { type AlertEngine, createAlertEngine, type TaskChange } from './service.js';
import {
  alertCity,
  collect,
  dropPrefix,
  GATEWAY_PASSWORD,
  startBroker,
  TEST_REDIS_URL,
  type TempStore,
  type TestBroker,
  tempStore,
  until,
} from './testkit.js';

const SECRET = 'webhook-secret-for-tests-0123456789';
const FAST = { gridMs: 400, villageMs: 400, townMs: 60_000, countyMs: 60_000 };
const SLOW = { gridMs: 60_000, villageMs: 60_000, townMs: 60_000, countyMs: 60_000 };

let hook: Server;
let hookUrl = '';
const hookCalls: Array<{ status: number; valid: boolean; body: Record<string, unknown> }> = [];

const config = () =>
  alertCity({
    rules: [
      { id: 'parking', match: { types: ['illegal_parking'] }, cooldownMs: 60_000, slaMs: SLOW },
      { id: 'intrusion', match: { types: ['zone_intrusion'] }, cooldownMs: 60_000, slaMs: FAST },
    ],
    webhooks: [{ id: 'town-b-hook', org: 'town-b', url: hookUrl, secret: SECRET }],
    webhookBackoffMs: 50,
  });

let cfg: ReturnType<typeof config>;
let ts: TempStore;
let broker: TestBroker;
let engine: AlertEngine;
let ingest: IngestService;
let gateway: MqttClient;
const changes: TaskChange[] = [];

async function publish(hits: Hit[]): Promise<void> {
  await gateway.publishAsync(topics.hits('gw-1'), JSON.stringify(makeEnvelope(hits, { gateway: 'gw-1' })), {
    qos: 1,
  });
}
const hit = (over: Partial<Hit>) => makeHit({ gateway: 'gw-1', tsMs: Date.now(), ...over });
const latest = (pred: (c: TaskChange) => boolean) => [...changes].reverse().find(pred);

beforeAll(async () => {
  hook = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      const sig = String(req.headers['x-xueliang-signature'] ?? '');
      const tsMs = Number(req.headers['x-xueliang-timestamp']);
      // The receiver fails its first three calls.
      const status = hookCalls.length < 3 ? 500 : 200;
      hookCalls.push({
        status,
        valid: verifyWebhook(SECRET, sig, tsMs, body),
        body: JSON.parse(body) as Record<string, unknown>,
      });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
  hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/hook`;
  cfg = config();
  ts = await tempStore(cfg);
  broker = await startBroker();
  const log = silentLogger();
  engine = await createAlertEngine({
    config: cfg,
    store: ts.store,
    redisUrl: TEST_REDIS_URL,
    log,
    registry: new Registry(),
    mqtt: { url: broker.url },
  });
  engine.subscribe({ task: (c) => changes.push(c) });
  ingest = await startIngest({
    config: cfg,
    store: ts.store,
    redisUrl: TEST_REDIS_URL,
    log,
    registry: new Registry(),
    mqtt: { mode: 'embedded', host: '127.0.0.1', port: 0 },
    open: false,
    onStored: (job) => void engine.onRows(job.hits),
  });
  gateway = await mqtt.connectAsync(ingest.mqttUrl, {
    clientId: 'gw-1-test',
    username: 'gw-1',
    password: GATEWAY_PASSWORD,
    reconnectPeriod: 0,
  });
}, 60_000);

afterAll(async () => {
  await gateway?.endAsync();
  await ingest?.close();
  await engine?.close();
  await broker?.close();
  await ts?.close();
  await new Promise<void>((r) => (hook ? hook.close(() => r()) : r()));
  if (cfg) await dropPrefix(TEST_REDIS_URL, cfg.redis.prefix);
});

describe('alerts to grid tasks, end to end', () => {
  it('a matching hit becomes a task on its grid within 2 s, over MQTT to that grid only; repeats within the cooldown update it', async () => {
    const a = await collect(broker.url, topics.gridTasks('grid-a'));
    const b = await collect(broker.url, topics.gridTasks('grid-b'));
    try {
      const t0 = Date.now();
      const h1 = hit({
        camera: 'cam-a',
        kind: 'event',
        type: 'illegal_parking',
        zone: 'bus-stop',
        rule: 'p',
        snapshot: 'snap-1',
      });
      await publish([h1]);
      const msg = await until(
        () => a.messages.find((m) => (m.task as Task).hits.some((x) => x.id === h1.id)),
        2000,
      );
      const latencyMs = Date.now() - t0;
      expect(latencyMs).toBeLessThan(2000);
      const task = msg.task as Task;
      expect(msg.event).toBe('opened');
      expect(task).toMatchObject({
        grid: 'grid-a',
        org: 'grid-a',
        status: 'open',
        camera: 'cam-a',
        zone: 'bus-stop',
        snapshot: 'snap-1',
      });
      expect(task.source).toEqual({ kind: 'rule', ruleId: 'parking' });

      // Two more within the cooldown (in two messages): the same task, three hits.
      await publish([hit({ camera: 'cam-a', kind: 'event', type: 'illegal_parking', zone: 'bus-stop' })]);
      await publish([hit({ camera: 'cam-a', kind: 'event', type: 'illegal_parking', zone: 'bus-stop' })]);
      await until(
        () => a.messages.some((m) => (m.task as Task).id === task.id && (m.task as Task).hitCount === 3),
        3000,
      );
      expect(a.messages.filter((m) => m.event === 'opened')).toHaveLength(1);
      expect(
        a.messages.filter((m) => m.event === 'hits_added').every((m) => (m.task as Task).id === task.id),
      ).toBe(true);
      // Another zone on the same camera is another task.
      await publish([hit({ camera: 'cam-a', kind: 'event', type: 'illegal_parking', zone: 'gate' })]);
      await until(() => a.messages.filter((m) => m.event === 'opened').length === 2, 2000);
      await new Promise((r) => setTimeout(r, 300));
      expect(b.messages).toEqual([]);
      // Stored: the task list of grid-a has both; the history is append-only.
      const listed = await engine.list({ org: 'grid-a', limit: 10 });
      expect(listed.map((t) => t.id)).toContain(task.id);
      expect(await engine.list({ org: 'grid-b', limit: 10 })).toEqual([]);
      expect((await engine.history(task.id)).map((e) => e.type)).toEqual([
        'opened',
        'hits_added',
        'hits_added',
      ]);
    } finally {
      await a.client.endAsync();
      await b.client.endAsync();
    }
  });

  it('an unaccepted task escalates to the village and then the town; accepting stops escalation', async () => {
    const village = await collect(broker.url, topics.gridTasks('village-a'));
    const town = await collect(broker.url, topics.gridTasks('town-a'));
    try {
      await publish([hit({ camera: 'cam-b', kind: 'event', type: 'zone_intrusion', zone: 'z1' })]);
      const opened = await until(
        () => latest((c) => c.task.camera === 'cam-b' && c.event.type === 'opened'),
        2000,
      );
      const id = opened.task.id;
      const up1 = await until(
        () => village.messages.find((m) => m.event === 'escalated' && (m.task as Task).id === id),
        3000,
      );
      expect(up1.task).toMatchObject({ org: 'village-a', level: 'village', status: 'escalated' });
      const up2 = await until(
        () => town.messages.find((m) => m.event === 'escalated' && (m.task as Task).id === id),
        3000,
      );
      expect(up2.task).toMatchObject({ org: 'town-a', level: 'town', escalations: 2 });
      // Town's SLA is a minute: it stays there.

      // A second task, accepted at once: it never leaves the grid.
      await publish([hit({ camera: 'cam-b', kind: 'event', type: 'zone_intrusion', zone: 'z2' })]);
      const o2 = await until(() => latest((c) => c.task.zone === 'z2' && c.event.type === 'opened'), 2000);
      const accepted = await engine.act(o2.task.id, 'accept', { by: 'key-grid-b', note: 'on my way' });
      expect(accepted).toMatchObject({ status: 'accepted', acceptedBy: 'key-grid-b', deadlineMs: null });
      await new Promise((r) => setTimeout(r, 1200)); // three grid SLAs
      const now = await engine.get(o2.task.id);
      expect(now).toMatchObject({ status: 'accepted', org: 'grid-b', escalations: 0 });
      expect(village.messages.some((m) => (m.task as Task).id === o2.task.id)).toBe(false);
      const resolved = await engine.act(o2.task.id, 'resolve', {
        by: 'key-grid-b',
        note: 'moved on',
        disposition: 'false_positive',
      });
      expect(resolved.status).toBe('closed_false_positive');
      await expect(engine.act(o2.task.id, 'accept', { by: 'x', note: '' })).rejects.toMatchObject({
        code: 'TASK_BAD_TRANSITION',
      });
    } finally {
      await village.client.endAsync();
      await town.client.endAsync();
    }
  });

  it('a plate watch raises an alert for a read with one OCR-confusable character, bound to the case', async () => {
    await engine.addWatch(
      {
        id: 'w-plate',
        caseId: 'case-hr-1',
        caseOrg: 'county-a',
        kind: 'plate',
        pattern: '浙H12345',
        mode: 'fuzzy',
        area: null,
        fromMs: null,
        toMs: null,
      },
      'key-analyst',
    );
    await publish([
      hit({ camera: 'cam-a', attrs: { plate: '浙H99999' } }),
      hit({ camera: 'cam-a', attrs: { plate: '浙H1Z345', color: 'white' } }),
    ]);
    const c = await until(
      () => latest((x) => x.task.source.kind === 'watch' && x.task.source.caseId === 'case-hr-1'),
      2000,
    );
    expect(c.task).toMatchObject({ grid: 'grid-a', hitCount: 1, priority: 'high' });
    await new Promise((r) => setTimeout(r, 200));
    expect(changes.filter((x) => x.task.source.kind === 'watch' && x.event.type === 'opened')).toHaveLength(
      1,
    );
    expect(await engine.removeWatch('w-plate', 'key-analyst')).toBe(true);
  });

  it('a missing-person watch matches clothing inside its area and window, not outside', async () => {
    const nowMs = Date.now();
    await engine.addWatch(
      {
        id: 'w-person',
        caseId: 'case-mp-1',
        caseOrg: 'town-a',
        kind: 'clothing',
        upper: 'red',
        lower: 'blue',
        area: 'village-a',
        fromMs: nowMs - 3_600_000,
        toMs: nowMs + 3_600_000,
      },
      'key-analyst',
    );
    const person = (camera: string, tsMs: number, upperColor: 'red' | 'green') =>
      hit({ camera, tsMs, type: 'person', label: 'person', attrs: { upperColor, lowerColor: 'blue' } });
    const inside = person('cam-b', nowMs, 'red');
    await publish([
      person('cam-c', nowMs, 'red'), // outside the area (town-b)
      person('cam-a', nowMs - 2 * 3_600_000, 'red'), // before the window
      person('cam-a', nowMs, 'green'), // other clothes
      inside,
    ]);
    const c = await until(
      () => latest((x) => x.task.source.kind === 'watch' && x.task.source.caseId === 'case-mp-1'),
      2000,
    );
    expect(c.task.hits.map((h) => h.id)).toEqual([inside.id]);
    expect(c.task.grid).toBe('grid-b');
    await new Promise((r) => setTimeout(r, 300));
    const all = changes.filter((x) => x.task.source.kind === 'watch' && x.task.source.caseId === 'case-mp-1');
    expect(all).toHaveLength(1);
  });

  it('a webhook receiver that fails its first three calls still receives the task, with a valid signature', async () => {
    await publish([hit({ camera: 'cam-c', kind: 'event', type: 'illegal_parking', zone: 'market' })]);
    const ok = await until(() => hookCalls.find((c) => c.status === 200), 5000);
    expect(hookCalls.slice(0, 3).map((c) => c.status)).toEqual([500, 500, 500]);
    expect(ok.valid).toBe(true);
    expect(ok.body).toMatchObject({ event: 'opened', task: { grid: 'grid-c', camera: 'cam-c' } });
    // Only town-b's tasks reach its hook.
    expect(hookCalls.every((c) => (c.body.task as Task).grid === 'grid-c')).toBe(true);
    expect(await engine.webhookDeadLetters()).toEqual([]);
  });

  it('task changes reach the SSE emitter of an engine in another process (Redis bridge), once', async () => {
    const other = await createAlertEngine({
      config: cfg,
      store: ts.store,
      redisUrl: TEST_REDIS_URL,
      log: silentLogger(),
      registry: new Registry(),
    });
    const seen: TaskChange[] = [];
    other.subscribe({ task: (c) => seen.push(c) });
    try {
      await publish([hit({ camera: 'cam-b', kind: 'event', type: 'illegal_parking', zone: 'bridge' })]);
      const c = await until(() => seen.find((x) => x.task.zone === 'bridge'), 8000);
      expect(c.event.type).toBe('opened');
      await new Promise((r) => setTimeout(r, 200));
      expect(seen.filter((x) => x.task.zone === 'bridge')).toHaveLength(1);
      expect(changes.filter((x) => x.task.zone === 'bridge')).toHaveLength(1);
    } finally {
      await other.close();
    }
  });
});

/**
 * The embedded stack end to end (docs/architecture.md#running): `xueliang up` as a child process; hits published over MQTT are
 * queryable through the API; invalid messages are rejected and counted while valid hits
 * still arrive. Once against the embedded MQTT endpoint (closed: gateway credentials from
 * city.yaml), once against the running Mosquitto with `mosquitto_pub`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { ulid } from 'ulid';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { makeEnvelope, makeHit } from '../contracts/testkit.js';
import type { Hit } from '../contracts/hit.js';
import { promtoolCheck } from '../contracts/promtool.js';
import { projectRoot } from '../contracts/testdata.js';
import { topics } from '../contracts/topics.js';
import { hashSecret } from '../contracts/secrets.js';
import { freePort } from './redis-child.js';

const GW = 'gw-xihu-01';
const CAM = 'cam-xh-0001';
const PASSWORD = 'test-gateway-password';

interface Up {
  child: ChildProcess;
  api: string;
  key: string;
  stderr: () => string;
}

const running: Up[] = [];
afterAll(async () => {
  for (const u of running) {
    u.child.kill('SIGTERM');
    await new Promise((r) => u.child.once('exit', r));
  }
});

async function startUp(extra: string[]): Promise<Up> {
  const dir = mkdtempSync(join(tmpdir(), 'xl-up-'));
  const city = parse(readFileSync(join(projectRoot, 'deploy', 'city.yaml'), 'utf8')) as {
    gateways: Array<{ id: string; passwordHash?: string }>;
  };
  for (const g of city.gateways) if (g.id === GW) g.passwordHash = hashSecret(PASSWORD);
  writeFileSync(join(dir, 'city.yaml'), stringify(city));
  const port = await freePort();
  const args = [
    'bin/xueliang.js',
    'up',
    '--config',
    join(dir, 'city.yaml'),
    '--port',
    String(port),
    '--data',
    join(dir, 'data'),
    '--log-level',
    'warn',
    ...extra,
  ];
  const child = spawn(process.execPath, args, { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const up: Up = { child, api: `http://127.0.0.1:${port}`, key: '', stderr: () => err };
  running.push(up);
  const deadline = Date.now() + 45_000;
  while (!out.includes('Ctrl-C stops everything')) {
    if (child.exitCode !== null) throw new Error(`xueliang up exited ${child.exitCode}: ${err}`);
    if (Date.now() > deadline) throw new Error(`xueliang up did not start: ${out}\n${err}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(out).toMatch(/MQTT: mqtt:\/\//);
  expect(out).toMatch(/API: {2}http:\/\//);
  up.key = readFileSync(join(dir, 'data', 'admin-api-key'), 'utf8').trim();
  expect(out).toContain(up.key);
  return up;
}

async function findHit(up: Up, hit: Hit, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  const url = `${up.api}/api/v1/hits?from=${hit.tsMs}&to=${hit.tsMs + 1}&camera=${hit.camera}&limit=100`;
  for (;;) {
    const r = await fetch(url, { headers: { authorization: `Bearer ${up.key}` } });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { hits: Hit[] };
    const got = body.hits.find((h) => h.id === hit.id);
    if (got) {
      expect(got).toEqual(hit);
      return Date.now() - t0;
    }
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`hit ${hit.id} not queryable after ${timeoutMs} ms\n${up.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function rejected(up: Up, reason: string): Promise<number> {
  const text = await (await fetch(`${up.api}/metrics`)).text();
  const m = text.match(new RegExp(`^xueliang_ingest_rejected_total\\{reason="${reason}"\\} (\\d+)`, 'm'));
  return m ? Number(m[1]) : 0;
}

function freshHit(): Hit {
  const { snapshot: _s, ...h } = makeHit({ gateway: GW, camera: CAM, tsMs: Date.now() - 1000 });
  return h;
}

describe('xueliang up (embedded MQTT endpoint, closed by default)', () => {
  it('stores a published hit, queryable within 2 s; rejects and counts bad messages; valid ones still arrive', async () => {
    const mqttPort = await freePort();
    const up = await startUp(['--mqtt-port', String(mqttPort)]);
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, {
      username: GW,
      password: PASSWORD,
      clientId: `${GW}-${ulid()}`,
      reconnectPeriod: 0,
    });
    try {
      const hit = freshHit();
      const t0 = Date.now();
      await client.publishAsync(topics.hits(GW), JSON.stringify(makeEnvelope([hit], { gateway: GW })), {
        qos: 1,
      });
      await findHit(up, hit, 2000);
      expect(Date.now() - t0).toBeLessThan(2000);

      await client.publishAsync(topics.hits(GW), '{"v":1,"msgId":"broken', { qos: 1 });
      await client.publishAsync(
        topics.hits(GW),
        JSON.stringify(makeEnvelope([{ ...freshHit(), score: 'high' } as unknown as Hit], { gateway: GW })),
        { qos: 1 },
      );
      const after = freshHit();
      await client.publishAsync(topics.hits(GW), JSON.stringify(makeEnvelope([after], { gateway: GW })), {
        qos: 1,
      });
      await findHit(up, after, 2000);
      expect(await rejected(up, 'INGEST_BAD_JSON')).toBe(1);
      expect(await rejected(up, 'INGEST_BAD_HIT')).toBe(1);

      // The sample city's `illegal-parking` alert rule turns the event into a task on the
      // camera's grid (the alert engine is wired into `up`).
      const parking = {
        ...freshHit(),
        kind: 'event' as const,
        type: 'illegal_parking' as const,
        rule: 'no-parking',
        zone: 'gate',
        durationMs: 120_000,
      };
      const p0 = Date.now();
      await client.publishAsync(topics.hits(GW), JSON.stringify(makeEnvelope([parking], { gateway: GW })), {
        qos: 1,
      });
      await expect
        .poll(
          async () => {
            const r = await fetch(`${up.api}/api/v1/tasks`, {
              headers: { authorization: `Bearer ${up.key}` },
            });
            const body = (await r.json()) as {
              tasks: Array<{ grid: string; camera: string; hits: Array<{ id: string }> }>;
            };
            return body.tasks.some(
              (t) => t.grid === 'grid-xh-01' && t.camera === CAM && t.hits.some((h) => h.id === parking.id),
            );
          },
          { timeout: 2000, interval: 50 },
        )
        .toBe(true);
      expect(Date.now() - p0).toBeLessThan(2000);
    } finally {
      await client.endAsync();
    }
    const stranger = await mqtt
      .connectAsync(`mqtt://127.0.0.1:${mqttPort}`, {
        username: 'gw-nobody',
        password: 'x',
        reconnectPeriod: 0,
        connectTimeout: 3000,
      })
      .then((c) => c.endAsync().then(() => 'connected'))
      .catch(() => 'refused');
    expect(stranger).toBe('refused');

    // One /metrics for the whole process (API, ingest, alerts) that promtool finds clean: HTTP
    // requests by route template, the queues' depth and age, base units.
    const text = await (await fetch(`${up.api}/metrics`)).text();
    expect(text).toMatch(
      /^xueliang_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/hits",status="200"\} [1-9]/m,
    );
    expect(text).toMatch(/^xueliang_queue_jobs\{queue="hits",state="waiting"\} \d+$/m);
    expect(text).toMatch(/^xueliang_queue_oldest_waiting_age_seconds\{queue="alerts-webhooks"\} /m);
    expect(text).not.toMatch(/_ms(_bucket|_sum|_count)?[{ ]/);
    expect(await promtoolCheck(text)).toEqual([]);
  });
});

const hasMosquittoPub = spawnSync('sh', ['-c', 'command -v mosquitto_pub']).status === 0;

describe.skipIf(!hasMosquittoPub)('xueliang up --mqtt-url (the running Mosquitto, mosquitto_pub)', () => {
  it('stores a hit published by mosquitto_pub and rejects a bad one', async () => {
    const up = await startUp([
      '--mqtt-url',
      'mqtt://127.0.0.1:1883',
      '--mqtt-port',
      String(await freePort()),
    ]);
    const pub = (payload: string) => {
      const r = spawnSync(
        'mosquitto_pub',
        ['-h', '127.0.0.1', '-p', '1883', '-q', '1', '-t', topics.hits(GW), '-m', payload],
        { encoding: 'utf8' },
      );
      expect(r.status, r.stderr).toBe(0);
    };
    const before = await rejected(up, 'INGEST_BAD_ENVELOPE');
    pub('[1,2,3]');
    const hit = freshHit();
    pub(JSON.stringify(makeEnvelope([hit], { gateway: GW })));
    await findHit(up, hit, 2000);
    await expect.poll(() => rejected(up, 'INGEST_BAD_ENVELOPE'), { timeout: 2000 }).toBe(before + 1);
  });
});

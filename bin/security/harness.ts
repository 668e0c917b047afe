/**
 * The security suite's stack (docs/security.md): `xueliang up` in closed mode — the embedded
 * MQTT endpoint, a redis-server child, embedded ClickHouse, ingest, alerts and the API on free
 * ports in a temp data folder — with the sample city (deploy/city.yaml), two county analysts,
 * a grid member, a viewer, filler keys (so trying every key hash would cost something) and two
 * gateways with passwords. Helpers speak to it only over HTTP and MQTT, as an attacker would.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { ulid } from 'ulid';
import { parse, stringify } from 'yaml';
import { hashSecret } from '../../contracts/secrets.js';
import { makeEnvelope, makeHit } from '../../contracts/testkit.js';
import type { Hit } from '../../contracts/hit.js';
import { projectRoot } from '../../contracts/paths.js';
import { topics } from '../../contracts/topics.js';
import { startUp, type UpStack } from '../up-core.js';

/** A key that carries its id (contracts/api-key.ts); on older code it is just an opaque key. */
const key = (id: string) => `xl~${id}~${randomBytes(32).toString('base64url')}`;

export const PRINCIPALS = {
  xihu: { id: 'xihu-analyst', role: 'analyst', org: 'xihu' },
  gongshu: { id: 'gongshu-analyst', role: 'analyst', org: 'gongshu' },
  member: { id: 'xihu-member', role: 'grid_member', org: 'grid-xh-01' },
  viewer: { id: 'viewer', role: 'viewer', org: 'hz' },
} as const;
export type Who = keyof typeof PRINCIPALS | 'admin';

export const GATEWAYS = { xihu: 'gw-xihu-01', gongshu: 'gw-gongshu-01' } as const;
export const CAMERAS = { xihu: 'cam-xh-0001', gongshu: 'cam-gs-0001' } as const;

/** A parsed JSON answer: tests read fields of many shapes from it. */
// biome-ignore lint/suspicious/noExplicitAny: parsed JSON of many shapes, read by tests
type Json = any;

export interface SecurityStack {
  up: UpStack;
  keys: Record<Who, string>;
  passwords: Record<string, string>;
  api(
    who: Who | string,
    path: string,
    init?: { method?: string; body?: unknown },
  ): Promise<{ status: number; body: Json }>;
  gateway(gw: string, opts?: IClientOptions): Promise<MqttClient>;
  /** Publishes hits from `gw` (QoS 1) and resolves on the PUBACK. */
  publishHits(client: MqttClient, gw: string, hits: Hit[]): Promise<void>;
  hit(gw: keyof typeof GATEWAYS, over?: Partial<Hit>): Hit;
  close(): Promise<void>;
}

export async function startSecurityStack(): Promise<SecurityStack> {
  const dir = mkdtempSync(join(tmpdir(), 'xl-security-'));
  const city = parse(readFileSync(join(projectRoot, 'deploy', 'city.yaml'), 'utf8')) as Record<
    string,
    unknown
  > & {
    gateways: Array<{ id: string; passwordHash?: string }>;
    api?: Record<string, unknown>;
    http?: Record<string, unknown>;
  };
  const keys = { admin: '' } as Record<Who, string>;
  const apiKeys: Array<Record<string, string>> = [];
  for (const [who, p] of Object.entries(PRINCIPALS)) {
    keys[who as Who] = key(p.id);
    apiKeys.push({ id: p.id, hash: hashSecret(keys[who as Who]), role: p.role, org: p.org });
  }
  for (let i = 0; i < 8; i++)
    apiKeys.push({ id: `filler-${i}`, hash: hashSecret(key(`filler-${i}`)), role: 'viewer', org: 'hz' });
  const passwords: Record<string, string> = {};
  for (const g of city.gateways) {
    passwords[g.id] = `pw-${randomBytes(12).toString('base64url')}`;
    g.passwordHash = hashSecret(passwords[g.id]!);
  }
  city.api = { ...(city.api ?? {}), keys: apiKeys, rateLimit: { perSecond: 1000, burst: 10_000 } };
  city.http = { ...(city.http ?? {}), headersTimeoutMs: 3000 };
  const file = join(dir, 'city.yaml');
  writeFileSync(file, stringify(city));
  const up = await startUp(
    {
      config: file,
      data: join(dir, 'data'),
      port: '0',
      'mqtt-port': '0',
      host: '127.0.0.1',
      'log-level': 'error',
    },
    {},
  );
  keys.admin = up.adminKey;
  const clients: MqttClient[] = [];
  const stack: SecurityStack = {
    up,
    keys,
    passwords,
    async api(who, path, init = {}) {
      const k = who in keys ? keys[who as Who] : who;
      const res = await fetch(`${up.apiUrl}/api/v1${path}`, {
        method: init.method ?? 'GET',
        headers: {
          authorization: `Bearer ${k}`,
          ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON (an image)
      }
      return { status: res.status, body };
    },
    async gateway(gw, opts = {}) {
      const c = await mqtt.connectAsync(up.mqttUrl, {
        clientId: `${gw}-${ulid().slice(-6)}`,
        username: gw,
        password: passwords[gw] ?? '',
        protocolVersion: 4,
        reconnectPeriod: 0,
        clean: true,
        ...opts,
      });
      clients.push(c);
      return c;
    },
    async publishHits(client, gw, hits) {
      await client.publishAsync(topics.hits(gw), JSON.stringify(makeEnvelope(hits, { gateway: gw })), {
        qos: 1,
      });
    },
    hit(gw, over = {}) {
      return makeHit({ gateway: GATEWAYS[gw], camera: CAMERAS[gw], tsMs: Date.now() - 1000, ...over });
    },
    async close() {
      for (const c of clients) c.end(true);
      await up.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return stack;
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes; returns the last value. */
export async function until<T>(fn: () => Promise<T> | T, timeoutMs = 15_000, stepMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

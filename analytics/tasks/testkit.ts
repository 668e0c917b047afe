/**
 * Set-up shared by the alert/task integration tests and bench/alerts.ts: a small city with a
 * five-level org tree, a migrated chDB store in a temp folder, an in-process aedes MQTT
 * broker for task notifications, a unique Redis key prefix (removed afterwards). Needs Redis
 * at 127.0.0.1:6379.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { Redis } from 'ioredis';
import mqtt, { type MqttClient } from 'mqtt';
import { ulid } from 'ulid';
import { hashSecret } from '../../contracts/secrets.js';
import { type CityConfig, loadCityConfig } from '../../contracts/config/index.js';
import { migrate } from '../migrate.js';
import { openStore, type Store } from '../store.js';

export const TEST_REDIS_URL = 'redis://127.0.0.1:6379';
export const GATEWAY_PASSWORD = 'pw-gw-1-for-tests';

/**
 * city → county-a → town-a → village-a → grid-a (cam-a), grid-b (cam-b);
 * city → county-a → town-b → village-c → grid-c (cam-c).
 */
export function alertCityRaw(alerts: Record<string, unknown>, prefix: string): Record<string, unknown> {
  const grid = (id: string) => ({ id, name: id, kind: 'grid' });
  return {
    orgs: [
      {
        id: 'city',
        name: 'City',
        kind: 'city',
        children: [
          {
            id: 'county-a',
            name: 'County A',
            kind: 'county',
            children: [
              {
                id: 'town-a',
                name: 'Town A',
                kind: 'town',
                children: [
                  {
                    id: 'village-a',
                    name: 'Village A',
                    kind: 'village',
                    children: [grid('grid-a'), grid('grid-b')],
                  },
                ],
              },
              {
                id: 'town-b',
                name: 'Town B',
                kind: 'town',
                children: [
                  { id: 'village-c', name: 'Village C', kind: 'village', children: [grid('grid-c')] },
                ],
              },
            ],
          },
        ],
      },
    ],
    gateways: [{ id: 'gw-1', passwordHash: hashSecret(GATEWAY_PASSWORD) }],
    cameras: [
      { id: 'cam-a', grid: 'grid-a', gateway: 'gw-1', lat: 30.2, lon: 120.1 },
      { id: 'cam-b', grid: 'grid-b', gateway: 'gw-1', lat: 30.2, lon: 120.2 },
      { id: 'cam-c', grid: 'grid-c', gateway: 'gw-1', lat: 30.3, lon: 120.3 },
    ],
    redis: { prefix },
    alerts,
  };
}

export function alertCity(
  alerts: Record<string, unknown>,
  over: Record<string, unknown> = {},
): Readonly<CityConfig> {
  const prefix = `xlt-alerts-${ulid().toLowerCase()}`;
  return loadCityConfig(undefined, {}, { ...alertCityRaw(alerts, prefix), ...over });
}

export interface TempStore {
  store: Store;
  dir: string;
  close(): Promise<void>;
}

export async function tempStore(config: Readonly<CityConfig>): Promise<TempStore> {
  const dir = mkdtempSync(join(tmpdir(), 'xl-alerts-'));
  const store = await openStore({ url: `chdb://${dir}` });
  const r = config.retention;
  await migrate(store, {
    hitsDays: r.hitsDays,
    snapshotsDays: r.snapshotsDays,
    quarantineDays: r.quarantineDays,
  });
  return {
    store,
    dir,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TestBroker {
  url: string;
  close(): Promise<void>;
}

/** An in-process aedes broker on a free port (anonymous; the grid ACL is the broker's job in production). */
export async function startBroker(): Promise<TestBroker> {
  const broker = await Aedes.createBroker();
  const server: Server = createServer(broker.handle as (s: import('node:net').Socket) => void);
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    async close() {
      await new Promise<void>((res) => broker.close(() => res()));
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
}

/** An MQTT subscriber collecting JSON messages of one topic. */
export async function collect(
  url: string,
  topic: string,
): Promise<{ messages: Array<Record<string, unknown>>; client: MqttClient }> {
  const client = await mqtt.connectAsync(url, { clientId: `t-${ulid()}`, reconnectPeriod: 0 });
  const messages: Array<Record<string, unknown>> = [];
  client.on('message', (_t, p) => messages.push(JSON.parse(p.toString('utf8')) as Record<string, unknown>));
  await client.subscribeAsync(topic, { qos: 1 });
  return { messages, client };
}

/** Deletes every Redis key under a prefix (test clean-up). */
export async function dropPrefix(url: string, prefix: string): Promise<void> {
  const r = new Redis(url);
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await r.del(...keys);
  } while (cursor !== '0');
  await r.quit();
}

/** Polls until `fn` returns a value (not undefined/false) or the time runs out. */
export async function until<T>(
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 5000,
  stepMs = 20,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/**
 * Shared set-up for the ingest integration tests and benchmarks: a small city with gateways
 * and cameras, a migrated chDB store in a temp folder, a unique Redis key prefix (removed
 * afterwards), and gateways' MQTT clients. Needs Redis (REDIS_URL or 127.0.0.1:6379).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import mqtt, { type MqttClient } from 'mqtt';
import { Registry } from 'prom-client';
import { ulid } from 'ulid';
import { migrate } from '../analytics/migrate.js';
import { openStore, type Store } from '../analytics/store.js';
import { hashSecret } from '../contracts/secrets.js';
import { type CityConfig, loadCityConfig } from '../contracts/config/index.js';
import { type Logger, silentLogger } from '../contracts/log.js';
import { type IngestOptions, type IngestService, startIngest } from './service.js';

export const TEST_REDIS_URL = 'redis://127.0.0.1:6379';

export interface CitySpec {
  gateways: number;
  camerasPerGateway: number;
  /** Redis key prefix; default a fresh unique one. */
  prefix?: string;
  ingest?: Partial<CityConfig['ingest']>;
  /** API keys: id → [role, org]; the key itself is `key-<id>` ({@link apiKeyOf}). */
  keys?: Record<string, [string, string]>;
  /** More top-level city.yaml sections (e.g. sensorKinds, sensors: analytics/sensors/testkit.ts). */
  extra?: Record<string, unknown>;
}

/** The key of API key `id` in test cities. */
export function apiKeyOf(id: string): string {
  return `key-${id}`;
}

/** Password of gateway `gw-N` in test cities. */
export function gatewayPassword(gw: string): string {
  return `pw-${gw}`;
}

export function gatewayId(i: number): string {
  return `gw-${String(i).padStart(3, '0')}`;
}

export function cameraId(g: number, c: number): string {
  return `cam-${String(g).padStart(3, '0')}-${c}`;
}

/** A city: one city org, one grid per gateway, `camerasPerGateway` cameras each. Hashing is scrypt: ~50 ms a gateway. */
export function testCityRaw(spec: CitySpec): Record<string, unknown> {
  const grids = Array.from({ length: spec.gateways }, (_, g) => ({
    id: `grid-${g}`,
    name: `Grid ${g}`,
    kind: 'grid',
  }));
  return {
    orgs: [
      {
        id: 'city',
        name: 'City',
        kind: 'city',
        children: [{ id: 'county', name: 'County', kind: 'county', children: grids }],
      },
    ],
    gateways: Array.from({ length: spec.gateways }, (_, g) => ({
      id: gatewayId(g),
      passwordHash: hashSecret(gatewayPassword(gatewayId(g))),
    })),
    cameras: Array.from({ length: spec.gateways }, (_, g) =>
      Array.from({ length: spec.camerasPerGateway }, (_, c) => ({
        id: cameraId(g, c),
        grid: `grid-${g}`,
        gateway: gatewayId(g),
        lat: 30,
        lon: 120,
      })),
    ).flat(),
    redis: { url: TEST_REDIS_URL, prefix: spec.prefix ?? `xltest-${ulid().toLowerCase()}` },
    ingest: spec.ingest ?? {},
    ...(spec.keys
      ? {
          api: {
            keys: Object.entries(spec.keys).map(([id, [role, org]]) => ({
              id,
              hash: hashSecret(apiKeyOf(id)),
              role,
              org,
            })),
          },
        }
      : {}),
    ...spec.extra,
  };
}

export function testCity(spec: CitySpec): Readonly<CityConfig> {
  return loadCityConfig(undefined, {}, testCityRaw(spec));
}

export async function openTestStore(
  dir = mkdtempSync(join(tmpdir(), 'xl-ingest-')),
): Promise<{ store: Store; dir: string }> {
  const store = await openStore({ url: `chdb://${dir}` });
  await migrate(store, { hitsDays: 30, snapshotsDays: 7, quarantineDays: 14 });
  return { store, dir };
}

/** Deletes every Redis key under `prefix:`. */
export async function dropPrefix(redisUrl: string, prefix: string): Promise<number> {
  const r = new Redis(redisUrl);
  let n = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) n += await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
  return n;
}

export interface Harness {
  config: Readonly<CityConfig>;
  store: Store;
  ingest: IngestService;
  registry: Registry;
  close(): Promise<void>;
}

/** City + store + embedded ingest on a free port. `wrapStore` decorates the store the workers see. */
export async function startHarness(
  spec: CitySpec,
  over: Partial<IngestOptions> & { wrapStore?: (s: Store) => Store } = {},
  log: Logger = silentLogger(),
): Promise<Harness> {
  const config = testCity(spec);
  const { store, dir } = await openTestStore();
  const registry = new Registry();
  const { wrapStore, ...rest } = over;
  const ingest = await startIngest({
    config,
    store: wrapStore ? wrapStore(store) : store,
    redisUrl: TEST_REDIS_URL,
    log,
    registry,
    mqtt: { mode: 'embedded', host: '127.0.0.1', port: 0 },
    open: false,
    ...rest,
  });
  return {
    config,
    store,
    ingest,
    registry,
    async close() {
      await ingest.close();
      await store.close();
      await dropPrefix(TEST_REDIS_URL, config.redis.prefix);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An MQTT 3.1.1 client logged in as a gateway (no auto-reconnect unless asked). */
export async function connectGateway(
  url: string,
  gw: string,
  opts: mqtt.IClientOptions = {},
): Promise<MqttClient> {
  return mqtt.connectAsync(url, {
    clientId: `${gw}-${ulid().slice(-6)}`,
    username: gw,
    password: gatewayPassword(gw),
    protocolVersion: 4,
    reconnectPeriod: 0,
    clean: true,
    ...opts,
  });
}

/** Polls `fn` until it returns true or `timeoutMs` passes. */
export async function until(
  fn: () => Promise<boolean> | boolean,
  timeoutMs = 10_000,
  stepMs = 50,
): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return fn();
}

export async function count(
  store: Store,
  sql: string,
  params: Record<string, unknown> = {},
): Promise<number> {
  const rows = await store.query<{ n: string | number }>(sql, params);
  return Number(rows[0]?.n ?? 0);
}

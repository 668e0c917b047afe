/**
 * `xueliang up`: the whole central tier in one process group on embedded defaults — MQTT
 * endpoint (aedes) or an existing broker, Redis from a URL (or sentinels) or a redis-server
 * child, chDB in the data folder, and every part of bin/central.ts (receiver, worker, alert
 * engine, API). `xueliang demo` reuses this and adds edge agents.
 */
import { join, resolve } from 'node:path';
import { loadCityConfig, withOverrides, type CityConfig } from '../contracts/config/index.js';
import { projectRoot } from '../contracts/paths.js';
import { rootLogger, setLogLevel } from '../contracts/log.js';
import { assertCanListen, HTTP_LISTEN, MQTT_LISTEN } from '../contracts/net.js';
import { within } from '../contracts/within.js';
import { hasRedis, redisTarget } from '../analytics/redis.js';
import type { Store } from '../analytics/store.js';
import { ensureAdminKey } from '../api/admin-key.js';
import { ensureDataDir, openCityKeys } from '../api/city-keys.js';
import type { AlertEngine } from '../analytics/tasks/service.js';
import type { IngestService } from '../ingest/service.js';
import { int, type OptionSpec, type OptionValues, str } from './cli.js';
import { ensurePrivateDir } from './private-dir.js';
import { startRedisChild, type RedisChild } from './redis-child.js';
import { PARTS, startCentral } from './central.js';
import { embeddedStoreUrl, listenHttp, newRegistry, openMigratedStore } from './stack.js';

/** Time each part of the stack gets to close on shutdown. */
const STOP_STEP_MS = 15_000;

export const UP_OPTIONS: Record<string, OptionSpec> = {
  config: {
    type: 'string',
    arg: 'FILE',
    description: 'city.yaml (default: the sample city in deploy/city.yaml)',
  },
  port: { type: 'string', arg: 'PORT', description: 'HTTP port of the API and dashboard', default: '8080' },
  host: {
    type: 'string',
    arg: 'ADDR',
    description: 'Address the HTTP API and MQTT endpoint listen on',
    default: '127.0.0.1',
  },
  'mqtt-port': {
    type: 'string',
    arg: 'PORT',
    description: 'Port of the embedded MQTT endpoint',
    default: '1884',
  },
  'mqtt-url': {
    type: 'string',
    arg: 'URL',
    description: 'Use an existing MQTT broker instead of the embedded endpoint (also MQTT_URL)',
  },
  'redis-url': {
    type: 'string',
    arg: 'URL',
    description: 'Use this Redis (also REDIS_URL); default: a redis-server child in <data>/redis',
  },
  data: {
    type: 'string',
    arg: 'DIR',
    description: 'Data folder (embedded ClickHouse, Redis AOF, admin key)',
    default: './data',
  },
  clickhouse: {
    type: 'string',
    arg: 'URL',
    description: 'A ClickHouse server (http://…) instead of the embedded engine (also CLICKHOUSE_URL)',
  },
  open: { type: 'boolean', description: 'Accept hits from any gateway and camera (development only; warns)' },
  'log-level': { type: 'string', arg: 'LEVEL', description: 'trace, debug, info, warn, error' },
};

export interface UpStack {
  config: Readonly<CityConfig>;
  store: Store;
  ingest: IngestService;
  alerts: AlertEngine;
  apiUrl: string;
  mqttUrl: string;
  adminKey: string;
  dataDir: string;
  stop(): Promise<void>;
}

export async function startUp(values: OptionValues, env: NodeJS.ProcessEnv): Promise<UpStack> {
  const log = rootLogger();
  const dataDir = resolve(str(values, 'data') ?? './data');
  ensureDataDir(dataDir);
  // A folder that already existed readable by others is narrowed too (docs/security.md).
  if (ensurePrivateDir(dataDir)) log.warn({ dataDir }, 'the data folder was readable by others: now 0700');
  const file = str(values, 'config') ?? join(projectRoot, 'deploy', 'city.yaml');
  let config = loadCityConfig(file, env);
  const clickhouse =
    str(values, 'clickhouse') ??
    (config.store.clickhouse.startsWith('chdb://') ? embeddedStoreUrl(dataDir) : undefined);
  config = withOverrides(config, {
    '/http/port': int(values, 'port', 0, 65535),
    '/http/host': str(values, 'host'),
    '/mqtt/port': int(values, 'mqtt-port', 0, 65535),
    '/mqtt/host': str(values, 'host'),
    '/mqtt/url': str(values, 'mqtt-url'),
    '/redis/url': str(values, 'redis-url'),
    '/store/clickhouse': clickhouse,
    '/ingest/open': values.open ? true : undefined,
    '/log/level': str(values, 'log-level'),
  });
  setLogLevel(config.log.level);
  if (config.ingest.open)
    log.warn('--open: accepting hits from ANY gateway and camera, unauthenticated. Development only.');

  const stops: Array<{ part: string; close: () => Promise<void> }> = [];
  // Each part gets STOP_STEP_MS to close: a part stuck on a dependency that went away first
  // (e.g. Redis killed by a signal to the whole process group) must not hang the shutdown.
  const stop = async () => {
    for (const { part, close } of stops.reverse()) {
      const closed = close().catch((e: unknown) => log.error({ part, err: e }, 'stop failed'));
      if (!(await within(closed, STOP_STEP_MS)))
        log.error({ part, ms: STOP_STEP_MS }, 'stopping timed out; going on');
    }
  };
  try {
    // Ports first: a taken one is reported in a second, before the store and Redis start.
    await assertCanListen(config.http.port, config.http.host, HTTP_LISTEN);
    // With a server certificate the endpoint listens on mqtt.tls.port (bin/tls-config.ts).
    const mqttPort = config.mqtt.tls.cert ? config.mqtt.tls.port : config.mqtt.port;
    if (!config.mqtt.url) await assertCanListen(mqttPort, config.mqtt.host, MQTT_LISTEN);
    // The store before the Redis child: a second `up` on a folder in use stops here
    // (STORE_LOCKED), before it could touch the first one's redis-server.
    const store = await openMigratedStore(config, log, dataDir);
    stops.push({ part: 'store', close: () => store.close() });
    let redis: RedisChild | undefined;
    const target = redisTarget(config.redis);
    if (!hasRedis(target)) {
      redis = await startRedisChild(join(dataDir, 'redis'));
      stops.push({ part: 'redis', close: () => redis!.stop() });
    }
    const rootOrg = config.orgs[0]?.id ?? config.city.id;
    const admin = ensureAdminKey(dataDir, rootOrg);
    // Every part in this process: receiver, worker, alert engine, API (bin/central.ts).
    const central = await startCentral({
      config,
      log,
      registry: newRegistry(),
      parts: PARTS,
      redis: redis ? redis.url : target,
      dataDir,
      store,
      extraKeys: [admin.record],
      keys: openCityKeys(config, dataDir, Date.now()),
    });
    stops.push({ part: 'central tier', close: () => central.stop() });
    const { app } = central;
    const ingest = central.ingest!;
    const alerts = central.alerts!;
    const apiUrl = await listenHttp(app!, config);
    const out = [
      `Xueliang is up.`,
      `  MQTT: ${ingest.mqttUrl}${config.mqtt.url ? ' (existing broker)' : ' (embedded endpoint)'}`,
      `  API:  ${apiUrl}  (dashboard ${apiUrl}/, health ${apiUrl}/healthz)`,
      `  Data: ${dataDir}`,
      admin.created
        ? `  Admin API key (shown once; also in ${join(dataDir, 'admin-api-key')}):\n    ${admin.key}`
        : `  Admin API key: in ${join(dataDir, 'admin-api-key')}`,
      `Ctrl-C stops everything.`,
    ];
    process.stdout.write(`${out.join('\n')}\n`);
    return {
      config,
      store,
      ingest,
      alerts,
      apiUrl,
      mqttUrl: ingest.mqttUrl,
      adminKey: admin.key,
      dataDir,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

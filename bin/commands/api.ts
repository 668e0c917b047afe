import { resolve } from 'node:path';
import type { Redis } from 'ioredis';
import { redisConnection } from '../../analytics/redis.js';
import { loadCityConfig, withOverrides } from '../../contracts/config/index.js';
import { OrgTree } from '../../contracts/org-tree.js';
import { rootLogger, setLogLevel } from '../../contracts/log.js';
import { ensureAdminKey } from '../../api/admin-key.js';
import { buildApp } from '../../api/app.js';
import { ensureDataDir, openCityKeys } from '../../api/city-keys.js';
import { type AlertEngine, createAlertEngine } from '../../analytics/tasks/service.js';
import { readGatewayStatus } from '../../ingest/gateway-status.js';
import { defineCommand, int, str, UsageError } from '../cli.js';
import { embeddedStoreUrl, listenHttp, newRegistry, onShutdown, openMigratedStore } from '../stack.js';

export default defineCommand({
  name: 'api',
  summary: 'Run the HTTP API (and dashboard) alone, against the configured store',
  options: {
    config: { type: 'string', arg: 'FILE', description: 'city.yaml (required)' },
    port: {
      type: 'string',
      arg: 'PORT',
      description: 'HTTP port (default: http.port from the config, 8080)',
    },
    host: { type: 'string', arg: 'ADDR', description: 'Listen address (default: http.host from the config)' },
    'redis-url': {
      type: 'string',
      arg: 'URL',
      description: 'Redis for tasks and live streams (also REDIS_URL)',
    },
    clickhouse: {
      type: 'string',
      arg: 'URL',
      description: 'ClickHouse server URL or chdb://PATH (also CLICKHOUSE_URL)',
    },
    data: { type: 'string', arg: 'DIR', description: 'Folder holding admin-api-key', default: './data' },
    'log-level': { type: 'string', arg: 'LEVEL', description: 'trace, debug, info, warn, error' },
  },
  details:
    'The embedded engine (chdb://) allows one process per data folder: when ingest runs in another\nprocess, point both at a ClickHouse server (--clickhouse http://…), or use `xueliang up`.',
  async run({ values }) {
    const file = str(values, 'config');
    if (!file) throw new UsageError('--config FILE is required (see deploy/city.yaml)');
    const log = rootLogger();
    const dataDir = resolve(str(values, 'data') ?? './data');
    ensureDataDir(dataDir);
    let config = loadCityConfig(file, process.env);
    config = withOverrides(config, {
      '/http/port': int(values, 'port', 0, 65535),
      '/http/host': str(values, 'host'),
      '/redis/url': str(values, 'redis-url'),
      '/store/clickhouse':
        str(values, 'clickhouse') ??
        (config.store.clickhouse.startsWith('chdb://') ? embeddedStoreUrl(dataDir) : undefined),
      '/log/level': str(values, 'log-level'),
    });
    setLogLevel(config.log.level);
    const store = await openMigratedStore(config, log, dataDir);
    const admin = ensureAdminKey(dataDir, config.orgs[0]?.id ?? config.city.id);
    const registry = newRegistry();
    // Tasks and the live stream need Redis (task state, escalation timers, cross-process events).
    let alerts: AlertEngine | undefined;
    const orgs = new OrgTree(config); // built once: the alert engine and the API share it
    if (config.redis.url)
      alerts = await createAlertEngine({ config, store, redisUrl: config.redis.url, log, registry, orgs });
    else log.warn('no Redis URL (--redis-url or REDIS_URL): the tasks and stream routes are off');
    // The cameras' status as the ingest tier keeps it (ingest/gateway-status.ts).
    let statusRedis: Redis | undefined;
    if (config.redis.url) {
      statusRedis = redisConnection(config.redis.url, log, {
        maxRetriesPerRequest: 1,
        label: 'redis error (gateway status)',
      });
    }
    const redis = statusRedis;
    const app = await buildApp({
      config,
      store,
      registry,
      log,
      extraKeys: [admin.record],
      keys: openCityKeys(config, dataDir, Date.now()),
      orgs,
      ...(alerts ? { alerts } : {}),
      ...(redis ? { gatewayStatus: () => readGatewayStatus(redis, config.redis.prefix) } : {}),
    });
    const stop = async () => {
      await app.close();
      await alerts?.close();
      statusRedis?.disconnect();
      await store.close();
    };
    let url: string;
    try {
      url = await listenHttp(app, config);
    } catch (e) {
      await stop();
      throw e;
    }
    process.stdout.write(`API: ${url}\n`);
    onShutdown(log, stop);
    await new Promise(() => {});
    return 0;
  },
});

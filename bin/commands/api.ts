import { resolve } from 'node:path';
import { hasRedis, redisTarget } from '../../analytics/redis.js';
import { loadCityConfig, withOverrides } from '../../contracts/config/index.js';
import { rootLogger, setLogLevel } from '../../contracts/log.js';
import { ensureAdminKey } from '../../api/admin-key.js';
import { ensureDataDir, openCityKeys } from '../../api/city-keys.js';
import { startCentral } from '../central.js';
import { defineCommand, int, str, UsageError } from '../cli.js';
import { embeddedStoreUrl, listenHttp, newRegistry, onShutdown } from '../stack.js';

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
  details: [
    'Any number of API processes may run against one Redis and one store: live hits reach every',
    "one's stream through Redis (the workers publish them), and rate limits and token revocations",
    'are kept in Redis, so every API process agrees.',
    '',
    'The embedded engine (chdb://) allows one process per data folder: when ingest runs in another',
    'process, point both at a ClickHouse server (--clickhouse http://…), or use `xueliang up`.',
  ].join('\n'),
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
    const redis = redisTarget(config.redis);
    // Tasks, the live stream and the shared limits need Redis (task state, escalation timers,
    // the hit feed, cross-process events).
    if (!hasRedis(redis))
      log.warn('no Redis (--redis-url, REDIS_URL or redis.sentinels): the tasks and stream routes are off');
    const admin = ensureAdminKey(dataDir, config.orgs[0]?.id ?? config.city.id);
    const central = await startCentral({
      config,
      log,
      registry: newRegistry(),
      parts: ['api'],
      redis,
      dataDir,
      extraKeys: [admin.record],
      keys: openCityKeys(config, dataDir, Date.now()),
    });
    const app = central.app!;
    const stop = () => central.stop();
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

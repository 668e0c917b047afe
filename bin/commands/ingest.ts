/**
 * `xueliang ingest`: the ingest tier (docs/architecture.md#no-loss-chain). Plain `xueliang ingest` runs it
 * (`ingest run`); `ingest redrive` re-queues dead letters; `ingest deadletters` lists them.
 */
import { resolve } from 'node:path';
import { type CityConfig, loadCityConfig, withOverrides } from '../../contracts/config/index.js';
import { rootLogger, setLogLevel } from '../../contracts/log.js';
import { projectRoot } from '../../contracts/paths.js';
import { hasRedis, redisConnection, redisTarget } from '../../analytics/redis.js';
import { applyServiceTls } from '../tls-config.js';
import { listDeadLetters, openQueue, redrive } from '../../ingest/jobs.js';
import { serveMetrics } from '../../edge-agent/metrics.js';
import { type Part, startCentral } from '../central.js';
import { defineCommand, int, type OptionValues, str, UsageError } from '../cli.js';
import type { CommandGroup } from '../main.js';
import { embeddedStoreUrl, newRegistry, onShutdown } from '../stack.js';

const ROLES = ['all', 'receiver', 'worker'] as const;

const COMMON = {
  config: {
    type: 'string',
    arg: 'FILE',
    description: 'city.yaml (default: the sample city in deploy/city.yaml)',
  },
  'redis-url': {
    type: 'string',
    arg: 'URL',
    description: 'Redis holding the queues (also REDIS_URL; required)',
  },
  'log-level': { type: 'string', arg: 'LEVEL', description: 'trace, debug, info, warn, error' },
} as const;

function loadConfig(values: OptionValues, extra: Record<string, unknown> = {}): Readonly<CityConfig> {
  const file = str(values, 'config') ?? resolve(projectRoot, 'deploy', 'city.yaml');
  const config = withOverrides(loadCityConfig(file, process.env), {
    '/redis/url': str(values, 'redis-url'),
    '/log/level': str(values, 'log-level'),
    ...extra,
  });
  if (!hasRedis(redisTarget(config.redis)))
    throw new UsageError(
      'needs Redis: --redis-url redis://host:6379 (or redis.url or redis.sentinels in city.yaml, or REDIS_URL)',
    );
  setLogLevel(config.log.level);
  return config;
}

const run = defineCommand({
  name: 'ingest run',
  summary: 'Run the ingest tier: MQTT endpoint (or broker subscriber), validation, queue, store writers',
  options: {
    ...COMMON,
    'mqtt-port': {
      type: 'string',
      arg: 'PORT',
      description: 'Port of the embedded MQTT endpoint (default: mqtt.port, 1884; 0: any free port)',
    },
    'mqtt-host': {
      type: 'string',
      arg: 'ADDR',
      description: 'Address the embedded endpoint listens on (default: mqtt.host)',
    },
    'mqtt-url': {
      type: 'string',
      arg: 'URL',
      description: 'Subscribe to this existing broker instead of embedding one (also MQTT_URL)',
    },
    clickhouse: {
      type: 'string',
      arg: 'URL',
      description: 'ClickHouse server URL or chdb://PATH (also CLICKHOUSE_URL)',
    },
    data: {
      type: 'string',
      arg: 'DIR',
      description: 'Data folder for the embedded ClickHouse',
      default: './data',
    },
    open: {
      type: 'boolean',
      description: 'Accept any gateway and camera, unauthenticated (development only; warns)',
    },
    'metrics-port': {
      type: 'string',
      arg: 'PORT',
      description: 'Serve Prometheus /metrics and /healthz on this port (0: off)',
      default: '9466',
    },
    'metrics-host': {
      type: 'string',
      arg: 'ADDR',
      description: 'Address the metrics server listens on',
      default: '127.0.0.1',
    },
    role: {
      type: 'string',
      arg: 'ROLE',
      description: 'all (receiver and workers), receiver, or worker',
      default: 'all',
    },
  },
  details: [
    'Closed by default: gateways log in with their id and the password whose hash is in city.yaml;',
    'a hit for a camera not assigned to its gateway is quarantined. With --mqtt-url, generate the',
    "broker's password and ACL files with `xueliang deploy mosquitto-acl`.",
    '',
    'Workers (roles all and worker) run the alert engine on every batch they store: tasks for',
    "grid members, notified through this process's MQTT side, else mqtt.url, and to webhooks",
    '(city.yaml alerts). Run `xueliang api` with the same Redis for the tasks routes and the stream.',
    '',
    'A receiver never touches the store; a worker needs no MQTT. The embedded engine (chdb://)',
    'allows one process per data folder, so run one worker per folder or use a ClickHouse server.',
    '',
    'Examples:',
    '  xueliang ingest --config city.yaml --redis-url redis://127.0.0.1:6379 --mqtt-port 1884',
    '  xueliang ingest --config city.yaml --redis-url redis://r:6379 --mqtt-url mqtt://broker:1883 --clickhouse http://ch:8123',
  ].join('\n'),
  async run({ values }) {
    const role = str(values, 'role') ?? 'all';
    if (!(ROLES as readonly string[]).includes(role))
      throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
    const dataDir = resolve(str(values, 'data') ?? './data');
    const config = loadConfig(values, {
      '/mqtt/port': int(values, 'mqtt-port', 0, 65535),
      '/mqtt/host': str(values, 'mqtt-host'),
      '/mqtt/url': str(values, 'mqtt-url'),
      '/ingest/open': values.open ? true : undefined,
    });
    const clickhouse = str(values, 'clickhouse');
    const storeConfig = withOverrides(config, {
      '/store/clickhouse':
        clickhouse ?? (config.store.clickhouse.startsWith('chdb://') ? embeddedStoreUrl(dataDir) : undefined),
    });
    const metricsPort = int(values, 'metrics-port', 0, 65535) ?? 9466;
    const log = rootLogger();
    // Workers feed the live hit feed and the alert engine with what they stored (bin/central.ts).
    const registry = newRegistry();
    const central = await startCentral({
      config: storeConfig,
      log,
      registry,
      parts: role === 'all' ? ['receiver', 'worker'] : [role as Part],
      redis: redisTarget(config.redis),
      dataDir,
    });
    const ingest = central.ingest!;
    const alerts = central.alerts;
    const metrics =
      metricsPort > 0
        ? await serveMetrics({ registry }, metricsPort, str(values, 'metrics-host') ?? '127.0.0.1', () => ({
            role,
            stats: ingest.stats(),
          })).catch(async (e: unknown) => {
            await central.stop();
            throw e;
          })
        : undefined;
    process.stdout.write(
      `Ingest (${role}) is up.${ingest.mqttUrl ? `\n  MQTT: ${ingest.mqttUrl}` : ''}${metrics ? `\n  Metrics: http://${str(values, 'metrics-host') ?? '127.0.0.1'}:${metrics.port}/metrics` : ''}${alerts ? '\n  Alerts: evaluated on every stored batch' : ''}\n`,
    );
    onShutdown(log, async () => {
      await metrics?.close();
      await central.stop();
    });
    await new Promise(() => {});
    return 0;
  },
});

async function withQueue<T>(
  values: OptionValues,
  fn: (q: ReturnType<typeof openQueue>) => Promise<T>,
): Promise<T> {
  const config = loadConfig(values);
  applyServiceTls(config); // rediss:// with city.yaml's CA
  const conn = redisConnection(redisTarget(config.redis), rootLogger());
  const q = openQueue(conn, config.redis.prefix);
  try {
    return await fn(q);
  } finally {
    await q.close();
    conn.disconnect();
  }
}

const redriveCmd = defineCommand({
  name: 'ingest redrive',
  summary: 'Re-queue every dead letter (jobs that exhausted their insert attempts)',
  options: { ...COMMON, json: { type: 'boolean', description: 'Print { "requeued": [jobId…] } as JSON' } },
  details:
    'A re-queued job keeps its id, so its INSERT keeps its deduplication token: rows already\nstored by an earlier attempt are not stored twice.',
  async run({ values }) {
    const ids = await withQueue(values, redrive);
    if (values.json) process.stdout.write(`${JSON.stringify({ requeued: ids })}\n`);
    else
      process.stdout.write(
        `re-queued ${ids.length} dead letter${ids.length === 1 ? '' : 's'}${ids.length ? `: ${ids.join(', ')}` : ''}\n`,
      );
    return 0;
  },
});

const deadLetters = defineCommand({
  name: 'ingest deadletters',
  summary: 'List dead letters (jobs that exhausted their insert attempts), newest first',
  options: {
    ...COMMON,
    limit: { type: 'string', arg: 'N', description: 'How many to list', default: '50' },
    json: { type: 'boolean', description: 'Print { total, items } as JSON' },
  },
  async run({ values }) {
    const limit = int(values, 'limit', 1, 10_000) ?? 50;
    const dl = await withQueue(values, (q) => listDeadLetters(q, 0, limit));
    if (values.json) process.stdout.write(`${JSON.stringify(dl)}\n`);
    else {
      process.stdout.write(`${dl.total} dead letter(s)\n`);
      for (const d of dl.items)
        process.stdout.write(
          `  ${d.jobId}  hits=${d.hits} snapshots=${d.snapshots} attempts=${d.attemptsMade}  ${d.failedReason}\n`,
        );
    }
    return 0;
  },
});

const group: CommandGroup = {
  name: 'ingest',
  summary: 'The ingest tier (`xueliang ingest` runs it) and its dead letters',
  subcommands: [run, redriveCmd, deadLetters],
  default: 'ingest run',
};
export default group;

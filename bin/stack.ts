/**
 * Composition of the central tier in one process (`xueliang up`, `demo`, `api`, `ingest`):
 * config → store (migrated) → Redis → ingest → API. Each part closes in reverse order.
 */
import { join, resolve } from 'node:path';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import type { CityConfig } from '../contracts/config/index.js';
import { HTTP_LISTEN, listenError } from '../contracts/net.js';
import { OrgTree } from '../contracts/org-tree.js';
import type { Logger } from '../contracts/log.js';
import { migrate } from '../analytics/migrate.js';
import { openStore, type Store } from '../analytics/store.js';
import { type AlertEngine, createAlertEngine } from '../analytics/tasks/service.js';
import { ESCALATE_QUEUE } from '../analytics/tasks/escalation.js';
import { WEBHOOK_QUEUE } from '../analytics/tasks/notify.js';
import { type IngestOptions, type IngestService, startIngest } from '../ingest/service.js';

export function migrationVars(c: Readonly<CityConfig>) {
  return {
    hitsDays: c.retention.hitsDays,
    snapshotsDays: c.retention.snapshotsDays,
    quarantineDays: c.retention.quarantineDays,
    auditDays: c.retention.auditDays,
  };
}

/** Opens the configured store and applies pending migrations. */
export async function openMigratedStore(
  c: Readonly<CityConfig>,
  log: Logger,
  baseDir = process.cwd(),
): Promise<Store> {
  const store = await openStore({ url: c.store.clickhouse, database: c.store.database, baseDir });
  try {
    const applied = await migrate(store, migrationVars(c));
    if (applied.length) log.info({ component: 'store', applied }, 'migrations applied');
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}

/** Ingest's MQTT side from the config: an existing broker (`mqtt.url`) or the embedded endpoint. */
export function ingestMqtt(c: Readonly<CityConfig>): IngestOptions['mqtt'] {
  return c.mqtt.url
    ? {
        mode: 'broker',
        url: c.mqtt.url,
        ...(c.mqtt.username ? { username: c.mqtt.username, password: c.mqtt.password } : {}),
      }
    : { mode: 'embedded', host: c.mqtt.host, port: c.mqtt.port };
}

/**
 * The ingest tier and, unless it only receives, the alert engine its workers feed: a batch is
 * matched where it was stored (docs/architecture.md#alerts), in `up` and in a separate `xueliang ingest` alike.
 * Task notifications go out through ingest's MQTT side when it has one (the embedded endpoint
 * refuses other clients that publish on grid topics), else through `mqtt.url`. Close the
 * engine first, then ingest.
 */
export async function startIngestWithAlerts(
  o: Omit<IngestOptions, 'mqtt' | 'onStored' | 'matchStored'>,
): Promise<{ ingest: IngestService; alerts: AlertEngine | undefined; orgs: OrgTree }> {
  let alerts: AlertEngine | undefined;
  // The org tree is built once and shared by the gate, the alert engine and (in `up`) the API.
  const orgs = o.orgs ?? new OrgTree(o.config);
  const ingest = await startIngest({
    ...o,
    orgs,
    mqtt: ingestMqtt(o.config),
    ...(o.role === 'receiver' ? {} : { metricsQueues: [WEBHOOK_QUEUE, ESCALATE_QUEUE] }),
    // The durable hand-off (analytics/stored-feed.ts): a batch stays in the feed until matched.
    matchStored: (rows) =>
      alerts ? alerts.onRows(rows) : Promise.reject(new Error('alert engine not started yet')),
  });
  if (o.role === 'receiver') return { ingest, alerts, orgs };
  try {
    alerts = await createAlertEngine({
      config: o.config,
      store: o.store,
      redisUrl: o.redisUrl,
      log: o.log,
      registry: o.registry,
      orgs,
      ...(ingest.mqttUrl
        ? {
            publisher: {
              publish: (topic, payload) => ingest.publish(topic, Buffer.from(payload)),
              close: async () => undefined,
            },
          }
        : {}),
    });
  } catch (e) {
    await ingest.close();
    throw e;
  }
  return { ingest, alerts, orgs };
}

/** Starts the HTTP API on `http.host:http.port`; a taken port is `NET_PORT_IN_USE`. Returns its URL. */
export async function listenHttp(app: FastifyInstance, c: Readonly<CityConfig>): Promise<string> {
  try {
    await app.listen({ port: c.http.port, host: c.http.host });
  } catch (e) {
    throw listenError(e, c.http.host, c.http.port, HTTP_LISTEN);
  }
  const addr = app.server.address();
  return `http://${c.http.host}:${typeof addr === 'object' && addr ? addr.port : c.http.port}`;
}

/** The embedded store URL for a data folder. */
export function embeddedStoreUrl(dataDir: string): string {
  return `chdb://${join(resolve(dataDir), 'clickhouse')}`;
}

export function newRegistry(): Registry {
  const registry = new Registry();
  const prefix = 'xueliang_process_';
  collectDefaultMetrics({ register: registry, prefix });
  // prom-client's `nodejs_active_*_total` are gauges ("_total" is for counters, promtool says);
  // the same numbers by type stay as `nodejs_active_handles` etc.
  for (const what of ['handles', 'requests', 'resources'])
    registry.removeSingleMetric(`${prefix}nodejs_active_${what}_total`);
  return registry;
}

let early: ((sig: NodeJS.Signals) => void) | undefined;

/**
 * Until a command installs {@link onShutdown}: SIGINT/SIGTERM exit at once (code 130) through
 * `process.exit`, so 'exit' hooks run — a redis-server child started so far is killed rather
 * than left behind. (A signal's default action would end the process without them.)
 */
export function exitOnSignalUntilReady(): void {
  early = () => process.exit(130);
  process.on('SIGINT', early);
  process.on('SIGTERM', early);
}

/**
 * A signal this soon after the first is the same request delivered twice (GNU `timeout`
 * signals its child and then the child's process group), not a second Ctrl-C.
 */
const REPEAT_MS = 1000;

/**
 * Runs `stop` once on SIGINT/SIGTERM, then exits; a second signal (after REPEAT_MS) exits at
 * once.
 */
export function onShutdown(log: Logger, stop: () => Promise<void>): void {
  if (early) {
    process.off('SIGINT', early);
    process.off('SIGTERM', early);
    early = undefined;
  }
  let stopping = false;
  let firstMs = 0;
  const handler = (sig: NodeJS.Signals) => {
    if (stopping) {
      if (Date.now() - firstMs < REPEAT_MS) return;
      log.warn({ sig }, 'second signal: exiting now');
      process.exit(130);
    }
    stopping = true;
    firstMs = Date.now();
    log.info({ sig }, 'stopping');
    stop().then(
      () => process.exit(0),
      (e: unknown) => {
        log.error({ err: e }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

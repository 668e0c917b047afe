/**
 * The one composition of the central tier (docs/architecture.md#composition): from the config
 * and the parts a process runs — `receiver`, `worker`, `api`, any mix — it builds the store
 * (migrated), the org tree, the ingest tier, the alert engine, the live hit feed, the shared API
 * limits and the API, and closes them in reverse order. `xueliang up` runs every part,
 * `xueliang api` the API, `xueliang ingest --role` the receiver, the worker or both; any number of
 * each may run on any machine against one Redis and one store.
 *
 * Hand-off seams: a stored batch leaves the ingest worker through {@link onBatchStored} (the
 * live hit feed, at most once) and {@link matchStored} (the alert engine, durably through the
 * stored feed, analytics/stored-feed.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { CityConfig } from '../contracts/config/index.js';
import type { Logger } from '../contracts/log.js';
import { OrgTree } from '../contracts/org-tree.js';
import { within } from '../contracts/within.js';
import { HitFeedPublisher, HitFeedSubscriber } from '../analytics/hit-feed.js';
import { hasRedis, type RedisTarget, redisConnection } from '../analytics/redis.js';
import type { Store } from '../analytics/store.js';
import type { HitRow } from '../analytics/hit-rows.js';
import { ESCALATE_QUEUE } from '../analytics/tasks/escalation.js';
import { WEBHOOK_QUEUE } from '../analytics/tasks/notify.js';
import type { AlertEngine } from '../analytics/tasks/service.js';
import { readGatewayStatus } from '../ingest/gateway-status.js';
import type { BundleJob } from '../ingest/jobs.js';
import { noStore } from '../ingest/no-store.js';
import { type IngestService, startIngest } from '../ingest/service.js';
import type { KeyRecord } from '../api/auth.js';
import type { CityKeys } from '../api/city-keys.js';
import { ingestMqtt, openMigratedStore } from './stack.js';
import { applyServiceTls } from './tls-config.js';
import type { SharedApiState } from '../api/shared-limits.js';

export const PARTS = ['receiver', 'worker', 'api'] as const;
export type Part = (typeof PARTS)[number];

/** Time each part gets to close on shutdown. */
const STOP_STEP_MS = 15_000;

export interface CentralOptions {
  config: Readonly<CityConfig>;
  log: Logger;
  registry: Registry;
  parts: readonly Part[];
  /** Redis, resolved by the caller (`up` may have started a child). */
  redis: RedisTarget;
  /** Where the embedded store and the API's files live. */
  dataDir: string;
  /** The store, opened and migrated by the caller, who closes it (default: opened here when needed). */
  store?: Store;
  /** API keys besides city.yaml's (the admin key). */
  extraKeys?: readonly KeyRecord[];
  keys?: CityKeys;
}

export interface Central {
  store: Store;
  orgs: OrgTree;
  ingest?: IngestService;
  alerts?: AlertEngine;
  app?: FastifyInstance;
  /** Closes every part in reverse order, each within STOP_STEP_MS; idempotent. */
  stop(): Promise<void>;
}

/**
 * What becomes of a batch a worker stored: it goes out on the live hit feed
 * (analytics/hit-feed.ts, at most once). It may not fail the job: the rows are stored. The alert
 * engine gets the batch durably through `matchStored` (analytics/stored-feed.ts).
 */
export function onBatchStored(feed: HitFeedPublisher): (job: BundleJob) => void {
  return (job) => {
    if (job.hits.length > 0) feed.publish(job.hits);
  };
}

/**
 * How long a stored batch waits for the alert engine of a starting worker (it starts right after
 * ingest, whose stored feed may hand it a batch first). Without the wait the batch failed and
 * stayed pending for the feed's claim idle time (STORED_CLAIM_IDLE_MS, 5 s) after every start.
 */
const ENGINE_WAIT_MS = 10_000;

/** The durable hand-off to the alert engine: a batch stays in the stored feed until matched. */
export function matchStored(alerts: () => AlertEngine | undefined): (rows: HitRow[]) => Promise<void> {
  return async (rows) => {
    for (const end = Date.now() + ENGINE_WAIT_MS; !alerts() && Date.now() < end; )
      await new Promise((r) => setTimeout(r, 50));
    const engine = alerts();
    if (!engine) throw new Error('alert engine not started yet');
    return engine.onRows(rows);
  };
}

export async function startCentral(o: CentralOptions): Promise<Central> {
  const { config, log } = o;
  const has = (p: Part) => o.parts.includes(p);
  const stops: Array<{ part: string; close: () => Promise<void> }> = [];
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      for (const { part, close } of stops.reverse()) {
        const closed = close().catch((e: unknown) => log.error({ part, err: e }, 'stop failed'));
        if (!(await within(closed, STOP_STEP_MS)))
          log.error({ part, ms: STOP_STEP_MS }, 'stopping timed out; going on');
      }
    })();
    return stopped;
  };
  try {
    applyServiceTls(config); // rediss:// and https:// with city.yaml's CAs, in every role
    const needsStore = has('worker') || has('api');
    const store = o.store ?? (needsStore ? await openMigratedStore(config, log, o.dataDir) : noStore());
    if (!o.store) stops.push({ part: 'store', close: () => store.close() });
    const orgs = new OrgTree(config); // built once: gate, alert engine and API share it
    const c: Central = { store, orgs, stop };
    let alerts: AlertEngine | undefined;
    if (has('receiver') || has('worker')) {
      const feedConn = has('worker')
        ? redisConnection(o.redis, log, { label: 'redis error (hit feed)' })
        : undefined;
      const feed = feedConn ? new HitFeedPublisher(feedConn, config.redis.prefix, log) : undefined;
      if (feedConn)
        stops.push({
          part: 'hit feed',
          close: async () => {
            feed?.close();
            feedConn.disconnect();
          },
        });
      const role = has('receiver') && has('worker') ? 'all' : has('receiver') ? 'receiver' : 'worker';
      const ingest = await startIngest({
        config,
        store,
        redisUrl: o.redis,
        log,
        registry: o.registry,
        open: config.ingest.open,
        orgs,
        role,
        mqtt: ingestMqtt(config),
        ...(has('worker') ? { metricsQueues: [WEBHOOK_QUEUE, ESCALATE_QUEUE] } : {}),
        ...(feed ? { onStored: onBatchStored(feed) } : {}),
        ...(has('worker') ? { matchStored: matchStored(() => alerts) } : {}),
      });
      stops.push({ part: 'ingest', close: () => ingest.close() });
      c.ingest = ingest;
    }
    // Workers match what they stored; the API serves tasks and watches: both need the engine.
    if (has('worker') || (has('api') && hasRedis(o.redis))) {
      const ingest = c.ingest;
      // Loaded here, not at the top: a receiver never needs the engine, nor the API (below),
      // and a process that loads less starts sooner (bin/main.ts).
      const { createAlertEngine } = await import('../analytics/tasks/service.js');
      alerts = await createAlertEngine({
        config,
        store,
        redisUrl: o.redis,
        log,
        registry: o.registry,
        orgs,
        // Task notifications through ingest's MQTT side when this process has one (the embedded
        // endpoint refuses other clients that publish on grid topics), else through `mqtt.url`.
        ...(ingest?.mqttUrl
          ? {
              publisher: {
                publish: (topic, payload) => ingest.publish(topic, Buffer.from(payload)),
                close: async () => undefined,
              },
            }
          : {}),
      });
      stops.push({ part: 'alerts', close: () => alerts!.close() });
      c.alerts = alerts;
    }
    if (has('api')) c.app = await startApi(o, c, stops);
    return c;
  } catch (e) {
    await stop();
    throw e;
  }
}

/** The API part: the live hit feed's subscriber, the shared limits, gateway status, the app. */
async function startApi(
  o: CentralOptions,
  c: Central,
  stops: Array<{ part: string; close: () => Promise<void> }>,
): Promise<FastifyInstance> {
  const { config, log } = o;
  const [{ sharedApiState }, { buildApp }] = await Promise.all([
    import('../api/shared-limits.js'),
    import('../api/app.js'),
  ]);
  let feed: HitFeedSubscriber | undefined;
  let shared: SharedApiState | undefined;
  // Without Redis: searches and the dashboard only; no tasks, stream or shared limits.
  if (hasRedis(o.redis)) {
    const sub = redisConnection(o.redis, log, { label: 'redis error (hit feed subscriber)' });
    const f = new HitFeedSubscriber(sub, config.redis.prefix);
    stops.push({ part: 'hit feed subscriber', close: () => f.close() });
    await f.start();
    feed = f;
    const s = await sharedApiState(config, o.redis, log);
    stops.push({ part: 'api limits', close: () => s.close() });
    shared = s;
  }
  const ingest = c.ingest;
  const statusRedis = ingest ? undefined : shared?.redis;
  const app = await buildApp({
    config,
    store: c.store,
    registry: o.registry,
    log,
    orgs: c.orgs,
    ...(feed ? { hitFeed: feed } : {}),
    ...(shared ? { shared } : {}),
    ...(o.extraKeys ? { extraKeys: o.extraKeys } : {}),
    ...(o.keys ? { keys: o.keys } : {}),
    ...(c.alerts ? { alerts: c.alerts } : {}),
    ...(ingest ? { ingest, health: () => ingest.health() } : {}),
    ...(statusRedis ? { gatewayStatus: () => readGatewayStatus(statusRedis, config.redis.prefix) } : {}),
  });
  stops.push({ part: 'api', close: () => app.close() });
  return app;
}

/**
 * The ingest tier (docs/architecture.md#data-path), composed of a receiver (receiver.ts: an MQTT
 * endpoint — embedded aedes — or a broker subscriber; the router; intake validates and
 * quarantines; the bundler claims replay keys and queues jobs; acks go back to the gateways once
 * Redis holds a message) and workers (worker.ts: jobs into the store). `role` splits receivers
 * and workers across processes.
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { HitRow } from '../analytics/hit-rows.js';
import { describeRedis, type RedisTarget, redisConnection } from '../analytics/redis.js';
import type { Store } from '../analytics/store.js';
import type { CityConfig } from '../contracts/config/index.js';
import { XlError } from '../contracts/errors.js';
import type { Logger } from '../contracts/log.js';
import { OrgTree } from '../contracts/org-tree.js';
import { SensorCatalog } from '../analytics/sensors/catalog.js';
import { Directory } from './gate.js';
import { type KeptStatus, readGatewayStatus } from './gateway-status.js';
import { type BundleJob, type DeadLetter, listDeadLetters, openQueue, QUEUE_NAME, redrive } from './jobs.js';
import { watchQueues } from './queue-metrics.js';
import { IngestMetrics, type IngestStats } from './metrics.js';
import type { IngestMqtt, Receiver } from './receiver.js';
import type { StageTrace } from './stage-trace.js';

export type { DeadLetter } from './jobs.js';
export type { IngestStats } from './metrics.js';

export interface IngestOptions {
  config: Readonly<CityConfig>;
  /** The store, already migrated by the caller (not needed by a receiver-only process). */
  store: Store;
  /** Redis: a URL or a Sentinel set (analytics/redis.ts). */
  redisUrl: RedisTarget;
  log: Logger;
  registry: Registry;
  mqtt: IngestMqtt;
  /** --open: any gateway and camera; unknown cameras registered on first sight. */
  open: boolean;
  /** The org tree built once from `config` by the composition (default: built here). */
  orgs?: OrgTree;
  /** Default 'all': receiver and workers in one process. */
  role?: 'all' | 'receiver' | 'worker';
  /** More BullMQ queues under the same prefix whose depth and age to export (the alert engine's). */
  metricsQueues?: readonly string[];
  /** Called after a worker stored a job (benchmarks measure publish-to-queryable with it). */
  onStored?: (job: BundleJob, jobId: string) => void;
  /**
   * The alert engine's durable hand-off (analytics/stored-feed.ts): each stored batch is
   * recorded before its job completes and handed to this until it resolves once.
   */
  matchStored?: (rows: HitRow[], jobId: string) => Promise<void>;
  /** Stage timestamps along the chain (bench:ingest's latency breakdown; ingest/stage-trace.ts). */
  trace?: StageTrace;
}

export interface IngestService {
  /** Where gateways connect (embedded: mqtt://host:actualPort; broker: its URL; worker role: ''). */
  mqttUrl: string;
  health(): Promise<Record<string, boolean>>;
  stats(): IngestStats;
  /** Dead letters (failed jobs), newest first. */
  deadLetters(offset?: number, limit?: number): Promise<{ total: number; items: DeadLetter[] }>;
  /** Re-queues every dead letter under its own job id; returns the ids. */
  redrive(): Promise<string[]>;
  /**
   * Publishes a message of the central tier (QoS 1) through this tier's MQTT side — the
   * embedded endpoint or the broker connection (task notifications use it). A worker-only
   * process has none and rejects.
   */
  publish(topic: string, payload: Buffer): Promise<void>;
  /** Each gateway's newest status (contracts/status.ts) as the receivers kept it, by id. */
  gatewayStatus(): Promise<Map<string, KeptStatus>>;
  /** Drains bundles, closes workers, queues and the MQTT side; idempotent. */
  close(): Promise<void>;
}

export async function startIngest(o: IngestOptions): Promise<IngestService> {
  const role = o.role ?? 'all';
  const cfg = o.config.ingest;
  const prefix = o.config.redis.prefix;
  const log = o.log.child({ component: 'ingest', role });
  const metrics = new IngestMetrics(o.registry);
  const dir = new Directory(o.config, o.open, o.orgs ?? new OrgTree(o.config));
  const sensors = new SensorCatalog(o.config, o.open);
  if (o.open)
    log.warn(
      '--open: accepting ANY gateway and camera, unauthenticated; unknown cameras are registered. Development only.',
    );

  // Each role loads only its side (the receiver's MQTT endpoint, the worker's writers): a
  // restarted process starts sooner (docs/ingest.md#fault-runs--npm-run-benchfaults).
  const sides = Promise.all([
    role === 'receiver' ? undefined : import('./worker.js'),
    role === 'worker' ? undefined : import('./receiver.js'),
  ]);
  const producer = redisConnection(o.redisUrl, log);
  let workerSide: Awaited<typeof sides>[0];
  let receiverSide: Awaited<typeof sides>[1];
  try {
    [workerSide, receiverSide] = await sides;
  } catch (e) {
    producer.disconnect();
    throw e;
  }
  try {
    await producer.ping();
  } catch (e) {
    producer.disconnect();
    throw new XlError(
      'INGEST_REDIS_UNREACHABLE',
      `cannot reach Redis at ${describeRedis(o.redisUrl)}: ${String(e)}`,
    );
  }
  await warnFewReplicas(producer, o.config.redis.waitReplicas, log);
  const queue: Queue<BundleJob> = openQueue(producer, prefix);
  const closers: Array<() => Promise<void>> = [];
  const queueMetrics = watchQueues({
    registry: o.registry,
    connection: producer,
    prefix,
    names: [QUEUE_NAME, ...(o.metricsQueues ?? [])],
  });
  closers.push(() => queueMetrics.close());
  const shared = { cfg, redis: producer, prefix, metrics, log, ...(o.trace ? { trace: o.trace } : {}) };
  const workers = workerSide?.startWorkerSide({
    ...shared,
    config: o.config,
    redisUrl: o.redisUrl,
    store: o.store,
    ...(o.onStored ? { onStored: o.onStored } : {}),
    ...(o.matchStored ? { matchStored: o.matchStored } : {}),
  });
  if (workers) closers.push(() => workers.close());
  // Receivers close first: stop taking messages, flush the open bundle, send its acks.
  let receiver: Receiver | undefined;
  try {
    receiver = await receiverSide?.startReceiver({
      ...shared,
      mqtt: o.mqtt,
      dir,
      sensors,
      registry: o.registry,
      queue,
      replicas: { n: o.config.redis.waitReplicas, ms: o.config.redis.waitMs },
    });
  } catch (e) {
    // Nothing started may outlive a failed start: workers left on a Redis that is about to
    // go away would log connection errors forever.
    for (const c of closers) await c().catch(() => undefined);
    await queue.close().catch(() => undefined);
    producer.disconnect();
    throw e;
  }
  if (receiver) closers.unshift(() => receiver.close());
  const mqttUrl = receiver?.mqttUrl ?? '';

  log.info({ mqtt: mqttUrl, open: o.open }, 'ingest started');
  let closing: Promise<void> | undefined;
  return {
    mqttUrl,
    async health() {
      const h: Record<string, boolean> = {};
      h.redis = await producer.ping().then(
        (r) => r === 'PONG',
        () => false,
      );
      if (receiver) h.mqtt = receiver.mqttHealthy();
      if (workers) h.workers = workers.running();
      return h;
    },
    stats: () => metrics.snapshot(),
    deadLetters: (offset = 0, limit = 100) => listDeadLetters(queue, offset, limit),
    redrive: () => redrive(queue),
    publish: (topic, payload) =>
      receiver
        ? receiver.publish(topic, payload)
        : Promise.reject(new XlError('INGEST_NO_MQTT', 'this ingest process has no MQTT side (worker role)')),
    gatewayStatus: () => readGatewayStatus(producer, prefix),
    close() {
      closing ??= (async () => {
        for (const c of closers)
          await c().catch((e: unknown) => log.warn({ err: String(e) }, 'close step failed'));
        await queue.close().catch(() => undefined);
        producer.disconnect();
        log.info(metrics.snapshot(), 'ingest stopped');
      })();
      return closing;
    },
  };
}

/**
 * `redis.waitReplicas` asks more replicas than the master has: no message would be acked until
 * they connect (the gateways' spools hold the hits). Said at start rather than found in a backlog.
 */
async function warnFewReplicas(r: Redis, want: number, log: Logger): Promise<void> {
  if (want === 0) return;
  const info = await r.info('replication').catch(() => '');
  const have = Number(/connected_slaves:(\d+)/.exec(info)?.[1] ?? 0);
  if (have < want)
    log.warn(
      { waitReplicas: want, replicas: have },
      'redis.waitReplicas exceeds the replicas connected to the master: messages stay unacked until enough connect',
    );
}

/**
 * The ingest tier (DESIGN §6): an MQTT endpoint (embedded aedes) or a broker subscriber
 * receives; intake validates and quarantines; the bundler claims replay keys and queues
 * jobs; acks go back to the gateways once Redis holds a message; workers write jobs to the
 * store. `role` splits receivers and workers across processes.
 */
import type { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { SensorCatalog } from '../analytics/sensors/catalog.js';
import type { Store } from '../analytics/store.js';
import type { CityConfig } from '../contracts/config/index.js';
import { XlError } from '../contracts/errors.js';
import type { Logger } from '../contracts/log.js';
import { parseStatus } from '../contracts/status.js';
import { AckBatcher } from './acks.js';
import { Bundler } from './bundler.js';
import { Credentials } from './credentials.js';
import type { DedupOptions } from './dedup.js';
import { type Endpoint, type HandleFn, startEndpoint } from './endpoint.js';
import { checkPublish, Directory } from './gate.js';
import { gatewayStatusKey, type KeptStatus, readGatewayStatus } from './gateway-status.js';
import { type Intake, intakeHits, intakeRefused, intakeSnapshot } from './intake.js';
import {
  type BundleJob,
  type DeadLetter,
  listDeadLetters,
  openQueue,
  QUEUE_NAME,
  redrive,
  startWorker,
} from './jobs.js';
import { watchQueues } from './queue-metrics.js';
import { IngestMetrics, type IngestStats } from './metrics.js';
import { sweepOrphanSnapshots } from './orphans.js';
import { intakeSensors } from './sensor-intake.js';
import { SensorRules } from './sensor-rules.js';
import { type Subscriber, startSubscriber } from './subscriber.js';

export type { DeadLetter } from './jobs.js';
export type { IngestStats } from './metrics.js';

export interface IngestOptions {
  config: Readonly<CityConfig>;
  /** The store, already migrated by the caller (not needed by a receiver-only process). */
  store: Store;
  redisUrl: string;
  log: Logger;
  registry: Registry;
  mqtt:
    | { mode: 'embedded'; host: string; port: number }
    | { mode: 'broker'; url: string; username?: string; password?: string };
  /** --open: any gateway and camera; unknown cameras registered on first sight. */
  open: boolean;
  /** Default 'all': receiver and workers in one process. */
  role?: 'all' | 'receiver' | 'worker';
  /** More BullMQ queues under the same prefix whose depth and age to export (the alert engine's). */
  metricsQueues?: readonly string[];
  /** Called after a worker stored a job (benchmarks measure publish-to-queryable with it). */
  onStored?: (job: BundleJob, jobId: string) => void;
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

function redisConn(url: string, forWorker: boolean, log: Logger): Redis {
  const r = new Redis(url, {
    // BullMQ workers need null (they block); the producer side fails fast so a message
    // stays unacked (and is resent) instead of waiting forever while Redis is down.
    maxRetriesPerRequest: forWorker ? null : 3,
    enableReadyCheck: true,
    retryStrategy: (n) => Math.min(100 * n, 2_000),
    lazyConnect: false,
  });
  r.on('error', (e) => log.debug({ err: e.message }, 'redis error'));
  return r;
}

export async function startIngest(o: IngestOptions): Promise<IngestService> {
  const role = o.role ?? 'all';
  const cfg = o.config.ingest;
  const prefix = o.config.redis.prefix;
  const log = o.log.child({ component: 'ingest', role });
  const metrics = new IngestMetrics(o.registry);
  const dir = new Directory(o.config, o.open);
  const sensors = new SensorCatalog(o.config, o.open);
  if (o.open)
    log.warn(
      '--open: accepting ANY gateway and camera, unauthenticated; unknown cameras are registered. Development only.',
    );

  const producer = redisConn(o.redisUrl, false, log);
  try {
    await producer.ping();
  } catch (e) {
    producer.disconnect();
    throw new XlError(
      'INGEST_REDIS_UNREACHABLE',
      `cannot reach Redis at ${o.redisUrl.replace(/\/\/[^@/]*@/, '//***@')}: ${String(e)}`,
    );
  }
  const queue: Queue<BundleJob> = openQueue(producer, prefix);
  const closers: Array<() => Promise<void>> = [];
  const queueMetrics = watchQueues({
    registry: o.registry,
    connection: producer,
    prefix,
    names: [QUEUE_NAME, ...(o.metricsQueues ?? [])],
  });
  closers.push(() => queueMetrics.close());
  let workerConn: Redis | undefined;
  let worker: Worker<BundleJob> | undefined;
  let endpoint: Endpoint | undefined;
  let subscriber: Subscriber | undefined;
  let publishOut: (topic: string, payload: Buffer) => Promise<void> = () =>
    Promise.reject(new XlError('INGEST_NO_MQTT', 'this ingest process has no MQTT side (worker role)'));

  if (role !== 'receiver') {
    workerConn = redisConn(o.redisUrl, true, log);
    // Sensor rules run where readings are stored (docs/iot.md); offline events go the same way.
    const rules = new SensorRules({
      catalog: new SensorCatalog(o.config, false),
      store: o.store,
      log,
      tickMs: cfg.sensorSilenceCheckMs,
      onEvents: (hits) => o.onStored?.({ v: 1, hits, snapshots: [], quarantine: [], keys: [], firstMs: Date.now() }, ''),
    });
    closers.push(() => rules.close());
    worker = startWorker({
      derive: rules,
      connection: workerConn,
      prefix,
      store: o.store,
      concurrency: cfg.workerConcurrency,
      doneTtlMs: cfg.replayWindowMs,
      log,
      onStored: (job, id) => {
        metrics.stored(job.hits.length, job.snapshots.length);
        o.onStored?.(job, id);
      },
      onFailed: (_id, exhausted) => (exhausted ? metrics.dead() : metrics.retry()),
    });
    const sweep = { store: o.store, redis: producer, prefix, graceMs: cfg.snapshotGraceMs, sliceMs: cfg.orphanSweepMs };
    const sweeper = setInterval(() => {
      sweepOrphanSnapshots(sweep, Date.now()).catch((e: unknown) => log.warn({ err: String(e) }, 'orphan snapshot sweep failed'));
    }, cfg.orphanSweepMs);
    sweeper.unref();
    closers.push(async () => {
      clearInterval(sweeper);
      await worker!.close();
      workerConn!.disconnect();
    });
  }

  if (role !== 'worker') {
    const dedup: DedupOptions = {
      redis: producer,
      prefix,
      queueKey: `${prefix}:${QUEUE_NAME}`,
      windowMs: cfg.replayWindowMs,
      claimGraceMs: cfg.claimGraceMs,
    };
    const b = new Bundler({
      queue,
      dedup,
      maxHits: cfg.bundleMaxHits,
      maxMs: cfg.bundleMaxMs,
      holdMs: cfg.bundleHoldMs,
      maxBytes: cfg.bundleMaxBytes,
      maxQueuedJobs: cfg.maxQueuedJobs,
      attempts: cfg.attempts,
      backoffMs: cfg.backoffMs,
      metrics,
      log,
    });
    let publish: (topic: string, payload: Buffer) => Promise<void> = async () => undefined;
    const a = new AckBatcher(
      (t, p) => publish(t, p),
      (e) => log.warn({ err: String(e) }, 'ack publish failed'),
    );
    const rawMax = cfg.quarantineRawBytes;

    const hold = async (gateway: string, intake: Intake): Promise<void> => {
      for (const r of intake.rejected) metrics.rejected(r);
      const verdict = await b.add(intake.part);
      if (verdict !== 'pending' && intake.ackId) a.add(gateway, intake.ackId);
    };

    const handle: HandleFn = async (client, topic, payload) => {
      const now = Date.now();
      const v = checkPublish(topic, client);
      if (!v.ok) {
        metrics.message('other');
        const gw = client ?? topic.split('/')[3]?.slice(0, 64) ?? '';
        await hold(gw, intakeRefused(gw, topic.slice(0, 256), payload, v.reason, v.detail, rawMax, now));
        // Refuse it: aedes closes the connection, so a misbehaving client cannot inject acks.
        throw new XlError('INGEST_REFUSED', `${v.reason}: ${v.detail}`);
      }
      const t = v.topic;
      if (t.kind === 'status') {
        metrics.message('status');
        const st = parseStatus(payload, t.gateway);
        if (!st.ok) {
          await hold(t.gateway, intakeRefused(t.gateway, topic, payload, st.reason, st.detail, rawMax, now));
          return;
        }
        if (!dir.knowsGateway(t.gateway)) return; // broker mode: not a gateway of this city
        log.debug({ gateway: t.gateway, state: st.status.state }, 'gateway status');
        // The newest per gateway, for GET /api/v1/cameras (any process with this Redis).
        await producer
          .hset(gatewayStatusKey(prefix), t.gateway, JSON.stringify({ ...st.status, receivedMs: now }))
          .catch((e: unknown) => log.warn({ err: String(e), gateway: t.gateway }, 'gateway status not kept'));
        return;
      }
      if (!dir.knowsGateway(t.gateway)) {
        metrics.message('other');
        await hold(
          t.gateway,
          intakeRefused(
            t.gateway,
            topic,
            payload,
            'INGEST_UNKNOWN_GATEWAY',
            `no gateway ${t.gateway} in city.yaml`,
            rawMax,
            now,
          ),
        );
        return;
      }
      if (t.kind === 'sensors') {
        metrics.message('sensors');
        const intake = intakeSensors(sensors, t.gateway, topic, payload, rawMax, now);
        metrics.received(intake.hitsReceived);
        await hold(t.gateway, intake);
      } else if (t.kind === 'hits') {
        metrics.message('hits');
        const before = dir.registered;
        const intake = intakeHits(dir, t.gateway, topic, payload, rawMax, now);
        metrics.received(intake.hitsReceived);
        if (dir.registered > before) {
          metrics.s.camerasRegistered = dir.registered;
          log.warn(
            { gateway: t.gateway, registered: dir.registered },
            '--open: registered an unknown camera',
          );
        }
        await hold(t.gateway, intake);
      } else {
        metrics.message('snapshot');
        await hold(t.gateway, intakeSnapshot(t.gateway, t.snapshotId, topic, payload, rawMax, now));
      }
    };

    try {
      if (o.mqtt.mode === 'embedded') {
        const e = await startEndpoint({
          host: o.mqtt.host,
          port: o.mqtt.port,
          dir,
          credentials: new Credentials({ concurrency: 1 }),
          log,
          handle,
          registry: o.registry,
        });
        endpoint = e;
        publish = (t, p) => e.publish(t, p);
        publishOut = publish;
      } else {
        const s = await startSubscriber({
          url: o.mqtt.url,
          log,
          handle,
          ...(o.mqtt.username !== undefined ? { username: o.mqtt.username } : {}),
          ...(o.mqtt.password !== undefined ? { password: o.mqtt.password } : {}),
        });
        subscriber = s;
        publish = (t, p) => s.publish(t, p);
        publishOut = publish;
      }
    } catch (e) {
      // Nothing started may outlive a failed start: workers left on a Redis that is about to
      // go away would log connection errors forever.
      await b.close().catch(() => undefined);
      for (const c of closers) await c().catch(() => undefined);
      await queue.close().catch(() => undefined);
      producer.disconnect();
      throw e;
    }
    // Receivers first: stop taking messages, flush the open bundle, send its acks.
    closers.unshift(async () => {
      await b.close();
      await a.drain();
      if (endpoint) await endpoint.close();
      if (subscriber) await subscriber.close();
    });
  }

  log.info({ mqtt: endpoint?.url ?? subscriber?.url ?? '', open: o.open }, 'ingest started');
  let closing: Promise<void> | undefined;
  return {
    mqttUrl: endpoint?.url ?? subscriber?.url ?? '',
    async health() {
      const h: Record<string, boolean> = {};
      h.redis = await producer.ping().then(
        (r) => r === 'PONG',
        () => false,
      );
      if (endpoint) h.mqtt = true;
      if (subscriber) h.mqtt = subscriber.connected();
      if (worker) h.workers = worker.isRunning();
      return h;
    },
    stats: () => metrics.snapshot(),
    deadLetters: (offset = 0, limit = 100) => listDeadLetters(queue, offset, limit),
    redrive: () => redrive(queue),
    publish: (topic, payload) => publishOut(topic, payload),
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

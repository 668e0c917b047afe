/**
 * The ingest receiver (docs/ingest.md): the MQTT side (the embedded endpoint, or a subscription
 * to an existing broker), the router, the bundler that turns messages into queued jobs, and the
 * ack batcher that tells each gateway which of its messages Redis now holds.
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CityConfig } from '../contracts/config/index.js';
import type { Logger } from '../contracts/log.js';
import { AckBatcher } from './ack-batcher.js';
import { Bundler } from './bundler.js';
import { randomBytes } from 'node:crypto';
import { Credentials } from './credentials.js';
import { NODE_LEASE_MS, NodeLease } from './dedup.js';
import { type Endpoint, type EndpointTls, type HandleFn, startEndpoint } from './endpoint.js';
import type { TlsPem } from '../contracts/tls.js';
import type { Registry } from 'prom-client';
import type { SensorCatalog } from '../analytics/sensors/catalog.js';
import type { Directory } from './gate.js';
import type { Intake } from './intake.js';
import { type BundleJob, QUEUE_NAME } from './jobs.js';
import type { IngestMetrics } from './metrics.js';
import { messageRouter } from './router.js';
import type { StageTrace } from './stage-trace.js';
import { type Subscriber, startSubscriber } from './subscriber.js';

/** The receiver's MQTT side: the embedded endpoint, or a subscription to an existing broker. */
export type IngestMqtt =
  | { mode: 'embedded'; host: string; port: number; tls?: EndpointTls; plaintext?: boolean }
  | {
      mode: 'broker';
      url: string;
      username?: string;
      password?: string;
      /** CA of the broker's certificate and ingest's client certificate (`mqtts://`). */
      tls?: TlsPem;
      /** Stable client id (a persistent session); default unique per process. */
      clientId?: string;
    };

export interface ReceiverOptions {
  cfg: CityConfig['ingest'];
  mqtt: IngestMqtt;
  dir: Directory;
  sensors: SensorCatalog;
  registry: Registry;
  queue: Queue<BundleJob>;
  /** The producer connection: dedup claims and gateway status. */
  redis: Redis;
  prefix: string;
  metrics: IngestMetrics;
  log: Logger;
  /** Replicas that must hold a queued bundle before its messages are acked (city.yaml `redis.waitReplicas`). */
  replicas?: { n: number; ms: number };
  /** Stage timestamps (bench:ingest's latency breakdown; ingest/stage-trace.ts). */
  trace?: StageTrace;
}

export interface Receiver {
  mqttUrl: string;
  /** Publishes through the MQTT side (acks, task notifications). */
  publish(topic: string, payload: Buffer): Promise<void>;
  mqttHealthy(): boolean;
  /** Stops taking messages, flushes the open bundle, sends its acks. */
  close(): Promise<void>;
}

type MqttSide = {
  url: string;
  publish: Receiver['publish'];
  healthy: () => boolean;
  close: () => Promise<void>;
};

async function startMqttSide(o: ReceiverOptions, handle: HandleFn): Promise<MqttSide> {
  if (o.mqtt.mode === 'embedded') {
    const e: Endpoint = await startEndpoint({
      host: o.mqtt.host,
      port: o.mqtt.port,
      dir: o.dir,
      credentials: new Credentials({ concurrency: 1 }),
      log: o.log,
      handle,
      registry: o.registry,
      ...(o.mqtt.tls ? { tls: o.mqtt.tls } : {}),
      ...(o.mqtt.plaintext ? { plaintext: true } : {}),
    });
    return { url: e.url, publish: (t, p) => e.publish(t, p), healthy: () => true, close: () => e.close() };
  }
  const s: Subscriber = await startSubscriber({
    url: o.mqtt.url,
    log: o.log,
    handle,
    ...(o.mqtt.username !== undefined ? { username: o.mqtt.username } : {}),
    ...(o.mqtt.password !== undefined ? { password: o.mqtt.password } : {}),
    ...(o.mqtt.tls ? { tls: o.mqtt.tls } : {}),
    ...(o.mqtt.clientId ? { clientId: o.mqtt.clientId } : {}),
  });
  return {
    url: s.url,
    publish: (t, p) => s.publish(t, p),
    healthy: () => s.connected(),
    close: () => s.close(),
  };
}

/** Re-checks of a pending copy, NODE_LEASE_MS / 3 apart: past the lease of a dead claimant. */
const PENDING_RECHECKS = 5;

export async function startReceiver(o: ReceiverOptions): Promise<Receiver> {
  const { cfg, metrics, log } = o;
  // A short id: every replay claim names it (Redis memory per message, docs/ingest.md).
  const lease = new NodeLease(o.redis, o.prefix, `n${randomBytes(6).toString('base64url')}`);
  await lease.refresh();
  const bundler = new Bundler({
    queue: o.queue,
    dedup: {
      redis: o.redis,
      prefix: o.prefix,
      queueKey: `${o.prefix}:${QUEUE_NAME}`,
      windowMs: cfg.replayWindowMs,
      claimGraceMs: cfg.claimGraceMs,
      lease,
    },
    maxHits: cfg.bundleMaxHits,
    maxMs: cfg.bundleMaxMs,
    holdMs: cfg.bundleHoldMs,
    maxBytes: cfg.bundleMaxBytes,
    maxQueuedJobs: cfg.maxQueuedJobs,
    attempts: cfg.attempts,
    backoffMs: cfg.backoffMs,
    ...(o.replicas?.n ? { replicas: { redis: o.redis, ...o.replicas } } : {}),
    metrics,
    log,
    ...(o.trace ? { trace: o.trace } : {}),
  });
  let publish: Receiver['publish'] = async () => undefined;
  const acks = new AckBatcher(
    (t, p) => publish(t, p),
    (e) => log.warn({ err: String(e) }, 'ack publish failed'),
  );
  const hold = async (gateway: string, intake: Intake): Promise<void> => {
    for (const r of intake.rejected) metrics.rejected(r);
    o.trace?.received?.(intake.part.key, intake.part.hits, Date.now());
    let verdict = await bundler.add(intake.part);
    // A copy whose claim is held by another node that may have died (ingest/dedup.ts): ask
    // again once that node's lease could have run out, instead of leaving the copy to the
    // gateway's ack timeout (bench:faults measured 5 s more per receiver kill that way).
    for (let i = 0; verdict === 'pending' && i < PENDING_RECHECKS; i++) {
      await new Promise((r) => setTimeout(r, NODE_LEASE_MS / 3));
      verdict = await bundler.add(intake.part);
    }
    if (verdict !== 'pending' && intake.ackId) acks.add(gateway, intake.ackId);
  };
  const handle = messageRouter({
    dir: o.dir,
    sensors: o.sensors,
    metrics,
    log,
    redis: o.redis,
    prefix: o.prefix,
    rawMax: cfg.quarantineRawBytes,
    hold,
  });
  let side: MqttSide;
  try {
    side = await startMqttSide(o, handle);
  } catch (e) {
    await bundler.close().catch(() => undefined);
    await lease.stop();
    throw e;
  }
  publish = side.publish;
  return {
    mqttUrl: side.url,
    publish: side.publish,
    mqttHealthy: side.healthy,
    async close() {
      await bundler.close();
      await acks.drain();
      await side.close();
      await lease.stop();
    },
  };
}

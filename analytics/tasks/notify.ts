/**
 * Notifications of task changes (adapters): MQTT `xueliang/v1/grid/{org}/tasks` (QoS 1, one
 * JSON message per change), and webhooks per org — HMAC-SHA256 signed, delivered by a BullMQ
 * worker with exponential backoff; calls that exhaust their attempts stay in the failed set
 * (dead letters, listed by `deadLetters()`).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import mqtt from 'mqtt';
import type { Webhook } from '../../contracts/config/alerts.js';
import { XlError } from '../../contracts/errors.js';
import type { Logger } from '../../contracts/log.js';
import { endMqtt } from '../../contracts/within.js';
import { type DeadLetter, DeliveryQueue, type DeliveryJob } from './delivery-queue.js';

/** The port the task service publishes through (mqtt.js below, or an embedded broker). */
export interface TaskPublisher {
  publish(topic: string, payload: string): Promise<void>;
  close(): Promise<void>;
}

export interface MqttPublisherOptions {
  url: string;
  username?: string;
  password?: string;
  clientId?: string;
}

export async function connectMqttPublisher(o: MqttPublisherOptions, log: Logger): Promise<TaskPublisher> {
  const client = await mqtt.connectAsync(o.url, {
    clientId: o.clientId ?? `xl-alerts-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    ...(o.username ? { username: o.username } : {}),
    ...(o.password ? { password: o.password } : {}),
    reconnectPeriod: 1000,
    connectTimeout: 5000,
  });
  client.on('error', (e) => log.warn({ err: e.message }, 'mqtt publisher error'));
  return {
    async publish(topic, payload) {
      await client.publishAsync(topic, payload, { qos: 1 });
    },
    close: () => endMqtt(client),
  };
}

export const SIGNATURE_HEADER = 'x-xueliang-signature';
export const TIMESTAMP_HEADER = 'x-xueliang-timestamp';

/** `sha256=<hex>` of HMAC-SHA256(secret, `${timestampMs}.${body}`). */
export function signWebhook(secret: string, timestampMs: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampMs}.${body}`).digest('hex')}`;
}

/** What a receiver does: recompute and compare in constant time. */
export function verifyWebhook(secret: string, signature: string, timestampMs: number, body: string): boolean {
  const want = Buffer.from(signWebhook(secret, timestampMs, body));
  const got = Buffer.from(signature);
  return want.length === got.length && timingSafeEqual(want, got);
}

export type WebhookDeadLetter = DeadLetter;

/** Hash-tagged like every queue name (ingest/jobs.ts QUEUE_NAME). */
export const WEBHOOK_QUEUE = '{alerts-webhooks}';

export interface WebhooksOptions {
  queueConn: Redis;
  workerConn: Redis;
  prefix: string;
  hooks: readonly Webhook[];
  attempts: number;
  backoffMs: number;
  timeoutMs: number;
  log: Logger;
  onResult?: (ok: boolean, exhausted: boolean) => void;
}

export class Webhooks {
  private readonly q: DeliveryQueue;
  private readonly byId: ReadonlyMap<string, Webhook>;

  constructor(private readonly o: WebhooksOptions) {
    this.byId = new Map(o.hooks.filter((h) => h.enabled).map((h) => [h.id, h]));
    this.q = new DeliveryQueue({
      name: WEBHOOK_QUEUE,
      queueConn: o.queueConn,
      workerConn: o.workerConn,
      prefix: o.prefix,
      concurrency: 8,
      attempts: o.attempts,
      backoffMs: o.backoffMs,
      deliver: (job) => this.deliver(job),
      onFailed: (job, err, exhausted) => {
        o.onResult?.(false, exhausted);
        (exhausted ? o.log.error : o.log.warn).call(
          o.log,
          { hook: job.data.target, attempt: job.attemptsMade, err: err.message },
          exhausted ? 'webhook dead letter' : 'webhook failed; will retry',
        );
      },
      onCompleted: () => o.onResult?.(true, false),
      onWorkerError: (e) => o.log.warn({ err: e.message }, 'webhook worker error'),
    });
  }

  /** Hooks covering a task: the org subtree of the hook contains one of these orgs. */
  hooksFor(paths: ReadonlyArray<readonly string[]>): Webhook[] {
    return [...this.byId.values()].filter((h) => paths.some((p) => p.includes(h.org)));
  }

  async enqueue(hooks: readonly Webhook[], body: string): Promise<void> {
    await this.q.add(
      'deliver',
      hooks.map((h) => ({ target: h.id, body })),
    );
  }

  private async deliver(job: Job<DeliveryJob>): Promise<void> {
    const h = this.byId.get(job.data.target);
    if (!h) return; // removed from the config since: nothing to deliver to
    const ts = Date.now();
    const res = await fetch(h.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [SIGNATURE_HEADER]: signWebhook(h.secret, ts, job.data.body),
        [TIMESTAMP_HEADER]: String(ts),
        'x-xueliang-delivery': String(job.id),
      },
      body: job.data.body,
      signal: AbortSignal.timeout(this.o.timeoutMs),
    });
    await res.arrayBuffer().catch(() => undefined);
    if (res.status < 200 || res.status >= 300) {
      throw new XlError('ALERT_WEBHOOK_FAILED', `webhook ${h.id} answered ${res.status}`);
    }
  }

  deadLetters(limit = 100): Promise<WebhookDeadLetter[]> {
    return this.q.deadLetters(limit);
  }

  close(): Promise<void> {
    return this.q.close();
  }
}

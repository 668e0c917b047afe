/**
 * The one Redis connection factory of the central tier (ingest queues, task state, escalation
 * timers, the cross-process bridge, gateway status). `worker` connections serve BullMQ workers,
 * which block and need `maxRetriesPerRequest: null`; the others fail a command fast (so an ingest
 * message stays unacked and is resent, instead of waiting forever while Redis is down). Errors
 * are logged at debug: ioredis reconnects by itself and the callers see the failed commands.
 */
import { Redis } from 'ioredis';
import type { Logger } from '../contracts/log.js';
import { tlsForUrl } from '../contracts/tls.js';

export interface RedisConnOptions {
  /** A BullMQ worker's connection (blocking commands, no per-request retry limit). */
  worker?: boolean;
  /** Retries per command before it fails (not for workers); default 3. */
  maxRetriesPerRequest?: number;
  /** What the debug log line names (default `redis error`). */
  label?: string;
}

export function redisConnection(url: string, log: Logger, o: RedisConnOptions = {}): Redis {
  const tls = tlsForUrl('redis', url);
  const r = new Redis(url, {
    maxRetriesPerRequest: o.worker ? null : (o.maxRetriesPerRequest ?? 3),
    enableReadyCheck: true,
    retryStrategy: (n) => Math.min(100 * n, 2_000),
    // rediss://: the CA and client certificate of city.yaml redis.tls (contracts/tls.ts).
    ...(tls ? { tls } : {}),
  });
  r.on('error', (e) => log.debug({ err: e.message }, o.label ?? 'redis error'));
  return r;
}

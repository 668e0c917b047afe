/**
 * The one Redis connection factory of the central tier (ingest queues, task state, escalation
 * timers, the cross-process bridge, the live hit feed, gateway status, API rate limits and token
 * revocation). `worker` connections serve BullMQ workers, which block and need
 * `maxRetriesPerRequest: null`; the others fail a command fast (so an ingest message stays unacked
 * and is resent, instead of waiting forever while Redis is down). Errors are logged at debug:
 * ioredis reconnects by itself and the callers see the failed commands.
 *
 * A target is a URL (`redis://`, `rediss://`) or a Sentinel set (docs/architecture.md#redis-high-availability):
 * ioredis asks the sentinels for the master of `masterName` and, after a failover, reconnects
 * to the promoted replica by itself.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../contracts/log.js';
import { tlsForUrl } from '../contracts/tls.js';

/** Redis behind Sentinel: the sentinels' addresses, the master's name, passwords. */
export interface RedisSentinels {
  /** `host:port` of each sentinel. */
  sentinels: readonly string[];
  masterName: string;
  /** Password of the Redis servers (master and replicas); '' for none. */
  password?: string;
  /** Password of the sentinels themselves; '' for none. */
  sentinelPassword?: string;
}

/** Where Redis is: a URL, or a Sentinel set. */
export type RedisTarget = string | RedisSentinels;

/** The target a `redis` config section names (sentinels win over the URL); '' when none. */
export function redisTarget(r: {
  url: string;
  sentinels: readonly string[];
  masterName: string;
  password: string;
  sentinelPassword: string;
}): RedisTarget {
  if (r.sentinels.length === 0) return r.url;
  return {
    sentinels: r.sentinels,
    masterName: r.masterName,
    password: r.password,
    sentinelPassword: r.sentinelPassword,
  };
}

/** Whether a target names a Redis at all. */
export function hasRedis(t: RedisTarget): boolean {
  return typeof t === 'string' ? t !== '' : t.sentinels.length > 0;
}

/** The target for a log line or an error message, passwords masked. */
export function describeRedis(t: RedisTarget): string {
  if (typeof t === 'string') return t.replace(/\/\/[^@/]*@/, '//***@');
  return `sentinel ${t.masterName} via ${t.sentinels.join(',')}`;
}

function hostPort(s: string): { host: string; port: number } {
  const i = s.lastIndexOf(':');
  if (i <= 0) return { host: s, port: 26379 };
  return { host: s.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(s.slice(i + 1)) };
}

export interface RedisConnOptions {
  /** A BullMQ worker's connection (blocking commands, no per-request retry limit). */
  worker?: boolean;
  /** Retries per command before it fails (not for workers); default 3. */
  maxRetriesPerRequest?: number;
  /** What the debug log line names (default `redis error`). */
  label?: string;
}

export function redisConnection(target: RedisTarget, log: Logger, o: RedisConnOptions = {}): Redis {
  const common: RedisOptions = {
    maxRetriesPerRequest: o.worker ? null : (o.maxRetriesPerRequest ?? 3),
    enableReadyCheck: true,
    retryStrategy: (n) => Math.min(100 * n, 2_000),
  };
  // rediss://: the CA and client certificate of city.yaml redis.tls (contracts/tls.ts).
  const tls = typeof target === 'string' ? tlsForUrl('redis', target) : undefined;
  const r =
    typeof target === 'string'
      ? new Redis(target, { ...common, ...(tls ? { tls } : {}) })
      : new Redis({
          ...common,
          sentinels: target.sentinels.map(hostPort),
          name: target.masterName,
          ...(target.password ? { password: target.password } : {}),
          ...(target.sentinelPassword ? { sentinelPassword: target.sentinelPassword } : {}),
          sentinelRetryStrategy: (n) => Math.min(100 * n, 2_000),
          // A master demoted by a failover answers READONLY: reconnect to the new one.
          reconnectOnError: (e) => e.message.startsWith('READONLY'),
        });
  r.on('error', (e) => log.debug({ err: e.message }, o.label ?? 'redis error'));
  return r;
}

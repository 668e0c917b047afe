/**
 * API rate limits and token revocation shared by every API process through Redis
 * (docs/architecture.md#shared-api-state), without a Redis round trip in front of every request.
 *
 * Rate limits: one token bucket per key in Redis (refilled in a Lua script on Redis's clock).
 * A process leases a few tokens at a time (about a tenth of a second's worth) and spends them
 * locally: a request with a leased token goes on at once; only an empty lease waits for Redis.
 * A lease unspent after `leaseMs` is given up (never returned), so the city as a whole never
 * allows more than one bucket's worth, and an idle process holds little. When Redis cannot be
 * reached the process falls back to its own local buckets (api/rate-limit.ts), tries Redis
 * again after a second, and says so in the log once per outage.
 *
 * Revocation: a revoked token's `jti` (or a key id) is a Redis key with a TTL equal to the
 * token's remaining life; each process keeps the set in memory, refreshed on a pub/sub message
 * (and every `refreshMs`), so checking a request costs a Set lookup.
 */
import type { Redis } from 'ioredis';
import type { CityConfig } from '../contracts/config/index.js';
import type { Logger } from '../contracts/log.js';
import { type RedisTarget, redisConnection } from '../analytics/redis.js';
import { subscribeWhenReady } from '../analytics/redis-subscriber.js';
import { ADDRESS_LIMIT, RateLimiter, type RateLimitOptions } from './rate-limit.js';

const TAKE = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local b = redis.call('HMGET', KEYS[1], 't', 'at')
local tokens = tonumber(b[1])
local at = tonumber(b[2])
if not tokens then tokens = burst; at = now end
tokens = math.min(burst, tokens + math.max(0, now - at) / 1000 * rate)
local got = math.min(want, math.floor(tokens))
tokens = tokens - got
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return got`;

interface Lease {
  tokens: number;
  untilMs: number;
  pending?: Promise<void> | undefined;
  /** Redis had no token for this key when the lease was taken. */
  empty?: boolean;
}

export interface SharedLimiterOptions extends RateLimitOptions {
  redis: Redis;
  /** Key prefix (city.yaml `redis.prefix`) and the limiter's name (`key`, `ip`). */
  prefix: string;
  name: string;
  log: Logger;
  /** How long leased tokens may be spent, ms (default 1000). */
  leaseMs?: number;
}

/** A token bucket per key, shared by every process through Redis. */
export class SharedRateLimiter {
  private readonly leases = new Map<string, Lease>();
  private readonly local: RateLimiter;
  private readonly chunk: number;
  private readonly leaseMs: number;
  private down = false;
  /** While Redis is down: when to try it again (until then, local buckets at once). */
  private retryAtMs = 0;
  /** Leases taken from Redis (tests and benchmarks read it). */
  leasesTaken = 0;

  constructor(private readonly o: SharedLimiterOptions) {
    this.local = new RateLimiter(o);
    this.chunk = Math.max(1, Math.min(o.burst, Math.ceil(o.perSecond / 10)));
    this.leaseMs = o.leaseMs ?? 1000;
  }

  /**
   * Takes one token for `key`: synchronously true when a leased token is at hand, else a
   * promise of the answer once Redis leased more (or refused).
   */
  take(key: string, nowMs: number): boolean | Promise<boolean> {
    // Leases run on this process's clock, whatever clock the caller passes (tests fix theirs).
    const t = Date.now();
    const l = this.leases.get(key);
    if (l && t < l.untilMs) {
      if (l.tokens > 0) {
        l.tokens--;
        return true;
      }
      // Redis said the bucket is empty: refused here until a token can have come back, so a
      // flood of refused requests costs no round trips.
      if (l.empty) return false;
    }
    if (this.down && t < this.retryAtMs) return this.local.take(key, nowMs);
    return this.refill(key).then(() => {
      const m = this.leases.get(key);
      if (this.down) return this.local.take(key, Date.now());
      if (m && m.tokens > 0) {
        m.tokens--;
        return true;
      }
      return false;
    });
  }

  private refill(key: string): Promise<void> {
    let l = this.leases.get(key);
    if (l?.pending) return l.pending;
    if (!l) {
      if (this.leases.size >= 10_000) this.sweep();
      l = { tokens: 0, untilMs: 0 };
      this.leases.set(key, l);
    }
    const lease = l;
    lease.pending = this.o.redis
      .eval(
        TAKE,
        1,
        `${this.o.prefix}:api:rl:${this.o.name}:${key}`,
        this.o.perSecond,
        this.o.burst,
        this.chunk,
      )
      .then(
        (got) => {
          if (this.down) this.o.log.info({ limiter: this.o.name }, 'shared rate limits back in Redis');
          this.down = false;
          this.leasesTaken++;
          lease.tokens = Number(got);
          lease.empty = lease.tokens === 0;
          // An empty bucket has a token again after 1/perSecond s: ask no sooner.
          lease.untilMs =
            Date.now() + (lease.empty ? Math.min(this.leaseMs, 1000 / this.o.perSecond) : this.leaseMs);
        },
        (e: unknown) => {
          if (!this.down)
            this.o.log.warn(
              { limiter: this.o.name, err: String(e) },
              'Redis unreachable: rate limits are per process until it is back',
            );
          this.down = true;
          this.retryAtMs = Date.now() + 1000;
        },
      )
      .finally(() => {
        lease.pending = undefined;
      });
    return lease.pending;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [k, l] of this.leases) if (!l.pending && now >= l.untilMs) this.leases.delete(k);
  }
}

export interface Revocation {
  /** `jti` of a JWT, or `key:<id>` of an API key id. */
  id: string;
  /** When the revocation may be forgotten (the token's expiry), epoch ms. */
  untilMs: number;
}

/** Revoked token ids, in Redis with a TTL each, mirrored in every API process. */
export class RevocationList {
  private ids = new Set<string>();
  private readonly setKey: string;
  private readonly channel: string;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly sub: Redis | undefined,
    prefix: string,
    private readonly log: Logger,
    private readonly refreshMs = 30_000,
  ) {
    this.setKey = `${prefix}:api:revoked`;
    this.channel = `${prefix}:api:revoked`;
  }

  async start(): Promise<void> {
    await this.refresh();
    if (this.sub) {
      await subscribeWhenReady(this.sub, this.channel);
      this.sub.on('message', (channel: string) => {
        if (channel === this.channel) this.refresh().catch(() => undefined);
      });
    }
    this.timer = setInterval(() => {
      this.refresh().catch((e: unknown) => this.log.warn({ err: String(e) }, 'revocation refresh failed'));
    }, this.refreshMs);
    this.timer.unref();
  }

  /** Whether `id` is revoked (a Set lookup). */
  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** Revokes `id` until `untilMs` in every process; resolves once this process knows it. */
  async revoke(r: Revocation): Promise<void> {
    // A sorted set scored by expiry: expired members are trimmed on every refresh.
    await this.redis.zadd(this.setKey, r.untilMs, r.id);
    this.ids.add(r.id);
    await this.redis.publish(this.channel, r.id);
  }

  async list(): Promise<Revocation[]> {
    const raw = await this.redis.zrangebyscore(this.setKey, Date.now(), '+inf', 'WITHSCORES');
    const out: Revocation[] = [];
    for (let i = 0; i + 1 < raw.length; i += 2) out.push({ id: raw[i]!, untilMs: Number(raw[i + 1]) });
    return out;
  }

  private async refresh(): Promise<void> {
    const now = Date.now();
    await this.redis.zremrangebyscore(this.setKey, '-inf', now);
    // The whole set, kept as long as its longest entry: the Redis key itself never outlives them.
    const ids = await this.redis.zrangebyscore(this.setKey, now, '+inf');
    this.ids = new Set(ids);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    if (this.sub) await this.sub.quit().catch(() => this.sub?.disconnect());
  }
}

/** The API's state shared through Redis: limits per key and per address, revocations. */
export interface SharedApiState {
  keys: SharedRateLimiter;
  addresses: SharedRateLimiter;
  revoked: RevocationList;
  /** The connection it uses (the API reads gateway status through it too). */
  redis: Redis;
  close(): Promise<void>;
}

export async function sharedApiState(
  c: Readonly<CityConfig>,
  target: RedisTarget,
  log: Logger,
): Promise<SharedApiState> {
  const redis = redisConnection(target, log, { maxRetriesPerRequest: 1, label: 'redis error (api)' });
  const sub = redisConnection(target, log, { label: 'redis error (api revocations)' });
  const prefix = c.redis.prefix;
  const revoked = new RevocationList(redis, sub, prefix, log);
  try {
    await revoked.start();
  } catch (e) {
    redis.disconnect();
    sub.disconnect();
    throw e;
  }
  return {
    keys: new SharedRateLimiter({ ...c.api.rateLimit, redis, prefix, name: 'key', log }),
    addresses: new SharedRateLimiter({ ...ADDRESS_LIMIT, redis, prefix, name: 'ip', log }),
    revoked,
    redis,
    async close() {
      await revoked.close();
      redis.disconnect();
    },
  };
}

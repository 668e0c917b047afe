/**
 * Per-principal token buckets (in-process; each API replica limits on its own). Pure: the
 * caller passes the time. Eviction: at `maxKeys`, buckets that have refilled completely (idle
 * keys) are dropped first, then the least recently used.
 */
export interface RateLimitOptions {
  perSecond: number;
  burst: number;
  maxKeys?: number;
}

/** Per-address limit on credentials not verified before (docs/security.md). */
export const ADDRESS_LIMIT: RateLimitOptions = { perSecond: 1, burst: 20 };

interface Bucket {
  tokens: number;
  atMs: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxKeys: number;

  constructor(private readonly o: RateLimitOptions) {
    this.maxKeys = o.maxKeys ?? 10_000;
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Takes one token for `key`; false when the bucket is empty. */
  take(key: string, nowMs: number): boolean {
    let b = this.buckets.get(key);
    if (b) this.buckets.delete(key);
    else {
      if (this.buckets.size >= this.maxKeys) this.evict(nowMs);
      b = { tokens: this.o.burst, atMs: nowMs };
    }
    b.tokens = Math.min(this.o.burst, b.tokens + ((nowMs - b.atMs) / 1000) * this.o.perSecond);
    b.atMs = nowMs;
    const ok = b.tokens >= 1;
    if (ok) b.tokens -= 1;
    this.buckets.set(key, b); // re-insert: Map order is recency order
    return ok;
  }

  private evict(nowMs: number): void {
    const fullAfterMs = (this.o.burst / this.o.perSecond) * 1000;
    for (const [k, b] of this.buckets) if (nowMs - b.atMs >= fullAfterMs) this.buckets.delete(k);
    while (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string);
  }
}

/**
 * Failed MQTT logins limited before any hashing (docs/security.md): every password check is an
 * scrypt (~50 ms of CPU), so a client that keeps failing must not get to run more. Each check
 * takes a token from its client address's bucket before it is hashed (`burst`, then
 * `perSecond`); a successful login gives it back, so only failures use the budget. While an
 * address's bucket is empty, a login from it that is not already known good (the credentials
 * cache) is refused without a check. Not per user name: that would let anyone lock
 * a gateway out by failing as it; the endpoint's hashing concurrency bound covers many
 * addresses (ingest/credentials.ts). Maps are bounded: at `maxKeys` the bucket
 * idle longest is dropped. Pure: the caller passes the time.
 */
export interface LoginGuardOptions {
  perSecond: number;
  burst: number;
  maxKeys?: number;
}

export const LOGIN_GUARD: Readonly<LoginGuardOptions> = Object.freeze({
  perSecond: 1,
  burst: 10,
  maxKeys: 10_000,
});

interface Bucket {
  tokens: number;
  atMs: number;
}

export class LoginGuard {
  private readonly buckets = new Map<string, Bucket>();
  /** Logins refused unchecked so far. */
  refused = 0;

  constructor(private readonly o: Readonly<LoginGuardOptions> = LOGIN_GUARD) {}

  get size(): number {
    return this.buckets.size;
  }

  private level(key: string, nowMs: number): Bucket | undefined {
    const b = this.buckets.get(key);
    if (!b) return undefined;
    b.tokens = Math.min(this.o.burst, b.tokens + ((nowMs - b.atMs) / 1000) * this.o.perSecond);
    b.atMs = nowMs;
    return b;
  }

  /**
   * Takes a token for a login check from `address` before it is hashed; false (nothing taken)
   * when the address has none left. Taking before hashing keeps many concurrent attempts from
   * all passing before the first failure is counted. A login that succeeds gives it back.
   */
  take(address: string, nowMs: number): boolean {
    const b = this.level(address, nowMs) ?? { tokens: this.o.burst, atMs: nowMs };
    if (b.tokens < 1) {
      this.refused++;
      return false;
    }
    b.tokens -= 1;
    this.buckets.delete(address);
    if (this.buckets.size >= (this.o.maxKeys ?? 10_000))
      this.buckets.delete(this.buckets.keys().next().value as string);
    this.buckets.set(address, b); // re-insert: Map order is recency order
    return true;
  }

  /** Gives back the token of a login that succeeded. */
  refund(address: string): void {
    const b = this.buckets.get(address);
    if (b) b.tokens = Math.min(this.o.burst, b.tokens + 1);
  }
}

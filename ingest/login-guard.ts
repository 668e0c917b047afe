/**
 * Failed MQTT logins limited before any hashing (docs/security.md): every password check is an
 * scrypt (~50 ms of CPU), so a client that keeps failing must not get to run more. Each check
 * holds a token from its client address's bucket while it is hashed (`burst`, then
 * `perSecond`); a successful login gives it back, so only failures use the budget up.
 *
 * An address whose tokens are all held by checks still running waits for them (at most
 * `maxWaiting` logins an address) instead of being refused: twenty gateways behind one address
 * reconnecting at once are not refused because their own checks are in flight, and a flood
 * still gets no more checks than its budget. Only an address whose budget failures have used
 * up is refused (`take` → 'refuse'), without a check; a login already known good (the
 * credentials cache) is not limited at all.
 *
 * Not per user name: that would let anyone lock a gateway out by failing as it; the
 * endpoint's hashing concurrency bound covers many addresses (ingest/credentials.ts). Maps are
 * bounded: at `maxKeys` the bucket idle longest is dropped. No clock: the caller passes the time.
 */
export interface LoginGuardOptions {
  perSecond: number;
  burst: number;
  maxKeys?: number;
  /** Logins of one address waiting for its checks in flight, at most (default 64). */
  maxWaiting?: number;
}

export const LOGIN_GUARD: Readonly<LoginGuardOptions> = Object.freeze({
  perSecond: 1,
  burst: 10,
  maxKeys: 10_000,
  maxWaiting: 64,
});

interface Bucket {
  tokens: number;
  atMs: number;
  /** Checks running that hold a token. */
  inflight: number;
  /** Logins waiting for one of those to settle. */
  waiting: Array<() => void>;
}

/** What a login from an address may do now. */
export type LoginTurn = 'go' | 'wait' | 'refuse';

export class LoginGuard {
  private readonly buckets = new Map<string, Bucket>();
  /** Logins refused unchecked so far. */
  refused = 0;

  constructor(private readonly o: Readonly<LoginGuardOptions> = LOGIN_GUARD) {}

  get size(): number {
    return this.buckets.size;
  }

  private bucket(key: string, nowMs: number): Bucket {
    const b = this.buckets.get(key) ?? { tokens: this.o.burst, atMs: nowMs, inflight: 0, waiting: [] };
    b.tokens = Math.min(this.o.burst, b.tokens + ((nowMs - b.atMs) / 1000) * this.o.perSecond);
    b.atMs = nowMs;
    this.buckets.delete(key);
    if (this.buckets.size >= (this.o.maxKeys ?? 10_000)) {
      // Drop the bucket idle longest; one with checks in flight or waiting logins is kept.
      for (const [k, old] of this.buckets)
        if (old.inflight === 0 && old.waiting.length === 0) {
          this.buckets.delete(k);
          break;
        }
    }
    this.buckets.set(key, b); // re-insert: Map order is recency order
    return b;
  }

  /**
   * Before a login from `address` is hashed: 'go' (a token is now held: call `settle` when the
   * check is done), 'wait' (every token is held by a check in flight: call `whenSettled` and
   * ask again), or 'refuse' (failures used the budget up: refuse without a check).
   */
  take(address: string, nowMs: number): LoginTurn {
    const b = this.bucket(address, nowMs);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      b.inflight++;
      return 'go';
    }
    if (b.inflight > 0 && b.waiting.length < (this.o.maxWaiting ?? 64)) return 'wait';
    this.refused++;
    return 'refuse';
  }

  /** Resolves when a check of `address` settles (after `take` said 'wait'). */
  whenSettled(address: string): Promise<void> {
    const b = this.buckets.get(address);
    if (!b || b.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => b.waiting.push(resolve));
  }

  /** A check that `take` let go is done: a login that succeeded gives its token back. */
  settle(address: string, ok: boolean): void {
    const b = this.buckets.get(address);
    if (!b) return;
    b.inflight = Math.max(0, b.inflight - 1);
    if (ok) b.tokens = Math.min(this.o.burst, b.tokens + 1);
    // Everyone waiting asks again: a token may be back, or no check is left to wait for.
    const waiting = b.waiting.splice(0);
    for (const w of waiting) w();
  }

  /** Takes a token and settles it as failed at once (a login refused before any hashing). */
  charge(address: string, nowMs: number): void {
    if (this.take(address, nowMs) === 'go') this.settle(address, false);
  }

  /** Asks `take` until it says 'go' or 'refuse' (waiting for the address's checks in flight). */
  async acquire(address: string, now: () => number): Promise<boolean> {
    for (;;) {
      const turn = this.take(address, now());
      if (turn !== 'wait') return turn === 'go';
      await this.whenSettled(address);
    }
  }
}

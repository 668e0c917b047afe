/**
 * API key verification that no flood of unknown keys can turn into a stall (docs/security.md):
 *
 * - a key of the form `xl~<keyId>~<secret>` (contracts/api-key.ts) is checked against its own
 *   id's hash only: one scrypt, and none at all for an id that is not configured;
 * - every scrypt runs off the event loop (node:crypto `scrypt`, libuv's thread pool), never
 *   `scryptSync`;
 * - keys already verified are answered from a bounded cache of SHA-256 digests (no hashing);
 * - older keys without an id (`xl_…`) still verify by trying each configured hash, but one such
 *   scan at a time (a queue of at most `maxQueued`), and within a budget of hashes for all
 *   callers together (`scanHashesPerSecond`, default 2, burst `scanHashBurst`, default 32: enough
 *   for a process's legitimate first uses): a scan costs one scrypt per configured key, so
 *   without a global bound many addresses could keep cores busy. Past either bound the key is
 *   refused unverified; give keys ids.
 *
 * The caller (api/auth.ts) rate-limits unknown credentials per client address before calling
 * `verify`, so the hashing an address can cause is bounded too.
 */
import { createHash, scrypt, timingSafeEqual } from 'node:crypto';
import { apiKeyId } from '../contracts/api-key.js';
import type { KeyRecord, Principal } from './principal.js';

const CACHE_MAX = 10_000;

/** One scrypt check, asynchronous; false for a malformed stored hash. */
export async function verifySecretAsync(secret: string, stored: string): Promise<boolean> {
  const [alg, n, salt, hash] = stored.split('$');
  if (alg !== 'scrypt' || !n || !salt || !hash) return false;
  const N = Number(n);
  if (!Number.isInteger(N) || N < 2 || N > 1 << 20) return false;
  const want = Buffer.from(hash, 'base64url');
  const got = await new Promise<Buffer>((resolve) =>
    scrypt(secret, Buffer.from(salt, 'base64url'), want.length, { N, maxmem: 256 * N * 8 }, (e, k) =>
      resolve(e ? Buffer.alloc(0) : k),
    ),
  );
  return got.length === want.length && want.length > 0 && timingSafeEqual(got, want);
}

export interface KeyVerifierOptions {
  keys: readonly KeyRecord[];
  /** Scans of id-less keys waiting for their turn, at most (default 4). */
  maxQueued?: number;
  /** scrypt checks per second that scans of id-less keys may use, all callers together (default 2). */
  scanHashesPerSecond?: number;
  /** …and their burst (default 32: one scan of a small city's keys; each scrypt is ~50 ms of a core). */
  scanHashBurst?: number;
  now?: () => number;
}

export class KeyVerifier {
  private readonly byId = new Map<string, KeyRecord>();
  private readonly good = new Map<string, Principal>();
  private readonly maxQueued: number;
  private scanning: Promise<unknown> = Promise.resolve();
  private queued = 0;
  private scanTokens: number;
  private scanAtMs: number;
  /** Counters for tests and metrics: scrypt checks run, scans refused for a full queue. */
  readonly counts = { hashes: 0, refusedBusy: 0 };

  constructor(private readonly o: KeyVerifierOptions) {
    for (const k of o.keys) this.byId.set(k.keyId, k);
    this.maxQueued = o.maxQueued ?? 4;
    this.scanTokens = o.scanHashBurst ?? 32;
    this.scanAtMs = (o.now ?? Date.now)();
  }

  /** Takes one scan's worth (a hash per key) of the global budget. */
  private takeScan(): boolean {
    const nowMs = (this.o.now ?? Date.now)();
    const burst = this.o.scanHashBurst ?? 32;
    this.scanTokens = Math.min(
      burst,
      this.scanTokens + ((nowMs - this.scanAtMs) / 1000) * (this.o.scanHashesPerSecond ?? 2),
    );
    this.scanAtMs = nowMs;
    const cost = this.o.keys.length;
    if (this.scanTokens < Math.min(cost, burst)) return false;
    this.scanTokens -= cost;
    return true;
  }

  private static digest(key: string): string {
    return createHash('sha256').update(key).digest('base64url');
  }

  /** The principal of a key verified before (no hashing), or undefined. */
  cached(key: string): Principal | undefined {
    return this.good.get(KeyVerifier.digest(key));
  }

  /** The principal of `key`, or undefined. */
  async verify(key: string): Promise<Principal | undefined> {
    const digest = KeyVerifier.digest(key);
    const hit = this.good.get(digest);
    if (hit) return hit;
    const id = apiKeyId(key);
    let rec: KeyRecord | undefined;
    if (id !== undefined) {
      const candidate = this.byId.get(id);
      if (candidate) {
        this.counts.hashes++;
        if (await verifySecretAsync(key, candidate.hash)) rec = candidate;
      }
    } else rec = await this.scan(key);
    if (!rec) return undefined;
    const p: Principal = { keyId: rec.keyId, role: rec.role, org: rec.org };
    if (this.good.size >= CACHE_MAX) this.good.delete(this.good.keys().next().value as string);
    this.good.set(digest, p);
    return p;
  }

  /** An id-less key: every hash in turn, one scan at a time. */
  private scan(key: string): Promise<KeyRecord | undefined> {
    if (this.queued >= this.maxQueued || !this.takeScan()) {
      this.counts.refusedBusy++;
      return Promise.resolve(undefined);
    }
    this.queued++;
    const run = this.scanning.then(async () => {
      try {
        for (const k of this.o.keys) {
          this.counts.hashes++;
          if (await verifySecretAsync(key, k.hash)) return k;
        }
        return undefined;
      } finally {
        this.queued--;
      }
    });
    this.scanning = run.catch(() => undefined);
    return run;
  }
}

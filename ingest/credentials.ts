/**
 * Gateway passwords checked against city.yaml's scrypt hashes (contracts/secrets.ts), off the event loop: scrypt costs ~50 ms of CPU, and 200
 * gateways reconnecting at once must not stall the MQTT endpoint. A verified pair is cached
 * by its SHA-256 (bounded; the oldest entry is evicted). At most `concurrency` checks run at
 * once and `maxQueued` wait; past that a check fails at once (docs/security.md: logins from
 * many addresses must not take every core).
 */
import { createHash } from 'node:crypto';
import { parseStoredSecret, verifySecretAsync } from '../contracts/secrets.js';

const CACHE_MAX = 10_000;

export class Credentials {
  private readonly ok = new Map<string, true>();
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  /** Checks refused because too many were waiting. */
  busy = 0;

  constructor(private readonly o: { concurrency?: number; maxQueued?: number } = {}) {}

  private static digest(password: string, stored: string): string {
    return createHash('sha256').update(stored).update('\0').update(password).digest('base64url');
  }

  /** Whether this pair was verified before (no hashing). */
  known(password: string, stored: string): boolean {
    return this.ok.has(Credentials.digest(password, stored));
  }

  async verify(password: string, stored: string): Promise<boolean> {
    if (!parseStoredSecret(stored)) return false;
    const digest = Credentials.digest(password, stored);
    if (this.ok.has(digest)) return true;
    if (this.running >= (this.o.concurrency ?? 2)) {
      if (this.waiting.length >= (this.o.maxQueued ?? 64)) {
        this.busy++;
        return false;
      }
      // The slot is handed over by the check that finishes (running stays the same).
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else this.running++;
    try {
      return await this.check(password, stored, digest);
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  private async check(password: string, stored: string, digest: string): Promise<boolean> {
    const good = await verifySecretAsync(password, stored);
    if (good) {
      if (this.ok.size >= CACHE_MAX) this.ok.delete(this.ok.keys().next().value as string);
      this.ok.set(digest, true);
    }
    return good;
  }
}

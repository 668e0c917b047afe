/**
 * Gateway passwords checked against city.yaml's scrypt hashes (contracts/secrets.ts), off the
 * event loop: scrypt costs ~50 ms of CPU, and 200 gateways reconnecting at once must not stall
 * the MQTT endpoint. A verified pair is cached by its SHA-256 (bounded; the oldest entry is
 * evicted).
 */
import { createHash } from 'node:crypto';
import { parseStoredSecret, verifySecretAsync } from '../contracts/secrets.js';

const CACHE_MAX = 10_000;

export class Credentials {
  private readonly ok = new Map<string, true>();

  async verify(password: string, stored: string): Promise<boolean> {
    if (!parseStoredSecret(stored)) return false;
    const digest = createHash('sha256').update(stored).update('\0').update(password).digest('base64url');
    if (this.ok.has(digest)) return true;
    const good = await verifySecretAsync(password, stored);
    if (good) {
      if (this.ok.size >= CACHE_MAX) this.ok.delete(this.ok.keys().next().value as string);
      this.ok.set(digest, true);
    }
    return good;
  }
}

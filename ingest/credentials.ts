/**
 * Gateway passwords checked against city.yaml's scrypt hashes (the `scrypt$N$salt$hash`
 * format of api/secrets.ts), off the event loop: scrypt costs ~50 ms of CPU, and 200
 * gateways reconnecting at once must not stall the MQTT endpoint. A verified pair is cached
 * by its SHA-256 (bounded; the oldest entry is evicted).
 */
import { createHash, scrypt, timingSafeEqual } from 'node:crypto';

const CACHE_MAX = 10_000;

export class Credentials {
  private readonly ok = new Map<string, true>();

  async verify(password: string, stored: string): Promise<boolean> {
    const [alg, n, salt, hash] = stored.split('$');
    if (alg !== 'scrypt' || !n || !salt || !hash) return false;
    const digest = createHash('sha256').update(stored).update('\0').update(password).digest('base64url');
    if (this.ok.has(digest)) return true;
    const want = Buffer.from(hash, 'base64url');
    const N = Number(n);
    const got = await new Promise<Buffer>((resolve, reject) =>
      scrypt(password, Buffer.from(salt, 'base64url'), want.length, { N, maxmem: 256 * N * 8 }, (e, k) =>
        e ? reject(e) : resolve(k),
      ),
    ).catch(() => Buffer.alloc(0));
    const good = got.length === want.length && timingSafeEqual(got, want);
    if (good) {
      if (this.ok.size >= CACHE_MAX) this.ok.delete(this.ok.keys().next().value as string);
      this.ok.set(digest, true);
    }
    return good;
  }
}

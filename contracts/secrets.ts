/**
 * Hashing of API keys and gateway passwords: scrypt with a random salt, stored as
 * `scrypt$N$salt$hash` (base64url). Keys are never stored in clear. One parser for the stored
 * format; `verifySecret` blocks (CLI, API key check), `verifySecretAsync` runs scrypt off the
 * event loop (the MQTT endpoint, where 200 gateways may reconnect at once).
 */
import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import { formatApiKey } from './api-key.js';

const N = 16384;

export function hashSecret(secret: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(secret, salt, 32, { N });
  return `scrypt$${N}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

export interface StoredSecret {
  /** scrypt cost parameter. */
  N: number;
  salt: Buffer;
  hash: Buffer;
}

/** The parts of a stored `scrypt$N$salt$hash`, or undefined when it is not one. */
export function parseStoredSecret(stored: string): StoredSecret | undefined {
  const [alg, n, salt, hash] = stored.split('$');
  if (alg !== 'scrypt' || !n || !salt || !hash) return undefined;
  return { N: Number(n), salt: Buffer.from(salt, 'base64url'), hash: Buffer.from(hash, 'base64url') };
}

const same = (got: Buffer, want: Buffer) => got.length === want.length && timingSafeEqual(got, want);

export function verifySecret(secret: string, stored: string): boolean {
  const p = parseStoredSecret(stored);
  if (!p) return false;
  return same(scryptSync(secret, p.salt, p.hash.length, { N: p.N }), p.hash);
}

/** As `verifySecret`, off the event loop; a scrypt failure (bad N) is a mismatch. */
export async function verifySecretAsync(secret: string, stored: string): Promise<boolean> {
  const p = parseStoredSecret(stored);
  if (!p) return false;
  const got = await new Promise<Buffer>((resolve, reject) =>
    scrypt(secret, p.salt, p.hash.length, { N: p.N, maxmem: 256 * p.N * 8 }, (e, k) =>
      e ? reject(e) : resolve(k),
    ),
  ).catch(() => Buffer.alloc(0));
  return same(got, p.hash);
}

/**
 * A new random API key for key id `keyId`: `xl~<keyId>~` + 32 bytes base64url
 * (contracts/api-key.ts: the id in the key makes verification one hash check).
 */
export function newApiKey(keyId: string): string {
  return formatApiKey(keyId, randomBytes(32).toString('base64url'));
}

/**
 * Hashing of API keys and gateway passwords: scrypt with a random salt, stored as
 * `scrypt$N$salt$hash` (base64url). Keys are never stored in clear.
 */
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { formatApiKey } from '../contracts/api-key.js';

const N = 16384;

export function hashSecret(secret: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(secret, salt, 32, { N });
  return `scrypt$${N}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

export function verifySecret(secret: string, stored: string): boolean {
  const [alg, n, salt, hash] = stored.split('$');
  if (alg !== 'scrypt' || !n || !salt || !hash) return false;
  const want = Buffer.from(hash, 'base64url');
  const got = scryptSync(secret, Buffer.from(salt, 'base64url'), want.length, { N: Number(n) });
  return got.length === want.length && timingSafeEqual(got, want);
}

/**
 * A new random API key for key id `keyId`: `xl~<keyId>~` + 32 bytes base64url
 * (contracts/api-key.ts: the id in the key makes verification one hash check).
 */
export function newApiKey(keyId: string): string {
  return formatApiKey(keyId, randomBytes(32).toString('base64url'));
}

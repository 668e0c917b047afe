/**
 * JWT bearer tokens, HS256 only (RFC 7519 / RFC 7515): `alg` must be HS256 (never `none`, never
 * an asymmetric alg with the secret as a key); claims `sub`, `role`, `org`, `iat`, `exp`, `iss`,
 * and `jti` (optional: the id a revocation names, api/shared-limits.ts).
 * Pure apart from node:crypto; the caller passes the time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ROLES, type Role } from '../contracts/config/api.js';

export interface JwtOptions {
  secret: string;
  issuer: string;
  maxTtlSec: number;
  clockSkewSec: number;
}

export interface JwtClaims {
  sub: string;
  role: Role;
  org: string;
  iat: number;
  exp: number;
  iss: string;
  nbf?: number;
  jti?: string;
}

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64url');

/** Signs claims (tools and tests; the API only verifies). */
export function signJwt(claims: JwtClaims, secret: string): string {
  const head = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64(JSON.stringify(claims));
  const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

/** The verified claims, or a reason the token is refused. */
export function verifyJwt(
  token: string,
  o: JwtOptions,
  nowMs: number,
): { claims: JwtClaims } | { reason: string } {
  if (o.secret.length < 32) return { reason: 'JWTs are not enabled (api.jwt.secret)' };
  const parts = token.split('.');
  if (parts.length !== 3) return { reason: 'not a JWT' };
  const [h, p, s] = parts as [string, string, string];
  let head: unknown;
  let body: unknown;
  try {
    head = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    body = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  } catch {
    return { reason: 'malformed JWT' };
  }
  if (!isObj(head) || head.alg !== 'HS256') return { reason: 'JWT alg must be HS256' };
  const want = createHmac('sha256', o.secret).update(`${h}.${p}`).digest();
  const got = Buffer.from(s, 'base64url');
  if (got.length !== want.length || !timingSafeEqual(got, want)) return { reason: 'bad JWT signature' };
  if (!isObj(body)) return { reason: 'malformed JWT claims' };
  const { sub, role, org, iat, exp, iss, nbf, jti } = body;
  if (typeof sub !== 'string' || !/^[A-Za-z0-9._@:-]{1,64}$/.test(sub))
    return { reason: 'JWT sub missing or malformed' };
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role))
    return { reason: 'JWT role unknown' };
  if (typeof org !== 'string' || org.length === 0 || org.length > 64) return { reason: 'JWT org missing' };
  if (jti !== undefined && (typeof jti !== 'string' || !/^[A-Za-z0-9._:-]{1,128}$/.test(jti)))
    return { reason: 'JWT jti malformed' };
  if (iss !== o.issuer) return { reason: 'JWT issuer not accepted' };
  if (typeof iat !== 'number' || typeof exp !== 'number') return { reason: 'JWT needs iat and exp' };
  if (exp - iat > o.maxTtlSec) return { reason: 'JWT lives longer than api.jwt.maxTtlSec' };
  const now = nowMs / 1000;
  if (now > exp + o.clockSkewSec) return { reason: 'JWT expired' };
  if (iat > now + o.clockSkewSec || (typeof nbf === 'number' && nbf > now + o.clockSkewSec))
    return { reason: 'JWT not yet valid' };
  return {
    claims: {
      sub,
      role: role as Role,
      org,
      iat,
      exp,
      iss,
      ...(typeof nbf === 'number' ? { nbf } : {}),
      ...(typeof jti === 'string' ? { jti } : {}),
    },
  };
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

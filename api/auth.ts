/**
 * Authentication: `Authorization: Bearer <key>` checked against hashed API keys (city.yaml
 * plus the admin key made by `xueliang up`). A principal has a role and an org node; its
 * jurisdiction is that org's subtree. scrypt is slow on purpose, so a verified key is
 * cached by its SHA-256 for the process lifetime (bounded).
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { apiError } from './errors.js';
import { verifySecret } from './secrets.js';

export type Role = 'admin' | 'analyst' | 'grid_member' | 'viewer';

export interface Principal {
  keyId: string;
  role: Role;
  org: string;
}

export interface KeyRecord extends Principal {
  hash: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

const CACHE_MAX = 10_000;

export class Authenticator {
  private readonly cache = new Map<string, Principal>();
  constructor(private readonly keys: readonly KeyRecord[]) {}

  /** The principal of a bearer key, or undefined. */
  verify(key: string): Principal | undefined {
    const digest = createHash('sha256').update(key).digest('base64url');
    const hit = this.cache.get(digest);
    if (hit) return hit;
    const rec = this.keys.find((k) => verifySecret(key, k.hash));
    if (!rec) return undefined;
    const p: Principal = { keyId: rec.keyId, role: rec.role, org: rec.org };
    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(digest, p);
    return p;
  }

  /** fastify onRequest hook: sets `req.principal` or answers 401. */
  hook = async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const h = req.headers.authorization;
    const m = typeof h === 'string' ? /^Bearer\s+(\S{8,512})$/i.exec(h) : null;
    if (!m) throw apiError('API_UNAUTHORIZED', 'send an API key as `Authorization: Bearer <key>`');
    const p = this.verify(m[1]!);
    if (!p) throw apiError('API_UNAUTHORIZED', 'unknown API key');
    req.principal = p;
  };
}

/** preHandler that allows only the given roles. */
export function requireRole(...roles: Role[]) {
  return async (req: FastifyRequest): Promise<void> => {
    const p = req.principal;
    if (!p) throw apiError('API_UNAUTHORIZED', 'not signed in');
    if (!roles.includes(p.role)) throw apiError('API_FORBIDDEN', `needs role ${roles.join(' or ')}`);
  };
}

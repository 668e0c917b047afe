/**
 * Authentication and jurisdiction. `Authorization: Bearer <credential>` is either an API key
 * (checked against scrypt hashes from city.yaml plus the admin key of `xueliang up`) or an
 * HS256 JWT (`api.jwt.secret`). A principal has a role and an org node; its jurisdiction is
 * that org's subtree, applied in SQL through `{scope}` / `{districts}` parameters. Requests are
 * rate-limited per principal (token bucket), and failed credentials per client address.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { OrgTree } from '../contracts/org-tree.js';
import { apiError } from './errors.js';
import { type JwtOptions, verifyJwt } from './jwt.js';
import { RateLimiter, type RateLimitOptions } from './rate-limit.js';
import type { Role } from '../contracts/config/api.js';
import { verifySecret } from '../contracts/secrets.js';


export interface Principal {
  /** API key id, or `jwt:<sub>` for a token. */
  keyId: string;
  role: Role;
  org: string;
}

export interface KeyRecord extends Principal {
  hash: string;
}

/** Where a principal may look, as SQL parameters: empty arrays mean the whole city. */
export interface Scope {
  /** Org ids; a row is in scope when its org path holds one of them. */
  orgs: string[];
  /** The districts those orgs lie in (prunes the `district` part of the sort keys). */
  districts: string[];
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    scope?: Scope;
  }
}

const CACHE_MAX = 10_000;

export interface AuthOptions {
  keys: readonly KeyRecord[];
  orgs: OrgTree;
  jwt?: JwtOptions;
  rateLimit?: RateLimitOptions;
  now?: () => number;
}

export class Authenticator {
  private readonly cache = new Map<string, Principal | null>();
  private readonly limiter: RateLimiter | undefined;
  private readonly failures: RateLimiter;
  private readonly now: () => number;

  constructor(private readonly o: AuthOptions) {
    this.limiter = o.rateLimit ? new RateLimiter(o.rateLimit) : undefined;
    // Unknown keys cost an scrypt per configured key: bound how often one address may try.
    this.failures = new RateLimiter({ perSecond: 1, burst: 20 });
    this.now = o.now ?? Date.now;
  }

  /** The principal of an API key, or undefined. Verified keys (and misses) are cached by SHA-256. */
  verifyKey(key: string): Principal | undefined {
    const digest = createHash('sha256').update(key).digest('base64url');
    const hit = this.cache.get(digest);
    if (hit !== undefined) return hit ?? undefined;
    const rec = this.o.keys.find((k) => verifySecret(key, k.hash));
    const p: Principal | null = rec ? { keyId: rec.keyId, role: rec.role, org: rec.org } : null;
    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(digest, p);
    return p ?? undefined;
  }

  /** Back-compat name. */
  verify(key: string): Principal | undefined {
    return this.verifyKey(key);
  }

  /** The jurisdiction of a principal; throws API_FORBIDDEN when its org is not in the tree. */
  scopeOf(p: Principal): Scope {
    const org = this.o.orgs.orgs.get(p.org);
    if (!org) throw apiError('API_FORBIDDEN', `org '${p.org}' is not in the city's org tree`);
    if (org.path.length === 1) return { orgs: [], districts: [] };
    return { orgs: [p.org], districts: [org.path[1]!] };
  }

  /** fastify onRequest hook: sets `req.principal` and `req.scope`, or answers 401/403/429. */
  hook = async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const h = req.headers.authorization;
    const m = typeof h === 'string' ? /^Bearer\s+(\S{8,4096})$/i.exec(h) : null;
    if (!m) throw apiError('API_UNAUTHORIZED', 'send an API key or token as `Authorization: Bearer <credential>`');
    const cred = m[1]!;
    const now = this.now();
    let p: Principal | undefined;
    if (cred.split('.').length === 3 && this.o.jwt) {
      const r = verifyJwt(cred, this.o.jwt, now);
      if ('reason' in r) throw apiError('API_UNAUTHORIZED', r.reason);
      p = { keyId: `jwt:${r.claims.sub}`, role: r.claims.role, org: r.claims.org };
    } else {
      const digest = createHash('sha256').update(cred).digest('base64url');
      if (!this.cache.has(digest) && !this.failures.take(`ip:${req.ip}`, now)) {
        throw apiError('API_RATE_LIMITED', 'too many unknown credentials from this address');
      }
      p = this.verifyKey(cred);
      if (!p) throw apiError('API_UNAUTHORIZED', 'unknown API key');
    }
    if (this.limiter && !this.limiter.take(p.keyId, now)) throw apiError('API_RATE_LIMITED', 'rate limit exceeded for this key; slow down');
    req.principal = p;
    req.scope = this.scopeOf(p);
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

/** The principal and scope of an authenticated request (routes under /api/v1). */
export function who(req: FastifyRequest): { principal: Principal; scope: Scope } {
  if (!req.principal || !req.scope) throw apiError('API_UNAUTHORIZED', 'not signed in');
  return { principal: req.principal, scope: req.scope };
}

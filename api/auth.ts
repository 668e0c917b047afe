/**
 * Authentication and jurisdiction. `Authorization: Bearer <credential>` is either an API key
 * (api/key-verifier.ts: one asynchronous scrypt check for the key id the key names, city.yaml's
 * keys plus the admin key of `xueliang up`) or an
 * HS256 JWT (`api.jwt.secret`). A principal has a role and an org node; its jurisdiction is
 * that org's subtree, applied in SQL through `{scope}` / `{districts}` parameters. Requests are
 * rate-limited per principal (token bucket), and failed credentials per client address (the
 * refusals past that limit are answered late: contracts/refusals.ts).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { OrgTree } from '../contracts/org-tree.js';
import { apiError } from './errors.js';
import { type JwtOptions, verifyJwt } from './jwt.js';
import { KeyVerifier } from './key-verifier.js';
import { ADDRESS_LIMIT, RateLimiter, type RateLimitOptions } from './rate-limit.js';
import type { SharedApiState } from './shared-limits.js';
import { Tarpit } from '../contracts/refusals.js';
import type { Role } from '../contracts/config/api.js';
import type { KeyRecord, Principal } from './principal.js';

export type { Role };

/** A token bucket per key: local (api/rate-limit.ts) or shared (api/shared-limits.ts). */
interface Limiter {
  take(key: string, nowMs: number): boolean | Promise<boolean>;
}

export type { KeyRecord, Principal };

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

export interface AuthOptions {
  keys: readonly KeyRecord[];
  orgs: OrgTree;
  jwt?: JwtOptions;
  rateLimit?: RateLimitOptions;
  /** Limits and revocations shared by every API process through Redis (api/shared-limits.ts). */
  shared?: SharedApiState;
  now?: () => number;
}

export class Authenticator {
  private readonly keys: KeyVerifier;
  private readonly limiter: Limiter | undefined;
  private readonly failures: Limiter;
  private readonly tarpit = new Tarpit();
  private readonly now: () => number;

  constructor(private readonly o: AuthOptions) {
    this.keys = new KeyVerifier({ keys: o.keys });
    this.limiter = o.shared?.keys ?? (o.rateLimit ? new RateLimiter(o.rateLimit) : undefined);
    // Credentials not verified before are limited per address before any hashing
    // (api/key-verifier.ts, docs/security.md).
    this.failures = o.shared?.addresses ?? new RateLimiter(ADDRESS_LIMIT);
    this.now = o.now ?? Date.now;
  }

  /** The principal of an API key, or undefined (asynchronous: scrypt runs off the event loop). */
  verifyKey(key: string): Promise<Principal | undefined> {
    return this.keys.verify(key);
  }

  /** scrypt checks run so far (tests: an unknown key id costs none). */
  get hashesRun(): number {
    return this.keys.counts.hashes;
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
    if (!m)
      throw apiError('API_UNAUTHORIZED', 'send an API key or token as `Authorization: Bearer <credential>`');
    const cred = m[1]!;
    const now = this.now();
    let p: Principal | undefined;
    if (cred.split('.').length === 3 && this.o.jwt) {
      const r = verifyJwt(cred, this.o.jwt, now);
      if ('reason' in r) throw apiError('API_UNAUTHORIZED', r.reason);
      if (r.claims.jti && this.o.shared?.revoked.has(r.claims.jti))
        throw apiError('API_UNAUTHORIZED', 'JWT revoked');
      p = { keyId: `jwt:${r.claims.sub}`, role: r.claims.role, org: r.claims.org };
    } else {
      p = this.keys.cached(cred);
      if (!p) {
        if (!(await this.failures.take(`ip:${req.ip}`, now))) {
          // Answered late (contracts/refusals.ts): a guessing loop slows down to its connections.
          await this.tarpit.delay();
          throw apiError('API_RATE_LIMITED', 'too many unknown credentials from this address');
        }
        p = await this.keys.verify(cred);
      }
      if (!p) throw apiError('API_UNAUTHORIZED', 'unknown API key');
    }
    // A leased token answers at once; only an empty lease waits for Redis (api/shared-limits.ts).
    const ok = this.limiter ? this.limiter.take(p.keyId, now) : true;
    if (ok === false || (ok !== true && !(await ok)))
      throw apiError('API_RATE_LIMITED', 'rate limit exceeded for this key; slow down');
    req.principal = p;
    req.scope = this.scopeOf(p);
  };
}

/** The principal and scope of an authenticated request (routes under /api/v1). */
export function who(req: FastifyRequest): { principal: Principal; scope: Scope } {
  if (!req.principal || !req.scope) throw apiError('API_UNAUTHORIZED', 'not signed in');
  return { principal: req.principal, scope: req.scope };
}

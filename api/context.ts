/**
 * What the /api/v1 routes share: the org index, the audit log, the case check, time ranges.
 * Each route calls `audit` once it knows its result count (DESIGN §8: every search, hit view,
 * snapshot view and export is recorded), and sensitive searches call `requireCase` first.
 */
import type { FastifyRequest } from 'fastify';
import type { AuditEntry, AuditLog } from '../analytics/audit.js';
import { type Case, getCase } from '../analytics/cases.js';
import type { OrgIndex } from '../analytics/org-index.js';
import type { Store } from '../analytics/store.js';
import type { CityConfig } from '../contracts/config/index.js';
import type { KeptStatus } from '../ingest/gateway-status.js';
import type { CheckpointWriter } from './audit-checkpoints.js';
import { type Principal, type Role, type Scope, who } from './auth.js';
import type { CityKeys } from './city-keys.js';
import { apiError } from './errors.js';
import { parseRange } from './time.js';

export interface ApiContext {
  config: Readonly<CityConfig>;
  store: Store;
  orgs: OrgIndex;
  audit: AuditLog;
  /** The audit MAC keyring, the city's signing key, the checkpoint file (docs/privacy.md). */
  keys: CityKeys;
  /** Signs this process's audit chain head outside the store; undefined without a file. */
  checkpoints?: CheckpointWriter;
  now: () => number;
  /** Called after a case is closed (the alert engine drops the case's watches at once). */
  onCaseClosed?: (caseId: string, by: string) => Promise<void>;
  /** Each gateway's newest status (ingest/gateway-status.ts), when this process can read it. */
  gatewayStatus?: () => Promise<Map<string, KeptStatus>>;
}

/** Cameras the caller may see: 'all' for the whole city, else the ids under its org. */
export function camerasInScope(ctx: ApiContext, p: Principal, scope: Scope): 'all' | string[] {
  return scope.orgs.length === 0 ? 'all' : ctx.orgs.camerasUnder(p.org).map((c) => c.id);
}

/** Org ids the caller may see (its subtree): 'all' for a root principal. */
export function orgsInScope(ctx: ApiContext, p: Principal, scope: Scope): 'all' | string[] {
  if (scope.orgs.length === 0) return 'all';
  return [...ctx.orgs.orgs.values()].filter((o) => o.path.includes(p.org)).map((o) => o.id);
}

/** A requested org filter must lie inside the caller's jurisdiction (else 403, never a silent empty answer). */
export function checkOrgFilter(ctx: ApiContext, p: Principal, scope: Scope, org: string | undefined): string {
  if (!org) return '';
  if (!ctx.orgs.orgs.has(org)) throw apiError('API_NOT_FOUND', `no org '${org}'`);
  if (scope.orgs.length > 0 && !ctx.orgs.within(org, p.org))
    throw apiError('API_FORBIDDEN', `org '${org}' is outside your jurisdiction`);
  return org;
}

export function range(ctx: ApiContext, from: string, to: string, maxDays = ctx.config.api.maxRangeDays) {
  return parseRange(from, to, maxDays);
}

/** Records one audited access. */
/** What an audited request records besides who and when. */
export interface AuditRecord {
  endpoint: string;
  filters: Record<string, unknown>;
  caseId?: string;
  resultCount: number;
  status?: number;
}

/** The audit row of a request: the principal's identity plus what it did. */
export function auditEntry(req: FastifyRequest, e: AuditRecord, tsMs: number): AuditEntry {
  const p = req.principal;
  return {
    tsMs,
    keyId: p?.keyId ?? '',
    role: p?.role ?? '',
    org: p?.org ?? '',
    method: req.method,
    endpoint: e.endpoint,
    filters: e.filters,
    caseId: e.caseId ?? '',
    resultCount: e.resultCount,
    status: e.status ?? 200,
  };
}

export async function audit(ctx: ApiContext, req: FastifyRequest, e: AuditRecord): Promise<void> {
  req.audited = true; // api/audit-hook.ts then writes no second row
  await ctx.audit.append(auditEntry(req, e, ctx.now()));
}

/** Roles that may run sensitive (case-bound) searches. */
export const SENSITIVE_SEARCH_ROLES: readonly Role[] = ['admin', 'analyst'];

/**
 * The open case a sensitive search runs under: the caller must be an analyst or admin, and the
 * case must exist, be open, and belong to an org in the caller's jurisdiction. Refusals are
 * audited too (status 403).
 */
export async function requireCase(
  ctx: ApiContext,
  req: FastifyRequest,
  endpoint: string,
  caseId: string | undefined,
  filters: Record<string, unknown>,
): Promise<Case> {
  const { principal } = who(req);
  const refuse = async (message: string, code: 'API_CASE_REQUIRED' | 'API_FORBIDDEN' = 'API_CASE_REQUIRED') => {
    await audit(ctx, req, { endpoint, filters, caseId: caseId ?? '', resultCount: 0, status: 403 });
    return apiError(code, message);
  };
  // Sensitive searches are the analysts' (docs/security.md): viewers and grid members may not
  // run them, whatever case they name.
  if (!SENSITIVE_SEARCH_ROLES.includes(principal.role))
    throw await refuse(`role ${principal.role} may not run plate, route or person searches`, 'API_FORBIDDEN');
  if (!caseId) throw await refuse('this search needs caseId: an open case in your jurisdiction');
  const c = await getCase(ctx.store, caseId);
  if (!c || !(ctx.orgs.within(c.org, principal.org) || principal.org === c.org))
    throw await refuse(`no case '${caseId}' in your jurisdiction`);
  if (c.status !== 'open') throw await refuse(`case ${caseId} is closed`);
  return c;
}

/**
 * The districts a search may touch, for the `district` part of the sort keys: those of the named
 * cameras when all are known (measured at 100M: one camera-hour read 29 granules without it, the
 * key cannot use `camera` while `district` is open), else the caller's scope's. Jurisdiction is
 * enforced separately by `{scope}`; this only prunes.
 */
export function districtsFor(ctx: ApiContext, scope: Scope, cameras: readonly string[]): string[] {
  if (cameras.length === 0) return scope.districts;
  const ds = cameras.map((c) => ctx.orgs.placement(c)?.orgPath[1]);
  if (ds.some((d) => d === undefined)) return scope.districts;
  return [...new Set(ds as string[])];
}

/** ULID → its time part in ms, or undefined (Crockford base32, 10 characters). */
export function ulidTimeMs(id: string): number | undefined {
  if (!/^[0-9A-HJKMNP-TV-Z]{26}$/i.test(id)) return undefined;
  const A = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  let t = 0;
  for (const ch of id.slice(0, 10).toUpperCase()) t = t * 32 + A.indexOf(ch);
  return t <= 2 ** 48 ? t : undefined;
}

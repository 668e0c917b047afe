/**
 * The one request context of the /api/v1 routes: the config, the store, the org tree, the audit
 * log, the clock, the alert engine's API; plus the jurisdiction helpers, time ranges and the case
 * check. Auditing is declared per route (api/route-rules.ts; docs/architecture.md#privacy: every
 * search, hit view, snapshot view and export is recorded), and sensitive searches call
 * `requireCase` first.
 */
import type { FastifyRequest } from 'fastify';
import type { AuditLog } from '../analytics/audit.js';
import { type Case, getCase } from '../analytics/cases.js';
import type { OrgTree } from '../contracts/org-tree.js';
import type { Store } from '../analytics/store.js';
import type { TasksApi } from '../analytics/tasks/service.js';
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
  orgs: OrgTree;
  audit: AuditLog;
  /** The audit MAC keyring, the city's signing key, the checkpoint file (docs/privacy.md). */
  keys: CityKeys;
  /** Signs this process's audit chain head outside the store; undefined without a file. */
  checkpoints?: CheckpointWriter;
  now: () => number;
  /** Called after a case is closed (the alert engine drops the case's watches at once). */
  onCaseClosed?: (caseId: string, by: string) => Promise<void>;
  /** The alert engine's API (tasks, watches, the live feed), when this process runs one. */
  alerts?: TasksApi;
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

/** Roles that may run sensitive (case-bound) searches. */
export const SENSITIVE_SEARCH_ROLES: readonly Role[] = ['admin', 'analyst'];

/**
 * The open case a sensitive search runs under: the caller must be an analyst or admin, and the
 * case must exist, be open, and belong to an org in the caller's jurisdiction. Refusals are
 * audited like every answer of an audited route (api/route-rules.ts; a `sensitive` route's row
 * carries the requested caseId).
 */
export async function requireCase(
  ctx: ApiContext,
  req: FastifyRequest,
  caseId: string | undefined,
): Promise<Case> {
  const { principal } = who(req);
  const refuse = (message: string, code: 'API_CASE_REQUIRED' | 'API_FORBIDDEN' = 'API_CASE_REQUIRED') =>
    apiError(code, message);
  // Sensitive searches are the analysts' (docs/security.md): viewers and grid members may not
  // run them, whatever case they name.
  if (!SENSITIVE_SEARCH_ROLES.includes(principal.role))
    throw refuse(`role ${principal.role} may not run plate, route or person searches`, 'API_FORBIDDEN');
  if (!caseId) throw refuse('this search needs caseId: an open case in your jurisdiction');
  const c = await getCase(ctx.store, caseId);
  if (!c || !(ctx.orgs.within(c.org, principal.org) || principal.org === c.org))
    throw refuse(`no case '${caseId}' in your jurisdiction`);
  if (c.status !== 'open') throw refuse(`case ${caseId} is closed`);
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

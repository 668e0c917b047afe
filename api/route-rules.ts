/**
 * One way to write a route under /api/v1 (docs/api.md#writing-a-route): a route declares in its
 * config who may call it and whether it is audited, and hooks of this module enforce both.
 *
 *   app.get('/cases', { config: { audit: { action: 'GET /cases' }, roles: ['admin', 'analyst'] },
 *     schema: … }, async (req) => { …; auditResult(req, { resultCount: n }); return … });
 *
 * - `roles`: a preHandler refuses other roles with 403 `API_FORBIDDEN` (after validation).
 * - `audit`: one audit row per request by a principal, written by an onSend hook — so it is
 *   written before the client sees the answer, and for refusals too (400, 403, 404, 409:
 *   whatever status the reply carries). The handler adds what only it knows (`auditResult`:
 *   result count, filters, case). `audit: false` says the route's answers are not audited; its
 *   refusals still are (docs/security.md). A route that declares neither is refused at
 *   start-up, so a new route cannot forget. Not audited: 401 (no principal) and 429 (rate
 *   limited): a flood of refused requests must not become a flood of audit writes.
 * - A hijacked reply (the SSE stream) never reaches onSend: it calls `auditNow` before hijacking.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditEntry } from '../analytics/audit.js';
import type { Role } from '../contracts/config/api.js';
import { apiError } from './errors.js';

export interface AuditSpec {
  /**
   * What the audit row's `endpoint` column says: a fixed name, or one computed from the request
   * (e.g. `POST /tasks/:id/accept`). Default: the method and the route's path under /api/v1.
   */
  action?: string | ((req: FastifyRequest) => string);
  /** A case-bound (sensitive) route: the row carries the request's `caseId` even on a refusal. */
  sensitive?: boolean;
}

export interface RouteRules {
  audit: AuditSpec | false;
  roles?: readonly Role[];
}

/** What a handler adds to its request's audit row. */
export interface AuditNote {
  resultCount?: number;
  filters?: Record<string, unknown>;
  caseId?: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    audit?: AuditSpec | false;
    roles?: readonly Role[];
  }
  interface FastifyRequest {
    auditNote?: AuditNote;
    audited?: boolean;
  }
}

/** Where audit rows go (analytics/audit.ts `AuditLog`); absent: the request log only. */
export type AuditSink = { append(e: AuditEntry): Promise<unknown> };

/** Records what the audit row of this request should say besides who, when and the status. */
export function auditResult(req: FastifyRequest, note: AuditNote): void {
  req.auditNote = { ...req.auditNote, ...note };
}

const PREFIX = '/api/v1';
const MAX_TEXT = 200;

/** What the request asked for, for the audit row: params, query and body fields, uploads by size only. */
export function requestFilters(req: FastifyRequest): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const add = (src: unknown) => {
    if (!src || typeof src !== 'object') return;
    for (const [k, v] of Object.entries(src).slice(0, 40)) {
      if (k === 'image' && typeof v === 'string') out.imageBytes = v.length;
      else if (typeof v === 'string') out[k] = v.slice(0, MAX_TEXT);
      else if (typeof v === 'number' || typeof v === 'boolean' || v === null) out[k] = v;
      else if (Array.isArray(v))
        out[k] = v.slice(0, 20).map((x) => (typeof x === 'string' ? x.slice(0, MAX_TEXT) : typeof x));
      else out[k] = typeof v;
    }
  };
  add(req.params);
  add(req.query);
  add(req.body);
  return out;
}

function actionOf(req: FastifyRequest, spec: AuditSpec): string {
  if (typeof spec.action === 'function') return spec.action(req);
  if (spec.action) return spec.action;
  const url = req.routeOptions.url ?? req.url.split('?')[0] ?? '';
  return `${req.method} ${url.startsWith(PREFIX) ? url.slice(PREFIX.length) : url}`;
}

function caseOf(req: FastifyRequest): string {
  for (const part of [req.query, req.body] as unknown[]) {
    const c = (part as { caseId?: unknown } | undefined)?.caseId;
    if (typeof c === 'string') return c;
  }
  return '';
}

/** The audit row of a request: the principal, the declared action, the handler's note, the status. */
export function auditEntryOf(req: FastifyRequest, spec: AuditSpec, status: number, tsMs: number): AuditEntry {
  const p = req.principal;
  const note = req.auditNote ?? {};
  return {
    tsMs,
    keyId: p?.keyId ?? '',
    role: p?.role ?? '',
    org: p?.org ?? '',
    method: req.method,
    endpoint: actionOf(req, spec),
    filters: note.filters ?? requestFilters(req),
    caseId: note.caseId ?? (spec.sensitive ? caseOf(req) : ''),
    resultCount: note.resultCount ?? 0,
    status,
  };
}

export interface RouteRulesOptions {
  audit?: AuditSink;
  now: () => number;
}

async function write(
  o: RouteRulesOptions,
  req: FastifyRequest,
  status: number,
  explicit = false,
): Promise<void> {
  const declared = req.routeOptions.config.audit;
  if (declared === undefined || req.audited || !req.principal || status === 401) return;
  // 429 is not audited through the hook (a flood); a route may still write one (auditNow).
  if (status === 429 && !explicit) return;
  // A route whose answers are not audited still has its refusals audited.
  if (declared === false && status < 400) return;
  const spec: AuditSpec = declared === false ? {} : declared;
  req.audited = true;
  const e = auditEntryOf(req, spec, status, o.now());
  if (o.audit) await o.audit.append(e);
  else req.log.info({ audit: e }, 'audited action (no audit log configured)');
}

/** Writes the audit row now (a route about to hijack its reply: 200). */
export function auditNow(o: RouteRulesOptions, req: FastifyRequest, status = 200): Promise<void> {
  return write(o, req, status, true);
}

/** Installs the route rules on an encapsulated scope (call before its routes are registered). */
export function installRouteRules(app: FastifyInstance, o: RouteRulesOptions): void {
  app.addHook('onRoute', (route) => {
    const config = route.config as { audit?: unknown } | undefined;
    if (config?.audit === undefined) {
      throw new Error(
        `${route.method} ${route.url}: declare config.audit (an AuditSpec, or false) — api/route-rules.ts`,
      );
    }
  });
  app.addHook('preHandler', async (req) => {
    const roles = req.routeOptions.config.roles;
    if (!roles) return;
    const p = req.principal;
    if (!p) throw apiError('API_UNAUTHORIZED', 'not signed in');
    if (!roles.includes(p.role)) throw apiError('API_FORBIDDEN', `needs role ${roles.join(' or ')}`);
  });
  app.addHook('onSend', async (req: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    await write(o, req, reply.statusCode);
    return payload;
  });
}

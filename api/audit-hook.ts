/**
 * The audit net under the /api/v1 routes (docs/security.md): a request by an authenticated
 * principal leaves an audit row when its route is one that reads or changes sensitive data
 * (`AUDITED_ROUTES`) or when it was refused (400, 403, 404, 409 …) — unless its handler already
 * wrote a row with its result count (`audit()` in api/context.ts marks the request). Declared
 * once here, so a refusal that happens before a handler runs (schema validation, a role check)
 * is recorded too, and a route whose handler forgets is still covered for refusals.
 *
 * Not audited here: 401 and 429 (no principal, or a flood: recording each would let anyone grow
 * the audit log) and successful reads of routes that show no sighting data (`/me`, `/orgs`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ApiContext, auditEntry } from './context.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set once the request's audit row is written (api/context.ts `audit`, api/routes/tasks.ts). */
    audited?: boolean;
  }
}

/** Routes whose successful calls are audited even when their handler writes no row itself. */
export const AUDITED_ROUTES: ReadonlySet<string> = new Set([
  'POST /cases',
  'POST /cases/:id/close',
  'GET /cases',
  'GET /cases/:id',
  'GET /quarantine',
  'GET /deadletters',
  'GET /audit',
  'GET /audit/verify',
]);

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

export function installAuditHook(app: FastifyInstance, ctx: ApiContext): void {
  app.addHook('onResponse', async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.audited || !req.principal) return;
    const status = reply.statusCode;
    const endpoint = `${req.method} ${(req.routeOptions.url ?? req.url.split('?')[0] ?? '').replace(/^\/api\/v1/, '')}`;
    const refused = status >= 400 && status !== 401 && status !== 429;
    if (!refused && !AUDITED_ROUTES.has(endpoint)) return;
    const filters = requestFilters(req);
    const caseId = typeof filters.caseId === 'string' ? filters.caseId : '';
    await ctx.audit
      .append(auditEntry(req, { endpoint, filters, caseId, resultCount: 0, status }, ctx.now()))
      .catch((e: unknown) => req.log.error({ err: e, endpoint }, 'audit append failed'));
  });
}

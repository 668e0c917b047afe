/**
 * Case watches (docs/alerts.md#case-watches): `GET /watches` (open watches in your jurisdiction),
 * `POST /watches` (a plate pattern, or clothing colours with area and window, under an open case),
 * `DELETE /watches/:id`, and the webhook dead letters (admin). Roles and auditing are declared
 * per route (api/route-rules.ts).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { ulid } from 'ulid';
import { defaultMode } from '../../analytics/alerts/plates.js';
import type { Watch } from '../../analytics/alerts/watches.js';
import { getCase } from '../../analytics/cases.js';
import { COLOURS } from '../../contracts/hit.js';
import { type Principal, who } from '../auth.js';
import type { ApiContext } from '../context.js';
import { apiError, ErrorBody } from '../errors.js';
import { auditResult } from '../route-rules.js';
import { Id } from '../schemas.js';
import type { TasksRouteOptions } from './tasks.js';

const MANAGERS = ['admin', 'analyst'] as const;
/** The latest time any query takes (2100-01-01, as api/time.ts): larger numbers cannot bind to Int64 columns. */
const MAX_EPOCH_MS = 4_102_444_800_000;

const Colour = T.Union(COLOURS.map((c) => T.Literal(c)));
export const WatchBody = T.Object(
  {
    caseId: Id('The open case this watch belongs to'),
    kind: T.Union([T.Literal('plate'), T.Literal('clothing')], {
      description: 'plate (hit-and-run) or clothing (missing person)',
    }),
    pattern: T.Optional(
      T.String({ minLength: 2, maxLength: 24, description: 'plate: exact, wildcard (`浙H*12?4`) or fuzzy' }),
    ),
    mode: T.Optional(
      T.Union([T.Literal('exact'), T.Literal('wildcard'), T.Literal('fuzzy')], {
        description: 'plate: default wildcard if the pattern has * or ?, else fuzzy',
      }),
    ),
    upper: T.Optional(Colour),
    lower: T.Optional(Colour),
    area: T.Optional(
      Id('Org whose subtree the sighting must be in (default: anywhere in your jurisdiction)'),
    ),
    fromMs: T.Optional(
      T.Integer({ minimum: 0, maximum: MAX_EPOCH_MS, description: 'Window start, epoch ms' }),
    ),
    toMs: T.Optional(T.Integer({ minimum: 0, maximum: MAX_EPOCH_MS, description: 'Window end, epoch ms' })),
  },
  { additionalProperties: false },
);

/** A watch as the caller asked for it, checked against the case and the caller's jurisdiction. */
function watchOf(ctx: ApiContext, p: Principal, b: typeof WatchBody.static, c: { org: string }): Watch {
  if (b.area && (!ctx.orgs.orgs.has(b.area) || !ctx.orgs.within(b.area, p.org)))
    throw apiError('API_FORBIDDEN', `area '${b.area}' is outside your jurisdiction`);
  if (b.fromMs !== undefined && b.toMs !== undefined && b.toMs < b.fromMs)
    throw apiError('API_BAD_REQUEST', 'toMs is before fromMs');
  const base = {
    id: ulid(),
    caseId: b.caseId,
    caseOrg: c.org,
    // Never wider than the caller's jurisdiction (docs/security.md): for a root principal
    // its org is on every camera's path, which is "anywhere".
    area: b.area ?? p.org,
    fromMs: b.fromMs ?? null,
    toMs: b.toMs ?? null,
  };
  if (b.kind === 'plate') {
    if (!b.pattern) throw apiError('API_BAD_REQUEST', 'a plate watch needs a pattern');
    return { ...base, kind: 'plate', pattern: b.pattern, mode: b.mode ?? defaultMode(b.pattern) };
  }
  if (!b.upper && !b.lower) throw apiError('API_BAD_REQUEST', 'a clothing watch needs upper or lower');
  return { ...base, kind: 'clothing', upper: b.upper ?? null, lower: b.lower ?? null };
}

export const watchesRoutes: FastifyPluginAsync<TasksRouteOptions> = async (app0, { ctx }) => {
  const app = app0.withTypeProvider<TypeBoxTypeProvider>();
  const { alerts } = ctx;

  app.get(
    '/watches',
    {
      config: { audit: {} },
      schema: {
        summary: 'Open case watches in your jurisdiction',
        response: { 200: T.Object({ watches: T.Array(T.Unknown()) }) },
      },
    },
    async (req) => {
      const { principal: p } = who(req);
      const watches = alerts.watches().filter((w) => ctx.orgs.within(w.caseOrg, p.org));
      auditResult(req, { resultCount: watches.length });
      return { watches };
    },
  );

  app.post(
    '/watches',
    {
      config: { audit: { sensitive: true }, roles: MANAGERS },
      schema: {
        summary: 'Add a watch to an open case (plate pattern, or clothing colours with area and window)',
        body: WatchBody,
        response: { 200: T.Object({ watch: T.Unknown() }), 400: ErrorBody, 403: ErrorBody },
      },
    },
    async (req) => {
      const { principal: p } = who(req);
      const b = req.body;
      const c = await getCase(ctx.store, b.caseId);
      if (c?.status !== 'open' || !ctx.orgs.within(c.org, p.org))
        throw apiError('API_CASE_REQUIRED', 'a watch needs an open case in your jurisdiction');
      const watch = watchOf(ctx, p, b, c);
      await alerts.addWatch(watch, p.keyId);
      auditResult(req, { resultCount: 1 });
      return { watch };
    },
  );

  app.delete(
    '/watches/:id',
    {
      config: { audit: {}, roles: MANAGERS },
      schema: {
        summary: 'Retire a watch',
        params: T.Object({ id: Id('Watch id') }),
        response: { 200: T.Object({ removed: T.Boolean() }), 404: ErrorBody },
      },
    },
    async (req) => {
      const { principal: p } = who(req);
      const { id } = req.params;
      const w = alerts.watches().find((x) => x.id === id);
      if (!w || !ctx.orgs.within(w.caseOrg, p.org))
        throw apiError('API_NOT_FOUND', 'no such watch in your jurisdiction');
      const removed = await alerts.removeWatch(id, p.keyId);
      auditResult(req, { caseId: w.caseId, resultCount: removed ? 1 : 0 });
      return { removed };
    },
  );

  app.get(
    '/webhooks/dead-letters',
    {
      config: { audit: {}, roles: ['admin'] },
      schema: {
        summary: 'Webhook calls that exhausted their attempts (admin)',
        response: { 200: T.Object({ items: T.Array(T.Unknown()) }), 403: ErrorBody },
      },
    },
    async (req) => {
      const items = await alerts.webhookDeadLetters(100);
      auditResult(req, { resultCount: items.length });
      return { items };
    },
  );
};

/** Cases: `POST /api/v1/cases`, `POST /api/v1/cases/:id/close`, `GET /api/v1/cases`, `GET /api/v1/cases/:id`. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { type Case, closeCase, createCase, getCase, listCases } from '../../analytics/cases.js';
import { who } from '../auth.js';
import { type ApiContext, orgsInScope } from '../context.js';
import { auditResult } from '../route-rules.js';
import { apiError } from '../errors.js';
import { ErrorBody, Id, Limit } from '../schemas.js';

const CaseBody = T.Object({
  id: T.String(),
  org: T.String(),
  title: T.String(),
  kind: T.String(),
  status: T.String(),
  createdBy: T.String(),
  createdMs: T.Integer(),
  closedBy: T.String(),
  closedMs: T.Integer(),
  version: T.Integer(),
});

export const NewCase = T.Object(
  {
    title: T.String({
      minLength: 1,
      maxLength: 200,
      description: 'What the case is about (no personal data needed)',
    }),
    kind: T.Union(
      [T.Literal('missing_person'), T.Literal('hit_and_run'), T.Literal('theft'), T.Literal('other')],
      { description: 'Case kind' },
    ),
    org: T.Optional(Id('Org the case belongs to (default: yours); must be in your jurisdiction')),
  },
  { additionalProperties: false },
);

export const casesRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app0, { ctx }) => {
  const app = app0.withTypeProvider<TypeBoxTypeProvider>();
  const visible = (req: Parameters<typeof who>[0], c: Case | undefined): Case => {
    const { principal } = who(req);
    if (!c || !ctx.orgs.within(c.org, principal.org))
      throw apiError('API_NOT_FOUND', 'no such case in your jurisdiction');
    return c;
  };

  app.post(
    '/cases',
    {
      config: { audit: {}, roles: ['admin', 'analyst'] },
      schema: {
        summary: 'Open a case',
        tags: ['cases'],
        body: NewCase,
        response: { 201: CaseBody, 400: ErrorBody, 403: ErrorBody },
      },
    },
    async (req, reply) => {
      const { principal } = who(req);
      const org = req.body.org ?? principal.org;
      if (!ctx.orgs.orgs.has(org)) throw apiError('API_NOT_FOUND', `no org '${org}'`);
      if (!ctx.orgs.within(org, principal.org))
        throw apiError('API_FORBIDDEN', `org '${org}' is outside your jurisdiction`);
      const c = await createCase(ctx.store, {
        org,
        title: req.body.title,
        kind: req.body.kind,
        createdBy: principal.keyId,
        nowMs: ctx.now(),
      });
      return reply.status(201).send(c);
    },
  );

  app.post(
    '/cases/:id/close',
    {
      config: { audit: {}, roles: ['admin', 'analyst'] },
      schema: {
        summary: 'Close a case (its searches stop working)',
        tags: ['cases'],
        params: T.Object({ id: Id('Case id') }, { additionalProperties: false }),
        response: { 200: CaseBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (req) => {
      const c = visible(req, await getCase(ctx.store, req.params.id));
      const by = who(req).principal.keyId;
      const closed = await closeCase(ctx.store, c, by, ctx.now());
      await ctx.onCaseClosed?.(c.id, by);
      return closed;
    },
  );

  app.get(
    '/cases',
    {
      config: { audit: {} },
      schema: {
        summary: 'Cases in your jurisdiction, newest first',
        tags: ['cases'],
        querystring: T.Object(
          {
            status: T.Optional(T.Union([T.Literal('open'), T.Literal('closed')])),
            limit: T.Optional(Limit(100, 1000)),
          },
          { additionalProperties: false },
        ),
        response: { 200: T.Object({ cases: T.Array(CaseBody) }), 400: ErrorBody },
      },
    },
    async (req) => {
      const { principal, scope } = who(req);
      const cases = await listCases(ctx.store, {
        orgs: orgsInScope(ctx, principal, scope),
        status: req.query.status ?? '',
        limit: req.query.limit ?? 100,
      });
      auditResult(req, { resultCount: cases.length });
      return { cases };
    },
  );

  app.get(
    '/cases/:id',
    {
      config: { audit: {} },
      schema: {
        summary: 'One case',
        tags: ['cases'],
        params: T.Object({ id: Id('Case id') }, { additionalProperties: false }),
        response: { 200: CaseBody, 404: ErrorBody },
      },
    },
    async (req) => visible(req, await getCase(ctx.store, req.params.id)),
  );
};

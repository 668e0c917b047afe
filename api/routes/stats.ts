/** `GET /api/v1/stats`: counts by hour or day, by org, camera or type, from the hourly statistics view. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { statsCounts } from '../../analytics/queries.js';
import { who } from '../auth.js';
import { type ApiContext, checkOrgFilter, range } from '../context.js';
import { auditResult } from '../route-rules.js';
import { CameraList, ErrorBody, From, Id, list, To, Word } from '../schemas.js';

export const StatsQuery = T.Object(
  {
    from: From,
    to: To,
    bucket: T.Optional(
      T.Union([T.Literal('hour'), T.Literal('day')], {
        description: 'hour (default) or day (in the city timezone)',
      }),
    ),
    by: T.Optional(
      T.Union([T.Literal('none'), T.Literal('org'), T.Literal('camera'), T.Literal('type')], {
        description:
          'Split by: none (default), org (the child orgs of `org` or of your own org), camera, type',
      }),
    ),
    org: T.Optional(Id('Only this org subtree (inside your jurisdiction)')),
    camera: T.Optional(CameraList),
    type: T.Optional(Word('Hit type')),
  },
  { additionalProperties: false },
);

const Row = T.Object({
  tMs: T.Integer({ description: 'Bucket start, epoch ms' }),
  key: T.String(),
  n: T.Integer(),
});

export const statsRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app0, { ctx }) => {
  const app = app0.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/stats',
    {
      config: { audit: {} },
      schema: {
        summary: 'Hit counts by hour or day, split by org, camera or type',
        tags: ['stats'],
        querystring: StatsQuery,
        response: {
          200: T.Object({ bucket: T.String(), by: T.String(), rows: T.Array(Row) }),
          400: ErrorBody,
          403: ErrorBody,
        },
      },
    },
    async (req) => {
      const q = req.query;
      const { principal, scope } = who(req);
      // Stats read pre-aggregated hours: allow a year.
      const { fromMs, toMs } = range(ctx, q.from, q.to, 366);
      const org = checkOrgFilter(ctx, principal, scope, q.org);
      const base = org || principal.org;
      const depth = ctx.orgs.orgs.get(base)?.path.length ?? 1;
      const bucket = q.bucket ?? 'hour';
      const by = q.by ?? 'none';
      const rows = await statsCounts(ctx.store, {
        fromMs,
        toMs,
        scope: scope.orgs,
        districts: scope.districts,
        org,
        cameras: list(q.camera),
        type: q.type ?? '',
        bucket,
        tz: ctx.config.city.timezone,
        by,
        level: Math.min(depth + 1, 255),
      });
      auditResult(req, { resultCount: rows.length });
      return { bucket, by, rows: rows.map((r) => ({ tMs: Number(r.t_ms), key: r.key, n: Number(r.n) })) };
    },
  );
};

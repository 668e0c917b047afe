/** `GET /api/v1/hits` (search with cursor pagination) and `GET /api/v1/hits/:id`, both limited to the caller's jurisdiction. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { rowToHit, type StoredRow } from '../../analytics/hit-rows.js';
import { sql } from '../../analytics/sql.js';
import { Hit } from '../../contracts/hit.js';
import { who } from '../auth.js';
import { type ApiContext, audit, checkOrgFilter, districtsFor, range, ulidTimeMs } from '../context.js';
import { apiError } from '../errors.js';
import { CameraList, ColourParam, ErrorBody, From, Id, Limit, list, To, Word } from '../schemas.js';

export const HitsQuery = T.Object(
  {
    from: From,
    to: To,
    camera: T.Optional(CameraList),
    org: T.Optional(Id('Only cameras in this org subtree (inside your jurisdiction)')),
    kind: T.Optional(T.Union([T.Literal('sighting'), T.Literal('event')], { description: 'sighting or event' })),
    type: T.Optional(Word('Hit type: person, vehicle, illegal_parking, …')),
    label: T.Optional(Word('Detector label, e.g. car')),
    zone: T.Optional(Word('Zone name')),
    color: T.Optional(ColourParam('Vehicle colour')),
    upper: T.Optional(ColourParam('Upper clothing colour')),
    lower: T.Optional(ColourParam('Lower clothing colour')),
    limit: T.Optional(Limit(100, 10_000)),
    cursor: T.Optional(T.String({ maxLength: 128, pattern: '^[A-Za-z0-9_-]*$', description: 'The `next` value of the previous page' })),
  },
  { additionalProperties: false },
);

export const HitsPage = T.Object({ hits: T.Array(Hit), next: T.Optional(T.String()) });

export function encodeCursor(tsMs: number, id: string): string {
  return Buffer.from(`${tsMs}:${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { ts: number; id: string } {
  const [ts, id] = Buffer.from(cursor, 'base64url').toString('utf8').split(':', 2);
  if (!ts || !id || !/^\d{1,15}$/.test(ts) || !/^[A-Za-z0-9._-]{1,64}$/.test(id)) throw apiError('API_BAD_CURSOR', 'cursor is not one this API issued');
  return { ts: Number(ts), id };
}

export const hitsRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app0, { ctx }) => {
  const app = app0.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/hits',
    {
      schema: {
        summary: 'Search hits in a time range (cameras, org, type, label, zone, colours), newest first',
        tags: ['hits'],
        querystring: HitsQuery,
        response: { 200: HitsPage, 400: ErrorBody, 403: ErrorBody },
      },
    },
    async (req) => {
      const q = req.query;
      const { principal, scope } = who(req);
      const { fromMs, toMs } = range(ctx, q.from, q.to);
      const limit = Math.min(q.limit ?? 100, ctx.config.api.maxLimit);
      const cur = q.cursor ? decodeCursor(q.cursor) : { ts: 0, id: '' };
      const rows = await ctx.store.query<StoredRow>(sql('hits_search'), {
        from: fromMs,
        to: toMs,
        scope: scope.orgs,
        districts: districtsFor(ctx, scope, list(q.camera)),
        org: checkOrgFilter(ctx, principal, scope, q.org),
        cameras: list(q.camera),
        kind: q.kind ?? '',
        type: q.type ?? '',
        label: q.label ?? '',
        zone: q.zone ?? '',
        color: q.color ?? '',
        upper: q.upper ?? '',
        lower: q.lower ?? '',
        cursorTs: cur.ts,
        cursorId: cur.id,
        limit,
      });
      const hits = rows.map(rowToHit);
      await audit(ctx, req, { endpoint: 'GET /hits', filters: { ...q }, resultCount: hits.length });
      const last = hits[hits.length - 1];
      return hits.length === limit && last ? { hits, next: encodeCursor(last.tsMs, last.id) } : { hits };
    },
  );

  app.get(
    '/hits/:id',
    {
      schema: {
        summary: 'One hit by id (404 when it is not in your jurisdiction)',
        tags: ['hits'],
        params: T.Object({ id: Id('Hit id') }, { additionalProperties: false }),
        response: { 200: Hit, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (req) => {
      const { scope } = who(req);
      const t = ulidTimeMs(req.params.id);
      const [row] = await ctx.store.query<StoredRow>(sql('hit_by_id'), {
        id: req.params.id,
        from: t === undefined ? 0 : Math.max(0, t - 2 * 86_400_000),
        to: t === undefined ? 4_102_444_800_000 : t + 3_600_000,
        scope: scope.orgs,
      });
      await audit(ctx, req, { endpoint: 'GET /hits/:id', filters: { id: req.params.id }, resultCount: row ? 1 : 0, status: row ? 200 : 404 });
      if (!row) throw apiError('API_NOT_FOUND', `no hit '${req.params.id}' in your jurisdiction`);
      return rowToHit(row);
    },
  );
};

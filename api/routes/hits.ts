/** `GET /api/v1/hits` (search with cursor pagination) and `GET /api/v1/hits/:id`, both limited to the caller's jurisdiction. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { rowToHit } from '../../analytics/hit-rows.js';
import { hitById, searchHits } from '../../analytics/queries.js';
import { Hit } from '../../contracts/hit.js';
import { who } from '../auth.js';
import { type ApiContext, checkOrgFilter, districtsFor, range } from '../context.js';
import { apiError } from '../errors.js';
import { auditResult } from '../route-rules.js';
import { CameraList, ColourParam, ErrorBody, From, Id, Limit, list, To, Word } from '../schemas.js';

export const HitsQuery = T.Object(
  {
    from: From,
    to: To,
    camera: T.Optional(CameraList),
    org: T.Optional(Id('Only cameras in this org subtree (inside your jurisdiction)')),
    kind: T.Optional(
      T.Union([T.Literal('sighting'), T.Literal('event')], { description: 'sighting or event' }),
    ),
    type: T.Optional(Word('Hit type: person, vehicle, illegal_parking, …')),
    label: T.Optional(Word('Detector label, e.g. car')),
    zone: T.Optional(Word('Zone name')),
    color: T.Optional(ColourParam('Vehicle colour')),
    upper: T.Optional(ColourParam('Upper clothing colour')),
    lower: T.Optional(ColourParam('Lower clothing colour')),
    limit: T.Optional(Limit(100, 10_000)),
    cursor: T.Optional(
      T.String({
        maxLength: 128,
        pattern: '^[A-Za-z0-9_-]*$',
        description: 'The `next` value of the previous page',
      }),
    ),
  },
  { additionalProperties: false },
);

export const HitsPage = T.Object({ hits: T.Array(Hit), next: T.Optional(T.String()) });

export function encodeCursor(tsMs: number, id: string): string {
  return Buffer.from(`${tsMs}:${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { ts: number; id: string } {
  const [ts, id] = Buffer.from(cursor, 'base64url').toString('utf8').split(':', 2);
  if (!ts || !id || !/^\d{1,15}$/.test(ts) || !/^[A-Za-z0-9._-]{1,64}$/.test(id))
    throw apiError('API_BAD_CURSOR', 'cursor is not one this API issued');
  return { ts: Number(ts), id };
}

/** The given, non-empty string filters of a query. */
function pick<K extends string>(
  q: Partial<Record<K, string>>,
  keys: readonly K[],
): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const k of keys) if (q[k]) out[k] = q[k];
  return out;
}

export const hitsRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app0, { ctx }) => {
  const app = app0.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/hits',
    {
      config: { audit: {} },
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
      const rows = await searchHits(ctx.store, {
        fromMs,
        toMs,
        scope: scope.orgs,
        districts: districtsFor(ctx, scope, list(q.camera)),
        org: checkOrgFilter(ctx, principal, scope, q.org),
        cameras: list(q.camera),
        ...pick(q, ['kind', 'type', 'label', 'zone', 'color', 'upper', 'lower']),
        cursorTs: cur.ts,
        cursorId: cur.id,
        limit,
      });
      const hits = rows.map(rowToHit);
      auditResult(req, { resultCount: hits.length });
      const last = hits[hits.length - 1];
      return hits.length === limit && last ? { hits, next: encodeCursor(last.tsMs, last.id) } : { hits };
    },
  );

  app.get(
    '/hits/:id',
    {
      config: { audit: {} },
      schema: {
        summary: 'One hit by id (404 when it is not in your jurisdiction)',
        tags: ['hits'],
        params: T.Object({ id: Id('Hit id') }, { additionalProperties: false }),
        response: { 200: Hit, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (req) => {
      const { scope } = who(req);
      const row = await hitById(ctx.store, req.params.id, scope.orgs);
      auditResult(req, { resultCount: row ? 1 : 0 });
      if (!row) throw apiError('API_NOT_FOUND', `no hit '${req.params.id}' in your jurisdiction`);
      return rowToHit(row);
    },
  );
};

/** `GET /api/v1/hits` (search with cursor pagination). */
import { Type as T } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { Hit } from '../../contracts/hit.js';
import { rowToHit } from '../../analytics/hit-rows.js';
import { sql } from '../../analytics/sql.js';
import type { AppDeps } from '../app.js';
import { apiError, ErrorBody } from '../errors.js';
import { parseRange } from '../time.js';

const Filter = (description: string) => T.Optional(T.String({ maxLength: 64, pattern: '^[A-Za-z0-9._:-]*$', description }));

export const HitsQuery = T.Object(
  {
    from: T.String({ minLength: 1, maxLength: 40, description: 'Start (inclusive): epoch ms or ISO-8601' }),
    to: T.String({ minLength: 1, maxLength: 40, description: 'End (exclusive): epoch ms or ISO-8601' }),
    camera: T.Optional(
      T.Union([T.String({ maxLength: 64, pattern: '^[A-Za-z0-9._:-]+$' }), T.Array(T.String({ maxLength: 64, pattern: '^[A-Za-z0-9._:-]+$' }), { maxItems: 200 })], {
        description: 'Camera id (repeatable)',
      }),
    ),
    kind: T.Optional(T.Union([T.Literal('sighting'), T.Literal('event')], { description: 'sighting or event' })),
    type: Filter('Hit type: person, vehicle, illegal_parking, …'),
    label: Filter('Detector label, e.g. car'),
    zone: Filter('Zone name'),
    color: Filter('Vehicle colour'),
    upper: Filter('Upper clothing colour'),
    lower: Filter('Lower clothing colour'),
    limit: T.Optional(T.Integer({ minimum: 1, maximum: 10_000, default: 100, description: 'Page size' })),
    cursor: T.Optional(T.String({ maxLength: 128, pattern: '^[A-Za-z0-9_-]*$', description: 'The `next` value of the previous page' })),
  },
  { additionalProperties: false },
);

const HitsPage = T.Object({ hits: T.Array(Hit), next: T.Optional(T.String()) });

export function encodeCursor(tsMs: number, id: string): string {
  return Buffer.from(`${tsMs}:${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { ts: number; id: string } {
  const [ts, id] = Buffer.from(cursor, 'base64url').toString('utf8').split(':', 2);
  if (!ts || !id || !/^\d{1,15}$/.test(ts)) throw apiError('API_BAD_CURSOR', 'cursor is not one this API issued');
  return { ts: Number(ts), id };
}

export const hitsRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get(
    '/hits',
    {
      schema: {
        summary: 'Search hits in a time range',
        querystring: HitsQuery,
        response: { 200: HitsPage, 400: ErrorBody },
      },
      attachValidation: false,
    },
    async (req) => {
      const q = req.query as import('@sinclair/typebox').Static<typeof HitsQuery>;
      const { fromMs, toMs } = parseRange(q.from, q.to, deps.config.api.maxRangeDays);
      const limit = Math.min(q.limit ?? 100, deps.config.api.maxLimit);
      const cur = q.cursor ? decodeCursor(q.cursor) : { ts: 0, id: '' };
      const cameras = q.camera === undefined ? [] : Array.isArray(q.camera) ? q.camera : [q.camera];
      const rows = await deps.store.query<Parameters<typeof rowToHit>[0]>(sql('hits_search'), {
        from: fromMs,
        to: toMs,
        scope: [],
        cameras,
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
      const last = hits[hits.length - 1];
      return hits.length === limit && last ? { hits, next: encodeCursor(last.tsMs, last.id) } : { hits };
    },
  );
};

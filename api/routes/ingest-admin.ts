/**
 * `GET /api/v1/quarantine` (what ingest refused, with reasons and raw bytes) and
 * `GET /api/v1/deadletters` (jobs that exhausted their insert attempts); admins only.
 * Dead letters need the ingest tier in this process (`xueliang up`); else 503.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { listQuarantine } from '../../ingest/quarantine.js';
import type { IngestService } from '../../ingest/service.js';
import { type ApiContext, range } from '../context.js';
import { auditResult } from '../route-rules.js';
import { apiError } from '../errors.js';
import { ErrorBody, From, Limit, To } from '../schemas.js';

const Name = T.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:-]+$' });

const QuarantineItem = T.Object({
  tsMs: T.Integer(),
  gateway: T.String(),
  topic: T.String(),
  reason: T.String({ description: 'Reject reason code (docs/errors.md)' }),
  detail: T.String(),
  raw: T.String({ description: 'Raw bytes, truncated; `base64:…` when not UTF-8 text' }),
  rawBytes: T.Integer({ description: 'Original size, bytes' }),
});

const DeadLetter = T.Object({
  jobId: T.String(),
  failedReason: T.String(),
  attemptsMade: T.Integer(),
  hits: T.Integer(),
  snapshots: T.Integer(),
  quarantine: T.Integer(),
  firstMs: T.Integer(),
  finishedOn: T.Optional(T.Integer()),
});

export const ingestAdminRoutes: FastifyPluginAsync<{ ctx: ApiContext; ingest?: IngestService }> = async (
  app0,
  { ctx, ingest },
) => {
  const app = app0.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/quarantine',
    {
      config: { audit: {}, roles: ['admin'] },
      schema: {
        summary: 'Messages and hits the ingest tier refused, newest first (admins)',
        tags: ['ingest'],
        querystring: T.Object(
          {
            from: From,
            to: To,
            gateway: T.Optional(Name),
            reason: T.Optional(Name),
            limit: T.Optional(Limit(100, 1_000)),
          },
          { additionalProperties: false },
        ),
        response: {
          200: T.Object({ items: T.Array(QuarantineItem) }),
          400: ErrorBody,
          401: ErrorBody,
          403: ErrorBody,
        },
      },
    },
    async (req) => {
      const q = req.query;
      const { fromMs, toMs } = range(ctx, q.from, q.to);
      const items = await listQuarantine(ctx.store, {
        fromMs,
        toMs,
        limit: q.limit ?? 100,
        ...(q.gateway ? { gateway: q.gateway } : {}),
        ...(q.reason ? { reason: q.reason } : {}),
      });
      auditResult(req, { resultCount: items.length });
      return { items };
    },
  );

  app.get(
    '/deadletters',
    {
      config: { audit: {}, roles: ['admin'] },
      schema: {
        summary:
          'Ingest jobs that exhausted their insert attempts, newest first; `xueliang ingest redrive` re-queues them (admins)',
        tags: ['ingest'],
        querystring: T.Object(
          {
            offset: T.Optional(T.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
            limit: T.Optional(Limit(100, 1_000)),
          },
          { additionalProperties: false },
        ),
        response: {
          200: T.Object({ total: T.Integer(), items: T.Array(DeadLetter) }),
          401: ErrorBody,
          403: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    async (req) => {
      if (!ingest)
        throw apiError(
          'API_UNAVAILABLE',
          'no ingest tier in this process (run the API inside `xueliang up`)',
        );
      const dl = await ingest.deadLetters(req.query.offset ?? 0, req.query.limit ?? 100);
      return {
        total: dl.total,
        items: dl.items.map(({ finishedOn, ...d }) => (finishedOn === undefined ? d : { ...d, finishedOn })),
      };
    },
  );
};

/** `GET /api/v1/snapshots/:id`: a hit's snapshot JPEG, if its camera is in the caller's jurisdiction. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { snapshotById } from '../../analytics/queries.js';
import { who } from '../auth.js';
import type { ApiContext } from '../context.js';
import { apiError } from '../errors.js';
import { auditResult } from '../route-rules.js';
import { ErrorBody, Id } from '../schemas.js';

export const snapshotsRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app0, { ctx }) => {
  const app = app0.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/snapshots/:id',
    {
      config: { audit: {} },
      schema: {
        summary: 'A snapshot as image/jpeg (404 when absent or outside your jurisdiction)',
        tags: ['hits'],
        params: T.Object({ id: Id('Snapshot id (the hit’s `snapshot`)') }, { additionalProperties: false }),
        response: { 200: T.Any({ description: 'JPEG bytes (image/jpeg)' }), 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (req, reply) => {
      const { scope } = who(req);
      const row = await snapshotById(ctx.store, req.params.id, scope.orgs);
      auditResult(req, { resultCount: row ? 1 : 0 });
      if (!row) throw apiError('API_NOT_FOUND', `no snapshot '${req.params.id}' in your jurisdiction`);
      return reply
        .header('content-type', 'image/jpeg')
        .header('cache-control', 'private, max-age=3600')
        .send(Buffer.from(row.jpeg_base64, 'base64'));
    },
  );
};

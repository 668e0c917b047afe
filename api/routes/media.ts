/**
 * `GET /media/snapshots/:id?exp=&sig=`: a stored image (snapshot or event frame) through an
 * expiring signed link, the kind notifications carry (contracts/links.ts; docs/alerts.md,
 * "DingTalk and WeCom"): a chat client opens it without an API key. Only links this city signed
 * with `api.linkSecret` and not yet expired work; every view is audited (key id `signed-link`).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { snapshotById } from '../../analytics/queries.js';
import { verifyMediaSignature } from '../../contracts/links.js';
import type { ApiContext } from '../context.js';
import { apiError } from '../errors.js';
import { ErrorBody, Id } from '../schemas.js';

export const mediaRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app0, { ctx }) => {
  const app = app0.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/media/snapshots/:id',
    {
      schema: {
        summary:
          'An image from a notification’s signed link, as image/jpeg (no key: the signature is the permission)',
        tags: ['hits'],
        security: [],
        params: T.Object({ id: Id('Snapshot id') }, { additionalProperties: false }),
        querystring: T.Object(
          {
            exp: T.Integer({ minimum: 0, description: 'Expiry, epoch seconds' }),
            sig: T.String({
              minLength: 1,
              maxLength: 64,
              pattern: '^[A-Za-z0-9_-]+$',
              description: 'Signature (contracts/links.ts)',
            }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: {
            description: 'JPEG bytes',
            content: { 'image/jpeg': { schema: { type: 'string', format: 'binary' } } },
          },
          400: ErrorBody,
          403: { ...ErrorBody, description: 'Not a link this city signed, or expired (API_LINK_INVALID)' },
          404: ErrorBody,
        },
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      const { exp, sig } = req.query;
      const nowMs = ctx.now();
      const entry = (status: number, resultCount: number) => ({
        tsMs: nowMs,
        keyId: 'signed-link',
        role: '',
        org: '',
        method: 'GET',
        endpoint: 'GET /media/snapshots/:id',
        filters: { id, exp },
        caseId: '',
        resultCount,
        status,
      });
      if (!verifyMediaSignature(ctx.config.api.linkSecret, id, exp, sig, nowMs)) {
        await ctx.audit.append(entry(403, 0));
        throw apiError('API_LINK_INVALID', 'this link is not valid (expired, or not signed by this city)');
      }
      const row = await snapshotById(ctx.store, id, []);
      await ctx.audit.append(entry(row ? 200 : 404, row ? 1 : 0));
      if (!row) throw apiError('API_NOT_FOUND', `no snapshot '${id}' (expired by retention?)`);
      return reply
        .header('content-type', 'image/jpeg')
        .header('cache-control', 'private, max-age=600')
        .header('referrer-policy', 'no-referrer')
        .send(Buffer.from(row.jpeg_base64, 'base64'));
    },
  );
};

/**
 * `POST /api/v1/tokens/revoke` (admins): a JWT is refused by every API process from now until
 * it would have expired anyway. Send the token itself (its signature is checked, its `jti` and
 * `exp` are taken from it) or a `jti` (revoked for the longest life a token may have,
 * `api.jwt.maxTtlSec` plus the clock skew). `GET /api/v1/tokens/revoked` lists the live
 * revocations. Both are audited; the revoked id is in the audit row's filters. The list lives in
 * Redis (api/shared-limits.ts).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { ApiContext } from '../context.js';
import { apiError } from '../errors.js';
import { verifyJwt } from '../jwt.js';
import { auditResult } from '../route-rules.js';
import { ErrorBody } from '../schemas.js';
import type { RevocationList } from '../shared-limits.js';

const Jti = T.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' });
const Revoked = T.Object({ jti: T.String(), untilMs: T.Integer() });

export const tokensRoutes: FastifyPluginAsync<{ ctx: ApiContext; revoked: RevocationList }> = async (
  app0,
  { ctx, revoked },
) => {
  const app = app0.withTypeProvider<TypeBoxTypeProvider>();
  const jwt = ctx.config.api.jwt;
  app.post(
    '/tokens/revoke',
    {
      config: { audit: {}, roles: ['admin'] },
      schema: {
        summary: 'Revoke a JWT in every API process until it expires (admins)',
        tags: ['auth'],
        body: T.Object(
          {
            token: T.Optional(T.String({ minLength: 8, maxLength: 4096 })),
            jti: T.Optional(Jti),
          },
          { additionalProperties: false },
        ),
        response: { 200: Revoked, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (req) => {
      const b = req.body;
      const now = ctx.now();
      let jti: string;
      let untilMs: number;
      if (b.token) {
        // An expired token needs no revocation, but saying so is clearer than a silent success.
        const r = verifyJwt(b.token, jwt, now);
        if ('reason' in r) throw apiError('API_BAD_REQUEST', `token: ${r.reason}`);
        if (!r.claims.jti) throw apiError('API_BAD_REQUEST', 'token has no jti claim: it cannot be revoked');
        jti = r.claims.jti;
        untilMs = (r.claims.exp + jwt.clockSkewSec) * 1000;
      } else if (b.jti) {
        jti = b.jti;
        untilMs = now + (jwt.maxTtlSec + jwt.clockSkewSec) * 1000;
      } else throw apiError('API_BAD_REQUEST', 'send `token` or `jti`');
      await revoked.revoke({ id: jti, untilMs });
      auditResult(req, { filters: { jti, untilMs } });
      return { jti, untilMs };
    },
  );
  app.get(
    '/tokens/revoked',
    {
      config: { audit: {}, roles: ['admin'] },
      schema: {
        summary: 'Revocations in force (admins)',
        tags: ['auth'],
        response: { 200: T.Object({ items: T.Array(Revoked) }), 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (req) => {
      const items = (await revoked.list()).map((r) => ({ jti: r.id, untilMs: r.untilMs }));
      auditResult(req, { resultCount: items.length });
      return { items };
    },
  );
};

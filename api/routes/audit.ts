/** `GET /api/v1/audit` (the audit trail) and `GET /api/v1/audit/verify` (hash-chain check); admins only. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { verifyAudit } from '../../analytics/audit.js';
import { readCheckpoints } from '../audit-checkpoints.js';
import { auditRows } from '../../analytics/queries.js';
import { type ApiContext, range } from '../context.js';
import { auditResult } from '../route-rules.js';
import { ErrorBody, From, Id, Limit, To } from '../schemas.js';

const Row = T.Object({
  chain: T.String(),
  seq: T.Integer(),
  tsMs: T.Integer(),
  keyId: T.String(),
  role: T.String(),
  org: T.String(),
  method: T.String(),
  endpoint: T.String(),
  filters: T.String({ description: 'JSON of the request filters' }),
  caseId: T.String(),
  resultCount: T.Integer(),
  status: T.Integer(),
  hash: T.String(),
});

export const auditRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app0, { ctx }) => {
  const app = app0.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/audit',
    {
      config: { audit: {}, roles: ['admin'] },
      schema: {
        summary: 'The audit trail: who searched or viewed what, when, under which case (admins)',
        tags: ['audit'],
        querystring: T.Object(
          {
            from: From,
            to: To,
            keyId: T.Optional(T.String({ minLength: 1, maxLength: 80, pattern: '^[A-Za-z0-9._@:-]+$' })),
            caseId: T.Optional(Id('Case id')),
            limit: T.Optional(Limit(100, 10_000)),
          },
          { additionalProperties: false },
        ),
        response: { 200: T.Object({ rows: T.Array(Row) }), 400: ErrorBody, 403: ErrorBody },
      },
    },
    async (req) => {
      const q = req.query;
      const { fromMs, toMs } = range(ctx, q.from, q.to, 366);
      const rows = await auditRows(ctx.store, {
        fromMs,
        toMs,
        keyId: q.keyId ?? '',
        caseId: q.caseId ?? '',
        limit: q.limit ?? 100,
      });
      auditResult(req, { resultCount: rows.length });
      return {
        rows: rows.map((r) => ({
          chain: String(r.chain),
          seq: Number(r.seq),
          tsMs: Number(r.ts_ms),
          keyId: String(r.key_id),
          role: String(r.role),
          org: String(r.org),
          method: String(r.method),
          endpoint: String(r.endpoint),
          filters: String(r.filters),
          caseId: String(r.case_id),
          resultCount: Number(r.result_count),
          status: Number(r.status),
          hash: String(r.hash),
        })),
      };
    },
  );

  app.get(
    '/audit/verify',
    {
      config: { audit: {}, roles: ['admin'] },
      schema: {
        summary: 'Recompute every audit hash chain; reports the first broken row of each chain (admins)',
        tags: ['audit'],
        response: {
          200: T.Object({
            ok: T.Boolean(),
            chains: T.Integer(),
            rows: T.Integer(),
            expiredRows: T.Integer({
              description: 'Rows gone from the start of chains by the audit TTL (retention.auditDays)',
            }),
            unkeyedRows: T.Integer({
              description: 'Rows from before the chain was keyed (accepted only before its first keyed row)',
            }),
            checkpoints: T.Integer({ description: 'Signed checkpoints compared (the newest per chain)' }),
            badCheckpoints: T.Integer({
              description: 'Checkpoint lines whose signature does not verify (the file was edited)',
            }),
            broken: T.Array(T.Object({ chain: T.String(), seq: T.Integer(), reason: T.String() })),
            heads: T.Array(T.Object({ chain: T.String(), seq: T.Integer(), hash: T.String() }), {
              description: 'Last row of each chain',
            }),
          }),
          403: ErrorBody,
        },
      },
    },
    async (req) => {
      // This process's pending head first, so the newest rows are covered too.
      await ctx.checkpoints?.flush();
      const cps = readCheckpoints(ctx.keys.checkpointFile, ctx.keys.signing.publicKey);
      const v = await verifyAudit(ctx.store, {
        keyring: ctx.keys.keyring,
        checkpoints: cps.valid,
        retention: { auditDays: ctx.config.retention.auditDays, nowMs: ctx.now() },
      });
      if (cps.invalid > 0) {
        v.ok = false;
        v.broken.push({
          chain: '(checkpoints)',
          seq: 0,
          reason: `${cps.invalid} checkpoint line(s) fail their signature`,
        });
      }
      req.log.info({ audit: { ok: v.ok, rows: v.rows, heads: v.heads } }, 'audit chain verified');
      return { ...v, badCheckpoints: cps.invalid };
    },
  );
};

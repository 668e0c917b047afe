/**
 * `POST /api/v1/cases/:id/exports`: an evidence export of chosen hits under an open case in
 * the caller's jurisdiction (analysts), as a signed ustar archive (api/export/build.ts,
 * docs/privacy.md). Every export is audited with its manifest's sha256; the server keeps no
 * copy.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { ulid } from 'ulid';
import { rowToHit } from '../../analytics/hit-rows.js';
import { auditOfCase, hitById, snapshotById } from '../../analytics/queries.js';
import type { Hit } from '../../contracts/hit.js';
import { who } from '../auth.js';
import { type ApiContext, requireCase } from '../context.js';
import { apiError } from '../errors.js';
import { auditResult } from '../route-rules.js';
import { buildExport } from '../export/build.js';
import { ErrorBody, Id } from '../schemas.js';

const MAX_HITS = 500;
const AUDIT_EXCERPT_ROWS = 10_000;

export const exportsRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app0, { ctx }) => {
  const app = app0.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/cases/:id/exports',
    {
      config: { audit: { action: 'POST /cases/:id/exports', sensitive: true }, roles: ['analyst'] },
      schema: {
        summary:
          'Export chosen hits, their snapshots and the case audit excerpt as a signed archive (analysts, open case)',
        description:
          'Answers application/x-tar: manifest.json (sha256 of every file, signed with the city key), case.json, hits.json, audit.json, snapshots/*.jpg (blurred as stored). Check it offline with `xueliang verify-export FILE`.',
        tags: ['cases'],
        params: T.Object({ id: Id('Case id') }, { additionalProperties: false }),
        body: T.Object(
          {
            hitIds: T.Array(Id('Hit id'), {
              minItems: 1,
              maxItems: MAX_HITS,
              uniqueItems: true,
              description: 'The hits to export',
            }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: T.Any({ description: 'The archive (application/x-tar)' }),
          400: ErrorBody,
          403: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (req, reply) => {
      const { principal, scope } = who(req);
      auditResult(req, { caseId: req.params.id, filters: { hitIds: req.body.hitIds } });
      const caseRecord = await requireCase(ctx, req, req.params.id);
      const hits: Hit[] = [];
      const missing: string[] = [];
      for (const id of req.body.hitIds) {
        const row = await hitById(ctx.store, id, scope.orgs);
        if (row) hits.push(rowToHit(row));
        else missing.push(id);
      }
      if (missing.length > 0) {
        auditResult(req, { filters: { hitIds: req.body.hitIds, missing }, caseId: caseRecord.id });
        throw apiError(
          'API_NOT_FOUND',
          `no hit ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` (+${missing.length - 5})` : ''} in your jurisdiction`,
        );
      }
      const snapshots = new Map<string, Uint8Array>();
      for (const h of hits) {
        if (!h.snapshot) continue;
        const s = await snapshotById(ctx.store, h.snapshot, scope.orgs);
        if (s) snapshots.set(h.snapshot, Buffer.from(s.jpeg_base64, 'base64'));
      }
      const auditRows = await auditOfCase(ctx.store, caseRecord.id, AUDIT_EXCERPT_ROWS);
      const exportId = ulid(ctx.now());
      const built = buildExport({
        exportId,
        city: ctx.config.city.id,
        caseRecord,
        hits,
        snapshots,
        auditRows,
        exportedBy: principal.keyId,
        nowMs: ctx.now(),
        signing: ctx.keys.signing,
      });
      auditResult(req, {
        filters: {
          hitIds: req.body.hitIds,
          exportId,
          manifestSha256: built.manifestSha256,
          snapshots: snapshots.size,
        },
        caseId: caseRecord.id,
        resultCount: hits.length,
      });
      return reply
        .header('content-type', 'application/x-tar')
        .header('content-disposition', `attachment; filename="export-${caseRecord.id}-${exportId}.tar"`)
        .header('x-xueliang-manifest-sha256', built.manifestSha256)
        .header('cache-control', 'no-store')
        .send(built.archive);
    },
  );
};

/**
 * `GET /api/v1/persons` (clothing colours, time, area) and `POST /api/v1/persons/similar` (nearest
 * appearance descriptors to a hit's or to an uploaded crop's). Both need an open case and are
 * audited. docs/architecture.md#privacy: clothing colours and a colour descriptor only — no face or body biometrics.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import sharp from 'sharp';
import { appearanceDescriptor, decodeDescriptor, probeBins } from '../../analytics/appearance.js';
import { rowToHit } from '../../analytics/hit-rows.js';
import { hitById, searchHits, similarAppearance } from '../../analytics/queries.js';
import { Hit } from '../../contracts/hit.js';
import { who } from '../auth.js';
import { type ApiContext, checkOrgFilter, districtsFor, range, requireCase } from '../context.js';
import { auditResult } from '../route-rules.js';
import { apiError } from '../errors.js';
import { CameraList, CaseId, ColourParam, ErrorBody, From, Id, Limit, list, To } from '../schemas.js';

export const PersonsQuery = T.Object(
  {
    from: From,
    to: To,
    upper: T.Optional(ColourParam('Upper clothing colour')),
    lower: T.Optional(ColourParam('Lower clothing colour')),
    org: T.Optional(Id('Area: only cameras in this org subtree')),
    camera: T.Optional(CameraList),
    caseId: T.Optional(CaseId),
    limit: T.Optional(Limit(100, 1000)),
  },
  { additionalProperties: false },
);

export const SimilarBody = T.Object(
  {
    hitId: T.Optional(Id('A person hit whose descriptor to search with')),
    image: T.Optional(
      T.String({
        minLength: 8,
        maxLength: 1_400_000,
        pattern: '^[A-Za-z0-9+/]+={0,2}$',
        description: 'A person crop, JPEG or PNG, base64 (≤ 1 MB)',
      }),
    ),
    from: From,
    to: To,
    org: T.Optional(Id('Area: only cameras in this org subtree')),
    camera: T.Optional(CameraList),
    caseId: T.Optional(CaseId),
    limit: T.Optional(Limit(20, 200)),
  },
  { additionalProperties: false, description: 'Give exactly one of hitId and image' },
);

const Similar = T.Object({
  id: T.String(),
  tsMs: T.Integer(),
  camera: T.String(),
  upperColor: T.String(),
  lowerColor: T.String(),
  distance: T.Number({
    description: 'L2 distance between descriptors (0: identical; two opposite regions ≈ 510)',
  }),
});

/** Decodes an uploaded crop and computes its descriptor (sharp is the only image decoder here). */
async function descriptorOfImage(b64: string): Promise<Uint8Array> {
  try {
    const { data, info } = await sharp(Buffer.from(b64, 'base64'), { limitInputPixels: 16_000_000 })
      .removeAlpha()
      .resize(48, 96, { fit: 'fill' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    return appearanceDescriptor(
      new Uint8Array(data.buffer, data.byteOffset, data.length),
      info.width,
      info.height,
    );
  } catch {
    throw apiError('API_BAD_IMAGE', 'image is not a decodable JPEG or PNG');
  }
}

export const personsRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app0, { ctx }) => {
  const app = app0.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/persons',
    {
      config: { audit: { sensitive: true } },
      schema: {
        summary: 'Persons by clothing colours, time and area, newest first; needs an open case',
        tags: ['persons'],
        querystring: PersonsQuery,
        response: { 200: T.Object({ hits: T.Array(Hit) }), 400: ErrorBody, 403: ErrorBody },
      },
    },
    async (req) => {
      const q = req.query;
      const { principal, scope } = who(req);
      const { fromMs, toMs } = range(ctx, q.from, q.to);
      const org = checkOrgFilter(ctx, principal, scope, q.org);
      const c = await requireCase(ctx, req, q.caseId);
      const rows = await searchHits(ctx.store, {
        fromMs,
        toMs,
        scope: scope.orgs,
        districts: districtsFor(ctx, scope, list(q.camera)),
        org,
        cameras: list(q.camera),
        kind: 'sighting',
        type: 'person',
        ...(q.upper ? { upper: q.upper } : {}),
        ...(q.lower ? { lower: q.lower } : {}),
        limit: Math.min(q.limit ?? 100, ctx.config.api.maxLimit),
      });
      auditResult(req, { caseId: c.id, resultCount: rows.length });
      return { hits: rows.map(rowToHit) };
    },
  );

  app.post(
    '/persons/similar',
    {
      config: { audit: { sensitive: true } },
      schema: {
        summary:
          'Persons whose clothing-colour descriptor is nearest to a hit’s or an uploaded crop’s; needs an open case',
        tags: ['persons'],
        body: SimilarBody,
        response: {
          200: T.Object({ results: T.Array(Similar) }),
          400: ErrorBody,
          403: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (req) => {
      const b = req.body;
      const { principal, scope } = who(req);
      if ((b.hitId === undefined) === (b.image === undefined))
        throw apiError('API_BAD_REQUEST', 'give exactly one of hitId and image');
      const { fromMs, toMs } = range(ctx, b.from, b.to, ctx.config.api.similarMaxDays);
      const org = checkOrgFilter(ctx, principal, scope, b.org);
      const filters = {
        ...b,
        image: b.image ? `<${Math.round((b.image.length * 3) / 4)} bytes>` : undefined,
      };
      auditResult(req, { filters });
      const c = await requireCase(ctx, req, b.caseId);
      let vec: Uint8Array;
      if (b.hitId) {
        const row = await hitById(ctx.store, b.hitId, scope.orgs);
        if (!row) throw apiError('API_NOT_FOUND', `no hit '${b.hitId}' in your jurisdiction`);
        const d = row.appearance ? decodeDescriptor(row.appearance) : undefined;
        if (!d) throw apiError('API_NO_DESCRIPTOR', `hit '${b.hitId}' carries no appearance descriptor`);
        vec = d;
      } else vec = await descriptorOfImage(b.image!);
      const scopeOrgs = org ? [org] : scope.orgs;
      const districts = org ? [ctx.orgs.districtOf(org) ?? ''].filter(Boolean) : scope.districts;
      const rows = await similarAppearance(ctx.store, {
        vec: [...vec],
        fromMs,
        toMs,
        scope: scopeOrgs,
        districts,
        cameras: list(b.camera),
        upperBins: probeBins(vec, 0),
        lowerBins: probeBins(vec, 1),
        excludeId: b.hitId ?? '',
        limit: b.limit ?? 20,
      });
      auditResult(req, { caseId: c.id, resultCount: rows.length });
      return {
        results: rows.map((r) => ({
          id: r.id,
          tsMs: Number(r.ts_ms),
          camera: r.camera,
          upperColor: r.upper_color,
          lowerColor: r.lower_color,
          distance: Math.round(Number(r.distance) * 1000) / 1000,
        })),
      };
    },
  );
};

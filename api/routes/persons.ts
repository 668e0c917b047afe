/**
 * `GET /api/v1/persons` (clothing colours, time, area) and `POST /api/v1/persons/similar` (nearest
 * appearance descriptors to a hit's or to an uploaded crop's). Both need an open case and are
 * audited. DESIGN §11: clothing colours and a colour descriptor only — no face or body biometrics.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import sharp from 'sharp';
import { appearanceDescriptor, decodeDescriptor, probeBins } from '../../analytics/appearance.js';
import { rowToHit, type StoredRow } from '../../analytics/hit-rows.js';
import { sql } from '../../analytics/sql.js';
import { Hit } from '../../contracts/hit.js';
import { who } from '../auth.js';
import { type ApiContext, audit, checkOrgFilter, districtsFor, range, requireCase, ulidTimeMs } from '../context.js';
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
      T.String({ minLength: 8, maxLength: 1_400_000, pattern: '^[A-Za-z0-9+/]+={0,2}$', description: 'A person crop, JPEG or PNG, base64 (≤ 1 MB)' }),
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
  distance: T.Number({ description: 'L2 distance between descriptors (0: identical; two opposite regions ≈ 510)' }),
});

/** Decodes an uploaded crop and computes its descriptor (sharp is the only image decoder here). */
async function descriptorOfImage(b64: string): Promise<Uint8Array> {
  try {
    const { data, info } = await sharp(Buffer.from(b64, 'base64'), { limitInputPixels: 16_000_000 })
      .removeAlpha()
      .resize(48, 96, { fit: 'fill' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    return appearanceDescriptor(new Uint8Array(data.buffer, data.byteOffset, data.length), info.width, info.height);
  } catch {
    throw apiError('API_BAD_IMAGE', 'image is not a decodable JPEG or PNG');
  }
}

export const personsRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app0, { ctx }) => {
  const app = app0.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/persons',
    {
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
      const c = await requireCase(ctx, req, 'GET /persons', q.caseId, { ...q });
      const rows = await ctx.store.query<StoredRow>(sql('hits_search'), {
        from: fromMs,
        to: toMs,
        scope: scope.orgs,
        districts: districtsFor(ctx, scope, list(q.camera)),
        org,
        cameras: list(q.camera),
        kind: 'sighting',
        type: 'person',
        label: '',
        zone: '',
        color: '',
        upper: q.upper ?? '',
        lower: q.lower ?? '',
        cursorTs: 0,
        cursorId: '',
        limit: Math.min(q.limit ?? 100, ctx.config.api.maxLimit),
      });
      await audit(ctx, req, { endpoint: 'GET /persons', filters: { ...q }, caseId: c.id, resultCount: rows.length });
      return { hits: rows.map(rowToHit) };
    },
  );

  app.post(
    '/persons/similar',
    {
      schema: {
        summary: 'Persons whose clothing-colour descriptor is nearest to a hit’s or an uploaded crop’s; needs an open case',
        tags: ['persons'],
        body: SimilarBody,
        response: { 200: T.Object({ results: T.Array(Similar) }), 400: ErrorBody, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (req) => {
      const b = req.body;
      const { principal, scope } = who(req);
      if ((b.hitId === undefined) === (b.image === undefined)) throw apiError('API_BAD_REQUEST', 'give exactly one of hitId and image');
      const { fromMs, toMs } = range(ctx, b.from, b.to, ctx.config.api.similarMaxDays);
      const org = checkOrgFilter(ctx, principal, scope, b.org);
      const filters = { ...b, image: b.image ? `<${Math.round((b.image.length * 3) / 4)} bytes>` : undefined };
      const c = await requireCase(ctx, req, 'POST /persons/similar', b.caseId, filters);
      let vec: Uint8Array;
      if (b.hitId) {
        const t = ulidTimeMs(b.hitId);
        const [row] = await ctx.store.query<StoredRow>(sql('hit_by_id'), {
          id: b.hitId,
          from: t === undefined ? 0 : Math.max(0, t - 2 * 86_400_000),
          to: t === undefined ? 4_102_444_800_000 : t + 3_600_000,
          scope: scope.orgs,
        });
        if (!row) throw apiError('API_NOT_FOUND', `no hit '${b.hitId}' in your jurisdiction`);
        const d = row.appearance ? decodeDescriptor(row.appearance) : undefined;
        if (!d) throw apiError('API_NO_DESCRIPTOR', `hit '${b.hitId}' carries no appearance descriptor`);
        vec = d;
      } else vec = await descriptorOfImage(b.image!);
      const scopeOrgs = org ? [org] : scope.orgs;
      const districts = org ? [ctx.orgs.districtOf(org) ?? ''].filter(Boolean) : scope.districts;
      const rows = await ctx.store.query<{ id: string; ts_ms: string; camera: string; upper_color: string; lower_color: string; distance: number }>(
        sql('appearance_similar'),
        {
          vec: [...vec],
          from: fromMs,
          to: toMs,
          scope: scopeOrgs,
          districts,
          cameras: list(b.camera),
          upperBins: probeBins(vec, 0),
          lowerBins: probeBins(vec, 1),
          excludeId: b.hitId ?? '',
          limit: b.limit ?? 20,
        },
      );
      await audit(ctx, req, { endpoint: 'POST /persons/similar', filters, caseId: c.id, resultCount: rows.length });
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

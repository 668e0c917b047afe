/**
 * `GET /api/v1/vehicles` (plate exact, wildcard, fuzzy; colour, type) and
 * `GET /api/v1/vehicles/route` (a plate's sightings in time order with camera positions). Both
 * need an open case (`caseId`) in the caller's jurisdiction and are audited.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { searchVehicles, searchVehiclesByAttrs, vehicleRoute } from '../../analytics/vehicles.js';
import { who } from '../auth.js';
import { type ApiContext, range, requireCase } from '../context.js';
import { apiError } from '../errors.js';
import { auditResult } from '../route-rules.js';
import { CaseId, ColourParam, ErrorBody, From, Limit, To } from '../schemas.js';

const PlateText = T.String({
  minLength: 2,
  maxLength: 24,
  pattern: '^[\\u4e00-\\u9fffA-Za-z0-9*?·\\- ]+$',
  description:
    'Plate: exact `浙H12345`, wildcard `浙H*12?4` (mode=wildcard), or a read to match fuzzily (mode=fuzzy)',
});

export const VehiclesQuery = T.Object(
  {
    plate: T.Optional({
      ...PlateText,
      description: `${PlateText.description}; absent: vehicles by colour and/or type, plate read or not`,
    }),
    mode: T.Optional(
      T.Union([T.Literal('exact'), T.Literal('wildcard'), T.Literal('fuzzy')], {
        description:
          'exact (default), wildcard (`*` any run, `?` one character), fuzzy (OCR-confusable 0/D/Q 8/B 1/7 2/Z 5/S 6/G, one missing or extra character)',
      }),
    ),
    from: From,
    to: To,
    color: T.Optional(ColourParam('Vehicle colour')),
    type: T.Optional(
      T.String({
        minLength: 1,
        maxLength: 32,
        pattern: '^[a-z_]+$',
        description: 'Vehicle type: car, suv, van, bus, truck, motorcycle',
      }),
    ),
    caseId: T.Optional(CaseId),
    limit: T.Optional(Limit(100, 1000)),
  },
  { additionalProperties: false },
);

const PlateMatch = T.Object({
  plate: T.String(),
  distance: T.Number({
    description: '0 exact; fuzzy: 0.5 per confusable character, 1 per missing/extra character',
  }),
  n: T.Integer({ description: 'Sightings in the range and your jurisdiction' }),
  firstMs: T.Integer(),
  lastMs: T.Integer(),
  color: T.String(),
  vehicleType: T.String(),
  cameras: T.Integer({ description: 'Distinct cameras' }),
});

const Sighting = {
  id: T.String(),
  tsMs: T.Integer(),
  plate: T.String(),
  camera: T.String(),
  color: T.String(),
  vehicleType: T.String(),
  plateScore: T.Number(),
  direction: T.String(),
  snapshot: T.String(),
};

const VehiclesAnswer = T.Object({ plates: T.Array(PlateMatch), sightings: T.Array(T.Object(Sighting)) });

export const RouteQuery = T.Object(
  {
    plate: PlateText,
    from: From,
    to: To,
    caseId: T.Optional(CaseId),
    limit: T.Optional(Limit(1000, 10_000)),
  },
  { additionalProperties: false },
);

const Stop = T.Object({
  ...Sighting,
  lat: T.Union([T.Number(), T.Null()]),
  lon: T.Union([T.Number(), T.Null()]),
  cameraName: T.String(),
  gapMs: T.Union([T.Integer(), T.Null()], { description: 'Time since the previous stop' }),
  distanceM: T.Union([T.Integer(), T.Null()], {
    description: 'Straight-line metres from the previous camera',
  }),
});

export const vehiclesRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app0, { ctx }) => {
  const app = app0.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/vehicles',
    {
      config: { audit: { sensitive: true } },
      schema: {
        summary:
          'Vehicles by plate (exact, wildcard, fuzzy), colour and type, or by colour and type alone; needs an open case',
        tags: ['vehicles'],
        querystring: VehiclesQuery,
        response: { 200: VehiclesAnswer, 400: ErrorBody, 403: ErrorBody },
      },
    },
    async (req) => {
      const q = req.query;
      const { scope } = who(req);
      const { fromMs, toMs } = range(ctx, q.from, q.to);
      const c = await requireCase(ctx, req, q.caseId);
      const limit = Math.min(q.limit ?? 100, ctx.config.api.maxLimit);
      if (q.plate === undefined) {
        // "A white van": no plate was read, or none is known.
        if (!q.color && !q.type)
          throw apiError('API_BAD_REQUEST', 'give a plate, or a colour and/or a vehicle type');
        const sightings = await searchVehiclesByAttrs(ctx.store, {
          fromMs,
          toMs,
          scope: scope.orgs,
          districts: scope.districts,
          color: q.color ?? '',
          vehicleType: q.type ?? '',
          limit,
        });
        auditResult(req, { caseId: c.id, resultCount: sightings.length });
        return { plates: [], sightings };
      }
      const r = await searchVehicles(ctx.store, {
        plate: q.plate,
        mode: q.mode ?? 'exact',
        fromMs,
        toMs,
        scope: scope.orgs,
        color: q.color ?? '',
        vehicleType: q.type ?? '',
        limit,
      });
      auditResult(req, { caseId: c.id, resultCount: r.sightings.length });
      return r;
    },
  );

  app.get(
    '/vehicles/route',
    {
      config: { audit: { sensitive: true } },
      schema: {
        summary:
          "A vehicle's sightings across cameras in time order, with camera positions; needs an open case",
        tags: ['vehicles'],
        querystring: RouteQuery,
        response: {
          200: T.Object({ plate: T.String(), stops: T.Array(Stop) }),
          400: ErrorBody,
          403: ErrorBody,
        },
      },
    },
    async (req) => {
      const q = req.query;
      const { scope } = who(req);
      const { fromMs, toMs } = range(ctx, q.from, q.to);
      const c = await requireCase(ctx, req, q.caseId);
      const r = await vehicleRoute(ctx.store, {
        plate: q.plate,
        fromMs,
        toMs,
        scope: scope.orgs,
        limit: q.limit ?? 1000,
        cameras: ctx.orgs.cameras,
      });
      auditResult(req, { caseId: c.id, resultCount: r.stops.length });
      return r;
    },
  );
};

/**
 * `GET /api/v1/sensors` (the sensors in your jurisdiction with their newest readings and
 * state) and `GET /api/v1/sensors/:id/series` (time series from the 1-minute or 1-hour
 * rollups). Scoped by jurisdiction like hits (a sensor is in scope when its grid is), and
 * audited (docs/iot.md).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { SensorCatalog, type SensorInfo } from '../../analytics/sensors/catalog.js';
import { sensorLast, sensorSeries } from '../../analytics/queries.js';
import { type Principal, type Scope, who } from '../auth.js';
import { type ApiContext, range } from '../context.js';
import { apiError } from '../errors.js';
import { auditResult } from '../route-rules.js';
import { ErrorBody, From, Id, To } from '../schemas.js';

const HOUR = 3_600_000;
/** The newest readings are looked for this far back (the 1-hour rollup). */
const LAST_LOOKBACK_MS = 48 * HOUR;
/** A minute series longer than this is refused (use bucket=hour). */
const MINUTE_MAX_MS = 7 * 24 * HOUR;

const Reading = T.Object({ metric: T.String(), unit: T.String(), value: T.Number(), tsMs: T.Integer() });

const SensorOut = T.Object({
  id: T.String(),
  name: T.String(),
  kind: T.String(),
  grid: T.String(),
  gateway: T.String(),
  lat: T.Number(),
  lon: T.Number(),
  orgPath: T.Array(T.String()),
  metrics: T.Array(T.Object({ metric: T.String(), unit: T.String() })),
  rules: T.Array(T.Object({ id: T.String(), type: T.String(), title: T.String() })),
  state: T.Union([T.Literal('ok'), T.Literal('silent'), T.Literal('unknown')], {
    description:
      'ok: a reading within its silence rule (or 1 h); silent: none for that long; unknown: no reading in 48 h',
  }),
  last: T.Array(Reading, { description: 'Newest reading per metric (from the 1-hour rollup)' }),
});

const Bucket = T.Union([T.Literal('minute'), T.Literal('hour')], {
  description: 'Rollup: minute or hour (default hour)',
});

const SeriesPoint = T.Object({
  tsMs: T.Integer({ description: 'Bucket start, epoch ms' }),
  n: T.Integer({ description: 'Readings in the bucket' }),
  min: T.Number(),
  max: T.Number(),
  avg: T.Number(),
  last: T.Number({ description: 'The newest value in the bucket' }),
});

export function inScope(s: SensorInfo, p: Principal, scope: Scope): boolean {
  if (!s.placement) return scope.orgs.length === 0;
  return scope.orgs.length === 0 || s.placement.orgPath.includes(p.org);
}

/** ok / silent / unknown from the newest reading time and the sensor's silence rule. */
export function sensorState(
  s: SensorInfo,
  lastMs: number | undefined,
  nowMs: number,
): 'ok' | 'silent' | 'unknown' {
  if (lastMs === undefined) return 'unknown';
  const silence = s.rules.filter((r) => r.type === 'silence').map((r) => r.afterMs);
  const limit = silence.length ? Math.min(...silence) : HOUR;
  return nowMs - lastMs >= limit ? 'silent' : 'ok';
}

type Sensor = ReturnType<SensorCatalog['all']> extends Iterable<infer S> ? S : never;

/** The listed sensors with their newest readings and state. */
function sensorsOut(mine: Sensor[], rows: Awaited<ReturnType<typeof sensorLast>>, now: number) {
  const last = new Map<string, Array<{ metric: string; unit: string; value: number; tsMs: number }>>();
  for (const r of rows)
    last.set(r.sensor, [
      ...(last.get(r.sensor) ?? []),
      { metric: r.metric, unit: r.unit, value: Number(r.value), tsMs: Number(r.ts_ms) },
    ]);
  const sensors = mine.map((s) => {
    const ls = last.get(s.id) ?? [];
    const newest = ls.length ? Math.max(...ls.map((x) => x.tsMs)) : undefined;
    return {
      id: s.id,
      name: s.name,
      kind: s.kind,
      grid: s.placement?.grid ?? '',
      gateway: s.gateway,
      lat: s.lat,
      lon: s.lon,
      orgPath: [...(s.placement?.orgPath ?? [])],
      metrics: [...s.metrics.values()].map((m) => ({ metric: m.metric, unit: m.unit })),
      rules: s.rules.map((r) => ({ id: r.id, type: r.type, title: r.title || r.id })),
      state: sensorState(s, newest, now),
      last: ls,
    };
  });
  return sensors;
}

/** Rollup rows grouped into one series per metric. */
function seriesByMetric(rows: Awaited<ReturnType<typeof sensorSeries>>) {
  const byMetric = new Map<
    string,
    { metric: string; unit: string; points: Array<typeof SeriesPoint.static> }
  >();
  for (const r of rows) {
    const m = byMetric.get(r.metric) ?? { metric: r.metric, unit: r.unit, points: [] };
    byMetric.set(r.metric, m);
    m.points.push({
      tsMs: Number(r.t_ms),
      n: Number(r.readings),
      min: r.v_min,
      max: r.v_max,
      avg: r.v_avg,
      last: r.v_last,
    });
  }
  return [...byMetric.values()];
}

export const sensorsRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app0, { ctx }) => {
  const app = app0.withTypeProvider<TypeBoxTypeProvider>();
  const catalog = new SensorCatalog(ctx.config);

  app.get(
    '/sensors',
    {
      config: { audit: {} },
      schema: {
        summary: 'Sensors in your jurisdiction: kind, place, metrics, rules, state and newest readings',
        tags: ['sensors'],
        querystring: T.Object(
          { kind: T.Optional(Id('Only sensors of this kind')) },
          { additionalProperties: false },
        ),
        response: { 200: T.Object({ sensors: T.Array(SensorOut) }), 400: ErrorBody },
      },
    },
    async (req) => {
      const { principal, scope } = who(req);
      const mine = [...catalog.all()].filter(
        (s) => !s.open && inScope(s, principal, scope) && (!req.query.kind || s.kind === req.query.kind),
      );
      const now = ctx.now();
      const rows = mine.length
        ? await sensorLast(
            ctx.store,
            mine.map((s) => s.id),
            now - LAST_LOOKBACK_MS,
          )
        : [];
      const sensors = sensorsOut(mine, rows, now);
      auditResult(req, { resultCount: sensors.length });
      return { sensors };
    },
  );

  app.get(
    '/sensors/:id/series',
    {
      config: { audit: {} },
      schema: {
        summary:
          'A sensor’s time series from the 1-minute or 1-hour rollups (min, max, avg, last per bucket)',
        tags: ['sensors'],
        params: T.Object({ id: Id('Sensor id') }),
        querystring: T.Object(
          {
            from: From,
            to: To,
            metric: T.Optional(Id('Metric (default: every metric)')),
            bucket: T.Optional(Bucket),
          },
          { additionalProperties: false },
        ),
        response: {
          200: T.Object({
            sensor: T.String(),
            bucket: Bucket,
            series: T.Array(T.Object({ metric: T.String(), unit: T.String(), points: T.Array(SeriesPoint) })),
          }),
          400: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (req) => {
      const { principal, scope } = who(req);
      const q = req.query;
      const { fromMs, toMs } = range(ctx, q.from, q.to);
      const bucket = q.bucket ?? 'hour';
      const filters = { id: req.params.id, from: fromMs, to: toMs, metric: q.metric ?? '', bucket };
      const s = catalog.get(req.params.id);
      if (!s || s.open || !inScope(s, principal, scope)) {
        auditResult(req, { filters });
        throw apiError('API_NOT_FOUND', `no sensor '${req.params.id}' in your jurisdiction`);
      }
      if (bucket === 'minute' && toMs - fromMs > MINUTE_MAX_MS)
        throw apiError('API_BAD_REQUEST', 'a minute series covers at most 7 days: use bucket=hour');
      const rows = await sensorSeries(ctx.store, {
        sensor: s.id,
        metric: q.metric ?? '',
        fromMs,
        toMs,
        minute: bucket === 'minute',
      });
      auditResult(req, { filters, resultCount: rows.length });
      return { sensor: s.id, bucket, series: seriesByMetric(rows) };
    },
  );
};

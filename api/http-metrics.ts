/**
 * HTTP request metrics of the API (docs/api.md, "Metrics"): one histogram,
 * `xueliang_http_request_duration_seconds{method,route,status}` — its `_count` is the request
 * counter. `route` is the route's template (`/api/v1/hits/:id`), never the raw URL, so ids do
 * not become label values; requests no route matched count under `route="unmatched"`.
 */
import type { FastifyInstance } from 'fastify';
import { Histogram, type Registry } from 'prom-client';

const NAME = 'xueliang_http_request_duration_seconds';

export function installHttpMetrics(app: FastifyInstance, registry: Registry): void {
  const h =
    (registry.getSingleMetric(NAME) as Histogram<'method' | 'route' | 'status'> | undefined) ??
    new Histogram({
      name: NAME,
      help: 'HTTP requests by method, route template and status code: time from request to response sent',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    h.observe({ method: req.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
}

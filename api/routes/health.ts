/** `/healthz` (liveness plus the store and other parts) and `/metrics` (Prometheus). */
import { Type as T } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import type { Store } from '../../analytics/store.js';

const HealthBody = T.Object(
  {
    ok: T.Boolean({ description: 'Every part is up' }),
    parts: T.Record(T.String(), T.Boolean(), {
      description: 'Each part (store, ingest, redis, …): up or not',
    }),
  },
  { description: 'Health of this process' },
);

/** What the health routes read: the store to probe, the metrics, the other parts' probes. */
export interface HealthOptions {
  store: Pick<Store, 'query'>;
  registry: Pick<Registry, 'contentType' | 'metrics'>;
  /** Readiness probes of the other parts of the process (ingest, redis), by name. */
  health?: () => Promise<Record<string, boolean>>;
}

export const healthRoutes: FastifyPluginAsync<{ deps: HealthOptions }> = async (app, { deps }) => {
  app.get(
    '/healthz',
    {
      schema: {
        summary:
          'Liveness and readiness: the store and the other parts of this process (503 when one is down)',
        tags: ['ops'],
        security: [],
        response: {
          200: HealthBody,
          503: { ...HealthBody, description: 'A part is down' },
        },
      },
    },
    async (_req, reply) => {
      const parts: Record<string, boolean> = {};
      try {
        await deps.store.query('SELECT 1');
        parts.store = true;
      } catch {
        parts.store = false;
      }
      Object.assign(parts, deps.health ? await deps.health() : {});
      const ok = Object.values(parts).every(Boolean);
      return reply.status(ok ? 200 : 503).send({ ok, parts });
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics of this process (text exposition format)',
        tags: ['ops'],
        security: [],
        response: {
          200: {
            description: 'Prometheus text exposition format 0.0.4',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
        },
      },
    },
    async (_req, reply) => {
      reply.header('content-type', deps.registry.contentType);
      return deps.registry.metrics();
    },
  );
};

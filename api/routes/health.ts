/** `/healthz` (liveness plus the store and other parts) and `/metrics` (Prometheus). */
import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../app.js';

export const healthRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get('/healthz', async (_req, reply) => {
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
  });

  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', deps.registry.contentType);
    return deps.registry.metrics();
  });
};

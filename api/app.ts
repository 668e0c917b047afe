/**
 * `buildApp(deps)`: the fastify app without a listening server (tests use `inject()`).
 * One plugin per resource under api/routes/. `server.ts` listens.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Registry } from 'prom-client';
import type { CityConfig } from '../contracts/config/index.js';
import type { Logger } from '../contracts/log.js';
import type { Store } from '../analytics/store.js';
import { Authenticator, type KeyRecord } from './auth.js';
import { installErrorHandler } from './errors.js';
import { healthRoutes } from './routes/health.js';
import { hitsRoutes } from './routes/hits.js';

export interface AppDeps {
  config: Readonly<CityConfig>;
  store: Store;
  registry: Registry;
  log: Logger;
  /** Readiness probes of the other parts of the process (ingest, redis), by name. */
  health?: () => Promise<Record<string, boolean>>;
  /** Extra keys besides city.yaml's (the admin key `xueliang up` makes). */
  extraKeys?: readonly KeyRecord[];
}

export function keysOf(deps: AppDeps): KeyRecord[] {
  const fromConfig = deps.config.api.keys.map((k) => ({ keyId: k.id, hash: k.hash, role: k.role, org: k.org }));
  return [...fromConfig, ...(deps.extraKeys ?? [])];
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log.child({ component: 'api' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 2 * 1024 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } },
  }) as unknown as FastifyInstance;
  installErrorHandler(app);
  await app.register(healthRoutes, { deps });
  await app.register((await import('./routes/web.js')).webRoutes); // the dashboard at / (api/web): static, no key
  const auth = new Authenticator(keysOf(deps));
  // Everything under /api/v1 needs a principal; /healthz and /metrics do not.
  await app.register(
    async (v1) => {
      v1.addHook('onRequest', auth.hook);
      await v1.register(hitsRoutes, { deps });
    },
    { prefix: '/api/v1' },
  );
  return app;
}

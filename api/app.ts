/**
 * `buildApp(deps)`: the fastify app without a listening server (tests use `inject()`).
 * One plugin per resource under api/routes/. `bin/commands/api.ts` (and `xueliang up`) listen.
 */
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { Registry } from 'prom-client';
import type { CityConfig } from '../contracts/config/index.js';
import type { Logger } from '../contracts/log.js';
import type { Store } from '../analytics/store.js';
import type { AlertEngine } from '../analytics/tasks/service.js';
import type { LiveHits } from '../analytics/hit-feed.js';
import type { SharedApiState } from './shared-limits.js';
import type { KeptStatus } from '../ingest/gateway-status.js';
import type { IngestService } from '../ingest/service.js';
import { hostname } from 'node:os';
import { AuditLog } from '../analytics/audit.js';
import { OrgTree } from '../contracts/org-tree.js';
import { readTls } from '../contracts/tls.js';
import { Authenticator, type KeyRecord } from './auth.js';
import type { ApiContext } from './context.js';
import { apiError, installErrorHandler } from './errors.js';
import { installHttpMetrics } from './http-metrics.js';
import { registerOpenApi } from './openapi.js';
import { installRouteRules } from './route-rules.js';
import { auditRoutes } from './routes/audit.js';
import { casesRoutes } from './routes/cases.js';
import { cityRoutes } from './routes/city.js';
import { healthRoutes } from './routes/health.js';
import { hitsRoutes } from './routes/hits.js';
import { mediaRoutes } from './routes/media.js';
import { ingestAdminRoutes } from './routes/ingest-admin.js';
import { personsRoutes } from './routes/persons.js';
import { sensorsRoutes } from './routes/sensors.js';
import { snapshotsRoutes } from './routes/snapshots.js';
import { streamRoutes } from './routes/stream.js';
import { tasksRoutes } from './routes/tasks.js';
import { tokensRoutes } from './routes/tokens.js';
import { exportsRoutes } from './routes/exports.js';
import { watchesRoutes } from './routes/watches.js';
import { statsRoutes } from './routes/stats.js';
import { CheckpointWriter } from './audit-checkpoints.js';
import { type CityKeys, ephemeralCityKeys } from './city-keys.js';
import { vehiclesRoutes } from './routes/vehicles.js';

export interface AppDeps {
  config: Readonly<CityConfig>;
  store: Store;
  registry: Registry;
  log: Logger;
  /** Readiness probes of the other parts of the process (ingest, redis), by name. */
  health?: () => Promise<Record<string, boolean>>;
  /** Extra keys besides city.yaml's (the admin key `xueliang up` makes). */
  extraKeys?: readonly KeyRecord[];
  /** The alert engine (analytics/tasks/service.ts): tasks, watches and the SSE stream need it. */
  alerts?: AlertEngine;
  /** The live hit feed (analytics/hit-feed.ts) the SSE stream sends hits from. */
  hitFeed?: LiveHits;
  /** Rate limits and revocations shared by every API process (api/shared-limits.ts); default: per process. */
  shared?: SharedApiState;
  /** Name of this process's audit hash chain (default `api-<hostname>-<pid>-<start ms>`); one writer per chain. */
  auditChain?: string;
  /** The city's keys (api/city-keys.ts openCityKeys); default: in-memory keys, no checkpoint file. */
  keys?: CityKeys;
  /** The org tree built once from `config` by the composition (default: built here). */
  orgs?: OrgTree;
  /** The clock (tests pass a fixed one). */
  now?: () => number;
  /** The ingest tier when it runs in this process: dead letters (GET /api/v1/deadletters). */
  ingest?: IngestService;
  /** Gateway status for GET /cameras when ingest runs elsewhere (read from its Redis). */
  gatewayStatus?: () => Promise<Map<string, KeptStatus>>;
}

export function keysOf(deps: AppDeps): KeyRecord[] {
  const fromConfig = deps.config.api.keys.map((k) => ({
    keyId: k.id,
    hash: k.hash,
    role: k.role,
    org: k.org,
  }));
  return [...fromConfig, ...(deps.extraKeys ?? [])];
}

/**
 * ajv coerces a query value that reads as a non-finite number (`Infinity`, `1e400`) to
 * Infinity, which then passes `maximum` (ajv 8, checked: `limit=Infinity` reached the store
 * and became a 500), and JSON.parse turns `1e400` in a body into Infinity too. Such values are
 * refused here, for every route, as the bad input they are (docs/security.md).
 */
const NUMERIC = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$|^\s*[+-]?(infinity|nan)\s*$/i;

function nonFinitePath(v: unknown, path: string, depth: number): string | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : path;
  if (typeof v === 'string') return NUMERIC.test(v) && !Number.isFinite(Number(v)) ? path : undefined;
  if (!v || typeof v !== 'object' || depth > 64) return undefined;
  for (const [k, x] of Object.entries(v)) {
    const bad = nonFinitePath(x, `${path}/${k.slice(0, 40)}`, depth + 1);
    if (bad) return bad;
  }
  return undefined;
}

async function refuseNonFinite(req: FastifyRequest): Promise<void> {
  const bad = nonFinitePath(req.query, 'querystring', 0) ?? nonFinitePath(req.body, 'body', 0);
  if (bad) throw apiError('API_BAD_REQUEST', `${bad} must be a finite number`);
}

/**
 * The server's TLS options when city.yaml names a certificate (http.tls): HTTPS only. With a CA,
 * clients may present certificates it signs (the API still wants a key or token).
 */
function httpsOptions(c: CityConfig['http'], serverOptions: Record<string, number>) {
  if (!c.tls.cert) return {};
  const pem = readTls(c.tls);
  return {
    https: {
      ...pem,
      ...serverOptions,
      minVersion: 'TLSv1.2' as const,
      ...(pem.ca ? { requestCert: true, rejectUnauthorized: false } : {}),
    },
  };
}

/** The Fastify server with its bounds (docs/security.md), HTTPS when configured. */
function newServer(deps: AppDeps): FastifyInstance {
  const serverOptions = {
    headersTimeout: deps.config.http.headersTimeoutMs,
    requestTimeout: deps.config.http.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, deps.config.http.headersTimeoutMs),
  };
  const app = Fastify({
    ...httpsOptions(deps.config.http, serverOptions),
    loggerInstance: deps.log.child({ component: 'api' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 2 * 1024 * 1024,
    // No request may hold a connection open unasked (docs/security.md): headers, whole request,
    // idle and keep-alive time are bounded; Node checks them every connectionsCheckingInterval.
    http: serverOptions,
    requestTimeout: deps.config.http.requestTimeoutMs,
    connectionTimeout: deps.config.http.idleTimeoutMs,
    keepAliveTimeout: deps.config.http.keepAliveTimeoutMs,
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false, strictNumbers: true },
    },
    // Router-level refusals (a path parameter past maxParamLength, a malformed URL) answer like
    // every other bad input: 400 with a code, not fastify's own error shape.
    frameworkErrors: (err, _req, reply) => {
      void (reply as unknown as FastifyReply)
        .status(400)
        .send({ code: 'API_BAD_REQUEST', message: err.message });
    },
  }) as unknown as FastifyInstance;
  app.server.headersTimeout = deps.config.http.headersTimeoutMs;
  app.server.maxConnections = deps.config.http.maxConnections;
  return app;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = newServer(deps);
  installErrorHandler(app);
  app.addHook('preValidation', refuseNonFinite);
  installHttpMetrics(app, deps.registry);
  await registerOpenApi(app, { publicUrl: deps.config.api.publicUrl });
  await app.register(healthRoutes, { deps });
  await app.register((await import('./routes/web.js')).webRoutes); // the dashboard at / (api/web): static, no key
  const orgs = deps.orgs ?? new OrgTree(deps.config);
  const now = deps.now ?? Date.now;
  const auth = new Authenticator({
    keys: keysOf(deps),
    orgs,
    jwt: deps.config.api.jwt,
    rateLimit: deps.config.api.rateLimit,
    ...(deps.shared ? { shared: deps.shared } : {}),
    now,
  });
  const keys = deps.keys ?? ephemeralCityKeys();
  const checkpoints = keys.checkpointFile
    ? new CheckpointWriter({
        file: keys.checkpointFile,
        signing: keys.signing,
        everyMs: deps.config.privacy.checkpointEveryMs,
        ...(deps.config.privacy.checkpointWebhook ? { webhook: deps.config.privacy.checkpointWebhook } : {}),
        log: deps.log.child({ component: 'audit-checkpoints' }),
        now,
      })
    : undefined;
  // One chain per process: its own id (host, pid, start time) and a gap-free seq.
  const chain = deps.auditChain ?? `api-${hostname()}-${process.pid}-${now().toString(36)}`;
  const audit = new AuditLog(deps.store, chain, {
    keyring: keys.keyring,
    ...(checkpoints ? { onHead: (h) => checkpoints.note(h) } : {}),
  });
  const ctx: ApiContext = {
    config: deps.config,
    store: deps.store,
    orgs,
    audit,
    keys,
    ...(checkpoints ? { checkpoints } : {}),
    now,
  };
  if (checkpoints) app.addHook('onClose', () => checkpoints.close());
  if (deps.alerts) ctx.alerts = deps.alerts;
  const gatewayStatus = deps.gatewayStatus ?? deps.ingest?.gatewayStatus;
  if (gatewayStatus) ctx.gatewayStatus = gatewayStatus;
  const alerts = deps.alerts;
  if (alerts) {
    // A closed case's watches stop matching now, not at the engine's next reload.
    ctx.onCaseClosed = async (caseId, by) => {
      for (const w of alerts.watches()) if (w.caseId === caseId) await alerts.removeWatch(w.id, by);
    };
  }
  // Signed links from notifications carry their own permission (contracts/links.ts).
  await app.register(mediaRoutes, { ctx });
  // Everything under /api/v1 needs a principal; /healthz, /metrics and /media do not.
  await app.register(
    async (v1) => {
      v1.addHook('onRequest', auth.hook);
      installRouteRules(v1, ctx);
      for (const routes of [
        hitsRoutes,
        snapshotsRoutes,
        vehiclesRoutes,
        personsRoutes,
        statsRoutes,
        casesRoutes,
        exportsRoutes,
        auditRoutes,
        cityRoutes,
        sensorsRoutes,
      ]) {
        await v1.register(routes, { ctx });
      }
      await v1.register(ingestAdminRoutes, { ctx, ...(deps.ingest ? { ingest: deps.ingest } : {}) });
      if (deps.shared) await v1.register(tokensRoutes, { ctx, revoked: deps.shared.revoked });
      if (deps.alerts) {
        const withAlerts = { ...ctx, alerts: deps.alerts };
        for (const r of [tasksRoutes, watchesRoutes]) await v1.register(r, { ctx: withAlerts });
        await v1.register(streamRoutes, {
          ctx: withAlerts,
          maxStreamsPerKey: deps.config.api.maxStreamsPerKey,
          ...(deps.hitFeed ? { feed: deps.hitFeed } : {}),
        });
      }
    },
    { prefix: '/api/v1' },
  );
  return app;
}

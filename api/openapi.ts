/**
 * The OpenAPI 3.1 document, generated from the route schemas (docs/api.md), and its
 * interactive UI at `/docs` (swagger-ui served from node_modules, nothing from a CDN), the
 * document itself at `/docs/json` and `/docs/yaml`.
 *
 * Routes declare what only they know (summary, tags, response bodies); this module adds what
 * every operation shares: an operationId, the error responses the auth hook and the error
 * handler can give, the security requirement, and the JSON Schema 2020-12 form of TypeBox
 * tuples (`items: [..]` is draft-07; OpenAPI 3.1 says `prefixItems`).
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { ErrorBody } from './schemas.js';

/** Names of the operations, by `METHOD url` (fastify's form). A route may set its own `operationId`. */
export const OPERATION_IDS: Readonly<Record<string, string>> = {
  'GET /healthz': 'getHealth',
  'GET /metrics': 'getMetrics',
  'GET /api/v1/hits': 'searchHits',
  'GET /api/v1/hits/:id': 'getHit',
  'GET /api/v1/snapshots/:id': 'getSnapshot',
  'GET /api/v1/snapshots/:id/frame': 'getSnapshotFrame',
  'GET /api/v1/vehicles': 'searchVehicles',
  'GET /api/v1/vehicles/route': 'getVehicleRoute',
  'GET /api/v1/persons': 'searchPersons',
  'POST /api/v1/persons/similar': 'searchSimilarPersons',
  'GET /api/v1/stats': 'getStats',
  'POST /api/v1/cases': 'openCase',
  'POST /api/v1/cases/:id/close': 'closeCase',
  'GET /api/v1/cases': 'listCases',
  'GET /api/v1/cases/:id': 'getCase',
  'GET /api/v1/audit': 'listAudit',
  'GET /api/v1/audit/verify': 'verifyAudit',
  'GET /api/v1/cameras': 'listCameras',
  'GET /api/v1/me': 'getMe',
  'GET /api/v1/orgs': 'listOrgs',
  'GET /api/v1/quarantine': 'listQuarantine',
  'GET /api/v1/deadletters': 'listDeadLetters',
  'GET /api/v1/tasks': 'listTasks',
  'GET /api/v1/tasks/:id': 'getTask',
  'POST /api/v1/tasks/:id/:action': 'actOnTask',
  'GET /api/v1/watches': 'listWatches',
  'POST /api/v1/watches': 'addWatch',
  'DELETE /api/v1/watches/:id': 'removeWatch',
  'GET /api/v1/webhooks/dead-letters': 'listWebhookDeadLetters',
  'GET /api/v1/stream': 'streamEvents',
  'GET /media/snapshots/:id': 'getSignedImage',
};

export const TAGS = [
  { name: 'hits', description: 'Sightings and events: search, one hit, snapshots' },
  { name: 'vehicles', description: 'Plate search and vehicle routes (case-bound)' },
  { name: 'persons', description: 'Clothing-colour and appearance search (case-bound)' },
  { name: 'stats', description: 'Counts by hour, day, org, camera and type' },
  { name: 'cases', description: 'Cases that sensitive searches run under' },
  { name: 'tasks', description: 'Grid tasks, case watches and webhook dead letters' },
  { name: 'stream', description: 'Server-sent events of hits and task changes' },
  { name: 'audit', description: 'The hash-chained audit log' },
  { name: 'city', description: 'Cameras, orgs, the caller' },
  { name: 'ingest', description: 'Quarantine and dead letters of the ingest tier' },
  { name: 'auth', description: 'Token revocation, shared by every API process' },
  { name: 'ops', description: 'Health and Prometheus metrics (no key)' },
] as const;

const TAG_OF_SEGMENT: Readonly<Record<string, string>> = {
  snapshots: 'hits',
  watches: 'tasks',
  webhooks: 'tasks',
  cameras: 'city',
  me: 'city',
  orgs: 'city',
  quarantine: 'ingest',
  deadletters: 'ingest',
};

/** Error answers any /api/v1 operation may give (api/auth.ts, api/errors.ts; codes in docs/errors.md). */
const COMMON_ERRORS: Readonly<Record<string, string>> = {
  400: 'Bad input (code API_BAD_REQUEST or a more specific one)',
  401: 'No or an invalid API key or token (API_UNAUTHORIZED)',
  403: 'Outside your role or jurisdiction (API_FORBIDDEN, API_CASE_REQUIRED)',
  429: 'Rate limited (API_RATE_LIMITED)',
};

/** `getHit`-style name for a route the table does not list. */
export function deriveOperationId(method: string, url: string): string {
  const words = url
    .replace(/^\/api\/v1/, '')
    .split('/')
    .filter(Boolean)
    .map((s) => (s.startsWith(':') ? `by-${s.slice(1)}` : s))
    .flatMap((s) => s.split(/[^A-Za-z0-9]+/))
    .filter(Boolean);
  return [method.toLowerCase(), ...words]
    .map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1)))
    .join('');
}

type Json = unknown;

/** TypeBox tuples (`items: [..]`, `additionalItems: false`) → 2020-12 `prefixItems`, recursively. */
export function tuplesTo2020(node: Json): Json {
  if (Array.isArray(node)) return node.map(tuplesTo2020);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(node)) out[k] = tuplesTo2020(v);
  if (Array.isArray(out.items)) {
    out.prefixItems = out.items;
    out.items =
      out.additionalItems === false || out.additionalItems === undefined ? false : out.additionalItems;
    delete out.additionalItems;
  }
  return out;
}

interface RouteSchema {
  hide?: boolean;
  operationId?: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  response?: Record<string, unknown>;
  [k: string]: unknown;
}

/** The per-route part of the document: what every operation shares, added where a route left it out. */
export function completeRouteSchema(
  method: string,
  url: string,
  schema: RouteSchema | undefined,
): RouteSchema {
  const s: RouteSchema = { ...(schema ?? {}) };
  if (s.hide) return s;
  s.operationId ??= OPERATION_IDS[`${method} ${url}`] ?? deriveOperationId(method, url);
  const isApi = url.startsWith('/api/v1/');
  if (!s.tags?.length) {
    const seg = url.split('/')[3] ?? '';
    s.tags = [isApi ? (TAG_OF_SEGMENT[seg] ?? seg) : 'ops'];
  }
  if (!isApi) {
    s.security ??= [];
    return s;
  }
  const response = { ...(s.response ?? {}) };
  for (const [status, description] of Object.entries(COMMON_ERRORS))
    response[status] ??= { ...ErrorBody, description };
  s.response = response;
  return s;
}

export interface OpenApiOptions {
  /** Base URL clients reach the API at (config api.publicUrl); empty: the document's own origin. */
  publicUrl: string;
}

/** Registers the document and the UI. Call before the routes are registered (it hooks onRoute). */
export async function registerOpenApi(app: FastifyInstance, o: OpenApiOptions): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Xueliang API',
        version: '1',
        description:
          'City data brain: search, plates, routes, persons, statistics, cases, tasks, audit (docs/api.md). The MQTT interface is described by docs/asyncapi.yaml.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      servers: [
        {
          url: o.publicUrl || '/',
          description: o.publicUrl ? 'This deployment' : 'The server this document came from',
        },
      ],
      tags: [...TAGS],
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'API key (city.yaml api.keys) or an HS256 JWT',
          },
        },
      },
      security: [{ bearer: [] }],
    },
    transform: ({ schema, url, route }) => {
      const method = String(Array.isArray(route.method) ? route.method[0] : route.method);
      return { schema: completeRouteSchema(method, url, schema as RouteSchema) as never, url };
    },
    transformObject: (d) => tuplesTo2020('openapiObject' in d ? d.openapiObject : d.swaggerObject) as never,
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { deepLinking: true, displayOperationId: true, validatorUrl: null },
    staticCSP: true,
  });
}

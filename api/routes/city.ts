/** `GET /api/v1/cameras`, `GET /api/v1/orgs` (the parts of city.yaml in the caller's jurisdiction) and `GET /api/v1/me`. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type Static, Type as T } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { STATUS_EVERY_MS } from '../../contracts/status.js';
import type { KeptStatus } from '../../ingest/gateway-status.js';
import { who } from '../auth.js';
import type { ApiContext } from '../context.js';

const CameraStatusOut = T.Object(
  {
    state: T.String({
      description:
        'streaming, connecting, reconnecting, stalled, ended or stopped (the camera source); offline (the gateway vanished: its last will); unknown (the gateway does not report this camera)',
    }),
    gateway: T.String({ description: 'The gateway: online, stopped or offline' }),
    reportedMs: T.Integer({ description: 'When the ingest tier received this status, epoch ms' }),
    stale: T.Boolean({
      description: `No status for ${(3 * STATUS_EVERY_MS) / 1000} s from a gateway that said it was online`,
    }),
    sinceMs: T.Optional(T.Integer({ description: 'When the camera entered this state' })),
    lastFrameMs: T.Optional(T.Union([T.Integer(), T.Null()])),
    fps: T.Optional(T.Number({ description: 'Frames processed per second over the last 10 s' })),
    framesProcessed: T.Optional(T.Integer()),
    framesDropped: T.Optional(T.Integer()),
    reconnects: T.Optional(T.Integer()),
    error: T.Optional(T.Object({ code: T.String(), message: T.String() })),
    blurFaces: T.Optional(
      T.Boolean({
        description:
          "Faces in this camera's snapshots are blurred at the edge; false: turned off by config (docs/privacy.md)",
      }),
    ),
  },
  { description: "From the gateway's retained status (contracts/status.ts); absent when none was received" },
);
type CameraStatusOut = Static<typeof CameraStatusOut>;

/** One camera's part of its gateway's kept status. Pure. */
export function cameraStatus(kept: KeptStatus, camera: string, nowMs: number): CameraStatusOut {
  const base = { gateway: kept.state, reportedMs: kept.receivedMs, stale: false };
  if (kept.state === 'offline') return { ...base, state: 'offline' };
  base.stale = kept.state === 'online' && nowMs - kept.receivedMs > 3 * STATUS_EVERY_MS;
  const c = kept.cameras[camera];
  if (!c) return { ...base, state: kept.state === 'stopped' ? 'stopped' : 'unknown' };
  return {
    ...base,
    state: c.state,
    sinceMs: c.tsMs,
    lastFrameMs: c.lastFrameMs,
    framesProcessed: c.framesProcessed,
    framesDropped: c.framesDropped,
    reconnects: c.reconnects,
    ...(c.fps !== undefined ? { fps: c.fps } : {}),
    ...(c.error ? { error: c.error } : {}),
    ...(c.blurFaces !== undefined ? { blurFaces: c.blurFaces } : {}),
  };
}

const CameraOut = T.Object({
  id: T.String(),
  name: T.String(),
  grid: T.String(),
  gateway: T.String(),
  lat: T.Number(),
  lon: T.Number(),
  headingDeg: T.Number(),
  orgPath: T.Array(T.String()),
  status: T.Optional(CameraStatusOut),
});

const OrgOut = T.Object({ id: T.String(), name: T.String(), kind: T.String(), path: T.Array(T.String()) });

export const cityRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app0, { ctx }) => {
  const app = app0.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/cameras',
    {
      config: { audit: false },
      schema: {
        summary:
          'Cameras in your jurisdiction, with positions, org paths and what their gateways last reported',
        tags: ['city'],
        response: { 200: T.Object({ cameras: T.Array(CameraOut) }) },
      },
    },
    async (req) => {
      const { principal } = who(req);
      // Status is an extra: a Redis hiccup leaves it out rather than failing the camera list.
      const kept = await ctx.gatewayStatus?.().catch((e: unknown) => {
        req.log.warn({ err: String(e) }, 'gateway status unavailable');
        return undefined;
      });
      const now = ctx.now();
      const cameras = ctx.orgs.camerasUnder(principal.org).map((c) => ({
        id: c.id,
        name: c.name,
        grid: c.grid,
        gateway: c.gateway,
        lat: c.lat,
        lon: c.lon,
        headingDeg: c.headingDeg,
        orgPath: [...c.placement.orgPath],
        ...(kept?.has(c.gateway) ? { status: cameraStatus(kept.get(c.gateway)!, c.id, now) } : {}),
      }));
      return { cameras };
    },
  );
  app.get(
    '/me',
    {
      config: { audit: false },
      schema: {
        summary: 'Who you are: key id (or jwt:<sub>), role and org',
        tags: ['city'],
        response: {
          200: T.Object({
            keyId: T.String(),
            role: T.String(),
            org: T.String(),
            scope: T.Object({ orgs: T.Array(T.String()), districts: T.Array(T.String()) }),
          }),
        },
      },
    },
    async (req) => {
      const { principal, scope } = who(req);
      return { ...principal, scope };
    },
  );
  app.get(
    '/orgs',
    {
      config: { audit: false },
      schema: {
        summary: 'Your org and everything below it',
        tags: ['city'],
        response: { 200: T.Object({ orgs: T.Array(OrgOut) }) },
      },
    },
    async (req) => {
      const { principal } = who(req);
      const orgs = [...ctx.orgs.orgs.values()]
        .filter((o) => o.path.includes(principal.org))
        .map((o) => ({ ...o, path: [...o.path] }));
      return { orgs };
    },
  );
};

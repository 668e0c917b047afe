/** `GET /api/v1/cameras`, `GET /api/v1/orgs` (the parts of city.yaml in the caller's jurisdiction) and `GET /api/v1/me`. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { who } from '../auth.js';
import type { ApiContext } from '../context.js';

const CameraOut = T.Object({
  id: T.String(),
  name: T.String(),
  grid: T.String(),
  gateway: T.String(),
  lat: T.Number(),
  lon: T.Number(),
  headingDeg: T.Number(),
  orgPath: T.Array(T.String()),
});

const OrgOut = T.Object({ id: T.String(), name: T.String(), kind: T.String(), path: T.Array(T.String()) });

export const cityRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app0, { ctx }) => {
  const app = app0.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/cameras',
    { schema: { summary: 'Cameras in your jurisdiction, with positions and org paths', tags: ['city'], response: { 200: T.Object({ cameras: T.Array(CameraOut) }) } } },
    async (req) => {
      const { principal } = who(req);
      const cameras = ctx.orgs.camerasUnder(principal.org).map((c) => ({
        id: c.id,
        name: c.name,
        grid: c.grid,
        gateway: c.gateway,
        lat: c.lat,
        lon: c.lon,
        headingDeg: c.headingDeg,
        orgPath: [...c.placement.orgPath],
      }));
      return { cameras };
    },
  );
  app.get(
    '/me',
    {
      schema: {
        summary: 'Who you are: key id (or jwt:<sub>), role and org',
        tags: ['city'],
        response: { 200: T.Object({ keyId: T.String(), role: T.String(), org: T.String(), scope: T.Object({ orgs: T.Array(T.String()), districts: T.Array(T.String()) }) }) },
      },
    },
    async (req) => {
      const { principal, scope } = who(req);
      return { ...principal, scope };
    },
  );
  app.get(
    '/orgs',
    { schema: { summary: 'Your org and everything below it', tags: ['city'], response: { 200: T.Object({ orgs: T.Array(OrgOut) }) } } },
    async (req) => {
      const { principal } = who(req);
      const orgs = [...ctx.orgs.orgs.values()].filter((o) => o.path.includes(principal.org)).map((o) => ({ ...o, path: [...o.path] }));
      return { orgs };
    },
  );
};

/**
 * The city's org tree (city → county → town → village/community → grid), its cameras and
 * gateways. Part of city.yaml.
 */
import { type Static, Type as T } from '@sinclair/typebox';

const Id = (description: string) =>
  T.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$', description });

export const ORG_KINDS = ['city', 'county', 'town', 'village', 'grid'] as const;
export type OrgKind = (typeof ORG_KINDS)[number];

export interface OrgNode {
  id: string;
  name: string;
  kind: OrgKind;
  children: OrgNode[];
}

export const OrgNode = T.Recursive(
  (Self) =>
    T.Object(
      {
        id: Id('Org id, unique in the city (e.g. xh-county)'),
        name: T.String({ minLength: 1, maxLength: 128, description: 'Display name (e.g. 西湖区)' }),
        kind: T.Union(
          ORG_KINDS.map((k) => T.Literal(k)),
          { description: 'Level in the tree: city, county, town, village, grid' },
        ),
        children: T.Array(Self, { default: [], description: 'Child org nodes' }),
      },
      { additionalProperties: false },
    ),
  { $id: 'OrgNode', description: 'A node of the org tree' },
);

export const Camera = T.Object(
  {
    id: Id('Camera id, unique in the city'),
    name: T.String({ maxLength: 128, default: '', description: 'Display name' }),
    grid: Id('Org id of the grid this camera belongs to (tasks go there)'),
    gateway: Id('Gateway that may publish hits for this camera'),
    lat: T.Number({ minimum: -90, maximum: 90, description: 'Latitude, WGS-84 degrees' }),
    lon: T.Number({ minimum: -180, maximum: 180, description: 'Longitude, WGS-84 degrees' }),
    headingDeg: T.Number({
      minimum: 0,
      maximum: 360,
      default: 0,
      description: 'Compass heading of the image top, degrees',
    }),
  },
  { additionalProperties: false },
);
export type Camera = Static<typeof Camera>;

export const Gateway = T.Object(
  {
    id: Id('Gateway id (also its MQTT username)'),
    passwordHash: T.String({
      default: '',
      maxLength: 256,
      description:
        "scrypt hash of the gateway's MQTT password (`xueliang hash-secret`); empty: no password accepted",
    }),
  },
  { additionalProperties: false },
);
export type Gateway = Static<typeof Gateway>;

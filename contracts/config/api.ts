/** The HTTP API's principals and limits. Part of city.yaml. */
import { Type as T } from '@sinclair/typebox';

export const ROLES = ['admin', 'analyst', 'grid_member', 'viewer'] as const;

export const ApiKey = T.Object(
  {
    id: T.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$', description: 'Key id (shown in the audit log)' }),
    hash: T.String({ minLength: 1, maxLength: 256, description: 'scrypt hash of the key (`xueliang hash-secret`); the key itself is never stored' }),
    role: T.Union(ROLES.map((r) => T.Literal(r)), { description: 'admin, analyst, grid_member or viewer' }),
    org: T.String({ minLength: 1, maxLength: 64, description: 'Org node the principal belongs to: its jurisdiction is that subtree' }),
  },
  { additionalProperties: false },
);

export const ApiSection = T.Object(
  {
    keys: T.Array(ApiKey, { default: [], description: 'API keys, sent as `Authorization: Bearer <key>`' }),
    maxRangeDays: T.Integer({ minimum: 1, maximum: 366, default: 31, description: 'Longest time range one search may span, days' }),
    maxLimit: T.Integer({ minimum: 1, maximum: 10_000, default: 1000, description: 'Largest page size' }),
  },
  { additionalProperties: false, default: {}, description: 'The HTTP API: keys and limits' },
);

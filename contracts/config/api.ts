/** The HTTP API's principals and limits. Part of city.yaml. */
import { Type as T } from '@sinclair/typebox';

export const ROLES = ['admin', 'analyst', 'grid_member', 'viewer'] as const;
/** A principal's role (docs/api.md). */
export type Role = (typeof ROLES)[number];

export const ApiKey = T.Object(
  {
    id: T.String({
      minLength: 1,
      maxLength: 64,
      pattern: '^[A-Za-z0-9._-]+$',
      description: 'Key id (shown in the audit log)',
    }),
    hash: T.String({
      minLength: 1,
      maxLength: 256,
      description: 'scrypt hash of the key (`xueliang hash-secret`); the key itself is never stored',
    }),
    role: T.Union(
      ROLES.map((r) => T.Literal(r)),
      { description: 'admin, analyst, grid_member or viewer' },
    ),
    org: T.String({
      minLength: 1,
      maxLength: 64,
      description: 'Org node the principal belongs to: its jurisdiction is that subtree',
    }),
  },
  { additionalProperties: false },
);

export const ApiSection = T.Object(
  {
    keys: T.Array(ApiKey, { default: [], description: 'API keys, sent as `Authorization: Bearer <key>`' }),
    publicUrl: T.String({
      default: '',
      maxLength: 512,
      pattern: '^(https?://[^\\s]+[^/\\s])?$',
      description:
        'Base URL people and clients reach the API and dashboard at, without a trailing slash (links in notifications, `servers` of the OpenAPI document); empty: relative links',
    }),
    linkSecret: T.String({
      default: '',
      maxLength: 256,
      pattern: '^(.{32,})?$',
      description:
        'Secret (at least 32 characters) that signs the expiring image links in notifications (`/media/snapshots/{id}?exp=&sig=`, viewable without a key and audited); empty: notifications carry no image links',
    }),
    linkTtlSec: T.Integer({
      minimum: 60,
      maximum: 7 * 86_400,
      default: 86_400,
      description: 'How long an image link in a notification stays valid, seconds',
    }),
    maxRangeDays: T.Integer({
      minimum: 1,
      maximum: 366,
      default: 31,
      description: 'Longest time range one search may span, days',
    }),
    maxLimit: T.Integer({ minimum: 1, maximum: 10_000, default: 1000, description: 'Largest page size' }),
    jwt: T.Object(
      {
        secret: T.String({
          default: '',
          maxLength: 512,
          description:
            'HS256 secret for bearer JWTs (at least 32 characters); empty: JWTs are refused, only API keys work',
        }),
        issuer: T.String({ default: 'xueliang', maxLength: 128, description: 'Required `iss` claim' }),
        maxTtlSec: T.Integer({
          minimum: 60,
          maximum: 7 * 86_400,
          default: 43_200,
          description: 'Longest accepted token life (`exp` − `iat`), seconds',
        }),
        clockSkewSec: T.Integer({
          minimum: 0,
          maximum: 600,
          default: 30,
          description: 'Tolerance for `exp`/`nbf`, seconds',
        }),
      },
      {
        additionalProperties: false,
        default: {},
        description: 'JWT bearer tokens (claims: sub, role, org, iat, exp)',
      },
    ),
    rateLimit: T.Object(
      {
        perSecond: T.Number({
          minimum: 0.1,
          maximum: 10_000,
          default: 20,
          description: 'Sustained requests per second per key or token subject',
        }),
        burst: T.Integer({
          minimum: 1,
          maximum: 100_000,
          default: 60,
          description: 'Requests a key may make at once before being limited',
        }),
      },
      {
        additionalProperties: false,
        default: {},
        description: 'Per-principal rate limit (token bucket, per API process)',
      },
    ),
    maxStreamsPerKey: T.Integer({
      minimum: 1,
      maximum: 1000,
      default: 4,
      description:
        'Event streams (GET /api/v1/stream) one key or token subject may hold open at once; more get 429',
    }),
    similarMaxDays: T.Integer({
      minimum: 1,
      maximum: 31,
      default: 7,
      description: 'Longest time window of an appearance similarity search, days (it scans descriptors)',
    }),
  },
  { additionalProperties: false, default: {}, description: 'The HTTP API: keys and limits' },
);

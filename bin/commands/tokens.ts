/**
 * `xueliang tokens revoke`: revokes a JWT in every API process through an API process's
 * `POST /api/v1/tokens/revoke` (admins; audited there; docs/architecture.md#shared-api-state).
 * `xueliang tokens revoked` lists the revocations in force.
 */
import { XlError } from '../../contracts/errors.js';
import { defineCommand, type OptionValues, str, UsageError } from '../cli.js';
import type { CommandGroup } from '../main.js';
import { readSecret } from '../secret-input.js';

const API = {
  'api-url': { type: 'string', arg: 'URL', description: 'Base URL of any API process (required)' },
  'api-key': {
    type: 'string',
    arg: 'KEY',
    description: 'An admin API key; visible in ps, prefer --api-key-file or XUELIANG_API_KEY',
  },
  'api-key-file': {
    type: 'string',
    arg: 'FILE',
    description: 'Read the admin API key from the first line of FILE',
  },
  json: { type: 'boolean', description: 'Print the answer as JSON' },
} as const;

async function call(values: OptionValues, method: string, path: string, body?: unknown) {
  const api = str(values, 'api-url');
  const key = readSecret({
    flag: str(values, 'api-key'),
    file: str(values, 'api-key-file'),
    fileFlag: 'api-key-file',
    env: process.env.XUELIANG_API_KEY,
  });
  if (!api || !key)
    throw new UsageError(
      'needs --api-url and an admin API key (--api-key-file, XUELIANG_API_KEY or --api-key)',
    );
  let res: Response;
  let out: Record<string, unknown>;
  try {
    res = await fetch(`${api.replace(/\/$/, '')}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    out = (await res.json()) as Record<string, unknown>;
  } catch (e) {
    throw new XlError('API_UNAVAILABLE', `${api}: ${(e as Error).message}`);
  }
  if (!res.ok)
    throw new XlError(
      String(out.code ?? 'API_UNAVAILABLE'),
      String(out.message ?? `API answered ${res.status}`),
    );
  return out;
}

const revoke = defineCommand({
  name: 'tokens revoke',
  summary: 'Revoke a JWT in every API process until it expires',
  details: [
    'Give the token (--token-file, or XUELIANG_TOKEN) or its jti (--jti). With the token, the',
    'revocation lasts until the token expires; with a jti, for the longest life a token may have',
    '(api.jwt.maxTtlSec). The API process records the revocation in its audit log.',
    '',
    'Example:',
    '  XUELIANG_API_KEY="$ADMIN" xueliang tokens revoke --api-url https://api.city:8080 --jti 7f3a…',
  ].join('\n'),
  options: {
    ...API,
    jti: { type: 'string', arg: 'ID', description: 'The token id (`jti` claim) to revoke' },
    'token-file': {
      type: 'string',
      arg: 'FILE',
      description: 'Read the token itself from the first line of FILE',
    },
  },
  async run({ values }) {
    const jti = str(values, 'jti');
    const token = readSecret({
      file: str(values, 'token-file'),
      fileFlag: 'token-file',
      env: jti ? undefined : process.env.XUELIANG_TOKEN,
    });
    if (!jti === !token)
      throw new UsageError('give exactly one of --jti ID or the token (--token-file, XUELIANG_TOKEN)');
    const r = await call(values, 'POST', '/tokens/revoke', jti ? { jti } : { token });
    process.stdout.write(
      values.json
        ? `${JSON.stringify(r)}\n`
        : `revoked ${String(r.jti)} until ${new Date(Number(r.untilMs)).toISOString()}\n`,
    );
    return 0;
  },
});

const list = defineCommand({
  name: 'tokens revoked',
  summary: 'List the JWT revocations in force',
  options: API,
  async run({ values }) {
    const r = (await call(values, 'GET', '/tokens/revoked')) as {
      items: Array<{ jti: string; untilMs: number }>;
    };
    if (values.json) process.stdout.write(`${JSON.stringify(r)}\n`);
    else
      for (const i of r.items) process.stdout.write(`${i.jti}  until ${new Date(i.untilMs).toISOString()}\n`);
    return 0;
  },
});

const group: CommandGroup = {
  name: 'tokens',
  summary: 'Revoke JWTs in every API process, list revocations',
  subcommands: [revoke, list],
};
export default group;

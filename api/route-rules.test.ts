import { Type as T } from '@sinclair/typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../analytics/audit.js';
import { installErrorHandler, apiError } from './errors.js';
import { auditResult, installRouteRules } from './route-rules.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function build(rows: AuditEntry[]): Promise<FastifyInstance> {
  const a = Fastify();
  installErrorHandler(a);
  await a.register(
    async (v1) => {
      v1.addHook('onRequest', async (req) => {
        const key = req.headers.authorization;
        if (!key) throw apiError('API_UNAUTHORIZED', 'not signed in');
        req.principal = { keyId: key, role: key === 'admin' ? 'admin' : 'viewer', org: 'city' };
      });
      installRouteRules(v1, { audit: { append: async (e) => rows.push(e) }, now: () => 42 });
      v1.get(
        '/things',
        {
          config: { audit: { sensitive: true }, roles: ['admin'] },
          schema: { querystring: T.Object({ n: T.Integer(), caseId: T.Optional(T.String()) }) },
        },
        async (req) => {
          const n = (req.query as { n: number }).n;
          if (n === 404) throw apiError('API_NOT_FOUND', 'none');
          auditResult(req, { resultCount: n });
          return { n };
        },
      );
      v1.get('/open', { config: { audit: false } }, async (req) => {
        if ((req.query as { fail?: string }).fail) throw apiError('API_BAD_REQUEST', 'no');
        return { ok: true };
      });
    },
    { prefix: '/api/v1' },
  );
  app = a;
  return a;
}

describe('route rules (api/route-rules.ts)', () => {
  it('audits answers and every refusal of a principal (400, 403, 404) once, with the status sent; not 401', async () => {
    const rows: AuditEntry[] = [];
    const a = await build(rows);
    const get = (url: string, key?: string) =>
      a.inject({ method: 'GET', url, headers: key ? { authorization: key } : {} });
    expect((await get('/api/v1/things?n=3&caseId=c1', 'admin')).statusCode).toBe(200);
    expect((await get('/api/v1/things?n=3')).statusCode).toBe(401);
    expect((await get('/api/v1/things?n=x', 'admin')).statusCode).toBe(400);
    expect((await get('/api/v1/things?n=3&caseId=c2', 'someone')).statusCode).toBe(403);
    expect((await get('/api/v1/things?n=404', 'admin')).statusCode).toBe(404);
    expect((await get('/api/v1/open', 'admin')).statusCode).toBe(200);
    expect((await get('/api/v1/open?fail=1', 'admin')).statusCode).toBe(400);
    expect(rows.map((r) => [r.endpoint, r.status, r.keyId, r.resultCount, r.caseId])).toEqual([
      ['GET /things', 200, 'admin', 3, 'c1'],
      ['GET /things', 400, 'admin', 0, ''],
      ['GET /things', 403, 'someone', 0, 'c2'],
      ['GET /things', 404, 'admin', 0, ''],
      ['GET /open', 400, 'admin', 0, ''],
    ]);
    expect(rows[0]).toMatchObject({ tsMs: 42, method: 'GET', filters: { n: 3, caseId: 'c1' } });
  });

  it('refuses at start-up a route that declares no audit', async () => {
    const a = Fastify();
    app = a;
    await expect(
      a.register(async (v1) => {
        installRouteRules(v1, { now: () => 0 });
        v1.get('/forgot', async () => ({}));
      }),
    ).rejects.toThrow(/declare config.audit/);
  });
});

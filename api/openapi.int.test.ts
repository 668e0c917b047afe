/**
 * The OpenAPI document of the whole app (with the task routes, so a real alert engine on Redis)
 * passes two third-party validators: @apidevtools/swagger-parser and `redocly lint` with its
 * recommended rules. The UI at /docs is served from this process, nothing from a CDN.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AlertEngine, createAlertEngine } from '../analytics/tasks/service.js';
import {
  alertCity,
  dropPrefix,
  TEST_REDIS_URL,
  type TempStore,
  tempStore,
} from '../analytics/tasks/testkit.js';
import { silentLogger } from '../contracts/log.js';
import { projectRoot } from '../contracts/testdata.js';
import { buildApp } from './app.js';
import { OPERATION_IDS } from './openapi.js';

const cfg = alertCity({ rules: [] });
let ts: TempStore;
let engine: AlertEngine;
let app: FastifyInstance;
let doc: {
  openapi: string;
  servers?: unknown[];
  paths: Record<
    string,
    Record<
      string,
      {
        operationId?: string;
        summary?: string;
        tags?: string[];
        responses?: Record<string, unknown>;
        security?: unknown[];
      }
    >
  >;
};
let file = '';

beforeAll(async () => {
  ts = await tempStore(cfg);
  const log = silentLogger();
  engine = await createAlertEngine({
    config: cfg,
    store: ts.store,
    redisUrl: TEST_REDIS_URL,
    log,
    registry: new Registry(),
  });
  app = await buildApp({ config: cfg, store: ts.store, registry: new Registry(), log, alerts: engine });
  const res = await app.inject({ method: 'GET', url: '/docs/json' });
  expect(res.statusCode).toBe(200);
  doc = res.json();
  file = join(mkdtempSync(join(tmpdir(), 'xl-openapi-')), 'openapi.json');
  writeFileSync(file, JSON.stringify(doc));
}, 60_000);

afterAll(async () => {
  await app?.close();
  await engine?.close();
  await ts?.close();
  await dropPrefix(TEST_REDIS_URL, cfg.redis.prefix);
});

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ path, method, op })),
  );

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1 with servers, and every operation has an id, summary, tags, security and error answers', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers?.length).toBeGreaterThan(0);
    const ops = operations();
    expect(ops.length).toBeGreaterThanOrEqual(Object.keys(OPERATION_IDS).length - 1); // frame route may be absent
    const ids = new Set<string>();
    for (const { path, method, op } of ops) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(op.operationId, where).toMatch(/^[a-z][A-Za-z]+$/);
      expect(ids.has(op.operationId!), `${where}: duplicate operationId`).toBe(false);
      ids.add(op.operationId!);
      expect(op.summary?.length, where).toBeGreaterThan(5);
      expect(op.tags?.length, where).toBeGreaterThan(0);
      if (path.startsWith('/api/v1/')) {
        for (const s of ['400', '401', '403', '429'])
          expect(op.responses?.[s], `${where} ${s}`).toBeDefined();
        expect(op.security, where).toBeUndefined(); // the document-wide bearer requirement applies
      } else expect(op.security, where).toEqual([]);
    }
    // The tuples of a hit are 2020-12 tuples, not draft-07 `items: [..]`.
    expect(JSON.stringify(doc)).not.toContain('additionalItems');
    expect(JSON.stringify(doc)).toContain('prefixItems');
  });

  it('passes @apidevtools/swagger-parser validation', async () => {
    const api = await SwaggerParser.validate(structuredClone(doc) as never);
    expect((api as { openapi: string }).openapi).toBe('3.1.0');
  });

  it('passes redocly lint (recommended rules) with no errors', async () => {
    const bin = join(projectRoot, 'node_modules', '.bin', 'redocly');
    const run = await promisify(execFile)(bin, ['lint', file, '--format=json'], {
      maxBuffer: 16 << 20,
    }).catch((e: { stdout: string; stderr: string; code: number }) => e);
    const out = JSON.parse(run.stdout) as {
      problems: Array<{
        ruleId: string;
        severity: string;
        message: string;
        location: Array<{ pointer: string }>;
      }>;
    };
    const errors = out.problems.filter((p) => p.severity === 'error');
    expect(errors.map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`)).toEqual([]);
    // The only warnings allowed: /healthz and /metrics have no 4xx answer (they have none to give).
    const warnings = out.problems.filter((p) => p.severity === 'warn');
    for (const w of warnings) {
      expect(w.ruleId).toBe('operation-4xx-response');
      expect(w.location[0]?.pointer).toMatch(/^#\/paths\/~1(healthz|metrics)\//);
    }
  }, 60_000);

  it('serves the UI at /docs from this server (no CDN) and the YAML beside the JSON', async () => {
    const page = await app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const html = page.body;
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(urls.length).toBeGreaterThan(2);
    for (const u of urls) expect(u, 'a resource from another origin').not.toMatch(/^(https?:)?\/\//);
    const js = urls.find((u) => u.endsWith('swagger-ui-bundle.js'))!;
    const bundle = await app.inject({
      method: 'GET',
      url: js.startsWith('/') ? js : `/docs/${js.replace(/^\.\//, '')}`,
    });
    expect(bundle.statusCode).toBe(200);
    expect(bundle.body.length).toBeGreaterThan(100_000);
    const yaml = await app.inject({ method: 'GET', url: '/docs/yaml' });
    expect(yaml.statusCode).toBe(200);
    expect(yaml.body).toMatch(/^openapi: 3\.1\.0/m);
  });
});

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { webRoutes } from '../routes/web.js';

/** Log lines at warn or above: a route that answers twice logs FST_ERR_REP_ALREADY_SENT. */
const problems: string[] = [];

async function appWith(distDir: string) {
  const app = Fastify({
    logger: {
      level: 'warn',
      stream: { write: (line: string) => void problems.push(line) },
    },
  });
  await app.register(webRoutes, { distDir });
  return app;
}

describe('web routes', () => {
  it('explains how to build the dashboard when dist is missing', async () => {
    const app = await appWith(join(tmpdir(), 'xl-no-such-dist'));
    const r = await app.inject('/');
    expect(r.statusCode).toBe(503);
    expect(r.headers['content-type']).toContain('text/html');
    expect(r.body).toContain('npm run build:web');
    await app.close();
  });

  it('serves the page with a same-origin CSP, assets gzipped when accepted, 304 on a matching ETag', async () => {
    const dist = mkdtempSync(join(tmpdir(), 'xl-dist-'));
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>x</title>');
    const js = 'console.log("hello dashboard")';
    writeFileSync(join(dist, 'assets', 'app.js'), js);
    writeFileSync(join(dist, 'assets', 'app.js.gz'), gzipSync(js));
    const app = await appWith(dist);

    const page = await app.inject('/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['content-security-policy']).toContain("connect-src 'self'");

    const plain = await app.inject('/assets/app.js');
    expect(plain.body).toBe(js);
    expect(plain.headers['content-type']).toContain('text/javascript');
    expect(plain.headers['content-encoding']).toBeUndefined();

    const gz = await app.inject({ url: '/assets/app.js', headers: { 'accept-encoding': 'gzip, br' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.rawPayload.equals(gzipSync(js))).toBe(true);

    const again = await app.inject({
      url: '/assets/app.js',
      headers: { 'if-none-match': String(plain.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
    await app.close();
    // Each request answered once (a served file used to fall through to a second reply).
    expect(problems).toEqual([]);
  });

  it.each([
    ['unknown file', '/assets/nope.js', 404],
    ['traversal', '/assets/..%2F..%2Fpackage.json', 400],
    ['type not served', '/assets/app.exe', 404],
  ])('refuses %s', async (_n, url, status) => {
    const dist = mkdtempSync(join(tmpdir(), 'xl-dist-'));
    const app = await appWith(dist);
    expect((await app.inject(url)).statusCode).toBe(status);
    await app.close();
  });
});

/**
 * The dashboard (api/web/, docs/dashboard.md) as static files: `/` is the page, `/assets/*` its
 * bundle. Built by `npm run build:web` into api/web/dist; gzip copies are served to clients
 * that accept them. Nothing here needs a key: the page signs in against /api/v1 itself.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type {} from '@fastify/swagger'; // `schema.hide`: keep these routes out of the OpenAPI document
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { projectRoot } from '../../contracts/paths.js';

export const DEFAULT_WEB_DIST = join(projectRoot, 'api', 'web', 'dist');

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  ico: 'image/x-icon',
  map: 'application/json',
};

/** Same-origin only: the page talks to this API and loads nothing from anywhere else. */
const CSP = [
  "default-src 'self'",
  "img-src 'self' blob: data:",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Xueliang: dashboard not built</title>
<h1>The dashboard is not built</h1>
<p>Run <code>npm run build:web</code> (or <code>npm run build</code>) in the Xueliang checkout, then reload.
The HTTP API works without it: <a href="/docs">/docs</a>, <a href="/healthz">/healthz</a>.</p>`;

/**
 * Sends a file (gzip when accepted and present, 304 on a matching ETag); false when there
 * is no such file. Returns a boolean, not the reply: a FastifyReply is thenable, so an
 * async function returning it resolves to what the reply resolves to (undefined), and the
 * caller would send a second response.
 */
async function sendFile(
  req: FastifyRequest,
  reply: FastifyReply,
  path: string,
  type: string,
  cache: string,
): Promise<boolean> {
  const st = await stat(path).catch(() => null);
  if (!st?.isFile()) return false;
  const accepts = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const gz = accepts ? await readFile(`${path}.gz`).catch(() => null) : null;
  // One ETag per representation: the gzip body is a different byte sequence.
  const etag = `"${st.size.toString(36)}-${Math.floor(st.mtimeMs).toString(36)}${gz ? '-gz' : ''}"`;
  reply
    .header('content-type', type)
    .header('cache-control', cache)
    .header('etag', etag)
    .header('x-content-type-options', 'nosniff')
    .header('vary', 'accept-encoding');
  if (req.headers['if-none-match'] === etag) reply.status(304).send();
  else if (gz) reply.header('content-encoding', 'gzip').send(gz);
  else reply.send(await readFile(path));
  return true;
}

/** The icon: 雪 on the dashboard's blue (an SVG; browsers asking for /favicon.ico get it too). */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="12" fill="#1b6fd1"/><text x="32" y="46" font-size="40" text-anchor="middle" fill="#fff" font-family="sans-serif">雪</text></svg>`;

export const webRoutes: FastifyPluginAsync<{ distDir?: string }> = async (app, opts) => {
  const dist = opts.distDir ?? DEFAULT_WEB_DIST;

  for (const path of ['/favicon.svg', '/favicon.ico'])
    app.get(path, { schema: { hide: true } }, async (_req, reply) =>
      reply
        .header('content-type', TYPES.svg!)
        .header('cache-control', 'public, max-age=86400')
        .header('x-content-type-options', 'nosniff')
        .send(FAVICON_SVG),
    );

  app.get('/', { schema: { hide: true } }, async (req, reply) => {
    reply.header('content-security-policy', CSP).header('referrer-policy', 'no-referrer');
    if (await sendFile(req, reply, join(dist, 'index.html'), TYPES.html!, 'no-cache')) return reply;
    return reply
      .status(503)
      .header('content-type', TYPES.html!)
      .header('cache-control', 'no-store')
      .send(NOT_BUILT);
  });

  app.get<{ Params: { file: string } }>(
    '/assets/:file',
    {
      schema: {
        hide: true,
        params: {
          type: 'object',
          properties: { file: { type: 'string', pattern: '^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$' } },
          required: ['file'],
        },
      },
    },
    async (req, reply) => {
      const { file } = req.params;
      const ext = file.slice(file.lastIndexOf('.') + 1);
      const type = TYPES[ext];
      if (
        type &&
        !file.includes('..') &&
        (await sendFile(req, reply, join(dist, 'assets', file), type, 'no-cache'))
      )
        return reply;
      return reply.status(404).send({ code: 'API_NOT_FOUND', message: `no asset ${file}` });
    },
  );
};

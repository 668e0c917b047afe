/**
 * Builds the dashboard: esbuild bundles src/main.ts (and the CSS it imports) into
 * dist/assets/app.js + app.css, minified, with a gzip copy of each text asset that the
 * API serves to clients that accept it. `npm run build:web`; also part of `npm run build`.
 * Prints the sizes (the budget is < 500 KB of gzip-compressed JavaScript).
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

export const WEB_DIR = dirname(fileURLToPath(import.meta.url));
export const DIST_DIR = join(WEB_DIR, 'dist');

/** JS budget for the first view, gzip bytes (docs/dashboard.md). */
export const JS_BUDGET_GZIP_BYTES = 500 * 1024;

export interface WebBuild {
  files: { name: string; bytes: number; gzipBytes: number }[];
  jsGzipBytes: number;
}

export async function buildWeb(outDir = DIST_DIR): Promise<WebBuild> {
  rmSync(outDir, { recursive: true, force: true });
  const assets = join(outDir, 'assets');
  mkdirSync(assets, { recursive: true });
  await build({
    entryPoints: { app: join(WEB_DIR, 'src', 'main.ts') },
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['chrome110', 'firefox110', 'safari16'],
    outdir: assets,
    sourcemap: false,
    legalComments: 'eof',
    logLevel: 'warning',
    // The page must work air-gapped: nothing may be loaded from elsewhere.
    external: [],
  });
  copyFileSync(join(WEB_DIR, 'index.html'), join(outDir, 'index.html'));
  const files: WebBuild['files'] = [];
  for (const dir of [outDir, assets]) {
    for (const name of readdirSync(dir)) {
      if (!/\.(js|css|html)$/.test(name)) continue;
      const path = join(dir, name);
      const body = readFileSync(path);
      const gz = gzipSync(body, { level: 9 });
      writeFileSync(`${path}.gz`, gz);
      files.push({ name: path.slice(outDir.length + 1), bytes: body.length, gzipBytes: gz.length });
    }
  }
  const jsGzipBytes = files.filter((f) => f.name.endsWith('.js')).reduce((a, f) => a + f.gzipBytes, 0);
  return { files, jsGzipBytes };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await buildWeb();
  for (const f of r.files)
    process.stdout.write(
      `  ${f.name.padEnd(18)} ${(f.bytes / 1024).toFixed(1).padStart(7)} KB  ${(f.gzipBytes / 1024).toFixed(1).padStart(6)} KB gzip\n`,
    );
  const ok = r.jsGzipBytes < JS_BUDGET_GZIP_BYTES;
  process.stdout.write(
    `dashboard built in ${DIST_DIR}: JS ${(r.jsGzipBytes / 1024).toFixed(1)} KB gzip (budget ${JS_BUDGET_GZIP_BYTES / 1024} KB)\n`,
  );
  if (!ok) process.exit(1);
}

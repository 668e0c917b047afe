/**
 * Models for a gateway without registry access (docs/deploy.md#gateway): `models pack` writes
 * the models directory — manifest, model files, the files decoders name — into one gzipped
 * ustar archive with a `pack.json` of every file's sha256; `models unpack` checks each file
 * against it and each model against the manifest sha256 before anything is written, then
 * installs them. Built on the evidence-export tar (api/export/ustar.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { XlError } from '../contracts/errors.js';
import {
  MANIFEST_FILE,
  type Manifest,
  parseManifest,
  readManifest,
  verifyEntry,
} from '../models/manifest.js';
import { readTar, type TarEntry, writeTar } from '../api/export/ustar.js';

const PACK_FILE = 'pack.json';

interface PackIndex {
  v: 1;
  build: string;
  files: Record<string, string>;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Files an entry needs besides its model file (the CTC dictionary). */
function extraFiles(e: Manifest['models'][number]): string[] {
  return e.decoder.kind === 'ctc' ? [e.decoder.dictionary] : [];
}

/** Packs the models (all, or those named) of `modelsDir`; each file verified first. */
export async function packModels(modelsDir: string, names: readonly string[] = []): Promise<Buffer> {
  const m = readManifest(modelsDir);
  if (!m)
    throw new XlError('MODEL_NOT_BUILT', `no ${MANIFEST_FILE} in ${modelsDir} (run 'xueliang models build')`);
  const unknown = names.filter((n) => !m.models.some((e) => e.name === n));
  if (unknown.length) throw new XlError('MODEL_UNKNOWN', `not in the manifest: ${unknown.join(', ')}`);
  const models = names.length ? m.models.filter((e) => names.includes(e.name)) : m.models;
  const paths = new Set<string>();
  for (const e of models) {
    await verifyEntry(modelsDir, e);
    paths.add(e.file);
    for (const f of extraFiles(e)) paths.add(f);
  }
  const manifest = Buffer.from(`${JSON.stringify({ ...m, models }, null, 2)}\n`);
  const mtimeS = 0; // the same models pack to the same bytes
  const entries: TarEntry[] = [{ path: MANIFEST_FILE, data: manifest, mtimeS }];
  const index: PackIndex = { v: 1, build: m.build, files: { [MANIFEST_FILE]: sha256(manifest) } };
  for (const p of [...paths].sort()) {
    const data = readFileSync(join(modelsDir, p));
    entries.push({ path: p, data, mtimeS });
    index.files[p] = sha256(data);
  }
  entries.unshift({ path: PACK_FILE, data: Buffer.from(JSON.stringify(index, null, 2)), mtimeS });
  return gzipSync(writeTar(entries));
}

/** Checks a pack completely, then writes its files into `modelsDir`. Returns the model names. */
export function unpackModels(pack: Buffer, modelsDir: string): string[] {
  let entries: TarEntry[];
  try {
    entries = readTar(gunzipSync(pack));
  } catch (e) {
    throw new XlError('MODEL_PACK_INVALID', `not a models pack (gzipped tar): ${(e as Error).message}`);
  }
  const byPath = new Map(entries.map((e) => [e.path, e.data]));
  const indexData = byPath.get(PACK_FILE);
  const manifestData = byPath.get(MANIFEST_FILE);
  if (!indexData || !manifestData)
    throw new XlError('MODEL_PACK_INVALID', `the pack has no ${PACK_FILE} or ${MANIFEST_FILE}`);
  const index = JSON.parse(Buffer.from(indexData).toString('utf8')) as PackIndex;
  const manifest = parseManifest(Buffer.from(manifestData).toString('utf8'), `pack ${MANIFEST_FILE}`);
  const bad = (path: string, why: string) =>
    new XlError('MODEL_SHA_MISMATCH', `models pack: ${path} ${why}`, { path });
  for (const [path, want] of Object.entries(index.files)) {
    const data = byPath.get(path);
    if (!data) throw bad(path, 'is missing');
    if (sha256(data) !== want) throw bad(path, 'does not match its sha256 in pack.json');
    if (normalize(path).startsWith('..') || path.startsWith('/'))
      throw bad(path, 'is outside the models directory');
  }
  for (const e of manifest.models) {
    const data = byPath.get(e.file);
    if (!data || sha256(data) !== e.sha256)
      throw bad(e.file, `does not match the manifest sha256 of ${e.name}`);
  }
  for (const path of Object.keys(index.files)) {
    if (path === MANIFEST_FILE) continue;
    const to = join(modelsDir, path);
    mkdirSync(dirname(to), { recursive: true });
    writeFileSync(`${to}.part`, byPath.get(path)!);
    renameSync(`${to}.part`, to);
  }
  // The manifest last: a directory with a manifest is complete.
  const merged = mergeManifest(readManifestIfAny(modelsDir), manifest);
  writeFileSync(join(modelsDir, MANIFEST_FILE), `${JSON.stringify(merged, null, 2)}\n`);
  return manifest.models.map((e) => e.name);
}

function readManifestIfAny(dir: string): Manifest | undefined {
  return existsSync(join(dir, MANIFEST_FILE)) ? readManifest(dir) : undefined;
}

/** The pack's entries replace same-named ones; others already installed stay. */
function mergeManifest(old: Manifest | undefined, pack: Manifest): Manifest {
  const names = new Set(pack.models.map((e) => e.name));
  const kept = old && old.build === pack.build ? old.models.filter((e) => !names.has(e.name)) : [];
  return { ...pack, models: [...pack.models, ...kept] };
}

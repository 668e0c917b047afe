/**
 * `models pack` / `models unpack` (bin/models-pack.ts): the built models travel to a gateway
 * without registry access as one archive; unpacking checks every file's sha256 first and
 * writes nothing from a damaged pack; the unpacked folder loads like a built one.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { isXlError } from '../contracts/errors.js';
import { readTar, writeTar } from '../api/export/ustar.js';
import { defaultModelsDir, loadModel, readManifest } from '../models/manifest.js';
import { packModels, unpackModels } from './models-pack.js';

const dir = mkdtempSync(join(tmpdir(), 'xl-models-pack-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('models pack / unpack', () => {
  it('moves chosen models with their files to another folder, verified', async () => {
    const pack = await packModels(defaultModelsDir(), ['nanodet-g-320', 'ppocrv4-rec']);
    const to = join(dir, 'gw');
    expect(unpackModels(pack, to).sort()).toEqual(['nanodet-g-320', 'ppocrv4-rec']);
    expect(
      readManifest(to)
        ?.models.map((m) => m.name)
        .sort(),
    ).toEqual(['nanodet-g-320', 'ppocrv4-rec']);
    const { path } = await loadModel(to, 'nanodet-g-320'); // sha256 checked on load
    expect(path.startsWith(to)).toBe(true);
    const rec = readManifest(to)!.models.find((m) => m.name === 'ppocrv4-rec')!;
    expect(rec.decoder.kind === 'ctc' && existsSync(join(to, rec.decoder.dictionary))).toBe(true);
    // The same models pack to the same bytes (a pack can be checked by its own sha256).
    expect((await packModels(defaultModelsDir(), ['nanodet-g-320', 'ppocrv4-rec'])).equals(pack)).toBe(true);
  }, 60_000);

  it('refuses a damaged pack and writes nothing', async () => {
    const entries = readTar(gunzipSync(await packModels(defaultModelsDir(), ['nanodet-g-320'])));
    const model = entries.find((e) => e.path.endsWith('.onnx'))!;
    model.data = Buffer.from(model.data);
    model.data[1000] = model.data[1000]! ^ 0xff;
    const to = join(dir, 'bad');
    let err: unknown;
    try {
      unpackModels(gzipSync(writeTar(entries)), to);
    } catch (e) {
      err = e;
    }
    expect(isXlError(err, 'MODEL_SHA_MISMATCH')).toBe(true);
    expect(existsSync(to)).toBe(false);
    expect(() => unpackModels(Buffer.from('not a pack'), to)).toThrow(/not a models pack/);
  }, 60_000);
});

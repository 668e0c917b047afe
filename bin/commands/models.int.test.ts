/**
 * The models CLI commands in-process (runCommand): `models pull --from`, `models list
 * --json`, `detect --json`, `plates --json`, and their coded errors.
 */
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { NO_TEST_DATA, testDataDir } from '../../contracts/testdata.js';
import { BUILD_TIMEOUT_MS, builtModelsDir } from '../../models/testkit.js';
import { type Command, runCommand } from '../cli.js';
import detect from './detect.js';
import models from './models.js';
import plates from './plates.js';

const data = testDataDir();
const sub = (name: string): Command => models.subcommands.find((c) => c.name === name)!;

async function run(c: Command, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    err += String(s);
    return true;
  });
  try {
    const code = await runCommand(c, argv);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe.skipIf(!data)(`models CLI${data ? '' : ` (${NO_TEST_DATA})`}`, () => {
  let dir = '';
  beforeAll(async () => {
    dir = await builtModelsDir();
  }, BUILD_TIMEOUT_MS);

  it('models pull --from installs a catalogue model after checking its sha256; list --json shows it', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'xl-models-'));
    const r = await run(sub('models pull'), [
      'plate-detect-y5fu-320',
      '--from',
      join(data!, 'models/plate_detect_y5fu_320.onnx'),
      '--models-dir',
      tmp,
    ]);
    expect(r.code).toBe(0);
    const list = await run(sub('models list'), ['--json', '--models-dir', tmp]);
    const j = JSON.parse(list.out) as { models: Array<{ name: string; installed: boolean }> };
    expect(j.models.find((m) => m.name === 'plate-detect-y5fu-320')?.installed).toBe(true);
    expect(j.models.find((m) => m.name === 'picodet-xs-320')?.installed).toBe(false);
    // A different file under that name is refused.
    const wrong = join(tmp, 'wrong.onnx');
    copyFileSync(join(data!, 'models/plate_colour_cls_96.onnx'), wrong);
    const bad = await run(sub('models pull'), [
      'plate-detect-y5fu-320',
      '--from',
      wrong,
      '--models-dir',
      tmp,
    ]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^MODEL_SHA_MISMATCH:/m);
    const unknown = await run(sub('models pull'), ['nope', '--models-dir', tmp]);
    expect(unknown.err).toMatch(/^MODEL_UNKNOWN:/m);
  }, 120_000);

  it('detect --json finds the bicycle and the truck, boxes in pixels', async () => {
    const r = await run(detect, [
      '--image',
      join(data!, 'images/bicycle_truck.jpg'),
      '--json',
      '--models-dir',
      dir,
    ]);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as Array<{ label: string; score: number; box: number[] }>;
    expect(rows.map((x) => x.label)).toEqual(expect.arrayContaining(['bicycle', 'truck']));
    const bike = rows.find((x) => x.label === 'bicycle')!;
    // bicycle_truck.jpg is 768x576; the bicycle spans most of the left half.
    expect(bike.box[2]! - bike.box[0]!).toBeGreaterThan(300);
    expect(Math.max(...rows.flatMap((x) => x.box))).toBeLessThanOrEqual(768);
  }, 120_000);

  it('plates --json with --plate-model reads the green new-energy plate', async () => {
    const r = await run(plates, [
      '--image',
      join(data!, 'plates/suE_D51712_green_street.jpg'),
      '--plate-model',
      join(data!, 'models/plate_detect_y5fu_320.onnx'),
      '--json',
      '--models-dir',
      dir,
    ]);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as Array<{ text: string }>).map((p) => p.text)).toContain('苏ED51712');
  }, 120_000);

  it('clear coded errors for a missing image, an unreadable image and a missing manifest', async () => {
    const missing = await run(detect, ['--image', '/nonexistent/x.jpg', '--models-dir', dir]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^MODEL_IMAGE_MISSING:/);
    const unreadable = await run(detect, ['--image', join(data!, 'README.md'), '--models-dir', dir]);
    expect(unreadable.err).toMatch(/^MODEL_IMAGE_UNREADABLE:/);
    const empty = mkdtempSync(join(tmpdir(), 'xl-empty-'));
    const notBuilt = await run(sub('models list'), ['--models-dir', empty]);
    expect(notBuilt.out).toMatch(/not built/);
    const usage = await run(detect, []);
    expect(usage.code).toBe(2);
  }, 120_000);
});

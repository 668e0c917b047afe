/**
 * Plate reading acceptance (docs/models.md): ≥ 5 of the 6 plates in ../shared/data/plates read
 * exactly with the default PP-OCRv4 path, all 6 with the plate detector. The file name
 * carries the plate (e.g. suE_D51712 → 苏ED51712).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { NO_TEST_DATA, testDataDir } from '../../contracts/testdata.js';
import { cropFrame, type RgbFrame, readImage } from '../frame.js';
import { SessionCache } from '../onnx-session.js';
import { openDetector } from '../runtime.js';
import { BUILD_TIMEOUT_MS, builtModelsDir } from '../testkit.js';
import { PlateReader } from './reader.js';

const data = testDataDir();
const PROVINCE: Record<string, string> = { su: '苏', zhe: '浙', hu: '沪', wan: '皖' };

/** `suE_D51712_green_street.jpg` → `苏ED51712`. */
function expected(file: string): string {
  const m = /^([a-z]+)([A-Z])_([A-Z0-9]+)_/.exec(file);
  if (!m || !PROVINCE[m[1]!]) throw new Error(`cannot parse ${file}`);
  return `${PROVINCE[m[1]!]}${m[2]}${m[3]}`;
}

describe.skipIf(!data)(`plate reader on ../shared/data/plates${data ? '' : ` (${NO_TEST_DATA})`}`, () => {
  let dir = '';
  const sessions = new SessionCache();
  const files = data ? readdirSync(join(data, 'plates')).filter((f) => f.endsWith('.jpg')) : [];
  beforeAll(async () => {
    dir = await builtModelsDir();
  }, BUILD_TIMEOUT_MS);

  async function readAll(reader: PlateReader): Promise<{ exact: number; lines: string[] }> {
    let exact = 0;
    const lines: string[] = [];
    for (const f of files) {
      const plates = await reader.readPlates(await readImage(join(data!, 'plates', f)));
      const ok = plates.some((p) => p.text === expected(f));
      if (ok) exact++;
      lines.push(
        `${f}: want ${expected(f)} got ${plates.map((p) => `${p.text}@${p.score.toFixed(2)}`).join(',') || '-'}`,
      );
    }
    return { exact, lines };
  }

  it('default path (PP-OCRv4 det + rec) reads ≥ 5 of 6 exactly', async () => {
    expect(files.length).toBe(6);
    const r = await readAll(await PlateReader.open({ modelsDir: dir, sessions }));
    process.stderr.write(`plates, default path: ${r.exact}/6\n  ${r.lines.join('\n  ')}\n`);
    expect(r.exact).toBeGreaterThanOrEqual(5);
  }, 120_000);

  it('with the plate detector reads all 6 exactly', async () => {
    const plateModel = join(data!, 'models/plate_detect_y5fu_320.onnx');
    const r = await readAll(await PlateReader.open({ modelsDir: dir, sessions, plateModel }));
    process.stderr.write(`plates, plate detector: ${r.exact}/6\n  ${r.lines.join('\n  ')}\n`);
    expect(r.exact).toBe(6);
  }, 120_000);

  it('reads a plate inside the vehicle boxes from the detector', async () => {
    const frame = await readImage(join(data!, 'plates/zheF_EQ635_tollbooth.jpg'));
    const det = await openDetector({ modelsDir: dir, sessions, build: false });
    const d = await det.detect(frame);
    const vehicles = d
      .toRows()
      .filter((r) => [2, 5, 7].includes(r.classId))
      .map((r) => r.box);
    expect(vehicles.length).toBeGreaterThan(0);
    const reader = await PlateReader.open({ modelsDir: dir, sessions });
    const plates = await reader.readPlates(frame, vehicles);
    expect(plates.map((p) => p.text)).toContain('浙FEQ635');
    // The box is in frame pixels, inside a vehicle box.
    const p = plates.find((q) => q.text === '浙FEQ635')!;
    expect(
      vehicles.some(
        (v) => p.box[0] >= v[0] - 1 && p.box[2] <= v[2] + 1 && p.box[1] >= v[1] - 1 && p.box[3] <= v[3] + 1,
      ),
    ).toBe(true);
  }, 60_000);

  it('reads a double-row plate (rows composed from a real plate: 沪B over S7821)', async () => {
    // No double-row plate is in the media: cut the real yellow plate of huB_S7821 after "沪B"
    // and stack the two parts as a double-row plate's upper and lower rows.
    const full = await readImage(join(data!, 'plates/huB_S7821_yellow_truck.jpg'));
    const [x1, y1, x2, y2] = [206, 141, 344, 181];
    const cut = Math.round(x1 + (x2 - x1) * 0.3);
    const top = cropFrame(full, x1, y1, cut, y2);
    const bottom = cropFrame(full, cut, y1, x2, y2);
    const W = bottom.width + 80;
    const H = top.height + bottom.height + 80;
    const bg = full.data.subarray(
      ((y1 + 2) * full.width + x1 + 2) * 3,
      ((y1 + 2) * full.width + x1 + 2) * 3 + 3,
    );
    const img: RgbFrame = { data: new Uint8Array(W * H * 3), width: W, height: H };
    for (let i = 0; i < W * H; i++) img.data.set(bg, i * 3);
    const put = (f: RgbFrame, ox: number, oy: number): void => {
      for (let y = 0; y < f.height; y++)
        img.data.set(f.data.subarray(y * f.width * 3, (y + 1) * f.width * 3), ((oy + y) * W + ox) * 3);
    };
    put(top, Math.round((W - top.width) / 2), 40);
    put(bottom, 40, 40 + top.height);
    const plates = await (await PlateReader.open({ modelsDir: dir, sessions })).readPlates(img);
    expect(plates.map((p) => [p.text, p.rows])).toContainEqual(['沪BS7821', 2]);
  }, 60_000);
});

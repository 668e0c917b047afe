/**
 * Face blur on real faces (docs/privacy.md): the hand-labelled faces of at least 16 px in
 * the shared test media (models/eval/faces/labels.json), each in a person-shaped snapshot
 * crop around it. After the face guard (BlazeFace converted by models/convert, in a worker
 * thread as the edge agent runs it): every face's pixels are blurred, the face detector
 * finds no face there any more, the high-frequency detail in the face box drops, and every
 * pixel outside the blurred regions is unchanged.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_TEST_DATA, projectRoot, testDataDir } from '../../contracts/testdata.js';
import { cropRgb, type RectPx, TiledFaceFinder } from '../../models/face/face-finder.js';
import { WorkerFaceFinder } from '../../models/face/worker-finder.js';
import { type RgbFrame, readImage } from '../../models/frame.js';
import { openFaceDetector } from '../../models/runtime.js';
import { BUILD_TIMEOUT_MS, builtModelsDir } from '../../models/testkit.js';
import { coveredFraction, overlapOf, PROTECTED_COVERAGE } from './coverage.js';
import { FACE_GUARD_DEFAULTS, FACE_MIN_SCORE, FaceGuard } from './face-guard.js';
import { clampRect } from './regions.js';

const data = testDataDir();
interface Labels {
  images: Array<{ source: string; frame?: number; faces: Array<{ box: number[]; pose: string }> }>;
}
const labels = JSON.parse(readFileSync(join(projectRoot, 'models/eval/faces/labels.json'), 'utf8')) as Labels;
const large = labels.images
  .filter((i) => i.frame === undefined)
  .flatMap((i) =>
    i.faces.filter((f) => f.box[2]! - f.box[0]! >= 16).map((f) => ({ source: i.source, ...f })),
  );

/** A crop shaped like a person snapshot around a face: the body below it, a margin around. */
function personCropAround(img: RgbFrame, face: readonly number[]): RectPx {
  const w = face[2]! - face[0]!;
  const h = face[3]! - face[1]!;
  return clampRect(
    [face[0]! - 1.5 * w, face[1]! - 0.8 * h, face[2]! + 1.5 * w, face[3]! + 5 * h],
    img.width,
    img.height,
  )!;
}

/** Mean absolute Laplacian of the luma inside `box`: the high-frequency detail. */
function detail(img: RgbFrame, box: readonly number[]): number {
  const luma = (x: number, y: number) => {
    const o = (y * img.width + x) * 3;
    return 0.299 * img.data[o]! + 0.587 * img.data[o + 1]! + 0.114 * img.data[o + 2]!;
  };
  let sum = 0;
  let n = 0;
  for (let y = Math.max(1, Math.floor(box[1]!)); y < Math.min(img.height - 1, Math.ceil(box[3]!)); y++)
    for (let x = Math.max(1, Math.floor(box[0]!)); x < Math.min(img.width - 1, Math.ceil(box[2]!)); x++) {
      sum += Math.abs(4 * luma(x, y) - luma(x - 1, y) - luma(x + 1, y) - luma(x, y - 1) - luma(x, y + 1));
      n++;
    }
  return n ? sum / n : 0;
}

describe.skipIf(!data)(`face blur on labelled real faces${data ? '' : ` (${NO_TEST_DATA})`}`, () => {
  let modelsDir = '';
  let worker: WorkerFaceFinder;
  let inProcess: TiledFaceFinder;
  beforeAll(async () => {
    modelsDir = await builtModelsDir();
    worker = await WorkerFaceFinder.open({ modelsDir, threads: 1, minScore: FACE_MIN_SCORE });
    inProcess = new TiledFaceFinder(
      await openFaceDetector({ modelsDir, build: false, threads: 1 }),
      FACE_MIN_SCORE,
    );
  }, BUILD_TIMEOUT_MS);
  afterAll(async () => {
    await worker?.close();
  });

  it('has labelled faces of at least 16 px to test, frontal and profile', () => {
    expect(large.length).toBeGreaterThanOrEqual(4);
    expect(new Set(large.map((f) => f.pose)).has('profile')).toBe(true);
  });

  for (const headFrac of [0, FACE_GUARD_DEFAULTS.headFrac]) {
    it(`blurs every labelled face ≥ 16 px in its crop (${headFrac ? 'with' : 'without'} the head fallback)`, async () => {
      const guard = new FaceGuard(worker, { ...FACE_GUARD_DEFAULTS, headFrac });
      const report: string[] = [];
      for (const f of large) {
        const img = await readImage(join(data!, f.source));
        const r = personCropAround(img, f.box);
        const crop = cropRgb(img, r);
        const face = [f.box[0]! - r[0], f.box[1]! - r[1], f.box[2]! - r[0], f.box[3]! - r[1]];
        // The person's own box in the crop (as the pipeline passes it): from the top of the head down.
        const person = [
          face[0]! - 0.8 * (face[2]! - face[0]!),
          face[1]! - 0.1 * (face[3]! - face[1]!),
          face[2]! + 0.8 * (face[2]! - face[0]!),
          crop.height,
        ];
        const p = await guard.protect(crop, headFrac ? [person] : []);
        const before = detail(crop, face);
        const after = detail(p.frame, face);
        const again = await inProcess.findFaces(p.frame);
        const stillFound = Array.from({ length: again.length }, (_, i) => again.box(i)).filter(
          (b) => overlapOf(face, b) > 0.3 || overlapOf(b, face) > 0.3,
        );
        report.push(
          `${f.source} ${f.pose} ${f.box[2]! - f.box[0]!}px: covered ${coveredFraction(face, p.regions).toFixed(2)}, detail ${before.toFixed(1)} → ${after.toFixed(1)}, faces found after ${stillFound.length}`,
        );
        expect(coveredFraction(face, p.regions), `${f.source} ${f.pose}`).toBeGreaterThanOrEqual(
          PROTECTED_COVERAGE,
        );
        expect(after, `${f.source} ${f.pose} detail`).toBeLessThan(before * 0.35);
        expect(stillFound, `${f.source} ${f.pose} found after blur`).toEqual([]);
        // Outside the blurred regions, every byte is the crop's own.
        const blurred = p.regions
          .map((g) => clampRect(g, crop.width, crop.height))
          .filter((g) => g !== undefined);
        let changedOutside = 0;
        for (let y = 0; y < crop.height; y++)
          for (let x = 0; x < crop.width; x++) {
            if (blurred.some((g) => x >= g[0] && x < g[2] && y >= g[1] && y < g[3])) continue;
            const o = (y * crop.width + x) * 3;
            if (
              p.frame.data[o] !== crop.data[o] ||
              p.frame.data[o + 1] !== crop.data[o + 1] ||
              p.frame.data[o + 2] !== crop.data[o + 2]
            )
              changedOutside++;
          }
        expect(changedOutside).toBe(0);
      }
      process.stderr.write(`face blur (headFrac ${headFrac}):\n  ${report.join('\n  ')}\n`);
    }, 120_000);
  }
});

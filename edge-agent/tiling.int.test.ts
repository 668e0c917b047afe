/**
 * Tiled detection with the edge default detector in a worker (as the agent runs it) on a shared
 * street photo: the tiles find people the whole frame misses, and the merge leaves no duplicate.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_TEST_DATA, testDataDir } from '../contracts/testdata.js';
import { readImage } from '../models/frame.js';
import { loadModel } from '../models/manifest.js';
import { BUILD_TIMEOUT_MS, builtModelsDir } from '../models/testkit.js';
import { WorkerDetector } from '../models/worker-detector.js';
import { iou } from './geometry.js';
import { detectTiled } from './tiling.js';

const data = testDataDir();

describe.skipIf(!data)(`tiled detection on the shared media${data ? '' : ` (${NO_TEST_DATA})`}`, () => {
  let det: WorkerDetector;
  beforeAll(async () => {
    const { entry, path } = await loadModel(await builtModelsDir(), 'nanodet-g-320');
    det = await WorkerDetector.open({ entry, path, workers: 1, threads: 1 });
  }, BUILD_TIMEOUT_MS);
  afterAll(async () => det?.close());

  it('3×3 tiles find more people in shopping_street_people.png than the whole frame, without duplicates', async () => {
    const frame = await readImage(join(data!, 'images/shopping_street_people.png'));
    const person = det.labels.indexOf('person');
    const persons = (d: { classId: Int32Array }) => Array.from(d.classId).filter((c) => c === person).length;
    const whole = await detectTiled(det, frame, 0, { minScore: 0.3 });
    const tiled = await detectTiled(det, frame, 3, { minScore: 0.3, tileMinScore: 0.4 });
    expect(persons(tiled.detections)).toBeGreaterThan(persons(whole.detections));
    const d = tiled.detections;
    for (let i = 0; i < d.length; i++)
      for (let j = i + 1; j < d.length; j++)
        if (d.classId[i] === d.classId[j]) expect(iou(d.box(i), d.box(j))).toBeLessThanOrEqual(0.5);
    // Ten views went through the detector: their run times add up.
    expect(tiled.timings.runMs).toBeGreaterThan(whole.timings.runMs);
  });
});

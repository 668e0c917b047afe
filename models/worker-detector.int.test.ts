/**
 * WorkerDetector (docs/models.md): detections in worker threads equal the in-thread detector's on
 * real images; calls beyond the worker count queue; bad input and a bad model file are
 * coded errors and the workers go on; a frame in shared memory is read without a copy.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_TEST_DATA, testDataDir } from '../contracts/testdata.js';
import { OnnxDetector } from './detector.js';
import { readImage, type RgbFrame } from './frame.js';
import { loadModel, type ModelEntry } from './manifest.js';
import { openSession } from './onnx-session.js';
import { BUILD_TIMEOUT_MS, builtModelsDir } from './testkit.js';
import { WorkerDetector } from './worker-detector.js';

const data = testDataDir();
const IMAGES = ['images/bicycle_truck.jpg', 'images/london_bus.jpg', 'images/shopping_street_people.png'];

describe.skipIf(!data)(`WorkerDetector${data ? '' : ` (${NO_TEST_DATA})`}`, () => {
  let entry: ModelEntry;
  let path = '';
  let det: WorkerDetector;
  let frames: RgbFrame[] = [];
  beforeAll(async () => {
    const dir = await builtModelsDir();
    ({ entry, path } = await loadModel(dir, 'nanodet-g-320'));
    det = await WorkerDetector.open({ entry, path, workers: 2, threads: 1 });
    frames = await Promise.all(IMAGES.map((f) => readImage(join(data!, f))));
  }, BUILD_TIMEOUT_MS);
  afterAll(async () => {
    await det?.close();
  });

  it('returns the same detections as the detector in this thread', async () => {
    const local = new OnnxDetector(entry, await openSession(path, { threads: 1 }));
    for (const f of frames) {
      const a = await local.detect(f, { minScore: 0.3 });
      const { detections: b, timings } = await det.detectTimed(f, { minScore: 0.3 });
      expect(b.length).toBeGreaterThan(0);
      expect(Array.from(b.classId)).toEqual(Array.from(a.classId));
      expect(Array.from(b.score)).toEqual(Array.from(a.score));
      expect(Array.from(b.xyxy)).toEqual(Array.from(a.xyxy));
      expect(timings.runMs).toBeGreaterThan(0);
    }
  }, 60_000);

  it('serves more calls than workers, each with its own result', async () => {
    expect(det.parallelism).toBe(2);
    const calls = Array.from({ length: 9 }, (_, i) => frames[i % frames.length]!);
    const results = await Promise.all(calls.map((f) => det.detect(f)));
    const alone = await Promise.all(frames.map((f) => det.detect(f)));
    results.forEach((r, i) => {
      expect(Array.from(r.classId)).toEqual(Array.from(alone[i % frames.length]!.classId));
    });
  }, 60_000);

  it('reads a frame in shared memory (the edge agent hands over its ffmpeg frames so)', async () => {
    const f = frames[0]!;
    const shared = new Uint8Array(new SharedArrayBuffer(f.data.byteLength));
    shared.set(f.data);
    const a = await det.detect(f);
    const b = await det.detect({ width: f.width, height: f.height, data: shared });
    expect(Array.from(b.xyxy)).toEqual(Array.from(a.xyxy));
  }, 60_000);

  it('rejects a frame whose size does not match its bytes with a coded error, then goes on', async () => {
    const f = frames[0]!;
    const err = await det.detect({ width: f.width + 7, height: f.height, data: f.data }).catch((e) => e);
    expect(err).toMatchObject({ name: 'XlError', code: 'MODEL_RUN_FAILED' });
    expect((await det.detect(f)).length).toBeGreaterThan(0);
  }, 60_000);

  it('fails to open on a file onnxruntime cannot load (MODEL_LOAD_FAILED)', async () => {
    const bad = join(await import('node:os').then((o) => o.tmpdir()), `xl-bad-${process.pid}.onnx`);
    writeFileSync(bad, 'not a model');
    const err = await WorkerDetector.open({ entry, path: bad }).catch((e) => e);
    expect(err).toMatchObject({ code: 'MODEL_LOAD_FAILED' });
  }, 60_000);

  it('after close, calls fail with MODEL_WORKER_FAILED', async () => {
    const d = await WorkerDetector.open({ entry, path, workers: 1 });
    await d.close();
    await expect(d.detect(frames[0]!)).rejects.toMatchObject({ code: 'MODEL_WORKER_FAILED' });
  }, 60_000);
});

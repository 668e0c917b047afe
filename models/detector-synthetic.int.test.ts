/**
 * The ONNX detector path end to end on a small synthetic YOLOv8-style graph written with the
 * project's protobuf encoder: known boxes in, letterbox undone, NMS applied. Also the
 * manifest's sha256 check on load. Needs onnxruntime, not the shared media.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isXlError } from '../contracts/errors.js';
import { encodeModel, floatTensor, OnnxType } from './convert/onnx-proto.js';
import { OnnxDetector } from './detector.js';
import { loadModel, type Manifest, type ModelEntry, sha256File } from './manifest.js';
import { openSession } from './onnx-session.js';

const C = 3;
const N = 4;
// Columns: anchors. Rows: cx, cy, w, h, class scores (input pixels of a 64x64 model).
const anchors = [
  { box: [20, 32, 10, 8], scores: [0, 0, 0.9] },
  { box: [21, 32, 10, 8], scores: [0, 0, 0.8] }, // duplicate of anchor 0: NMS drops it
  { box: [40, 30, 20, 10], scores: [0.6, 0, 0] },
  { box: [10, 10, 4, 4], scores: [0.1, 0.05, 0] }, // below threshold
];

function yoloModel(): Uint8Array {
  const t = new Float32Array((4 + C) * N);
  anchors.forEach((a, i) => {
    [...a.box, ...a.scores].forEach((v, r) => {
      t[r * N + i] = v;
    });
  });
  // out = boxes + 0 · mean(images): the output does not depend on the pixels, but the graph
  // takes the image input like a real detector.
  return encodeModel({
    name: 'synthetic-yolo',
    nodes: [
      {
        opType: 'ReduceMean',
        name: 'mean',
        inputs: ['images'],
        outputs: ['m'],
        attrs: { axes: { kind: 'ints', value: [1, 2, 3] }, keepdims: { kind: 'int', value: 0 } },
      },
      { opType: 'Mul', name: 'zero', inputs: ['m', 'zero_c'], outputs: ['z'] },
      { opType: 'Add', name: 'add', inputs: ['boxes', 'z'], outputs: ['output0'] },
    ],
    initializers: [floatTensor('boxes', [1, 4 + C, N], t), floatTensor('zero_c', [], Float32Array.of(0))],
    inputs: [{ name: 'images', elemType: OnnxType.FLOAT, shape: [1, 3, 64, 64] }],
    outputs: [{ name: 'output0', elemType: OnnxType.FLOAT, shape: [1, 4 + C, N] }],
  });
}

function entry(file: string, sha256: string): ModelEntry {
  return {
    name: 'synthetic-yolo',
    task: 'detect',
    file,
    sha256,
    input: { name: 'images', width: 64, height: 64, layout: 'NCHW' },
    preprocess: {
      resize: 'letterbox',
      channels: 'RGB',
      mean: [0, 0, 0],
      std: [255, 255, 255],
      padValue: 114,
    },
    labels: ['a', 'b', 'c'],
    decoder: { kind: 'yolov8', output: 'output0' },
    source: { converter: 'test' },
  };
}

describe('OnnxDetector on a synthetic YOLOv8 graph', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xl-yolo-'));
  const file = join(dir, 'yolo.onnx');
  writeFileSync(file, yoloModel());

  it('returns the known boxes in frame pixels after letterbox, NMS and threshold', async () => {
    const det = new OnnxDetector(
      entry(file, await sha256File(file)),
      await openSession(file, { threads: 1 }),
    );
    // 128x64 frame → letterboxed into 64x64 at scale 0.5 with 16 px bands top and bottom.
    const frame = { data: new Uint8Array(128 * 64 * 3).fill(90), width: 128, height: 64 };
    const { detections: d, timings } = await det.detectTimed(frame, { minScore: 0.25 });
    expect(Array.from(d.classId)).toEqual([2, 0]);
    expect(Array.from(d.score)).toEqual([0.9, 0.6].map(Math.fround));
    // anchor 0: input [15, 28, 25, 36] → frame x/0.5, (y − 16)/0.5
    expect(Array.from(d.xyxy)).toEqual([30, 24, 50, 40, 60, 18, 100, 38]);
    expect(timings.runMs).toBeGreaterThan(0);
  });

  it('loads through the manifest and refuses a file whose sha256 changed', async () => {
    const sha = await sha256File(file);
    const m: Manifest = { version: 1, build: 'test', models: [entry('yolo.onnx', sha)] };
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
    await expect(loadModel(dir, 'synthetic-yolo')).resolves.toMatchObject({ path: file });
    writeFileSync(
      file,
      yoloModel().map((b, i) => (i === 100 ? b ^ 1 : b)),
    );
    const err = await loadModel(dir, 'synthetic-yolo').catch((e: unknown) => e);
    expect(isXlError(err, 'MODEL_SHA_MISMATCH')).toBe(true);
    const missing = await loadModel(dir, 'nope').catch((e: unknown) => e);
    expect(isXlError(missing, 'MODEL_UNKNOWN')).toBe(true);
  });
});

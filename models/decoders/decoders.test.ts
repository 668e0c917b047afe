import { describe, expect, it } from 'vitest';
import { Detections } from '../detections.js';
import { decodeCenterNet } from './centernet.js';
import { decodeGfl } from './gfl.js';
import { iou, nmsClasswise } from './nms.js';
import { decodeYolo } from './yolo.js';

describe('iou', () => {
  it.each([
    [[0, 0, 10, 10, 0, 0, 10, 10], 1],
    [[0, 0, 10, 10, 5, 0, 15, 10], 50 / 150],
    [[0, 0, 10, 10, 20, 20, 30, 30], 0],
    [[0, 0, 0, 0, 0, 0, 0, 0], 0],
  ])('%j → %f', (boxes, want) => {
    expect(iou(boxes, 0, 1)).toBeCloseTo(want, 6);
  });
});

describe('nmsClasswise', () => {
  const d = Detections.fromRows([
    { box: [0, 0, 10, 10], score: 0.9, classId: 0 },
    { box: [1, 0, 11, 10], score: 0.8, classId: 0 }, // IoU 0.82 with row 0: suppressed
    { box: [1, 0, 11, 10], score: 0.7, classId: 1 }, // other class: kept
    { box: [20, 20, 30, 30], score: 0.95, classId: 0 },
    { box: [5, 0, 15, 10], score: 0.6, classId: 0 }, // IoU 0.33 with row 0: kept at 0.5
  ]);
  it('suppresses same-class overlaps only, sorted by score', () => {
    const k = nmsClasswise(d, { iouThreshold: 0.5 });
    expect(Array.from(k.score)).toEqual([0.95, 0.9, 0.7, 0.6].map((v) => Math.fround(v)));
    expect(Array.from(k.classId)).toEqual([0, 0, 1, 0]);
  });
  it('caps the count', () => {
    expect(nmsClasswise(d, { iouThreshold: 0.5, maxDetections: 2 }).length).toBe(2);
  });
  it('keeps everything at IoU threshold 1', () => {
    expect(nmsClasswise(d, { iouThreshold: 1 }).length).toBe(5);
  });
});

describe('decodeGfl', () => {
  // One level, stride 8, 2x2 grid on a 16x16 input, 2 classes, regMax 3 (4 bins).
  const bins = 4;
  const scores = new Float32Array(4 * 2);
  const boxes = new Float32Array(4 * 4 * bins).fill(-20);
  // Cell 3 (col 1, row 1): class 1 at 0.9; distances: all mass on bin 1 (left, top), bin 2 (right, bottom).
  scores[3 * 2 + 1] = 0.9;
  const o = 3 * 4 * bins;
  boxes[o + 0 * bins + 1] = 20;
  boxes[o + 1 * bins + 1] = 20;
  boxes[o + 2 * bins + 2] = 20;
  boxes[o + 3 * bins + 2] = 20;
  // Cell 0: below threshold.
  scores[0] = 0.2;
  it('decodes the distribution integral times the stride around the cell centre', () => {
    const c = decodeGfl([{ scores, boxes, stride: 8 }], {
      inputWidth: 16,
      inputHeight: 16,
      numClasses: 2,
      regMax: 3,
      cellOffset: 0.5,
      scoreThreshold: 0.3,
    });
    expect(c.length).toBe(1);
    expect(c.classId[0]).toBe(1);
    const cx = 1.5 * 8;
    const want = [cx - 8, cx - 8, cx + 16, cx + 16];
    c.xyxy.forEach((v, i) => {
      expect(v).toBeCloseTo(want[i]!, 3);
    });
  });
  it('rejects a level whose size does not match the grid', () => {
    expect(() =>
      decodeGfl([{ scores: new Float32Array(6), boxes, stride: 8 }], {
        inputWidth: 16,
        inputHeight: 16,
        numClasses: 2,
        regMax: 3,
        cellOffset: 0.5,
        scoreThreshold: 0.3,
      }),
    ).toThrow(RangeError);
  });
});

describe('decodeYolo', () => {
  it('reads [4+C, N] columns and keeps the best class above threshold', () => {
    const n = 3;
    const C = 2;
    const t = new Float32Array((4 + C) * n);
    const set = (row: number, col: number, v: number) => {
      t[row * n + col] = v;
    };
    // anchor 0: box centre (50, 40) 20x10, class 1 score 0.8
    [50, 40, 20, 10].forEach((v, r) => {
      set(r, 0, v);
    });
    set(4, 0, 0.1);
    set(5, 0, 0.8);
    // anchor 1: below threshold
    set(4, 1, 0.2);
    // anchor 2: class 0 0.6
    [10, 10, 4, 4].forEach((v, r) => {
      set(r, 2, v);
    });
    set(4, 2, 0.6);
    const c = decodeYolo(t, n, { numClasses: C, scoreThreshold: 0.25 });
    expect(c.classId).toEqual([1, 0]);
    expect(c.xyxy).toEqual([40, 35, 60, 45, 8, 8, 12, 12]);
  });
});

describe('decodeCenterNet', () => {
  it('keeps 3x3 peaks, top-K, boxes from distances around x·stride', () => {
    const W = 4;
    const H = 3;
    const C = 2;
    const hm = new Float32Array(W * H * C);
    const sizes = new Float32Array(W * H * 4);
    const at = (x: number, y: number, c: number) => (y * W + x) * C + c;
    hm[at(1, 1, 0)] = 0.9; // peak
    hm[at(2, 1, 0)] = 0.5; // neighbour of a higher value: not a peak
    hm[at(3, 0, 1)] = 0.7; // peak, other class
    hm[at(0, 2, 1)] = 0.1; // below threshold
    sizes.set([2, 3, 4, 5], (1 * W + 1) * 4);
    sizes.set([1, 1, 1, 1], (0 * W + 3) * 4);
    const c = decodeCenterNet(hm, sizes, {
      width: W,
      height: H,
      numClasses: C,
      stride: 4,
      topK: 10,
      scoreThreshold: 0.3,
    });
    expect(c.classId).toEqual([0, 1]);
    expect(c.xyxy).toEqual([4 - 2, 4 - 3, 4 + 4, 4 + 5, 12 - 1, -1, 13, 1]);
    const top1 = decodeCenterNet(hm, sizes, {
      width: W,
      height: H,
      numClasses: C,
      stride: 4,
      topK: 1,
      scoreThreshold: 0.3,
    });
    expect(top1.length).toBe(1);
  });
});

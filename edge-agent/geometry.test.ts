import { describe, expect, it } from 'vitest';
import {
  type Box,
  bottomCentre,
  bottomCentres,
  cropRectPx,
  denormaliseBoxes,
  iou,
  iouMatrix,
  normaliseBoxes,
  type Point,
  type Polygon,
  pointInPolygon,
  segmentsIntersect,
  sideOfLine,
} from './geometry.js';

const square: Polygon = [
  [0.2, 0.2],
  [0.8, 0.2],
  [0.8, 0.8],
  [0.2, 0.8],
];
// A concave "U": the notch between x 0.4..0.6 above y 0.5 is outside.
const uShape: Polygon = [
  [0.1, 0.1],
  [0.4, 0.1],
  [0.4, 0.5],
  [0.6, 0.5],
  [0.6, 0.1],
  [0.9, 0.1],
  [0.9, 0.9],
  [0.1, 0.9],
];

describe('bottomCentre', () => {
  it('is the middle of the bottom edge', () => {
    const xyxy = new Float32Array([10, 20, 30, 60, 0, 0, 1, 1]);
    expect(bottomCentre(xyxy, 0)).toEqual([20, 60]);
    expect(bottomCentre(xyxy, 1)).toEqual([0.5, 1]);
    expect(Array.from(bottomCentres(xyxy))).toEqual([20, 60, 0.5, 1]);
  });
});

describe('pointInPolygon', () => {
  it.each<[string, Polygon, Point, boolean]>([
    ['centre of square', square, [0.5, 0.5], true],
    ['outside left', square, [0.1, 0.5], false],
    ['outside below', square, [0.5, 0.95], false],
    ['on an edge counts inside', square, [0.2, 0.5], true],
    ['on a vertex counts inside', square, [0.8, 0.8], true],
    ['U: left arm', uShape, [0.2, 0.3], true],
    ['U: inside the notch is outside', uShape, [0.5, 0.3], false],
    ['U: below the notch', uShape, [0.5, 0.7], true],
    ['U: right of the shape', uShape, [0.95, 0.5], false],
    [
      'degenerate polygon',
      [
        [0, 0],
        [1, 1],
      ],
      [0.5, 0.5],
      false,
    ],
    ['reverse winding', [...square].reverse(), [0.5, 0.5], true],
  ])('%s', (_name, poly, [x, y], want) => {
    expect(pointInPolygon(x, y, poly)).toBe(want);
  });
});

describe('sideOfLine', () => {
  // Image coordinates, y down: for a line drawn left to right, "below" is the right-hand side.
  it.each<[string, Point, Point, Point, -1 | 0 | 1]>([
    ['below a rightward line', [0.5, 0.7], [0, 0.5], [1, 0.5], 1],
    ['above a rightward line', [0.5, 0.3], [0, 0.5], [1, 0.5], -1],
    ['on the line', [0.25, 0.5], [0, 0.5], [1, 0.5], 0],
    ['reversed line flips side', [0.5, 0.7], [1, 0.5], [0, 0.5], -1],
    ['left of a downward line is +x', [0.7, 0.5], [0.5, 0], [0.5, 1], -1],
  ])('%s', (_n, p, a, b, want) => {
    expect(sideOfLine(p, a, b)).toBe(want);
  });
});

describe('segmentsIntersect', () => {
  it.each<[string, Point, Point, Point, Point, boolean]>([
    ['proper X', [0, 0], [1, 1], [0, 1], [1, 0], true],
    ['parallel apart', [0, 0], [1, 0], [0, 1], [1, 1], false],
    ['touching at an end', [0, 0], [1, 0], [1, 0], [1, 1], true],
    ['T touching the middle', [0.5, 0], [0.5, 0.5], [0, 0.5], [1, 0.5], true],
    ['would cross beyond the end', [2, -1], [2, 1], [0, 0], [1, 0], false],
    ['collinear overlapping', [0, 0], [2, 0], [1, 0], [3, 0], true],
    ['collinear disjoint', [0, 0], [1, 0], [2, 0], [3, 0], false],
  ])('%s', (_n, p1, p2, q1, q2, want) => {
    expect(segmentsIntersect(p1, p2, q1, q2)).toBe(want);
    expect(segmentsIntersect(q1, q2, p1, p2)).toBe(want);
  });
});

describe('iou and iouMatrix', () => {
  it.each<[string, Box, Box, number]>([
    ['identical', [0, 0, 2, 2], [0, 0, 2, 2], 1],
    ['disjoint', [0, 0, 1, 1], [2, 2, 3, 3], 0],
    ['touching edges', [0, 0, 1, 1], [1, 0, 2, 1], 0],
    ['half overlap', [0, 0, 2, 2], [1, 0, 3, 2], 2 / 6],
    ['contained', [0, 0, 4, 4], [1, 1, 3, 3], 4 / 16],
    ['empty box', [0, 0, 0, 0], [0, 0, 1, 1], 0],
  ])('%s', (_n, a, b, want) => {
    expect(iou(a, b)).toBeCloseTo(want, 6);
    expect(iouMatrix(new Float32Array(a), new Float32Array(b))[0]).toBeCloseTo(want, 6);
  });

  it('matches pairwise iou row-major', () => {
    const a: Box[] = [
      [0, 0, 10, 10],
      [5, 5, 15, 15],
      [100, 100, 110, 120],
    ];
    const b: Box[] = [
      [0, 0, 10, 10],
      [2, 2, 12, 12],
    ];
    const m = iouMatrix(new Float32Array(a.flat()), new Float32Array(b.flat()));
    expect(m.length).toBe(6);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 2; j++) expect(m[i * 2 + j]).toBeCloseTo(iou(a[i]!, b[j]!), 6);
  });

  it('handles empty inputs', () => {
    expect(iouMatrix(new Float32Array(0), new Float32Array([0, 0, 1, 1])).length).toBe(0);
  });
});

describe('box normalisation', () => {
  it('round-trips pixels through 0..1', () => {
    const px = new Float32Array([64, 48, 320, 240]);
    const norm = normaliseBoxes(px, 640, 480);
    expect(Array.from(norm)).toEqual([0.1, 0.1, 0.5, 0.5].map((v) => Math.fround(v)));
    const back = denormaliseBoxes(norm, 640, 480);
    for (const [k, v] of Array.from(back).entries()) expect(v).toBeCloseTo(px[k]!, 3);
  });

  it('clamps overhanging boxes into the frame', () => {
    expect(Array.from(normaliseBoxes(new Float32Array([-10, -5, 700, 500]), 640, 480))).toEqual([0, 0, 1, 1]);
  });

  it('rejects a zero-sized frame', () => {
    expect(() => normaliseBoxes(new Float32Array(4), 0, 480)).toThrow(RangeError);
  });

  it.each<[string, Box, number, [number, number, number, number]]>([
    ['no margin', [10.2, 20.7, 30.1, 40.9], 0, [10, 20, 21, 21]],
    ['10 % margin', [10, 20, 30, 40], 0.1, [8, 18, 24, 24]],
    ['clamped at the border', [-5, -5, 700, 500], 0.2, [0, 0, 640, 480]],
    ['degenerate box keeps 1 px', [639.5, 479.5, 639.5, 479.5], 0, [639, 479, 1, 1]],
  ])('cropRectPx: %s', (_n, box, margin, want) => {
    expect(cropRectPx(box, 640, 480, margin)).toEqual(want);
  });
});

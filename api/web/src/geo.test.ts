import { describe, expect, it } from 'vitest';
import {
  boxInImage,
  convexHull,
  distanceM,
  fitProjection,
  hopsOf,
  paddedHullPath,
  spreadLinear,
  spreadMarkers,
} from './geo.js';

describe('fitProjection', () => {
  const pts = [
    { lat: 30.2367, lon: 120.1296 },
    { lat: 30.2841, lon: 120.1702 },
  ];
  it('puts every point inside the padded box, north up', () => {
    const f = fitProjection(pts, 800, 500, 40);
    for (const p of pts) {
      const q = f(p);
      expect(q.x).toBeGreaterThanOrEqual(40 - 1e-9);
      expect(q.x).toBeLessThanOrEqual(760 + 1e-9);
      expect(q.y).toBeGreaterThanOrEqual(40 - 1e-9);
      expect(q.y).toBeLessThanOrEqual(460 + 1e-9);
    }
    expect(f(pts[1]!).y).toBeLessThan(f(pts[0]!).y);
  });
  it('keeps distances proportional in both axes', () => {
    const f = fitProjection(pts, 800, 500, 40);
    const a = f(pts[0]!);
    const b = f(pts[1]!);
    const px = Math.hypot(b.x - a.x, b.y - a.y);
    const c = f({ lat: pts[0]!.lat, lon: pts[1]!.lon });
    const ratio = Math.hypot(c.x - a.x, c.y - a.y) / Math.hypot(b.x - c.x, b.y - c.y);
    const trueRatio =
      distanceM(pts[0]!, { lat: pts[0]!.lat, lon: pts[1]!.lon }) /
      distanceM({ lat: pts[0]!.lat, lon: pts[1]!.lon }, pts[1]!);
    expect(ratio).toBeCloseTo(trueRatio, 2);
    expect(px).toBeGreaterThan(100);
  });
  it('survives a single point', () => {
    const q = fitProjection([{ lat: 1, lon: 2 }], 100, 100, 10)({ lat: 1, lon: 2 });
    expect(Number.isFinite(q.x) && Number.isFinite(q.y)).toBe(true);
  });
});

describe('convexHull', () => {
  it.each([
    [
      'square with an inner point',
      [
        [0, 0],
        [2, 0],
        [2, 2],
        [0, 2],
        [1, 1],
      ],
      4,
    ],
    [
      'collinear points',
      [
        [0, 0],
        [1, 0],
        [2, 0],
        [1, 1],
      ],
      3,
    ],
    [
      'two points',
      [
        [0, 0],
        [1, 1],
      ],
      2,
    ],
  ] as const)('%s', (_n, pts, size) => {
    expect(convexHull(pts.map(([x, y]) => ({ x, y })))).toHaveLength(size);
  });
  it('padded hull of one point is a closed ring around it', () => {
    const d = paddedHullPath([{ x: 10, y: 10 }], 5, 8);
    expect(d.startsWith('M')).toBe(true);
    expect(d.endsWith('Z')).toBe(true);
    expect(d.split('L')).toHaveLength(8);
  });
});

describe('hopsOf', () => {
  it('orders by time, numbers from 1 and gives the gaps', () => {
    const s = [
      { tsMs: 300, camera: 'c', lat: 0, lon: 0 },
      { tsMs: 100, camera: 'a', lat: 0, lon: 0 },
      { tsMs: 160, camera: 'b', lat: 0, lon: 0 },
    ];
    expect(hopsOf(s).map((h) => [h.n, h.s.camera, h.gapMs])).toEqual([
      [1, 'a', undefined],
      [2, 'b', 60],
      [3, 'c', 140],
    ]);
  });
});

describe('boxInImage', () => {
  it('is the identity without a crop', () => {
    expect(boxInImage([0.1, 0.2, 0.3, 0.4])).toEqual([0.1, 0.2, 0.3, 0.4]);
  });
  it('re-expresses the box in the crop and clamps', () => {
    const b = boxInImage([0.5, 0.5, 0.7, 0.9], [0.4, 0.4, 0.8, 0.8]);
    expect(b.map((v) => +v.toFixed(6))).toEqual([0.25, 0.25, 0.75, 1]);
  });
});

describe('spreadMarkers', () => {
  it('pushes close and coincident markers apart, leaves distant ones alone', () => {
    const pts = [
      { x: 100, y: 100 },
      { x: 105, y: 100 },
      { x: 105, y: 100 },
      { x: 400, y: 300 },
    ];
    const out = spreadMarkers(pts, 26);
    for (let i = 0; i < out.length; i++)
      for (let j = i + 1; j < out.length; j++)
        expect(Math.hypot(out[i]!.x - out[j]!.x, out[i]!.y - out[j]!.y)).toBeGreaterThanOrEqual(25.9);
    expect(out[3]).toEqual({ x: 400, y: 300 });
    // They stay near where they were.
    for (const q of out.slice(0, 3)) expect(Math.hypot(q.x - 103, q.y - 100)).toBeLessThan(40);
  });
});

describe('spreadLinear', () => {
  it('keeps ticks a minimum gap apart inside the axis', () => {
    expect(spreadLinear([30, 31, 32, 500], 20, 30, 770)).toEqual([30, 50, 70, 500]);
    const squeezed = spreadLinear([30, 760, 761, 762], 20, 30, 770);
    expect(squeezed[0]).toBe(30);
    expect(squeezed[3]).toBeCloseTo(770, 6);
    for (let i = 1; i < squeezed.length; i++) expect(squeezed[i]! - squeezed[i - 1]!).toBeGreaterThan(5);
  });
});

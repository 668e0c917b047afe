import { describe, expect, it } from 'vitest';
import { coveredFraction, overlapOf } from './coverage.js';
import { squareTiles } from '../../models/face/face-finder.js';
import { clampRect, faceRegion, headRegion, pixelate } from './regions.js';

describe('coveredFraction', () => {
  it.each([
    { name: 'no regions', regions: [], want: 0 },
    { name: 'exactly covered', regions: [[10, 10, 20, 20]], want: 1 },
    { name: 'left half', regions: [[0, 0, 15, 40]], want: 0.5 },
    {
      name: 'two quarters',
      regions: [
        [10, 10, 15, 15],
        [15, 15, 20, 20],
      ],
      want: 0.5,
    },
    {
      name: 'overlapping regions count once',
      regions: [
        [10, 10, 20, 15],
        [10, 10, 20, 15],
      ],
      want: 0.5,
    },
  ])('$name', ({ regions, want }) => {
    expect(coveredFraction([10, 10, 20, 20], regions)).toBeCloseTo(want, 6);
  });
});

describe('overlapOf', () => {
  it('is the share of the first box inside the second', () => {
    expect(overlapOf([0, 0, 10, 10], [5, 0, 20, 10])).toBeCloseTo(0.5);
    expect(overlapOf([0, 0, 10, 10], [20, 20, 30, 30])).toBe(0);
  });
});

describe('regions', () => {
  it('grows a face box by its margin, more above for hair', () => {
    expect(faceRegion([10, 10, 20, 20], 0.3)).toEqual([7, 5.5, 23, 23]);
  });
  it('takes the top of a person box as its head', () => {
    expect(headRegion([0, 100, 40, 200], 0.22)).toEqual([0, 96, 40, 122]);
  });
  it('clamps to the image and drops empty rectangles', () => {
    expect(clampRect([-5, -5, 10.2, 10.7], 8, 8)).toEqual([0, 0, 8, 8]);
    expect(clampRect([10, 10, 20, 20], 8, 8)).toBeUndefined();
  });
  it.each([
    { w: 100, h: 100, n: 1 },
    { w: 100, h: 120, n: 1 },
    { w: 60, h: 150, n: 4 },
    { w: 300, h: 100, n: 5 },
  ])('square tiles of $w×$h cover it with overlap ($n)', ({ w, h, n }) => {
    const t = squareTiles(w, h);
    expect(t).toHaveLength(n);
    const long = Math.max(w, h);
    const axis = w >= h ? 0 : 1;
    expect(t[0]![axis]).toBe(0);
    expect(t[t.length - 1]?.[axis + 2]).toBe(long);
    for (let i = 1; i < t.length; i++)
      expect((t[i - 1]?.[axis + 2] ?? 0) - (t[i]?.[axis] ?? 0)).toBeGreaterThanOrEqual(
        Math.min(w, h) / 3 - 1,
      );
  });
  it('pixelates inside regions only and leaves the input untouched', () => {
    const w = 32;
    const h = 16;
    const data = new Uint8Array(w * h * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 37) % 251;
    const img = { data, width: w, height: h };
    const before = Uint8Array.from(data);
    const out = pixelate(img, [[0, 0, 16, 16]], 4);
    expect(data).toEqual(before);
    for (let y = 0; y < h; y++)
      for (let x = 16; x < w; x++) {
        const o = (y * w + x) * 3;
        expect(out.data[o]).toBe(data[o]);
      }
    // Inside: only smooth gradients between 4-px block means — neighbours differ little.
    let maxStep = 0;
    for (let y = 0; y < 16; y++)
      for (let x = 1; x < 16; x++) {
        const o = (y * w + x) * 3;
        maxStep = Math.max(maxStep, Math.abs(out.data[o]! - out.data[o - 3]!));
      }
    let maxStepBefore = 0;
    for (let x = 1; x < 16; x++)
      maxStepBefore = Math.max(maxStepBefore, Math.abs(data[x * 3]! - data[x * 3 - 3]!));
    expect(maxStep).toBeLessThan(maxStepBefore / 2);
  });
});

import { describe, expect, it } from 'vitest';
import {
  AppearanceAccumulator,
  appearanceBin,
  appearanceDescriptor,
  appearanceHistogram,
  appearanceSimilarity,
  DESCRIPTOR_BYTES,
  decodeAppearance,
  encodeAppearance,
} from './appearance.js';
import { rgbToHsv } from './colour.js';
import { paintPerson, solidImage } from './fixtures.js';

type Rgb = [number, number, number];
const person = (upper: Rgb, lower: Rgb) =>
  appearanceDescriptor(
    paintPerson(solidImage(100, 240, [128, 128, 128]), [20, 10, 80, 230], upper, lower),
    [20, 10, 80, 230],
    true,
  );

describe('appearance descriptor', () => {
  it('is 64 bytes and survives base64', () => {
    const d = person([200, 30, 30], [30, 60, 200]);
    expect(d.length).toBe(DESCRIPTOR_BYTES);
    const text = encodeAppearance(d);
    expect(text.length).toBeLessThanOrEqual(256);
    expect(decodeAppearance(text)).toEqual(d);
    expect(decodeAppearance('AAAA')).toBeUndefined();
  });

  it.each<[string, Rgb, Rgb, Rgb, Rgb, 'similar' | 'different']>([
    ['same clothes', [200, 30, 30], [30, 60, 200], [200, 30, 30], [30, 60, 200], 'similar'],
    ['same clothes, darker light', [200, 30, 30], [30, 60, 200], [170, 25, 25], [25, 50, 170], 'similar'],
    ['top swapped red → green', [200, 30, 30], [30, 60, 200], [40, 160, 60], [30, 60, 200], 'different'],
    ['upper and lower swapped', [200, 30, 30], [30, 60, 200], [30, 60, 200], [200, 30, 30], 'different'],
  ])('%s', (_n, u1, l1, u2, l2, want) => {
    const s = appearanceSimilarity(person(u1, l1), person(u2, l2));
    if (want === 'similar') expect(s).toBeGreaterThan(0.9);
    else expect(s).toBeLessThan(0.7);
  });

  it('similarity is 1 for itself and 0 for nothing comparable', () => {
    const d = person([200, 30, 30], [30, 60, 200]);
    expect(appearanceSimilarity(d, d)).toBeCloseTo(1, 6);
    expect(appearanceSimilarity(d, new Uint8Array(DESCRIPTOR_BYTES))).toBe(0);
    expect(appearanceSimilarity(d, new Uint8Array(3))).toBe(0);
  });

  it.each<[string, Rgb, number]>([
    ['black is the darkest grey bin', [10, 10, 10], 0],
    ['white is the brightest grey bin', [250, 250, 250], 7],
    ['saturated red', [220, 10, 10], 9],
    ['pale red', [220, 130, 130], 8],
    ['saturated blue', [10, 40, 230], 8 + 7 * 2 + 1],
  ])('bin of %s', (_n, rgb, want) => {
    expect(appearanceBin(...rgbToHsv(...rgb))).toBe(want);
  });

  it('the accumulator averages frames in constant memory', () => {
    const img1 = paintPerson(
      solidImage(100, 240, [128, 128, 128]),
      [20, 10, 80, 230],
      [200, 30, 30],
      [30, 60, 200],
    );
    const acc = new AppearanceAccumulator();
    expect(acc.descriptor()).toBeUndefined();
    for (let k = 0; k < 50; k++) acc.add(appearanceHistogram(img1, [20, 10, 80, 230], true), 0.9);
    const avg = acc.descriptor()!;
    expect(appearanceSimilarity(avg, person([200, 30, 30], [30, 60, 200]))).toBeGreaterThan(0.99);
  });
});

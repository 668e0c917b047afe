import { describe, expect, it } from 'vitest';
import type { Colour } from '../../contracts/hit.js';
import { colourOfRegion, isMonochromeFrame, labSamples, PIXEL_COLOURS, topTwo } from './colour.js';
import { LAB_NAMING } from './lab.js';
import { paint, solidImage } from './testkit.js';

describe('colourOfRegion', () => {
  it('names a solid region with full confidence', () => {
    const r = colourOfRegion(solidImage(40, 40, [200, 30, 30]), [0, 0, 40, 40]);
    expect(r.colour).toBe('red');
    expect(r.confidence).toBeCloseTo(1, 5);
  });

  it('weights the centre: a blue box on a wide white border reads blue', () => {
    // Blue covers the central 50 % × 50 % (25 % of the pixels); the tent weights it up.
    const img = paint(solidImage(40, 40, [245, 245, 245]), [10, 10, 30, 30], [30, 60, 200]);
    expect(colourOfRegion(img, [0, 0, 40, 40]).colour).toBe('white');
    expect(colourOfRegion(img, [5, 5, 35, 35]).colour).toBe('blue');
  });

  it.each<[string, [number, number, number], boolean, Colour]>([
    ['too dark to judge', [8, 8, 10], false, 'unknown'],
    ['monochrome frame', [200, 30, 30], true, 'unknown'],
    ['bright enough', [200, 30, 30], false, 'red'],
  ])('%s → %s', (_n, rgb, monochrome, want) => {
    expect(colourOfRegion(solidImage(20, 20, rgb), [0, 0, 20, 20], { monochrome }).colour).toBe(want);
  });

  it('is unknown when no colour has a clear share', () => {
    // Four equal quadrants of different colours: 25 % each < minShare 0.3.
    const img = solidImage(40, 40, [200, 30, 30]);
    paint(img, [20, 0, 40, 20], [40, 160, 60]);
    paint(img, [0, 20, 20, 40], [30, 60, 200]);
    paint(img, [20, 20, 40, 40], [240, 220, 40]);
    const r = colourOfRegion(img, [0, 0, 40, 40]);
    expect(r.colour).toBe('unknown');
    expect(r.confidence).toBeGreaterThan(0.2);
  });

  it('clamps regions to the image and handles empty ones', () => {
    const img = solidImage(10, 10, [30, 60, 200]);
    expect(colourOfRegion(img, [-5, -5, 50, 50]).colour).toBe('blue');
    expect(colourOfRegion(img, [20, 20, 30, 30])).toMatchObject({ colour: 'unknown', confidence: 0 });
  });
});

describe('colourOfRegion: dark blue tint', () => {
  // Dark denim: each pixel alone too grey to be named blue (chroma 8.4–8.6 at L* 11–13), their
  // mean tint clearly blue; black cloth's red-purple cast (chroma 3–4) is not.
  const navy = (): ReturnType<typeof solidImage> => {
    const img = solidImage(20, 20, [30, 32, 44]);
    for (let y = 0; y < 20; y++)
      for (let x = y % 2; x < 20; x += 2) img.data.set([26, 28, 40], (y * 20 + x) * 3);
    return img;
  };

  it('names a region of dark bluish pixels blue, black the second candidate', () => {
    const r = colourOfRegion(navy(), [0, 0, 20, 20]);
    expect(r.histogram[PIXEL_COLOURS.indexOf('black')]).toBeCloseTo(1, 5);
    expect(r).toMatchObject({ colour: 'blue', second: 'black' });
  });

  it('keeps them black without the tint rule, and keeps black cloth black', () => {
    const naming = { ...LAB_NAMING, darkBlueChroma: Number.POSITIVE_INFINITY };
    expect(colourOfRegion(navy(), [0, 0, 20, 20], { naming }).colour).toBe('black');
    expect(colourOfRegion(solidImage(20, 20, [36, 32, 38]), [0, 0, 20, 20]).colour).toBe('black');
  });
});

describe('isMonochromeFrame', () => {
  it.each<[string, () => ReturnType<typeof solidImage>, boolean]>([
    ['grey frame', () => solidImage(64, 48, [90, 90, 90]), true],
    [
      'IR-like frame with noise of ±1',
      () => paint(solidImage(64, 48, [120, 121, 120]), [0, 0, 32, 48], [60, 60, 61]),
      true,
    ],
    ['colour frame', () => paint(solidImage(64, 48, [90, 90, 90]), [0, 0, 32, 48], [200, 30, 30]), false],
  ])('%s', (_n, make, want) => {
    expect(isMonochromeFrame(make())).toBe(want);
  });
});

describe('colourOfRegion: background and second candidate', () => {
  it('down-weights pixels like the given background samples', () => {
    // Green (grass) at the sides and in the middle, blue (jeans) between: green wins unweighted.
    const img = paint(solidImage(50, 20, [70, 130, 40]), [12, 0, 22, 20], [60, 80, 130]);
    paint(img, [28, 0, 38, 20], [60, 80, 130]);
    expect(colourOfRegion(img, [0, 0, 50, 20]).colour).toBe('green');
    const background = labSamples(img, [[0, 0, 5, 20]]);
    expect(colourOfRegion(img, [0, 0, 50, 20], { background }).colour).toBe('blue');
  });

  it('keeps every pixel when most of the region looks like the background', () => {
    const img = solidImage(20, 20, [40, 40, 42]);
    const background = labSamples(img, [[0, 0, 20, 20]]);
    expect(colourOfRegion(img, [0, 0, 20, 20], { background })).toMatchObject({ colour: 'black' });
  });

  it('gives a close runner-up as the second candidate', () => {
    const img = paint(solidImage(40, 40, [200, 30, 30]), [0, 0, 18, 40], [30, 60, 200]);
    const r = colourOfRegion(img, [0, 0, 40, 40]);
    expect(r.colour).toBe('red');
    expect(r.second).toBe('blue');
    expect(colourOfRegion(solidImage(10, 10, [200, 30, 30]), [0, 0, 10, 10]).second).toBeUndefined();
  });

  it('topTwo orders the two largest bins', () => {
    expect(topTwo(Float32Array.from([0.1, 0.5, 0.3, 0.1]))).toEqual([1, 2]);
    expect(topTwo(Float32Array.from([0.9]))).toEqual([0, -1]);
  });
});

import { describe, expect, it } from 'vitest';
import {
  appearanceDescriptor,
  appearanceDistance,
  appearanceSimilarity,
  COLOUR_BIN,
  DESCRIPTOR_BYTES,
  decodeDescriptor,
  descriptorOfColours,
  encodeDescriptor,
  MAX_DISTANCE,
  pixelBin,
  probeBins,
} from './appearance.js';

function crop(top: [number, number, number], bottom: [number, number, number], w = 20, h = 40): Uint8Array {
  const d = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) d.set(y < h / 2 ? top : bottom, (y * w + x) * 3);
  return d;
}

describe('pixelBin', () => {
  it.each([
    [[220, 20, 20], 'red'],
    [[240, 140, 20], 'orange'],
    [[230, 220, 30], 'yellow'],
    [[30, 180, 40], 'green'],
    [[30, 60, 220], 'blue'],
    [[150, 40, 170], 'purple'],
    [[10, 10, 10], 'black'],
    [[250, 250, 250], 'white'],
    [[90, 90, 92], 'grey'],
  ] as const)('%j is %s', (rgb, colour) => expect(pixelBin(rgb[0], rgb[1], rgb[2])).toBe(COLOUR_BIN[colour]));
});

describe('appearanceDescriptor', () => {
  it('puts the upper and lower clothing colours in their regions, each summing to 255', () => {
    const d = appearanceDescriptor(crop([220, 20, 20], [30, 60, 220]), 20, 40);
    expect(d.length).toBe(DESCRIPTOR_BYTES);
    expect(d[COLOUR_BIN.red]).toBe(255);
    expect(d[16 + COLOUR_BIN.blue]).toBe(255);
    expect(d).toEqual(descriptorOfColours('red', 'blue'));
  });
  it('round-trips through base64 and rejects other lengths', () => {
    const d = descriptorOfColours('white', 'black');
    expect(decodeDescriptor(encodeDescriptor(d))).toEqual(d);
    expect(encodeDescriptor(d)).toHaveLength(44);
    expect(decodeDescriptor('AAAA')).toBeUndefined();
  });
  it('probes the largest bins of each region', () => {
    const d = descriptorOfColours('red', 'blue');
    expect(probeBins(d, 0)).toEqual([COLOUR_BIN.red]);
    expect(probeBins(d, 1)).toEqual([COLOUR_BIN.blue]);
    const mixed = new Uint8Array(32);
    mixed.set([100, 0, 80, 70, 5]);
    expect(probeBins(mixed, 0)).toEqual([0, 2, 3]);
    expect(probeBins(mixed, 1)).toEqual([]);
  });
  it('compares by L2 distance, as the store does (0 identical, 510 for both regions apart)', () => {
    const d = descriptorOfColours('red', 'blue');
    expect(appearanceDistance(d, d)).toBe(0);
    expect(appearanceSimilarity(d, d)).toBe(1);
    expect(appearanceDistance(d, descriptorOfColours('blue', 'red'))).toBe(MAX_DISTANCE);
    expect(appearanceSimilarity(d, descriptorOfColours('blue', 'red'))).toBe(0);
    expect(appearanceDistance(d, descriptorOfColours('green', 'blue'))).toBeCloseTo(255 * Math.SQRT2, 6);
    expect(appearanceSimilarity(d, new Uint8Array(64))).toBe(0);
  });
  it('refuses a buffer smaller than the size it claims', () => {
    expect(() => appearanceDescriptor(new Uint8Array(10), 20, 40)).toThrow(RangeError);
  });
});

import { describe, expect, it } from 'vitest';
import { COLOUR_BIN, appearanceDescriptor as cropDescriptor } from '../../analytics/appearance.js';
import type { Box } from '../geometry.js';
import {
  AppearanceAccumulator,
  appearanceDescriptor,
  appearanceHistogram,
  appearanceSimilarity,
  DESCRIPTOR_BYTES,
  decodeAppearance,
  encodeAppearance,
} from './appearance.js';
import type { RgbImage } from './colour.js';
import { paintPerson, solidImage } from './testkit.js';

type Rgb = [number, number, number];
const BOX: Box = [20, 10, 80, 230];
const frame = (upper: Rgb, lower: Rgb) =>
  paintPerson(solidImage(100, 240, [128, 128, 128]), BOX, upper, lower);
const person = (upper: Rgb, lower: Rgb) => appearanceDescriptor(frame(upper, lower), BOX, true);

/** The pixels of an integer box, as its own image (what an uploaded crop would be). */
function cropOf(img: RgbImage, [x1, y1, x2, y2]: Box): Uint8Array {
  const w = x2 - x1;
  const out = new Uint8Array(w * (y2 - y1) * 3);
  for (let y = y1; y < y2; y++)
    out.set(img.data.subarray((y * img.widthPx + x1) * 3, (y * img.widthPx + x2) * 3), (y - y1) * w * 3);
  return out;
}

describe('edge appearance descriptor', () => {
  it('is the 32-byte contract descriptor and survives base64 (44 characters)', () => {
    const d = person([200, 30, 30], [30, 60, 200]);
    expect(d.length).toBe(DESCRIPTOR_BYTES);
    expect(DESCRIPTOR_BYTES).toBe(32);
    const text = encodeAppearance(d);
    expect(text).toHaveLength(44);
    expect(decodeAppearance(text)).toEqual(d);
    expect(decodeAppearance(Buffer.alloc(64, 7).toString('base64'))).toBeUndefined();
    expect(d[COLOUR_BIN.red]).toBe(255);
    expect(d[16 + COLOUR_BIN.blue]).toBeGreaterThan(240); // the waist row of the painted top falls in the lower region
  });

  it('equals the analytics descriptor of the same box cut out as a crop', () => {
    const img = frame([40, 160, 60], [20, 20, 20]);
    // Stripes so that every sampled pixel matters, not just flat colour.
    for (let y = 40; y < 230; y += 7) img.data.fill(250, (y * 100 + 20) * 3, (y * 100 + 80) * 3);
    for (const box of [BOX, [25, 30, 61, 200] as Box, [0, 0, 100, 240] as Box]) {
      const d = appearanceDescriptor(img, box, true);
      expect(d).toEqual(cropDescriptor(cropOf(img, box), box[2] - box[0], box[3] - box[1]));
    }
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

  it('similarity is 1 for itself and 0 for a descriptor of another format', () => {
    const d = person([200, 30, 30], [30, 60, 200]);
    expect(appearanceSimilarity(d, d)).toBe(1);
    expect(appearanceSimilarity(d, new Uint8Array(64))).toBe(0);
    expect(appearanceSimilarity(d, new Uint8Array(3))).toBe(0);
  });

  it('a box outside the frame has empty regions', () => {
    const d = appearanceDescriptor(frame([200, 30, 30], [30, 60, 200]), [200, 300, 260, 400], true);
    expect([...d].every((v) => v === 0)).toBe(true);
  });

  it('the accumulator averages frames by weight in constant memory', () => {
    const acc = new AppearanceAccumulator();
    expect(acc.descriptor()).toBeUndefined();
    acc.add(new Float32Array(64).fill(1), 1); // another format: ignored
    expect(acc.descriptor()).toBeUndefined();
    const red = appearanceHistogram(frame([200, 30, 30], [30, 60, 200]), BOX, true);
    const green = appearanceHistogram(frame([40, 160, 60], [30, 60, 200]), BOX, true);
    for (let k = 0; k < 30; k++) acc.add(red, 0.9);
    for (let k = 0; k < 10; k++) acc.add(green, 0.9);
    const avg = acc.descriptor()!;
    expect(avg[COLOUR_BIN.red]).toBe(191); // 255 · ¾
    expect(avg[COLOUR_BIN.green]).toBe(64); // 255 · ¼
    expect(avg[16 + COLOUR_BIN.blue]).toBe(person([200, 30, 30], [30, 60, 200])[16 + COLOUR_BIN.blue]);
  });
});

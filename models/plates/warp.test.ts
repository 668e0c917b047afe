import { describe, expect, it } from 'vitest';
import type { RgbFrame } from '../frame.js';
import { homography, quadSize, warpQuad } from './warp.js';

function gradient(w: number, h: number): RgbFrame {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set([x * 4, y * 4, 128], (y * w + x) * 3);
  return { data, width: w, height: h };
}

describe('homography', () => {
  it('maps the destination corners onto the source corners', () => {
    const src = [
      [10, 5],
      [50, 8],
      [48, 30],
      [12, 26],
    ] as const;
    const dst = [
      [0, 0],
      [99, 0],
      [99, 29],
      [0, 29],
    ] as const;
    const h = homography(dst, src);
    dst.forEach(([x, y], i) => {
      const w = h[6]! * x + h[7]! * y + h[8]!;
      expect((h[0]! * x + h[1]! * y + h[2]!) / w).toBeCloseTo(src[i]![0], 6);
      expect((h[3]! * x + h[4]! * y + h[5]!) / w).toBeCloseTo(src[i]![1], 6);
    });
  });
  it('rejects degenerate corners', () => {
    const p = [0, 0] as const;
    expect(() => homography([p, p, p, p], [p, p, p, p])).toThrow(RangeError);
  });
});

describe('warpQuad', () => {
  it('crops an axis-aligned rectangle exactly', () => {
    const f = gradient(40, 30);
    const out = warpQuad(
      f,
      [
        [10, 5],
        [19, 5],
        [19, 9],
        [10, 9],
      ],
      10,
      5,
    );
    expect(out.width).toBe(10);
    expect(Array.from(out.data.subarray(0, 3))).toEqual([40, 20, 128]);
    const last = (4 * 10 + 9) * 3;
    expect(Array.from(out.data.subarray(last, last + 3))).toEqual([76, 36, 128]);
  });
  it('measures the natural size of a quad', () => {
    expect(
      quadSize([
        [0, 0],
        [30, 0],
        [30, 10],
        [0, 10],
      ]),
    ).toEqual({ width: 30, height: 10 });
  });
});

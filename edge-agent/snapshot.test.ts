import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { RgbFrame } from '../models/frame.js';
import { encodeSnapshot, holdCrop } from './snapshot.js';

/** A 100x50 frame, black, with a red 20x10 block at (40, 20). */
function frame(): RgbFrame {
  const w = 100;
  const h = 50;
  const data = new Uint8Array(w * h * 3);
  for (let y = 20; y < 30; y++) for (let x = 40; x < 60; x++) data[(y * w + x) * 3] = 255;
  return { data, width: w, height: h };
}

describe('snapshots', () => {
  it('encodes the held crop (box with its margin) as a JPEG of the right size', async () => {
    const jpeg = await encodeSnapshot(holdCrop(frame(), [0.4, 0.4, 0.6, 0.6], 0.5), {
      quality: 90,
      maxSidePx: 480,
    });
    expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([40, 20]);
    const centre = ((10 * 40 + 20) * info.channels) as number;
    expect(data[centre]).toBeGreaterThan(200); // red block in the middle
    expect(data[0]).toBeLessThan(40); // black margin at the corner
  });

  it('scales large crops down to maxSidePx', async () => {
    const jpeg = await encodeSnapshot(holdCrop(frame(), [0, 0, 1, 1], 0), { quality: 80, maxSidePx: 50 });
    const m = await sharp(jpeg).metadata();
    expect([m.width, m.height]).toEqual([50, 25]);
  });

  it('holdCrop copies the region and re-expresses the box in it', () => {
    const c = holdCrop(frame(), [0.4, 0.4, 0.6, 0.6], 0.5);
    expect([c.frame.width, c.frame.height]).toEqual([40, 20]);
    expect(c.boxNorm.map((v) => Math.round(v * 100) / 100)).toEqual([0.25, 0.25, 0.75, 0.75]);
    expect(c.frame.data[(10 * 40 + 20) * 3]).toBe(255);
    expect(c.frame.data[0]).toBe(0);
    expect(c.cropNorm).toEqual([0.3, 0.3, 0.7, 0.7]); // 40×20 px from (30, 15) of 100×50
  });

  it('records where a crop clipped at the frame edge is, so the box still maps into it', () => {
    const c = holdCrop(frame(), [0.9, 0.0, 1.0, 0.2], 0.5); // grows past the right and top edges
    expect(c.cropNorm).toEqual([0.85, 0, 1, 0.3]);
    expect([c.frame.width, c.frame.height]).toEqual([15, 15]);
    // The frame box re-expressed through cropNorm is the held crop's own box.
    const [x1, y1, x2, y2] = c.cropNorm;
    const inCrop = [
      (0.9 - x1) / (x2 - x1),
      (0 - y1) / (y2 - y1),
      (1 - x1) / (x2 - x1),
      (0.2 - y1) / (y2 - y1),
    ];
    for (const [i, v] of inCrop.entries()) expect(v).toBeCloseTo(c.boxNorm[i]!, 6);
  });

  it('holds the person boxes that overlap the crop in its coordinates, unclipped', () => {
    const frame: RgbFrame = { data: new Uint8Array(100 * 100 * 3), width: 100, height: 100 };
    const c = holdCrop(frame, [0.4, 0.4, 0.6, 0.6], 0, [
      [0.5, 0.2, 0.7, 0.8], // overlaps, reaches above and right of the crop
      [0.0, 0.0, 0.1, 0.1], // elsewhere in the frame
    ]);
    expect(c.cropNorm).toEqual([0.4, 0.4, 0.6, 0.6]);
    expect(c.personsNorm).toHaveLength(1);
    const [p] = c.personsNorm!;
    expect(p![0]).toBeCloseTo(0.5);
    expect(p![1]).toBeCloseTo(-1);
    expect(p![2]).toBeCloseTo(1.5);
    expect(p![3]).toBeCloseTo(2);
  });
});

/** The event frame: downscaled to its bound, the box drawn in red, the zone outlined and tinted. */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { encodeEventFrame, overlaySvg } from './event-frame.js';

const W = 1280;
const H = 720;
const grey = { data: new Uint8Array(W * H * 3).fill(100), width: W, height: H };

async function pixel(jpeg: Buffer, xNorm: number, yNorm: number): Promise<number[]> {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  const x = Math.round(xNorm * (info.width - 1));
  const y = Math.round(yNorm * (info.height - 1));
  const o = (y * info.width + x) * info.channels;
  return [data[o]!, data[o + 1]!, data[o + 2]!];
}

describe('event frame', () => {
  it('scales the frame to its bound and draws the box and zone at the output size', async () => {
    const jpeg = await encodeEventFrame(
      grey,
      {
        boxNorm: [0.4, 0.4, 0.6, 0.8],
        zone: [
          [0.1, 0.1],
          [0.9, 0.1],
          [0.9, 0.9],
          [0.1, 0.9],
        ],
        isLine: false,
      },
      { quality: 90, maxSidePx: 640 },
    );
    const meta = await sharp(jpeg).metadata();
    expect([meta.width, meta.height, meta.format]).toEqual([640, 360, 'jpeg']);
    const [r, g, b] = await pixel(jpeg, 0.4, 0.6); // the box's left edge
    expect(r).toBeGreaterThan(200);
    expect(g).toBeLessThan(90);
    expect(b).toBeLessThan(90);
    const inside = await pixel(jpeg, 0.25, 0.5); // in the zone, off the box: a yellow tint over grey
    expect(inside[0]!).toBeGreaterThan(110);
    expect(inside[2]!).toBeLessThan(100);
    const outside = await pixel(jpeg, 0.03, 0.5); // outside the zone: the frame untouched
    for (const c of outside) expect(Math.abs(c - 100)).toBeLessThan(6);
  });

  it('keeps a small frame at its size and draws a line open', () => {
    const svg = overlaySvg(
      {
        boxNorm: [0, 0, 0.5, 0.5],
        zone: [
          [0, 0.5],
          [1, 0.5],
        ],
        isLine: true,
      },
      320,
      240,
    );
    expect(svg).toContain('<polyline points="0.0,120.0 320.0,120.0"');
    expect(svg).not.toContain('<polygon');
    expect(svg).toContain('<rect x="0.0" y="0.0" width="160.0" height="120.0"');
  });
});

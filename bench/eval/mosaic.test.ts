import { describe, expect, it } from 'vitest';
import { composeMosaic, mosaicGroups, mosaicLabel } from './mosaic.js';
import type { TrackSequence } from './track-eval.js';

describe('mosaicGroups', () => {
  it('puts frames far apart in time into one mosaic and leaves out the remainder', () => {
    expect(mosaicGroups(9, 2)).toEqual([
      [0, 2, 4, 6],
      [1, 3, 5, 7],
    ]);
    expect(mosaicGroups(3, 2)).toEqual([]);
  });
});

describe('mosaicLabel', () => {
  it('scales each frame’s boxes and ignore regions into its cell', () => {
    const seq: TrackSequence = {
      media: 'video/x.mp4',
      startSec: 0,
      durSec: 4,
      cls: 'person',
      ignoreRegions: [[0, 0, 768, 48]],
      frames: [
        { tSec: 0, boxes: [[1, 0, 0, 96, 192]] },
        { tSec: 1, boxes: [] },
        { tSec: 2, boxes: [[2, 384, 288, 480, 576]], ignore: [[10, 10, 20, 20]] },
        { tSec: 3, boxes: [] },
      ],
    };
    const l = mosaicLabel(seq, [0, 1, 2, 3], 2, [768, 576], [640, 480]);
    expect(l.tSecs).toEqual([0, 1, 2, 3]);
    // ×5/12: frame 0 in the top-left cell, frame 2 in the bottom-left one (y + 240)
    expect(l.boxes).toEqual([
      { cls: 'person', box: [0, 0, 40, 80] },
      { cls: 'person', box: [160, 360, 200, 480] },
    ]);
    expect(l.ignoreRegions).toHaveLength(5);
    expect(l.ignoreRegions[1]).toEqual([320, 0, 640, 20]);
  });
});

describe('composeMosaic', () => {
  it('shrinks each frame into its cell', async () => {
    const solid = (v: number) => ({ data: new Uint8Array(80 * 60 * 3).fill(v), width: 80, height: 60 });
    const m = await composeMosaic([solid(10), solid(50), solid(90), solid(200)], 2, [40, 30]);
    expect([m.width, m.height]).toEqual([40, 30]);
    const at = (x: number, y: number) => m.data[(y * 40 + x) * 3]!;
    expect([at(5, 5), at(30, 5), at(5, 20), at(30, 20)]).toEqual([10, 50, 90, 200]);
  });
});

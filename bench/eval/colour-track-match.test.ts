import { describe, expect, it } from 'vitest';
import { boxAt, identityOf, identityPaths } from './colour-track-match.js';
import type { TrackSequence } from './track-eval.js';

// Two identities: 1 moves 10 px right per 0.8 s; 2 sits still and is seen once.
const seq: TrackSequence = {
  media: 'video/x.avi',
  startSec: 0.04,
  durSec: 2,
  cls: 'vehicle',
  frames: [
    { tSec: 1.64, boxes: [[1, 10, 0, 30, 20]] },
    {
      tSec: 0.84,
      boxes: [
        [1, 0, 0, 20, 20],
        [2, 100, 100, 120, 120],
      ],
    },
  ],
};

describe('colour labels to identities', () => {
  it('orders each identity by time and interpolates its box between labelled frames', () => {
    const paths = identityPaths(seq);
    expect(paths.get(1)!.map((p) => p.tSec)).toEqual([0.84, 1.64]);
    const at = boxAt(paths.get(1)!, 1.24, 0.4)!;
    expect([...at].map((v) => Math.round(v * 10) / 10)).toEqual([5, 0, 25, 20]);
  });

  it('keeps the end box up to edgeSec outside the span, nothing beyond', () => {
    const path = identityPaths(seq).get(2)!;
    expect(boxAt(path, 1.1, 0.4)).toEqual([100, 100, 120, 120]);
    expect(boxAt(path, 1.3, 0.4)).toBeUndefined();
  });

  it('gives a label the identity overlapping it best, or none under the IoU floor', () => {
    const paths = identityPaths(seq);
    expect(identityOf(paths, 1.64, [11, 0, 31, 20])).toBe(1);
    expect(identityOf(paths, 0.84, [101, 99, 121, 119])).toBe(2);
    expect(identityOf(paths, 0.84, [50, 50, 70, 70])).toBeUndefined();
    // Identity 1 at 1.64 is at x 10..30: a box at x 25..45 overlaps it by 5/35 < 0.3.
    expect(identityOf(paths, 1.64, [25, 0, 45, 20])).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { Detections } from '../../models/detections.js';
import { AppearanceMemory, histogramDistance } from './appearance-cost.js';
import { ByteTracker } from './tracker.js';

/** A 2 × 16 histogram with all of each region in one bin (upper, lower). */
function hist(upperBin: number, lowerBin: number): Float32Array {
  const h = new Float32Array(32);
  h[upperBin] = 1;
  h[16 + lowerBin] = 1;
  return h;
}
const RED_BLUE = hist(0, 8);
const GREEN_BLACK = hist(4, 12);

type B = [number, number, number, number];
const one = (box: B) => Detections.fromRows([{ box, score: 0.9, classId: 0 }]);
const idOf = (t: ByteTracker, box: B, ms: number, h?: Float32Array): number | undefined =>
  t.update(one(box), ms, h ? [h] : undefined).detections.trackId?.[0];

describe('histogramDistance', () => {
  it('is 0 for the same histogram, 1 for disjoint ones, the mean over regions in between', () => {
    expect(histogramDistance(RED_BLUE, RED_BLUE)).toBe(0);
    expect(histogramDistance(RED_BLUE, GREEN_BLACK)).toBe(1);
    expect(histogramDistance(RED_BLUE, hist(0, 12))).toBeCloseTo(0.5, 6);
  });

  it('skips an empty region and is undefined without a shared one', () => {
    const upperOnly = new Float32Array(32);
    upperOnly[0] = 1;
    expect(histogramDistance(upperOnly, RED_BLUE)).toBe(0);
    expect(histogramDistance(upperOnly, new Float32Array(32))).toBeUndefined();
    expect(histogramDistance(undefined, RED_BLUE)).toBeUndefined();
  });

  it('the memory averages: one odd frame moves it only a little', () => {
    const m = new AppearanceMemory(0.9);
    for (let i = 0; i < 10; i++) m.add(RED_BLUE);
    m.add(GREEN_BLACK);
    expect(histogramDistance(m.feature, RED_BLUE)).toBeCloseTo(0.1, 5);
  });
});

describe('ByteTracker with appearance', () => {
  // One person stands at the box for 10 frames, leaves; the next (other clothes) steps into
  // the same place the next frame.
  const box: B = [100, 100, 140, 180];
  const handover = (withAppearance: boolean) => {
    const t = new ByteTracker({ minHits: 1 });
    const ids: Array<number | undefined> = [];
    for (let f = 0; f < 20; f++)
      ids.push(idOf(t, box, f * 200, withAppearance ? (f < 10 ? RED_BLUE : GREEN_BLACK) : undefined));
    return ids;
  };

  it('without appearance the track carries over to the next person (IoU only)', () => {
    expect(new Set(handover(false)).size).toBe(1);
  });

  it('with appearance the next person gets a new track', () => {
    const ids = handover(true);
    expect(ids[9]).toBe(ids[0]);
    expect(ids[10]).not.toBe(ids[9]);
    expect(new Set(ids.slice(10)).size).toBe(1);
  });

  it('a lost track is re-linked by appearance to a box away from its prediction', () => {
    const run = (h?: Float32Array) => {
      const t = new ByteTracker({ minHits: 1 });
      const first = idOf(t, [100, 100, 140, 180], 0, h);
      for (let f = 1; f < 6; f++) idOf(t, [100, 100, 140, 180], f * 200, h);
      // Occluded 4 frames, then seen 60 px to the right (no overlap with the prediction).
      const after = idOf(t, [160, 100, 200, 180], 2000, h);
      return { first, after };
    };
    const a = run(RED_BLUE);
    expect(a.after).toBe(a.first);
    const b = run();
    expect(b.after).not.toBe(b.first);
  });

  it('does not re-link a lost track to a box of another appearance', () => {
    const t = new ByteTracker({ minHits: 1 });
    const first = idOf(t, [100, 100, 140, 180], 0, RED_BLUE);
    for (let f = 1; f < 6; f++) idOf(t, [100, 100, 140, 180], f * 200, RED_BLUE);
    expect(idOf(t, [160, 100, 200, 180], 2000, GREEN_BLACK)).not.toBe(first);
  });
});

import { describe, expect, it } from 'vitest';
import type { Box } from '../geometry.js';
import { shotQuality, type TrackObservation, TrackProfiles } from './track-profile.js';

const obs = (over: Partial<TrackObservation> & { trackId: number; tsMs: number }): TrackObservation => ({
  classId: 2,
  label: 'car',
  score: 0.8,
  boxNorm: [0.4, 0.4, 0.5, 0.5],
  ...over,
});

describe('shotQuality', () => {
  it.each<[string, Box, number, Box, number, 'first' | 'second']>([
    ['larger wins at equal score', [0.1, 0.1, 0.3, 0.3], 0.8, [0.1, 0.1, 0.2, 0.2], 0.8, 'first'],
    ['more confident wins at equal size', [0.1, 0.1, 0.2, 0.2], 0.5, [0.3, 0.3, 0.4, 0.4], 0.9, 'second'],
    ['a box cut by the frame border loses', [0, 0.1, 0.3, 0.4], 0.9, [0.3, 0.3, 0.55, 0.55], 0.9, 'second'],
  ])('%s', (_n, b1, s1, b2, s2, want) => {
    const q1 = shotQuality(b1, s1);
    const q2 = shotQuality(b2, s2);
    expect(want === 'first' ? q1 > q2 : q2 > q1).toBe(true);
  });
});

describe('TrackProfiles', () => {
  it('votes attributes, picks the best shot, and summarises on end', () => {
    const p = new TrackProfiles({ maxTrackMs: 60_000 });
    const newBest: boolean[] = [];
    for (let f = 0; f < 10; f++) {
      const grow = 0.01 * f;
      const r = p.observe(
        obs({
          trackId: 7,
          tsMs: 1000 + f * 100,
          boxNorm: [0.4, 0.2 + 0.05 * f, 0.5 + grow, 0.3 + 0.05 * f + grow],
          colour: { colour: f === 3 ? 'grey' : 'white', confidence: 0.7 },
          ...(f % 3 === 0 ? { plate: { text: f === 3 ? '浙H12845' : '浙H12345', score: 0.9 } } : {}),
          appearance: new Float32Array(32).fill(1 / 16),
        }),
      );
      newBest.push(r.newBest);
    }
    expect(newBest.every(Boolean)).toBe(true); // the box grows every frame
    const s = p.end(7)!;
    expect(s).toMatchObject({
      trackId: 7,
      label: 'car',
      classId: 2,
      firstSeenMs: 1000,
      lastSeenMs: 1900,
      frames: 10,
      direction: 'southbound',
      partial: false,
    });
    expect(s.colour).toMatchObject({ value: 'white', count: 10 });
    expect(s.colour?.confidence).toBeCloseTo(0.9, 6);
    expect(s.colour2).toBeUndefined(); // grey once in ten frames is not close
    expect(s.plate).toMatchObject({ text: '浙H12345', support: 4 });
    expect(s.best.tsMs).toBe(1900);
    expect(s.appearance).toEqual(new Uint8Array(32).fill(16)); // 255 / 16, the 32-byte contract descriptor
    expect(p.size).toBe(0);
    expect(p.end(7)).toBeUndefined();
  });

  it('votes the class over flips (car with a one-frame truck)', () => {
    const p = new TrackProfiles({ maxTrackMs: 60_000 });
    for (let f = 0; f < 5; f++)
      p.observe(obs({ trackId: 1, tsMs: f * 100, ...(f === 2 ? { label: 'truck', classId: 7 } : {}) }));
    expect(p.end(1)).toMatchObject({ label: 'car', classId: 2 });
  });

  it('keeps the first best shot when later ones are worse', () => {
    const p = new TrackProfiles({ maxTrackMs: 60_000 });
    expect(p.observe(obs({ trackId: 1, tsMs: 0, score: 0.9 })).newBest).toBe(true);
    expect(p.observe(obs({ trackId: 1, tsMs: 100, score: 0.5 })).newBest).toBe(false);
    expect(p.end(1)?.best).toMatchObject({ tsMs: 0, score: 0.9 });
  });

  it('emits a long track once at maxTrackMs, not again at its end, and keeps only a tombstone', () => {
    const p = new TrackProfiles({ maxTrackMs: 1000 });
    const due: number[] = [];
    for (let f = 0; f < 30; f++) {
      p.observe(obs({ trackId: 3, tsMs: f * 100 }));
      for (const s of p.due(f * 100)) {
        due.push(f);
        expect(s.partial).toBe(true);
        expect(s.lastSeenMs - s.firstSeenMs).toBe(1000);
      }
    }
    expect(due).toEqual([10]);
    expect(p.size).toBe(1); // the tombstone
    expect(p.end(3)).toBeUndefined();
    expect(p.size).toBe(0);
  });

  it('evicts stale profiles and tombstones (missed ended events)', () => {
    const p = new TrackProfiles({ maxTrackMs: 500 });
    p.observe(obs({ trackId: 1, tsMs: 0 }));
    p.observe(obs({ trackId: 2, tsMs: 0 }));
    p.due(600); // 1 and 2 become tombstones
    p.observe(obs({ trackId: 3, tsMs: 600 }));
    expect(p.size).toBe(3);
    const flushed = p.evictStale(100_000, 10_000);
    expect(flushed.map((s) => s.trackId)).toEqual([3]);
    expect(p.size).toBe(0);
  });

  it('bounds per-track memory: plate reads and votes stay small over a long track', () => {
    const p = new TrackProfiles({ maxTrackMs: 10_000_000, maxPlateReads: 5 });
    for (let f = 0; f < 5000; f++) {
      p.observe(
        obs({
          trackId: 1,
          tsMs: f * 100,
          plate: { text: `浙H${10000 + (f % 50)}`, score: (f % 10) / 10 },
          colour: { colour: f % 2 ? 'white' : 'grey', confidence: 0.5 },
        }),
      );
    }
    const s = p.end(1)!;
    expect(s.plate?.total).toBe(5);
    expect(s.frames).toBe(5000);
  });

  it('carries a close second clothing colour over the track (faded denim: grey or blue)', () => {
    const p = new TrackProfiles({ maxTrackMs: 60_000 });
    for (let f = 0; f < 6; f++) {
      p.observe(
        obs({
          trackId: 3,
          tsMs: 1000 + f * 200,
          classId: 0,
          label: 'person',
          upper: { colour: 'black', confidence: 0.8 },
          lower:
            f % 3 === 0
              ? { colour: 'blue', confidence: 0.5, second: 'grey' }
              : { colour: 'grey', confidence: 0.5, second: 'blue' },
        }),
      );
    }
    const s = p.end(3)!;
    expect(s.lower?.value).toBe('grey');
    expect(s.lower2).toBe('blue');
    expect(s.upper?.value).toBe('black');
    expect(s.upper2).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { type MotFrame, motMetrics } from './mot.js';

/** A 10×10 box at x (IoU of boxes 1 apart: 9/11 ≈ 0.82; 6 apart: 4/16 = 0.25). */
const at = (x: number, y = 0): number[] => [x, y, x + 10, y + 10];
const f = (gt: Array<[number, number[]]>, hyp: Array<[number, number[]]>): MotFrame => ({
  gt: gt.map(([id, box]) => ({ id, box })),
  hyp: hyp.map(([id, box]) => ({ id, box })),
});

describe('motMetrics (CLEAR MOT, identity measures)', () => {
  it('perfect tracking of two objects: MOTA 1, IDF1 1, no switches', () => {
    const frames = [0, 1, 2].map((t) =>
      f(
        [
          [1, at(t)],
          [2, at(t, 50)],
        ],
        [
          [7, at(t)],
          [8, at(t, 50)],
        ],
      ),
    );
    const r = motMetrics(frames);
    expect(r).toMatchObject({ objects: 6, matches: 6, misses: 0, falsePositives: 0, idSwitches: 0 });
    expect(r.mota).toBe(1);
    expect(r.idf1).toBe(1);
  });

  it('one object whose track id changes halfway: 1 switch, MOTA 3/4, IDF1 1/2', () => {
    const frames = [0, 1, 2, 3].map((t) => f([[1, at(t)]], [[t < 2 ? 7 : 8, at(t)]]));
    const r = motMetrics(frames);
    expect(r.idSwitches).toBe(1);
    expect(r.mota).toBeCloseTo(0.75, 10);
    // Best one-to-one: object 1 ↔ track 7 (2 frames): IDTP 2, IDF1 = 2·2 / (4 + 4).
    expect(r.idtp).toBe(2);
    expect(r.idf1).toBeCloseTo(0.5, 10);
    expect(r.idfp).toBe(2);
    expect(r.idfn).toBe(2);
  });

  it('two tracks swapping objects at a crossing: 2 switches, MOTA 3/4, IDF1 1/2', () => {
    const frames = [0, 1, 2, 3].map((t) =>
      f(
        [
          [1, at(t)],
          [2, at(t, 50)],
        ],
        [
          [7, t < 2 ? at(t) : at(t, 50)],
          [8, t < 2 ? at(t, 50) : at(t)],
        ],
      ),
    );
    const r = motMetrics(frames);
    expect(r.idSwitches).toBe(2);
    expect(r.mota).toBeCloseTo(1 - 2 / 8, 10);
    expect(r.idtp).toBe(4);
    expect(r.idf1).toBeCloseTo(0.5, 10);
  });

  it('a box off its object is a miss and a false positive (IoU 0.25 < 0.5)', () => {
    const r = motMetrics([f([[1, at(0)]], [[7, at(0)]]), f([[1, at(1)]], [[7, at(7)]])]);
    expect(r).toMatchObject({ matches: 1, misses: 1, falsePositives: 1, idSwitches: 0 });
    expect(r.mota).toBe(0);
    expect(r.idf1).toBeCloseTo(0.5, 10);
  });

  it('keeps a still-valid correspondence over a better-overlapping newcomer (no switch)', () => {
    // Frame 1: track 7 overlaps object 1 at IoU 0.67 (2 apart), track 8 at 1.0; CLEAR keeps 7.
    const r = motMetrics([
      f([[1, at(0)]], [[7, at(0)]]),
      f(
        [[1, at(2)]],
        [
          [7, at(0)],
          [8, at(2)],
        ],
      ),
    ]);
    expect(r.idSwitches).toBe(0);
    expect(r.falsePositives).toBe(1);
    expect(r.mota).toBeCloseTo(1 - 1 / 2, 10);
    expect(r.motp).toBeCloseTo((1 + 8 / 12) / 2, 10);
  });

  it('counts a switch against the last match even after a gap', () => {
    const r = motMetrics([f([[1, at(0)]], [[7, at(0)]]), f([[1, at(1)]], []), f([[1, at(2)]], [[8, at(2)]])]);
    expect(r).toMatchObject({ matches: 2, misses: 1, falsePositives: 0, idSwitches: 1 });
    expect(r.mota).toBeCloseTo(1 - 2 / 3, 10);
    // IDTP 1 (object 1 ↔ either track): 2·1 / (3 + 2).
    expect(r.idf1).toBeCloseTo(0.4, 10);
  });

  it('prefers more matches to lower cost in a frame', () => {
    // Object 1 at 0, object 2 at 4; track 7 at 2 overlaps both (IoU 0.67), track 8 at 5 only object 2.
    const r = motMetrics([
      f(
        [
          [1, at(0)],
          [2, at(4)],
        ],
        [
          [7, at(2)],
          [8, at(5)],
        ],
      ),
    ]);
    expect(r.matches).toBe(2);
  });

  it('empty input gives zeros, not NaN', () => {
    const r = motMetrics([]);
    expect(r.mota).toBe(0);
    expect(r.idf1).toBe(0);
    expect(Number.isNaN(r.motp)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import {
  kalmanBox,
  kalmanInit,
  kalmanPredict,
  kalmanUpdate,
  REF_FRAME_MS,
  xyahToXyxy,
  xyxyToXyah,
} from './kalman.js';

describe('xyah conversion', () => {
  it.each<[[number, number, number, number]]>([[[10, 20, 50, 100]], [[0, 0, 1, 1]], [[0.25, 0.5, 0.3, 0.9]]])(
    'round-trips %j',
    (box) => {
      const z = xyxyToXyah(...box);
      const back = xyahToXyxy(...z);
      for (const [k, v] of back.entries()) expect(v).toBeCloseTo(box[k]!, 9);
    },
  );
});

describe('constant-velocity Kalman', () => {
  it('learns a constant velocity and predicts ahead', () => {
    let s = kalmanInit(xyxyToXyah(0, 0, 10, 20));
    for (let f = 1; f <= 30; f++) {
      s = kalmanPredict(s, REF_FRAME_MS);
      s = kalmanUpdate(s, xyxyToXyah(2 * f, 0, 2 * f + 10, 20));
    }
    expect(s.mean[4]).toBeCloseTo(2, 1); // vcx per reference frame
    const ahead = kalmanPredict(s, 5 * REF_FRAME_MS);
    expect(kalmanBox(ahead)[0]).toBeCloseTo(70, 0);
  });

  it('predicts in real time: one 5-fps step equals six 30-fps steps in the mean', () => {
    let s = kalmanInit(xyxyToXyah(0, 0, 10, 20));
    for (let f = 1; f <= 20; f++) {
      s = kalmanPredict(s, REF_FRAME_MS);
      s = kalmanUpdate(s, xyxyToXyah(f, 0, f + 10, 20));
    }
    const big = kalmanPredict(s, 6 * REF_FRAME_MS);
    let small = s;
    for (let k = 0; k < 6; k++) small = kalmanPredict(small, REF_FRAME_MS);
    for (let k = 0; k < 8; k++) expect(big.mean[k]).toBeCloseTo(small.mean[k]!, 9);
    // Uncertainty grows with the gap.
    expect(big.cov[0]!).toBeGreaterThan(kalmanPredict(s, REF_FRAME_MS).cov[0]!);
  });

  it('is not mutated by predict or update', () => {
    const s = kalmanInit([5, 5, 0.5, 10]);
    const before = Array.from(s.mean);
    kalmanUpdate(kalmanPredict(s, 100), [6, 6, 0.5, 10]);
    expect(Array.from(s.mean)).toEqual(before);
  });

  it('smooths jitter: the estimate varies less than the measurements', () => {
    let s = kalmanInit([100, 100, 0.5, 50]);
    const est: number[] = [];
    for (let f = 0; f < 60; f++) {
      const noise = f % 2 === 0 ? 3 : -3;
      s = kalmanUpdate(kalmanPredict(s, REF_FRAME_MS), [100 + noise, 100, 0.5, 50]);
      if (f > 20) est.push(s.mean[0]!);
    }
    const spread = Math.max(...est) - Math.min(...est);
    expect(spread).toBeLessThan(6);
  });

  it('treats a negative dt as zero', () => {
    const s = kalmanInit([5, 5, 0.5, 10]);
    expect(Array.from(kalmanPredict(s, -50).mean)).toEqual(Array.from(s.mean));
  });
});

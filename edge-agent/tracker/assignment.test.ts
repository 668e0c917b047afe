import { describe, expect, it } from 'vitest';
import { assign, assignGreedy } from './assignment.js';

function totalCost(cost: number[], cols: number, matches: Array<[number, number]>): number {
  return matches.reduce((s, [i, j]) => s + cost[i * cols + j]!, 0);
}

/** Brute force over all partial matchings with pairs ≤ limit, scored like the extended problem. */
function bruteBest(cost: number[], rows: number, cols: number, limit: number): number {
  // Objective of the extended problem: Σ matched cost + (unmatched rows + unmatched cols) · limit/2.
  let best = Number.POSITIVE_INFINITY;
  const usedCols = new Array<boolean>(cols).fill(false);
  const rec = (i: number, acc: number, matched: number): void => {
    if (i === rows) {
      const unmatched = rows - matched + (cols - matched);
      best = Math.min(best, acc + (unmatched * limit) / 2);
      return;
    }
    rec(i + 1, acc, matched);
    for (let j = 0; j < cols; j++) {
      const c = cost[i * cols + j]!;
      if (usedCols[j] || !(c <= limit)) continue;
      usedCols[j] = true;
      rec(i + 1, acc + c, matched + 1);
      usedCols[j] = false;
    }
  };
  rec(0, 0, 0);
  return best;
}

describe('assign (Hungarian with cost limit)', () => {
  it.each<[string, number[], number, number, number, Array<[number, number]>]>([
    [
      'identity 2x2',
      [0.1, 0.9, 0.9, 0.1],
      2,
      2,
      0.8,
      [
        [0, 0],
        [1, 1],
      ],
    ],
    [
      'swap 2x2',
      [0.9, 0.1, 0.1, 0.9],
      2,
      2,
      0.8,
      [
        [0, 1],
        [1, 0],
      ],
    ],
    // Greedy takes (0,0)=0.1 and is left with (1,1)=0.7; optimal is 0.2+0.2.
    [
      'greedy trap',
      [0.1, 0.2, 0.2, 0.7],
      2,
      2,
      0.8,
      [
        [0, 1],
        [1, 0],
      ],
    ],
    ['over the limit stays unmatched', [0.95, 0.99], 1, 2, 0.8, []],
    ['more rows than cols', [0.5, 0.1, 0.3], 3, 1, 0.8, [[1, 0]]],
    ['more cols than rows', [0.5, 0.1, 0.3], 1, 3, 0.8, [[0, 1]]],
    ['empty', [], 0, 3, 0.8, []],
    ['NaN and Infinity are forbidden', [Number.NaN, Number.POSITIVE_INFINITY, 0.3, 0.4], 2, 2, 0.8, [[1, 0]]],
  ])('%s', (_n, cost, rows, cols, limit, want) => {
    const r = assign(cost, rows, cols, limit);
    expect(r.matches.sort((a, b) => a[0] - b[0])).toEqual(want);
    expect(r.unmatchedRows.length + r.matches.length).toBe(rows);
    expect(r.unmatchedCols.length + r.matches.length).toBe(cols);
  });

  it('is optimal against brute force on random matrices', () => {
    let seed = 42;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let t = 0; t < 200; t++) {
      const rows = 1 + Math.floor(rnd() * 5);
      const cols = 1 + Math.floor(rnd() * 5);
      const cost = Array.from({ length: rows * cols }, () => rnd());
      const limit = 0.7;
      const r = assign(cost, rows, cols, limit);
      const unmatched = r.unmatchedRows.length + r.unmatchedCols.length;
      const got = totalCost(cost, cols, r.matches) + (unmatched * limit) / 2;
      expect(got).toBeCloseTo(bruteBest(cost, rows, cols, limit), 9);
      for (const [i, j] of r.matches) expect(cost[i * cols + j]!).toBeLessThanOrEqual(limit);
    }
  });

  it('solves independent groups separately and optimally (two greedy traps, 40 × 40 crowd)', () => {
    const n = 40;
    const cost = new Array<number>(n * n).fill(Number.POSITIVE_INFINITY);
    // Pairs of rows/cols (2k, 2k+1) form 2×2 greedy traps; everything else is infeasible.
    for (let k = 0; k < n; k += 2) {
      cost[k * n + k] = 0.1;
      cost[k * n + k + 1] = 0.2;
      cost[(k + 1) * n + k] = 0.2;
      cost[(k + 1) * n + k + 1] = 0.7;
    }
    const r = assign(cost, n, n, 0.8);
    expect(r.matches).toHaveLength(n);
    expect(totalCost(cost, n, r.matches)).toBeCloseTo(0.4 * (n / 2), 9);
  });

  it('rejects a cost array of the wrong size', () => {
    expect(() => assign([0.1, 0.2], 2, 2, 0.8)).toThrow(RangeError);
  });
});

describe('assignGreedy', () => {
  it('takes the cheapest pair first', () => {
    const r = assignGreedy([0.1, 0.2, 0.2, 0.7], 2, 2, 0.8);
    expect(r.matches).toEqual([
      [0, 0],
      [1, 1],
    ]);
  });
  it('respects the limit', () => {
    const r = assignGreedy([0.9, 0.85], 1, 2, 0.8);
    expect(r.matches).toEqual([]);
    expect(r.unmatchedCols).toEqual([0, 1]);
  });
});

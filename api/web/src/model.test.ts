import { describe, expect, it } from 'vitest';
import { ancestors, bucketTimes, columnOf, indexOrgs, listOf, orgTree, statRows, sumByKey } from './model.js';

describe('orgTree', () => {
  const flat = [
    { id: 'gs', name: '拱墅区', kind: 'county' as const, path: ['hz', 'gs'] },
    { id: 'hz', name: '杭州市', kind: 'city' as const, path: ['hz'] },
    { id: 'g1', name: '一网格', kind: 'grid' as const, path: ['hz', 'gs', 'g1'] },
    { id: 'xh', name: '西湖区', kind: 'county' as const, path: ['hz', 'xh'] },
  ];
  it('builds the tree from the flat /orgs list in any order', () => {
    const roots = orgTree(flat);
    expect(roots.map((r) => r.id)).toEqual(['hz']);
    expect(roots[0]!.children.map((c) => c.id).sort()).toEqual(['gs', 'xh']);
    const idx = indexOrgs(roots);
    expect(ancestors(idx, 'g1')).toEqual(['g1', 'gs', 'hz']);
  });
  it('keeps a subtree rooted at the principal when its parents are not listed', () => {
    const roots = orgTree(flat.filter((o) => o.id !== 'hz'));
    expect(roots.map((r) => r.id).sort()).toEqual(['gs', 'xh']);
  });
  it('passes a nested tree through', () => {
    const tree = [{ id: 'a', name: 'A', kind: 'city' as const, children: [] }];
    expect(orgTree(tree)).toBe(tree);
  });
});

describe('answers', () => {
  it('listOf finds the array or says what it expected', () => {
    expect(listOf([1], 'x')).toEqual([1]);
    expect(listOf({ cases: [2] }, 'items', 'cases')).toEqual([2]);
    expect(() => listOf({ nope: 1 }, 'cases')).toThrow(/cases/);
  });
  it('statRows reads {tMs, key, n} and sums per key', () => {
    const rows = statRows(
      {
        rows: [
          { tMs: 1, key: 'a', n: 2 },
          { tMs: 2, key: 'a', n: 3 },
          { tMs: 2, key: 'b', n: 1 },
        ],
      },
      'camera',
    );
    expect(sumByKey(rows)).toEqual([
      { key: 'a', count: 5 },
      { key: 'b', count: 1 },
    ]);
  });
  it('bucketTimes spans the range asked for, on the observed buckets’ grid', () => {
    const H = 3_600_000;
    // One busy hour in a 24-hour range: every hour of the range, not a one-point chart.
    const t = bucketTimes([100 * H], H, { fromMs: 77 * H + 1234, toMs: 101 * H + 5 });
    expect(t[0]).toBe(77 * H);
    expect(t.at(-1)).toBe(101 * H);
    expect(t).toHaveLength(25);
    // A grid offset from the span (day buckets at local midnight, UTC+8).
    const D = 86_400_000;
    const off = -8 * H;
    expect(bucketTimes([3 * D + off], D, { fromMs: D, toMs: 4 * D })).toEqual(
      [1, 2, 3, 4].map((k) => k * D + off),
    );
  });

  it('bucketTimes fills empty buckets between observed ones', () => {
    expect(bucketTimes([0, 3 * 3_600_000], 3_600_000)).toEqual([0, 3_600_000, 7_200_000, 10_800_000]);
    expect(bucketTimes([], 1)).toEqual([]);
  });
  it.each([
    ['open', 'open'],
    ['escalated', 'escalated'],
    ['accepted', 'accepted'],
    ['resolved', 'resolved'],
    ['closed_false_positive', 'resolved'],
  ])('task status %s goes in column %s', (status, col) => {
    expect(columnOf(status)).toBe(col);
  });
});

import { describe, expect, it } from 'vitest';
import { Detections } from '../models/detections.js';
import { holdSmall, mergeViews, tileViews } from './tiling.js';

describe('tileViews', () => {
  it('is the whole frame alone below a 2×2 grid', () => {
    expect(tileViews(640, 480, 0)).toEqual([[0, 0, 640, 480]]);
    expect(tileViews(640, 480, 1)).toEqual([[0, 0, 640, 480]]);
  });

  it('covers the frame with n×n tiles overlapping by a fifth of a tile', () => {
    const v = tileViews(640, 480, 2);
    expect(v).toHaveLength(5);
    // tile = 640 / (2 − 0.2) = 356 wide, 480 / 1.8 = 267 high; the last tile ends at the frame edge
    expect(v[1]).toEqual([0, 0, 356, 267]);
    expect(v[4]).toEqual([284, 213, 640, 480]);
    expect(356 - 284).toBeCloseTo(0.2 * 356, -1);
    expect(tileViews(640, 480, 3)).toHaveLength(10);
  });
});

describe('mergeViews', () => {
  const W = 640;
  const H = 480;
  const rows = (r: Array<[number[], number, number]>) =>
    Detections.fromRows(r.map(([box, score, classId]) => ({ box, score, classId })));

  it('maps tile boxes into the frame and keeps one of a class per object (the best score)', () => {
    const whole = rows([[[300, 100, 320, 140], 0.4, 0]]);
    // The same person in tile 1 (at 284, 0), 0.8; a small one only the tile sees; a car there too.
    const tile = rows([
      [[17, 101, 37, 141], 0.8, 0],
      [[100, 200, 106, 215], 0.6, 0],
      [[16, 100, 38, 142], 0.7, 2],
    ]);
    const d = mergeViews(
      [
        { detections: whole, view: [0, 0, W, H] },
        { detections: tile, view: [284, 0, 640, 267] },
      ],
      W,
      H,
    );
    expect(d.length).toBe(3);
    expect(Array.from(d.score)).toEqual([0.800000011920929, 0.699999988079071, 0.6000000238418579]);
    expect(d.box(0)).toEqual([301, 101, 321, 141]);
    expect(d.box(2)).toEqual([384, 200, 390, 215]);
    expect(Array.from(d.classId)).toEqual([0, 2, 0]);
  });

  it('drops tile boxes cut by an inner tile edge and boxes inside a kept one', () => {
    const tile = rows([
      [[2, 50, 40, 120], 0.9, 0], // touches the tile's left edge at x = 284, inside the frame
      [[100, 100, 200, 260], 0.9, 0], // touches the bottom edge at y = 267, inside the frame
    ]);
    const whole = rows([
      [[400, 300, 460, 420], 0.9, 0],
      [[405, 305, 440, 400], 0.5, 0], // inside the first: a part of the same person
    ]);
    const d = mergeViews(
      [
        { detections: whole, view: [0, 0, W, H] },
        { detections: tile, view: [284, 0, 640, 267] },
      ],
      W,
      H,
    );
    expect(d.length).toBe(1);
    expect(d.box(0)).toEqual([400, 300, 460, 420]);
  });

  it('with splitGroups, drops a whole-frame group box the tiles split into people side by side', () => {
    // The whole frame boxes two distant people as one (0.6); a tile at (284, 0) sees each (0.5, 0.45).
    const whole = rows([[[400, 100, 426, 144], 0.6, 0]]);
    const tile = rows([
      [[117, 101, 129, 143], 0.5, 0],
      [[129, 102, 141, 144], 0.45, 0],
    ]);
    const parts = [
      { detections: whole, view: [0, 0, W, H] as [number, number, number, number] },
      { detections: tile, view: [284, 0, 640, 267] as [number, number, number, number] },
    ];
    const merged = mergeViews(parts, W, H);
    expect(merged.length).toBe(1); // the people are inside the group box: dropped by default
    const split = mergeViews(parts, W, H, true);
    expect(split.length).toBe(2);
    expect(split.box(0)).toEqual([401, 101, 413, 143]);
    expect(split.box(1)).toEqual([413, 102, 425, 144]);
  });

  it('with splitGroups, keeps a whole-frame box whose tile boxes are parts of one person', () => {
    // Head-and-shoulders and legs inside one person: under 60 % of its height, not a group.
    const whole = rows([[[400, 100, 426, 160], 0.6, 0]]);
    const tile = rows([
      [[116, 100, 142, 125], 0.5, 0],
      [[116, 130, 142, 160], 0.45, 0],
    ]);
    const d = mergeViews(
      [
        { detections: whole, view: [0, 0, W, H] },
        { detections: tile, view: [284, 0, 640, 267] },
      ],
      W,
      H,
      true,
    );
    expect(d.length).toBe(1);
    expect(d.box(0)).toEqual([400, 100, 426, 160]);
  });
});

describe('holdSmall', () => {
  it('drops boxes under 32 px tall scoring below the bar and keeps taller ones at any score', () => {
    const d = Detections.fromRows([
      { box: [0, 0, 10, 31], score: 0.45, classId: 0 }, // small, under 0.5: dropped
      { box: [20, 0, 30, 31], score: 0.5, classId: 0 }, // small, at the bar: kept
      { box: [40, 0, 60, 32], score: 0.31, classId: 0 }, // 32 px: not small, kept
    ]);
    const h = holdSmall(d, 0.5);
    expect(h.length).toBe(2);
    expect(h.box(0)).toEqual([20, 0, 30, 31]);
    expect(h.box(1)).toEqual([40, 0, 60, 32]);
  });
});

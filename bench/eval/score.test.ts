import { describe, expect, it } from 'vitest';
import {
  colourFigures,
  emptyDetectionTally,
  emptyTally,
  HIGHWAY_CLIP,
  iou,
  sizeBand,
  tallyColour,
  tallyColourIn,
  tallyDetections,
  vehicleSource,
} from './score.js';

describe('tallyColour', () => {
  it('counts exact (first label) and within (any label), and the confusions', () => {
    const t = emptyTally();
    tallyColour(t, ['blue', 'black'], 'blue');
    tallyColour(t, ['blue', 'black'], 'black');
    tallyColour(t, ['white'], 'grey', 'white');
    expect(t).toEqual({ n: 3, exact: 1, within: 2, withinTop2: 3, confusions: { 'white→grey': 1 } });
  });
});

describe('vehicle colour per source', () => {
  it('puts the highway clip in one group and every other video and photo in the other', () => {
    expect(vehicleSource(HIGHWAY_CLIP)).toBe('highway');
    expect(vehicleSource('video/parking_lane_topdown.mp4')).toBe('other');
    expect(vehicleSource('images/highway_cctv.png')).toBe('other');
    expect(vehicleSource('plates/wanA_UJ299_ccpd.jpg')).toBe('other');
  });

  it('tallies each group apart, and the groups add up to the overall tally', () => {
    const all = emptyTally();
    const groups: Record<string, ReturnType<typeof emptyTally>> = {};
    const answers: Array<[string, string[], string, string?]> = [
      [HIGHWAY_CLIP, ['white', 'grey'], 'white'],
      [HIGHWAY_CLIP, ['white'], 'grey', 'white'],
      ['images/london_bus.jpg', ['red'], 'red'],
      ['plates/huB_S7821_yellow_truck.jpg', ['blue'], 'black'],
      ['video/parking_lane_topdown.mp4', ['grey', 'green'], 'green'],
    ];
    for (const [media, labelled, answer, second] of answers) {
      tallyColour(all, labelled, answer, second);
      tallyColourIn(groups, vehicleSource(media), labelled, answer, second);
    }
    expect(groups).toEqual({
      highway: { n: 2, exact: 1, within: 1, withinTop2: 2, confusions: { 'white→grey': 1 } },
      other: { n: 3, exact: 1, within: 2, withinTop2: 2, confusions: { 'blue→black': 1 } },
    });
    expect(colourFigures(groups.highway!)).toEqual({
      n: 2,
      exact: 1,
      exactPct: 50,
      withinPct: 50,
      withinTop2Pct: 100,
      confusions: { 'white→grey': 1 },
    });
    expect(colourFigures(groups.other!).exactPct).toBe(33.3);
    expect(colourFigures(emptyTally()).exactPct).toBeNull();
    for (const k of ['n', 'exact', 'within', 'withinTop2'] as const)
      expect(groups.highway![k] + groups.other![k]).toBe(all[k]);
  });
});

describe('detection scoring', () => {
  it('bands by height: < 32 small, < 96 medium, else large', () => {
    expect([sizeBand([0, 0, 5, 31]), sizeBand([0, 0, 5, 32]), sizeBand([0, 0, 5, 96])]).toEqual([
      'small',
      'medium',
      'large',
    ]);
  });

  it('iou of overlapping, disjoint and identical boxes', () => {
    expect(iou([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(1 / 3, 6);
    expect(iou([0, 0, 10, 10], [20, 20, 30, 30])).toBe(0);
    expect(iou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
  });

  it('matches each ground-truth box once, by score, same class, IoU ≥ 0.5', () => {
    const t = emptyDetectionTally();
    const gt = [
      { cls: 'person', box: [0, 0, 20, 100] },
      { cls: 'person', box: [100, 0, 110, 20] },
      { cls: 'vehicle', box: [200, 0, 260, 50] },
    ];
    tallyDetections(t, gt, [
      { cls: 'person', box: [0, 0, 20, 98], score: 0.9 },
      { cls: 'person', box: [1, 0, 20, 100], score: 0.5 }, // duplicate: a false positive
      { cls: 'person', box: [200, 0, 260, 50], score: 0.8 }, // wrong class
      { cls: 'person', box: [300, 0, 310, 20], score: 0.4 }, // nothing there
    ]);
    expect(t.large).toEqual({ gt: 1, found: 1, pred: 2, correct: 1 });
    expect(t.small).toEqual({ gt: 1, found: 0, pred: 1, correct: 0 });
    expect(t.medium).toEqual({ gt: 1, found: 0, pred: 1, correct: 0 });
  });

  it('ignored ground truth and ignore regions count neither way', () => {
    const t = emptyDetectionTally();
    tallyDetections(
      t,
      [
        { cls: 'person', box: [0, 0, 10, 20], ignore: true },
        { cls: 'vehicle', box: [100, 0, 120, 10] },
      ],
      [
        { cls: 'person', box: [0, 0, 10, 20], score: 0.9 },
        { cls: 'vehicle', box: [150, 0, 160, 10], score: 0.9 },
      ],
      0.5,
      [[90, 0, 200, 40]],
    );
    expect(t.small).toEqual({ gt: 0, found: 0, pred: 0, correct: 0 });
  });
});

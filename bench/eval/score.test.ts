import { describe, expect, it } from 'vitest';
import { emptyDetectionTally, emptyTally, iou, sizeBand, tallyColour, tallyDetections } from './score.js';

describe('tallyColour', () => {
  it('counts exact (first label) and within (any label), and the confusions', () => {
    const t = emptyTally();
    tallyColour(t, ['blue', 'black'], 'blue');
    tallyColour(t, ['blue', 'black'], 'black');
    tallyColour(t, ['white'], 'grey', 'white');
    expect(t).toEqual({ n: 3, exact: 1, within: 2, withinTop2: 3, confusions: { 'white→grey': 1 } });
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

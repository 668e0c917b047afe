import { describe, expect, it } from 'vitest';
import { clusterPlateReads, editDistance, editSimilarity, type PlateRead, PlateReads } from './plates.js';

describe('editDistance', () => {
  it.each<[string, string, number]>([
    ['', '', 0],
    ['浙H12345', '浙H12345', 0],
    ['浙H12345', '浙H12845', 1],
    ['浙H12345', '浙H1234', 1],
    ['浙H12345', '苏H12345', 1],
    ['ABC', 'XYZ', 3],
    ['', 'AB', 2],
  ])('%s ~ %s = %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });

  it('similarity is 1 − d / longer length', () => {
    expect(editSimilarity('浙H12345', '浙H12845')).toBeCloseTo(6 / 7, 6);
    expect(editSimilarity('', '')).toBe(1);
  });
});

const r = (text: string, score = 0.9): PlateRead => ({ text, score });

describe('clusterPlateReads', () => {
  it.each<[string, PlateRead[], { text: string; support: number } | undefined]>([
    ['no reads', [], undefined],
    ['one read', [r('浙H12345')], { text: '浙H12345', support: 1 }],
    [
      'OCR noise around one plate: the exact majority wins',
      [r('浙H12345'), r('浙H12845'), r('浙H12345'), r('浙H1234'), r('浙H12345', 0.6)],
      { text: '浙H12345', support: 5 },
    ],
    [
      'two plates (a passing car): the larger cluster wins even with lower scores',
      [r('浙H12345', 0.7), r('浙H12345', 0.7), r('浙H12346', 0.7), r('苏E99K01', 0.99), r('苏E99K01', 0.99)],
      { text: '浙H12345', support: 3 },
    ],
    [
      'tie on cluster size: higher total score wins',
      [r('浙H12345', 0.6), r('苏E99K01', 0.95)],
      { text: '苏E99K01', support: 1 },
    ],
    [
      'tie on text count inside a cluster: higher total score wins',
      [r('浙H12345', 0.5), r('浙H12845', 0.9)],
      { text: '浙H12845', support: 2 },
    ],
    ['empty texts are ignored', [r(''), r('皖A195K9')], { text: '皖A195K9', support: 1 }],
  ])('%s', (_n, reads, want) => {
    const c = clusterPlateReads(reads);
    if (want === undefined) expect(c).toBeUndefined();
    else expect(c).toMatchObject(want);
  });

  it('stars, not chains: a drift of one character per read does not merge distinct plates', () => {
    const reads = [
      r('AB12345'),
      r('AB12345'),
      r('AB12945'),
      r('AC92945'),
      r('XC92945'),
      r('XC92945'),
      r('XC92945'),
    ];
    expect(clusterPlateReads(reads)?.text).toBe('XC92945');
  });

  it('scores the winner by the mean score of its exact reads', () => {
    expect(
      clusterPlateReads([r('浙H12345', 0.8), r('浙H12345', 0.6), r('浙H12845', 0.1)])?.score,
    ).toBeCloseTo(0.7, 6);
  });
});

describe('PlateReads', () => {
  it('keeps only the best maxReads reads', () => {
    const p = new PlateReads(3);
    p.add(r('浙H00000', 0.1));
    for (let k = 0; k < 5; k++) p.add(r('浙H12345', 0.5 + k * 0.1));
    expect(p.size).toBe(3);
    expect(p.consensus()).toMatchObject({ text: '浙H12345', support: 3, total: 3 });
  });
});

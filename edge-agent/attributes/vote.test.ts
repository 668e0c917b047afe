import { describe, expect, it } from 'vitest';
import { Vote } from './vote.js';

describe('Vote', () => {
  it.each<[string, Array<[string, number]>, string | undefined, number]>([
    ['empty', [], undefined, 0],
    [
      'plain majority',
      [
        ['red', 1],
        ['red', 1],
        ['blue', 1],
      ],
      'red',
      2 / 3,
    ],
    [
      'weights beat counts',
      [
        ['red', 0.2],
        ['red', 0.2],
        ['blue', 0.9],
      ],
      'blue',
      0.9 / 1.3,
    ],
    [
      'zero and negative weights are ignored',
      [
        ['red', 1],
        ['blue', 0],
        ['blue', -3],
      ],
      'red',
      1,
    ],
    [
      'tie: first to reach the weight',
      [
        ['grey', 1],
        ['black', 1],
      ],
      'grey',
      0.5,
    ],
  ])('%s', (_n, votes, want, confidence) => {
    const v = new Vote<string>();
    for (const [value, w] of votes) v.add(value, w);
    const r = v.result();
    expect(r?.value).toBe(want);
    if (r) expect(r.confidence).toBeCloseTo(confidence, 6);
  });

  it('is bounded: the lightest value is dropped beyond maxKeys, the leader survives', () => {
    const v = new Vote<string>(3);
    for (let k = 0; k < 10; k++) v.add('red', 1);
    for (let k = 0; k < 100; k++) v.add(`noise-${k}`, 0.1);
    expect(v.size).toBeLessThanOrEqual(3);
    expect(v.result()).toMatchObject({ value: 'red', count: 110 });
  });
});

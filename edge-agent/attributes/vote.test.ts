import { describe, expect, it } from 'vitest';
import { secondCandidate, Vote } from './vote.js';

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

describe('secondCandidate', () => {
  const votes = (cast: Array<[string, number]>): Vote<string> => {
    const v = new Vote<string>();
    for (const [k, w] of cast) v.add(k, w);
    return v;
  };

  it('is the runner-up whose wins plus per-frame seconds reach 0.6 of the winner', () => {
    // grey wins 3 × 0.5 = 1.5; blue wins once (0.5) and is second in 2 frames (2 × 0.5): 1.5 ≥ 0.9
    const wins = votes([
      ['grey', 0.5],
      ['grey', 0.5],
      ['grey', 0.5],
      ['blue', 0.5],
    ]);
    const seconds = votes([
      ['blue', 0.5],
      ['blue', 0.5],
      ['grey', 0.5],
    ]);
    expect(wins.result()?.value).toBe('grey');
    expect(secondCandidate(wins, seconds, 'grey')).toBe('blue');
  });

  it('is absent when no other colour comes close, and never unknown or the winner', () => {
    const wins = votes([
      ['white', 0.9],
      ['white', 0.9],
      ['white', 0.9],
      ['grey', 0.4],
    ]);
    expect(secondCandidate(wins, votes([['white', 0.5]]), 'white')).toBeUndefined();
    expect(secondCandidate(votes([['red', 1]]), votes([['unknown', 5]]), 'red')).toBeUndefined();
    expect(
      secondCandidate(
        votes([
          ['red', 1],
          ['pink', 0.6],
        ]),
        votes([]),
        'red',
      ),
    ).toBe('pink');
    expect(
      secondCandidate(
        votes([
          ['red', 1],
          ['pink', 0.59],
        ]),
        votes([]),
        'red',
      ),
    ).toBeUndefined();
  });
});

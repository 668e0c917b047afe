import { describe, expect, it } from 'vitest';
import {
  canonicalPlate,
  defaultMode,
  deletions,
  normalisePlateText,
  plateMatches,
  wildcardRegExp,
} from './plates.js';

describe('plate text', () => {
  it.each([
    ['浙H·12345', '浙H12345'],
    ['浙h 12345', '浙H12345'],
    ['浙HI23O5', '浙H12305'],
    ['ＺＪ１２', 'ZJ12'],
  ])('normalises %s → %s', (raw, want) => expect(normalisePlateText(raw)).toBe(want));

  it('canonicalises every confusable class to one representative', () => {
    expect(canonicalPlate('0DQ8B172Z5S6G')).toBe('0008811225566');
    expect(canonicalPlate('浙H34')).toBe('浙H34');
  });

  it('deletes by code point (a province character is one character)', () => {
    expect(deletions('浙H1')).toEqual(['H1', '浙1', '浙H']);
  });

  it('picks a default mode', () => {
    expect(defaultMode('浙H*12?4')).toBe('wildcard');
    expect(defaultMode('浙H12345')).toBe('fuzzy');
  });
});

describe('plateMatches', () => {
  it.each([
    // read, pattern, mode, expected
    ['浙H12345', '浙H12345', 'exact', true],
    ['浙H12845', '浙H12345', 'exact', false],
    ['浙H·12345', '浙H12345', 'exact', true],
    ['浙H12354', '浙H*12?4', 'wildcard', false],
    ['浙H1234', '浙H*12?4', 'wildcard', true],
    ['浙HA12B4', '浙H*12?4', 'wildcard', true],
    ['浙H12B4', '浙H*12?4', 'wildcard', true],
    ['苏H12B4', '浙H*12?4', 'wildcard', false],
    ['浙H12B44', '浙H*12?4', 'wildcard', false],
    ['浙H1234X', '*234*', 'wildcard', true],
    // fuzzy: each confusable pair, one missing, one extra, a real difference
    ['浙HD2345', '浙H02345', 'fuzzy', true],
    ['浙HQ2345', '浙HD2345', 'fuzzy', true],
    ['浙H1B345', '浙H18345', 'fuzzy', true],
    ['浙H72345', '浙H12345', 'fuzzy', true],
    ['浙H1Z345', '浙H12345', 'fuzzy', true],
    ['浙H1234S', '浙H12345', 'fuzzy', true],
    ['浙H12G45', '浙H12645', 'fuzzy', true],
    ['浙H1234', '浙H12345', 'fuzzy', true],
    ['浙H123456', '浙H12345', 'fuzzy', true],
    ['H12345', '浙H12345', 'fuzzy', true],
    ['浙H12395', '浙H12345', 'fuzzy', false],
    ['浙H1335', '浙H12395', 'fuzzy', false],
    ['浙H1235', '浙H12395', 'fuzzy', true],
    ['浙H123', '浙H12345', 'fuzzy', false],
    ['浙HZ7S45', '浙H21545', 'fuzzy', true],
  ] as const)('%s vs %s (%s) → %s', (read, pattern, mode, want) => {
    expect(plateMatches(read, pattern, mode)).toBe(want);
  });

  it('escapes regex characters in wildcard patterns', () => {
    expect(wildcardRegExp('A.B').test('AXB')).toBe(false);
    expect(wildcardRegExp('A.B').test('A.B')).toBe(false); // '.' is a separator, dropped
    expect(wildcardRegExp('A(B').test('A(B')).toBe(true);
  });
});

describe('agreement with the vehicles search (analytics/plates/pattern.ts)', () => {
  it('fuzzy: canonical + one indel here == finite fuzzyDistance there, on random near plates', async () => {
    const { fuzzyDistance } = await import('../plates/pattern.js');
    const { canonicalPlate: canon, fuzzyCanonMatch } = await import('./plates.js');
    let s = 7;
    const r = () => {
      s = (s * 1664525 + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
    const CH = '0DQ8B172Z5S6G34';
    const plate = () =>
      `浙${'HAB'[Math.floor(r() * 3)]}${Array.from({ length: 4 + Math.floor(r() * 3) }, () => CH[Math.floor(r() * CH.length)]).join('')}`;
    let agreeTrue = 0;
    for (let k = 0; k < 20_000; k++) {
      const a = plate();
      // b: a with a few random edits (confusable swaps, other swaps, a deletion or insertion).
      const cs = [...a];
      const edits = Math.floor(r() * 3);
      for (let e = 0; e < edits; e++) {
        const i = 1 + Math.floor(r() * (cs.length - 1));
        const x = r();
        if (x < 0.5) cs[i] = CH[Math.floor(r() * CH.length)]!;
        else if (x < 0.75) cs.splice(i, 1);
        else cs.splice(i, 0, CH[Math.floor(r() * CH.length)]!);
      }
      const b = cs.join('');
      const mine = fuzzyCanonMatch(canon(a), canon(b));
      expect(mine, `${a} vs ${b}`).toBe(Number.isFinite(fuzzyDistance(b, a)));
      if (mine) agreeTrue++;
    }
    expect(agreeTrue).toBeGreaterThan(50);
  });
});

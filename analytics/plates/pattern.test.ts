import { describe, expect, it } from 'vitest';
import {
  cleanPlateQuery,
  exactPlate,
  fuzzyCandidates,
  fuzzyDistance,
  fuzzyRegex,
  longestLiteral,
  plateQueryProblem,
  rankFuzzy,
  wildcardToLike,
  wildcardToRegex,
} from './pattern.js';

describe('cleanPlateQuery', () => {
  it.each([
    ['浙h·12345', '浙H12345'],
    ['浙A 1O2I3', '浙A10213'],
    ['ｚｊ－１２', 'ZJ12'],
    ['浙H*12?4', '浙H*12?4'],
  ])('%s → %s', (raw, want) => expect(cleanPlateQuery(raw)).toBe(want));
});

describe('plateQueryProblem', () => {
  it.each([
    ['浙H12345', 'exact', false],
    ['浙H*12?4', 'wildcard', false],
    ['浙H*12?4', 'exact', true],
    ['**', 'wildcard', true],
    ['*1?', 'wildcard', true],
    ["浙H'; DROP", 'exact', true],
    ['浙H%12', 'wildcard', true],
    ['A', 'exact', true],
    ['浙H123456789012', 'fuzzy', true],
  ] as const)('%s (%s) refused: %s', (q, mode, refused) => {
    expect(plateQueryProblem(cleanPlateQuery(q), mode) !== undefined).toBe(refused);
  });
});

describe('exactPlate', () => {
  it('uses the plate normaliser for recognisable plates, keeps other text', () => {
    expect(exactPlate('浙H12345')).toBe('浙H12345');
    expect(exactPlate('浙AD12345')).toBe('浙AD12345');
    expect(exactPlate('H123')).toBe('H123');
  });
});

describe('wildcards', () => {
  it.each([
    ['浙H*12?4', '浙H%12_4', '^浙H.*12.4$'],
    ['*123*', '%123%', '^.*123.*$'],
    ['浙A**9', '浙A%9', '^浙A.*.*9$'],
  ])('%s → LIKE %s, regex %s', (q, like, re) => {
    expect(wildcardToLike(q)).toBe(like);
    expect(wildcardToRegex(q)).toBe(re);
  });
  it('matches what it should', () => {
    const re = new RegExp(wildcardToRegex('浙H*12?4'), 'u');
    expect(['浙H1234', '浙HA12B4', '浙H9912Z4'].every((p) => re.test(p))).toBe(true);
    expect(['浙A12345', '浙H1234X', '苏H12Z4'].some((p) => re.test(p))).toBe(false);
  });
  it('finds the longest literal run', () => {
    expect(longestLiteral('浙H*12?4')).toBe('浙H');
    expect(longestLiteral('*A12345?')).toBe('A12345');
  });
});

describe('fuzzy', () => {
  const q = '浙H12345';
  it.each([
    ['浙H12345', 0],
    ['浙H72345', 0.5], // 1/7
    ['浙HI2345', Number.POSITIVE_INFINITY], // I never occurs; not a confusable pair here
    ['浙H1Z34S', 1], // two confusables
    ['浙H1234', 1], // the query has an extra character
    ['浙H123456', 1], // the query misses one
    ['浙H7234', 1.5], // a confusable and a missing character
    ['浙H12395', Number.POSITIVE_INFINITY], // 4→9 is not confusable
    ['浙H1245', 1], // one deletion
    ['浙H145', Number.POSITIVE_INFINITY], // two deletions
    ['沪H12345', Number.POSITIVE_INFINITY],
  ])('distance(%s) = %s', (plate, d) => expect(fuzzyDistance(q, plate)).toBe(d));

  it('the regex admits exactly the plates in reach (checked on a table of cases)', () => {
    const re = new RegExp(fuzzyRegex(q), 'u');
    for (const p of [
      '浙H12345',
      '浙H72345',
      '浙H1Z34S',
      '浙H1234',
      '浙H123456',
      '浙H7234',
      '浙H1245',
      '浙HX12345',
    ]) {
      expect(re.test(p), p).toBe(true);
      expect(Number.isFinite(fuzzyDistance(q, p)), p).toBe(true);
    }
    for (const p of ['浙H12395', '浙H145', '沪H12345', '浙H1234567']) expect(re.test(p), p).toBe(false);
  });

  it('lists the same plates the regex admits (all within reach, none beyond)', () => {
    const cands = fuzzyCandidates('浙L5B218')!;
    const re = new RegExp(fuzzyRegex('浙L5B218'), 'u');
    expect(cands.every((p) => re.test(p) && Number.isFinite(fuzzyDistance('浙L5B218', p)))).toBe(true);
    for (const p of ['浙LSB218', '浙L58Z18', '浙L5B28', '浙LS8Z178', '浙L5B2187', '浙L5B218'])
      expect(cands, p).toContain(p);
    expect(cands).not.toContain('浙L4B218');
    expect(new Set(cands).size).toBe(cands.length);
    expect(fuzzyCandidates('浙L5B218', 100)).toBeUndefined();
  });

  it('ranks by distance, then by sightings', () => {
    const ranked = rankFuzzy(q, [
      { plate: '浙H1234', n: 100 },
      { plate: '浙H72345', n: 5 },
      { plate: '浙H12345', n: 1 },
      { plate: '浙H7Z345', n: 50 },
      { plate: '浙H99999', n: 1000 },
      { plate: '浙H1234S', n: 9 },
      { plate: '浙H12S45', n: 9 },
    ]);
    expect(ranked.map((r) => r.plate)).toEqual(['浙H12345', '浙H1234S', '浙H72345', '浙H1234', '浙H7Z345']);
  });
});

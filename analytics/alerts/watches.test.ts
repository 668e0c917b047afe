import { describe, expect, it } from 'vitest';
import { makeHit } from '../../contracts/testkit.js';
import type { Colour, Hit } from '../../contracts/hit.js';
import { type ClothingWatch, type PlateWatch, type Watch, WatchIndex, watchMatches } from './watches.js';

const base = { caseId: 'case-1', caseOrg: 'city', area: null, fromMs: null, toMs: null };
const plate = (
  id: string,
  pattern: string,
  mode: PlateWatch['mode'],
  over: Partial<PlateWatch> = {},
): PlateWatch => ({
  ...base,
  id,
  kind: 'plate',
  pattern,
  mode,
  ...over,
});
const clothing = (
  id: string,
  upper: Colour | null,
  lower: Colour | null,
  over: Partial<ClothingWatch> = {},
): ClothingWatch => ({
  ...base,
  id,
  kind: 'clothing',
  upper,
  lower,
  ...over,
});
// calendar-safe: a pure function of the time it is given (no store, no clock).
const T = 1_764_385_200_000;
const car = (p: string, tsMs = T) => makeHit({ tsMs, attrs: { plate: p } });
const person = (upperColor: Colour, lowerColor: Colour, tsMs = T) =>
  makeHit({ tsMs, type: 'person', label: 'person', attrs: { upperColor, lowerColor } });
const PATH = ['city', 'county-a', 'town-a', 'village-a', 'grid-a'];

describe('WatchIndex', () => {
  it.each([
    ['exact', plate('w', '浙H12345', 'exact'), car('浙H12345'), true],
    ['exact, confusable read', plate('w', '浙H12345', 'exact'), car('浙H1Z345'), false],
    ['fuzzy, confusable read', plate('w', '浙H12345', 'fuzzy'), car('浙H1Z345'), true],
    ['fuzzy, one missing', plate('w', '浙H12345', 'fuzzy'), car('浙H1245'), true],
    ['fuzzy, other plate', plate('w', '浙H12345', 'fuzzy'), car('浙H12399'), false],
    ['wildcard', plate('w', '浙H*12?4', 'wildcard'), car('浙HA1234'), true],
    ['wildcard, no bigram (scan)', plate('w', '*1?3*', 'wildcard'), car('浙HA1234'), true],
    ['clothing both', clothing('w', 'red', 'blue'), person('red', 'blue'), true],
    ['clothing upper only', clothing('w', 'red', null), person('red', 'black'), true],
    [
      'clothing by a second candidate colour',
      clothing('w', 'blue', 'black'),
      makeHit({
        type: 'person',
        label: 'person',
        attrs: { upperColor: 'grey', upperColor2: 'blue', lowerColor: 'black' },
      }),
      true,
    ],
    [
      'clothing neither first nor second',
      clothing('w', 'green', null),
      makeHit({ type: 'person', label: 'person', attrs: { upperColor: 'grey', upperColor2: 'blue' } }),
      false,
    ],
    ['clothing wrong lower', clothing('w', 'red', 'blue'), person('red', 'black'), false],
    ['clothing on a vehicle', clothing('w', 'red', null), car('浙H12345'), false],
    ['outside area', clothing('w', 'red', null, { area: 'grid-b' }), person('red', 'blue'), false],
    ['inside area', clothing('w', 'red', null, { area: 'town-a' }), person('red', 'blue'), true],
    ['before window', clothing('w', 'red', null, { fromMs: T + 1 }), person('red', 'blue'), false],
    ['after window', clothing('w', 'red', null, { toMs: T - 1 }), person('red', 'blue'), false],
    ['inside window', clothing('w', 'red', null, { fromMs: T, toMs: T }), person('red', 'blue'), true],
  ] as const)('%s', (_name, w, hit, want) => {
    const idx = new WatchIndex();
    idx.add(w);
    expect(idx.match(hit, PATH).length === 1).toBe(want);
    expect(watchMatches(w, hit, PATH)).toBe(want);
  });

  it('reports each watch once even when found under several keys, and forgets removed watches', () => {
    const idx = new WatchIndex();
    idx.add(plate('w', '浙H12345', 'fuzzy'));
    expect(idx.match(car('浙H12345'), PATH)).toHaveLength(1);
    expect(idx.remove('w')).toBe(true);
    expect(idx.match(car('浙H12345'), PATH)).toHaveLength(0);
    expect(idx.stats()).toMatchObject({ watches: 0, fuzzyKeys: 0 });
  });

  it('replaces a watch added again under the same id', () => {
    const idx = new WatchIndex();
    idx.add(plate('w', '浙H12345', 'exact'));
    idx.add(plate('w', '苏A99999', 'exact'));
    expect(idx.size).toBe(1);
    expect(idx.match(car('浙H12345'), PATH)).toHaveLength(0);
    expect(idx.match(car('苏A99999'), PATH)).toHaveLength(1);
  });
});

// Property: the index answers exactly what comparing the hit with every watch answers.
// A small alphabet with many confusables makes near-misses common.
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const CHARS = '0DQ8B17Z25S6G34A';
const COLOURS: Colour[] = ['red', 'blue', 'black', 'white'];
const AREAS = [null, 'city', 'town-a', 'grid-a', 'grid-b'];
const PATHS = [
  PATH,
  ['city', 'county-a', 'town-a', 'village-a', 'grid-b'],
  ['city', 'county-b', 'town-c', 'village-c', 'grid-c'],
];

function randPlate(r: () => number): string {
  const n = 4 + Math.floor(r() * 4);
  let s = pick(r, ['浙', '苏']) + pick(r, ['H', 'A', 'B']);
  for (let i = 0; i < n; i++) s += pick(r, [...CHARS]);
  return s;
}

function randPattern(r: () => number): string {
  let s = randPlate(r);
  const cs = [...s];
  const k = Math.floor(r() * 3);
  for (let i = 0; i < k; i++) cs[Math.floor(r() * cs.length)] = pick(r, ['*', '?']);
  s = cs.join('');
  return s;
}

function randWatch(r: () => number, id: string): Watch {
  const common = {
    id,
    caseId: 'c',
    caseOrg: 'city',
    area: pick(r, AREAS),
    fromMs: r() < 0.3 ? 1_000 + Math.floor(r() * 1000) : null,
    toMs: r() < 0.3 ? 1_500 + Math.floor(r() * 1000) : null,
  };
  const x = r();
  if (x < 0.25)
    return {
      ...common,
      kind: 'clothing',
      upper: r() < 0.2 ? null : pick(r, COLOURS),
      lower: r() < 0.3 ? null : pick(r, COLOURS),
    };
  if (x < 0.45) return { ...common, kind: 'plate', mode: 'wildcard', pattern: randPattern(r) };
  return { ...common, kind: 'plate', mode: x < 0.6 ? 'exact' : 'fuzzy', pattern: randPlate(r) };
}

function randHit(r: () => number): Hit {
  const tsMs = 946_684_800_000;
  if (r() < 0.3) {
    const h = person(pick(r, COLOURS), pick(r, COLOURS), tsMs);
    // Second candidate colours on some persons (the index looks them up too).
    if (r() < 0.4) h.attrs = { ...h.attrs, upperColor2: pick(r, COLOURS) };
    if (r() < 0.4) h.attrs = { ...h.attrs, lowerColor2: pick(r, COLOURS) };
    return h;
  }
  return car(randPlate(r), tsMs);
}

describe('WatchIndex property: indexed == brute force', () => {
  it.each([1, 2, 3, 4, 5])('seed %i: 1,000 watches × 1,000 hits, then half removed', (seed) => {
    const r = rng(seed);
    const watches = Array.from({ length: 1000 }, (_, k) => randWatch(r, `w${k}`));
    const idx = new WatchIndex();
    let matched = 0;
    const run = (live: Watch[]) => {
      for (let k = 0; k < 1000; k++) {
        const hit = randHit(r);
        // Hit times straddle the watch windows (the fixed ts is shifted into the window range).
        hit.tsMs = 946_684_800_000 + Math.floor(r() * 3000);
        const path = pick(r, PATHS);
        const brute = live
          .filter((w) => watchMatches(w, hit, path))
          .map((w) => w.id)
          .sort();
        const got = idx
          .match(hit, path)
          .map((w) => w.id)
          .sort();
        expect(got).toEqual(brute);
        matched += brute.length;
      }
    };
    const shifted = watches.map((w) => ({
      ...w,
      fromMs: w.fromMs === null ? null : w.fromMs + 946_684_800_000,
      toMs: w.toMs === null ? null : w.toMs + 946_684_800_000,
    }));
    for (const w of shifted) idx.add(w);
    run(shifted);
    for (const w of shifted.slice(0, 500)) idx.remove(w.id);
    run(shifted.slice(500));
    // The property is only worth something if matches happen.
    expect(matched).toBeGreaterThan(100);
  });
});

describe('a watch without an area (docs/security.md)', () => {
  it("matches only inside its case's org, never the whole city", () => {
    const w: PlateWatch = {
      ...{ id: 'w', caseId: 'c', caseOrg: 'xihu', area: null, fromMs: null, toMs: null },
      ...{ kind: 'plate', pattern: '浙A12345', mode: 'exact' },
    };
    const hit = makeHit({ attrs: { plate: '浙A12345' } });
    expect(watchMatches(w, hit, ['hz', 'xihu', 'grid-xh-01'])).toBe(true);
    expect(watchMatches(w, hit, ['hz', 'gongshu', 'grid-gs-01'])).toBe(false);
    const index = new WatchIndex();
    index.add(w);
    expect(index.match(hit, ['hz', 'gongshu', 'grid-gs-01'])).toEqual([]);
  });
});

/**
 * Plate search patterns, pure (docs/architecture.md#api): exact, wildcard (`浙H*12?4`: `*` any run, `?` one
 * character) and fuzzy (OCR-confusable characters 0/D/Q, 8/B, 1/7, 2/Z, 5/S, 6/G, plus one
 * missing or extra character), and the ranking of fuzzy candidates by closeness.
 *
 * The SQL side takes the outputs as parameters (a LIKE pattern, an RE2 regex); nothing here is
 * concatenated into SQL text. Exact plates go through the models engineer's normaliser so a
 * query and a stored read agree.
 */
import { normalisePlate } from '../../contracts/plates.js';

/** OCR-confusable groups; a character not listed is confusable only with itself. */
export const CONFUSABLE_GROUPS: readonly string[] = ['0DQ', '8B', '17', '2Z', '5S', '6G'];

const GROUP_OF = new Map<string, string>();
for (const g of CONFUSABLE_GROUPS) for (const c of g) GROUP_OF.set(c, g);

/** Characters a plate query may hold: CJK (province, use suffix), A–Z, 0–9, and `*` `?`. */
const QUERY_CHAR = /^[\u4e00-\u9fffA-Z0-9*?]$/u;

export const PLATE_QUERY_MAX = 12;

export type PlateMode = 'exact' | 'wildcard' | 'fuzzy';

/** Cleans a plate query: NFKC, upper case, separators dropped, I→1 and O→0 (plates have neither). */
export function cleanPlateQuery(raw: string): string {
  let s = '';
  for (const ch of raw.normalize('NFKC').toUpperCase()) {
    if (/[\s·•.\-_]/u.test(ch)) continue;
    s += ch === 'I' ? '1' : ch === 'O' ? '0' : ch;
  }
  return s;
}

/** Validates a cleaned query; returns a reason when it is not one, else undefined. */
export function plateQueryProblem(q: string, mode: PlateMode): string | undefined {
  const chars = [...q];
  if (chars.length < 2 || chars.length > PLATE_QUERY_MAX)
    return `a plate query has 2 to ${PLATE_QUERY_MAX} characters`;
  const bad = chars.find((c) => !QUERY_CHAR.test(c));
  if (bad !== undefined) return `'${bad}' cannot be part of a plate`;
  const wild = chars.some((c) => c === '*' || c === '?');
  if (mode !== 'wildcard' && wild) return 'use mode=wildcard for * and ?';
  if (mode === 'wildcard' && chars.every((c) => c === '*' || c === '?'))
    return 'a wildcard pattern needs at least one literal character';
  if (mode === 'wildcard' && chars.filter((c) => c !== '*' && c !== '?').length < 2)
    return 'a wildcard pattern needs at least two literal characters';
  return undefined;
}

/** The canonical exact plate: the normaliser's form when it recognises one, else the cleaned text. */
export function exactPlate(q: string): string {
  return normalisePlate(q)?.text ?? q;
}

/** Wildcard → LIKE pattern (whole string; `%` `_` `\` in literals escaped). */
export function wildcardToLike(q: string): string {
  let out = '';
  for (const c of q) {
    if (c === '*') out += '%';
    else if (c === '?') out += '_';
    else if (c === '%' || c === '_' || c === '\\') out += `\\${c}`;
    else out += c;
  }
  return out.replace(/%+/g, '%');
}

/** Wildcard → anchored RE2 regex, for the in-memory check of tests and tools. */
export function wildcardToRegex(q: string): string {
  let out = '^';
  for (const c of q) out += c === '*' ? '.*' : c === '?' ? '.' : escapeRe(c);
  return `${out}$`;
}

/** The longest literal run of a wildcard pattern (the text index needs ≥ 3 characters). */
export function longestLiteral(q: string): string {
  return q.split(/[*?]/).reduce((a, b) => ([...b].length > [...a].length ? b : a), '');
}

function escapeRe(c: string): string {
  return /[\\^$.|?*+()[\]{}]/.test(c) ? `\\${c}` : c;
}

function charClass(c: string): string {
  const g = GROUP_OF.get(c);
  return g ? `[${g}]` : escapeRe(c);
}

/**
 * One anchored RE2 regex matching every plate within fuzzy reach of `q`: any number of
 * confusable substitutions, plus at most one character missing from or extra in the query.
 */
export function fuzzyRegex(q: string): string {
  const chars = [...q];
  const alts = new Set<string>();
  const cls = chars.map(charClass);
  alts.add(cls.join(''));
  // The query has an extra character: the plate is the query without one.
  if (chars.length > 2)
    for (let i = 0; i < chars.length; i++) alts.add([...cls.slice(0, i), ...cls.slice(i + 1)].join(''));
  // The query misses a character: the plate has one more, anywhere.
  for (let i = 0; i <= chars.length; i++) alts.add([...cls.slice(0, i), '.', ...cls.slice(i)].join(''));
  return `^(?:${[...alts].join('|')})$`;
}

/** Characters a plate holds after the province: digits and letters without I and O. */
export const PLATE_ALNUM = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';

/**
 * Every plate within fuzzy reach of `q`, listed (for `plate IN {…}` lookups on the plates
 * table's key instead of a regex scan): all confusable substitutions, then each with one
 * character removed, or one alphanumeric inserted after the province. Returns undefined when
 * the list would exceed `max` (the caller falls back to the regex).
 */
export function fuzzyCandidates(q: string, max = 200_000): string[] | undefined {
  const chars = [...q];
  const classes = chars.map((c) => [...(GROUP_OF.get(c) ?? c)]);
  const subs = classes.reduce((n, c) => n * c.length, 1);
  const estimate = subs * (1 + chars.length + (chars.length - 1) * PLATE_ALNUM.length);
  if (estimate > max) return undefined;
  let variants: string[][] = [[]];
  for (const cls of classes) variants = variants.flatMap((v) => cls.map((c) => [...v, c]));
  const out = new Set<string>();
  for (const v of variants) {
    out.add(v.join(''));
    if (v.length > 2)
      for (let i = 0; i < v.length; i++) out.add([...v.slice(0, i), ...v.slice(i + 1)].join(''));
    // Insertions after the province character (a missed province is not a plate we can find).
    for (let i = 1; i <= v.length; i++)
      for (const x of PLATE_ALNUM) out.add([...v.slice(0, i), x, ...v.slice(i)].join(''));
  }
  return [...out];
}

const CONFUSABLE_COST = 0.5;

/**
 * Closeness of a stored plate to a fuzzy query: 0 for equal, 0.5 per confusable substitution,
 * 1 for the one insertion or deletion; Infinity when out of fuzzy reach (another
 * substitution, or more than one insertion/deletion).
 */
export function fuzzyDistance(q: string, plate: string): number {
  const a = [...q];
  const b = [...plate];
  if (Math.abs(a.length - b.length) > 1) return Number.POSITIVE_INFINITY;
  // d[i][j][e]: cost aligning a[0..i) with b[0..j) using e ∈ {0,1} indels.
  const INF = Number.POSITIVE_INFINITY;
  let prev: number[][] = Array.from({ length: b.length + 1 }, (_, j) => [
    j === 0 ? 0 : INF,
    j === 1 ? 1 : INF,
  ]);
  for (let i = 1; i <= a.length; i++) {
    const cur: number[][] = Array.from({ length: b.length + 1 }, () => [INF, INF]);
    cur[0]![1] = i === 1 ? 1 : INF;
    for (let j = 1; j <= b.length; j++) {
      const x = a[i - 1]!;
      const y = b[j - 1]!;
      const sub =
        x === y
          ? 0
          : GROUP_OF.get(x) !== undefined && GROUP_OF.get(x) === GROUP_OF.get(y)
            ? CONFUSABLE_COST
            : INF;
      for (const e of [0, 1]) {
        let best = prev[j - 1]![e]! + sub;
        if (e === 1) best = Math.min(best, prev[j]![0]! + 1, cur[j - 1]![0]! + 1);
        cur[j]![e] = best;
      }
    }
    prev = cur;
  }
  return Math.min(prev[b.length]![0]!, prev[b.length]![1]!);
}

export interface PlateCandidate {
  plate: string;
  /** Sightings of the plate (ties rank the more often seen first). */
  n: number;
}

/** Fuzzy candidates in rank order, with their distance; out-of-reach ones dropped. */
export function rankFuzzy<T extends PlateCandidate>(
  q: string,
  candidates: readonly T[],
): Array<T & { distance: number }> {
  return candidates
    .map((c) => ({ ...c, distance: fuzzyDistance(q, c.plate) }))
    .filter((c) => Number.isFinite(c.distance))
    .sort((x, y) => x.distance - y.distance || y.n - x.n || (x.plate < y.plate ? -1 : 1));
}

/**
 * Plate pattern logic shared by case watches (and usable by the vehicles search): the OCR
 * confusable classes of docs/architecture.md#api (0/D/Q, 8/B, 1/7, 2/Z, 5/S, 6/G), exact, wildcard (`*`
 * any run, `?` one character) and fuzzy comparison (confusables plus one missing or extra
 * character), shaped for the watch index: canonical forms, deletions, bigrams. The search side
 * (SQL patterns, ranking) is analytics/plates/pattern.ts; a test checks both agree. Pure.
 */

import { CONFUSABLE_GROUPS } from '../plates/pattern.js';

/** The OCR-confusable classes: the vehicles search's table (analytics/plates/pattern.ts), one source. */
export const CONFUSABLE_CLASSES: readonly string[] = CONFUSABLE_GROUPS;

const CANON = new Map<string, string>();
for (const cls of CONFUSABLE_CLASSES) for (const ch of cls) CANON.set(ch, cls[0]!);

/**
 * Plate text as stored: upper case, separators and spaces dropped, I→1 and O→0 (plates
 * never contain I or O, docs/architecture.md#api).
 */
const CLEAN = /^[A-HJ-NP-Z0-9\u4e00-\u9fff]*$/;

export function normalisePlateText(raw: string): string {
  // Fast path: stored plates are already normalised (upper case, no separators, no I/O).
  if (CLEAN.test(raw)) return raw;
  let s = '';
  for (const ch of raw.normalize('NFKC').toUpperCase()) {
    if (ch === '·' || ch === '•' || ch === ' ' || ch === '-' || ch === '.' || ch === '_' || ch === '\t')
      continue;
    s += ch === 'I' ? '1' : ch === 'O' ? '0' : ch;
  }
  return s;
}

/** Each character replaced by its confusable class representative (input normalised). */
export function canonicalPlate(plate: string): string {
  let s = '';
  for (let i = 0; i < plate.length; i++) {
    const ch = plate[i]!;
    s += CANON.get(ch) ?? ch;
  }
  return s;
}

/** True when the two plates read the same up to OCR confusions. */
export function sameUpToConfusion(a: string, b: string): boolean {
  return canonicalPlate(a) === canonicalPlate(b);
}

/** All strings made by deleting one character (by code point; a province character counts once). */
export function deletions(s: string): string[] {
  if (!SURROGATE.test(s)) {
    const out = new Array<string>(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.slice(0, i) + s.slice(i + 1);
    return out;
  }
  const cs = [...s];
  const out: string[] = [];
  for (let i = 0; i < cs.length; i++) out.push(cs.slice(0, i).join('') + cs.slice(i + 1).join(''));
  return out;
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** `a` with exactly one character deleted equals `b` (UTF-16 units; callers pass code-point arrays when needed). */
function oneDeletion(a: ArrayLike<string>, b: ArrayLike<string>): boolean {
  if (a.length !== b.length + 1) return false;
  let i = 0;
  while (i < b.length && a[i] === b[i]) i++;
  for (let j = i; j < b.length; j++) if (a[j + 1] !== b[j]) return false;
  return true;
}

/**
 * Fuzzy plate match: equal after confusable canonicalisation, or equal after one missing or
 * extra character (in either). A different non-confusable character does not match.
 * Both sides are canonical plates (`canonicalPlate`).
 */
export function fuzzyCanonMatch(readCanon: string, watchCanon: string): boolean {
  if (readCanon === watchCanon) return true;
  if (!SURROGATE.test(readCanon) && !SURROGATE.test(watchCanon))
    return oneDeletion(readCanon, watchCanon) || oneDeletion(watchCanon, readCanon);
  const a = [...readCanon];
  const b = [...watchCanon];
  return oneDeletion(a, b) || oneDeletion(b, a);
}

export type PlateMode = 'exact' | 'wildcard' | 'fuzzy';

/** A plate pattern's mode when none is given: wildcards if it has `*` or `?`, else fuzzy. */
export function defaultMode(pattern: string): PlateMode {
  return /[*?]/.test(pattern) ? 'wildcard' : 'fuzzy';
}

/** A wildcard pattern as an anchored RegExp (`*` any run, `?` one code point). */
export function wildcardRegExp(pattern: string): RegExp {
  let src = '';
  for (const ch of normalisePlateText(pattern)) {
    if (ch === '*') src += '.*';
    else if (ch === '?') src += '.';
    else src += ch.replace(/[\\^$.+()[\]{}|]/g, '\\$&');
  }
  return new RegExp(`^${src}$`, 'u');
}

/** The literal runs of a wildcard pattern (text between `*` and `?`). */
export function literalRuns(pattern: string): string[] {
  return normalisePlateText(pattern)
    .split(/[*?]/)
    .filter((r) => r.length > 0);
}

/** The bigrams (two consecutive code points) of a string. */
export function bigrams(s: string): string[] {
  if (!SURROGATE.test(s)) {
    const out: string[] = [];
    for (let i = 0; i + 1 < s.length; i++) out.push(s.slice(i, i + 2));
    return out;
  }
  const cs = [...s];
  const out: string[] = [];
  for (let i = 0; i + 1 < cs.length; i++) out.push(cs[i]! + cs[i + 1]!);
  return out;
}

/** One plate read against one pattern: the reference semantics the index must reproduce. */
export function plateMatches(read: string, pattern: string, mode: PlateMode): boolean {
  const r = normalisePlateText(read);
  const p = normalisePlateText(pattern);
  if (mode === 'exact') return r === p;
  if (mode === 'wildcard') return wildcardRegExp(p).test(r);
  return fuzzyCanonMatch(canonicalPlate(r), canonicalPlate(p));
}

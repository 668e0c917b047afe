/**
 * Case watches (docs/alerts.md) and their index. A watch belongs to an open case: a plate pattern
 * for a hit-and-run case, clothing colours plus an area and a time window for a missing
 * person. New hits are matched as they are stored; the index keeps a hit from being compared
 * with every watch:
 *
 * - exact plates: a Map from plate text;
 * - fuzzy plates: symmetric-delete — each watch is filed under its confusable-canonical text
 *   and every one-deletion of it; a read looks up its own canonical text and deletions, then
 *   candidates are verified (two deletions meeting can also mean a substitution, which is
 *   not a match);
 * - wildcards: filed under one literal bigram of the pattern (province + letter when the
 *   pattern starts with them); a read looks up its bigrams. Patterns without a literal
 *   bigram are checked for every plate read (kept in `scan`; counted by `stats()`);
 * - clothing: filed under (upper, lower) with `*` for a colour not given; a person hit
 *   looks up its first and second candidate colours (up to eight keys).
 *
 * `watchMatches` is the reference predicate; the index's answer must equal it (property test).
 * Pure: no clock, no I/O.
 */
import type { Colour, Hit } from '../../contracts/hit.js';
import {
  bigrams,
  canonicalPlate,
  deletions,
  fuzzyCanonMatch,
  literalRuns,
  normalisePlateText,
  type PlateMode,
  wildcardRegExp,
} from './plates.js';

interface WatchBase {
  id: string;
  caseId: string;
  /** Org of the case (its owner is told of matches). */
  caseOrg: string;
  /**
   * Org id: the camera must lie in its subtree; null: the case's org subtree (never the whole
   * city unless the case is the city's: a watch stored before areas were bounded by the
   * caller's jurisdiction must not match everywhere, docs/security.md).
   */
  area: string | null;
  /** Window of hit times, epoch ms (inclusive); null: open. */
  fromMs: number | null;
  toMs: number | null;
}

export interface PlateWatch extends WatchBase {
  kind: 'plate';
  pattern: string;
  mode: PlateMode;
}

export interface ClothingWatch extends WatchBase {
  kind: 'clothing';
  upper: Colour | null;
  lower: Colour | null;
}

export type Watch = PlateWatch | ClothingWatch;

function inAreaAndWindow(w: WatchBase, tsMs: number, orgPath: readonly string[]): boolean {
  if (w.fromMs !== null && tsMs < w.fromMs) return false;
  if (w.toMs !== null && tsMs > w.toMs) return false;
  return orgPath.includes(w.area ?? w.caseOrg);
}

/** The reference predicate: does this hit (at a camera with this org path) match the watch? */
export function watchMatches(w: Watch, hit: Hit, orgPath: readonly string[]): boolean {
  if (!inAreaAndWindow(w, hit.tsMs, orgPath)) return false;
  if (w.kind === 'clothing') {
    if (hit.type !== 'person') return false;
    const a = hit.attrs;
    if (w.upper === null && w.lower === null) return false;
    // Either the first or the second candidate colour matches, as in the persons search.
    const up = w.upper === null || a?.upperColor === w.upper || a?.upperColor2 === w.upper;
    return up && (w.lower === null || a?.lowerColor === w.lower || a?.lowerColor2 === w.lower);
  }
  const plate = hit.attrs?.plate;
  if (!plate) return false;
  const r = normalisePlateText(plate);
  const p = normalisePlateText(w.pattern);
  if (w.mode === 'exact') return r === p;
  if (w.mode === 'wildcard') return wildcardRegExp(p).test(r);
  return fuzzyCanonMatch(canonicalPlate(r), canonicalPlate(p));
}

interface Entry {
  w: Watch;
  /** Query stamp: an entry found under several keys is verified once per hit. */
  seen: number;
  keys: Array<[Map<string, Entry[]>, string]>;
  canon: string;
  re: RegExp | undefined;
}

const V_ANY = 0;
const V_FUZZY = 1;
const V_WILD = 2;

function file(map: Map<string, Entry[]>, key: string, e: Entry): void {
  const b = map.get(key) ?? [];
  if (b.length === 0) map.set(key, b);
  if (!b.includes(e)) {
    b.push(e);
    e.keys.push([map, key]);
  }
}

export class WatchIndex {
  private readonly byId = new Map<string, Entry>();
  private readonly exact = new Map<string, Entry[]>();
  private readonly fuzzy = new Map<string, Entry[]>();
  private readonly wild = new Map<string, Entry[]>();
  private readonly scanned: Entry[] = [];
  private readonly clothing = new Map<string, Entry[]>();
  private stamp = 0;

  get size(): number {
    return this.byId.size;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get(id: string): Watch | undefined {
    return this.byId.get(id)?.w;
  }

  ids(): IterableIterator<string> {
    return this.byId.keys();
  }

  /** Adds or replaces a watch. */
  add(w: Watch): void {
    this.remove(w.id);
    const e: Entry = { w, seen: 0, keys: [], canon: '', re: undefined };
    if (w.kind === 'clothing') {
      file(this.clothing, `${w.upper ?? '*'}|${w.lower ?? '*'}`, e);
    } else {
      const p = normalisePlateText(w.pattern);
      if (w.mode === 'exact') file(this.exact, p, e);
      else if (w.mode === 'fuzzy') {
        e.canon = canonicalPlate(p);
        file(this.fuzzy, e.canon, e);
        for (const d of deletions(e.canon)) file(this.fuzzy, d, e);
      } else {
        e.re = wildcardRegExp(p);
        // A pattern starting with two literals is filed under them (province + letter);
        // otherwise under the first bigram of its longest literal run.
        const runs = literalRuns(p).sort((a, b) => [...b].length - [...a].length);
        const head = /^[^*?]{2}/u.test(p) ? bigrams(p)[0] : undefined;
        const key = head ?? (runs[0] ? bigrams(runs[0])[0] : undefined);
        if (key) file(this.wild, key, e);
        else this.scanned.push(e);
      }
    }
    this.byId.set(w.id, e);
  }

  remove(id: string): boolean {
    const e = this.byId.get(id);
    if (!e) return false;
    for (const [map, key] of e.keys) {
      const b = map.get(key);
      if (!b) continue;
      const k = b.indexOf(e);
      if (k >= 0) b.splice(k, 1);
      if (b.length === 0) map.delete(key);
    }
    const s = this.scanned.indexOf(e);
    if (s >= 0) this.scanned.splice(s, 1);
    this.byId.delete(id);
    return true;
  }

  /** Watches this hit matches, appended to `out` (each once). */
  match(hit: Hit, orgPath: readonly string[], out: Watch[] = []): Watch[] {
    // No closures here: this runs for every stored hit (bench/alerts.ts).
    const stamp = ++this.stamp;
    const a = hit.attrs;
    const ts = hit.tsMs;
    if (a?.plate) {
      const r = normalisePlateText(a.plate);
      if (this.exact.size) this.scan(this.exact.get(r), V_ANY, r, ts, orgPath, stamp, out);
      if (this.fuzzy.size) {
        const c = canonicalPlate(r);
        this.scan(this.fuzzy.get(c), V_FUZZY, c, ts, orgPath, stamp, out);
        for (const d of deletions(c)) this.scan(this.fuzzy.get(d), V_FUZZY, c, ts, orgPath, stamp, out);
      }
      if (this.wild.size || this.scanned.length) {
        for (const g of bigrams(r)) this.scan(this.wild.get(g), V_WILD, r, ts, orgPath, stamp, out);
        this.scan(this.scanned, V_WILD, r, ts, orgPath, stamp, out);
      }
    }
    if (hit.type === 'person' && this.clothing.size && a) {
      const us = [a.upperColor ?? '?', a.upperColor2 ?? '?'];
      const ls = [a.lowerColor ?? '?', a.lowerColor2 ?? '?'];
      for (const u of us) {
        for (const l of ls) this.scan(this.clothing.get(`${u}|${l}`), V_ANY, '', ts, orgPath, stamp, out);
        this.scan(this.clothing.get(`${u}|*`), V_ANY, '', ts, orgPath, stamp, out);
      }
      for (const l of ls) this.scan(this.clothing.get(`*|${l}`), V_ANY, '', ts, orgPath, stamp, out);
    }
    return out;
  }

  private scan(
    b: Entry[] | undefined,
    verify: number,
    text: string,
    tsMs: number,
    orgPath: readonly string[],
    stamp: number,
    out: Watch[],
  ): void {
    if (!b) return;
    for (let i = 0; i < b.length; i++) {
      const e = b[i]!;
      if (e.seen === stamp) continue;
      e.seen = stamp;
      if (!inAreaAndWindow(e.w, tsMs, orgPath)) continue;
      if (verify === V_FUZZY ? fuzzyCanonMatch(text, e.canon) : verify === V_WILD ? e.re!.test(text) : true)
        out.push(e.w);
    }
  }

  /** Sizes for metrics and the docs. */
  stats(): {
    watches: number;
    exactKeys: number;
    fuzzyKeys: number;
    wildcardKeys: number;
    scanned: number;
    clothingKeys: number;
  } {
    return {
      watches: this.byId.size,
      exactKeys: this.exact.size,
      fuzzyKeys: this.fuzzy.size,
      wildcardKeys: this.wild.size,
      scanned: this.scanned.length,
      clothingKeys: this.clothing.size,
    };
  }
}

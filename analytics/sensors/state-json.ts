/**
 * A sensor's rule state as the JSON text of `{ s, m, r }` (analytics/sensors/engine.ts
 * encodeState): the text `JSON.stringify` gives, built piece by piece without the entry arrays
 * and the generic walk. The ingest worker writes every sensor a job moved on back to Redis
 * (ingest/sensor-state.ts), thousands a job: this was the largest part of the rules' time in
 * bench:sensors (docs/iot.md). Shapes other than the engine's own (a silence, threshold or rate
 * state with other fields) go through `JSON.stringify`, so the text always parses back the same.
 * Pure.
 */

/** Names (metrics, rule ids) as JSON strings, kept: a city has few of them. */
const names = new Map<string, string>();
const NAMES_MAX = 4_096;

function name(k: string): string {
  let q = names.get(k);
  if (q === undefined) {
    q = JSON.stringify(k) ?? 'null';
    if (names.size < NAMES_MAX) names.set(k, q);
  }
  return q;
}

/** A number as JSON writes it (non-finite: null). */
function num(x: number): string {
  return Number.isFinite(x) ? `${x}` : 'null';
}

/** Any value as JSON writes it inside an array. */
function any(x: unknown): string {
  return typeof x === 'number' ? num(x) : (JSON.stringify(x) ?? 'null');
}

function keys2(o: object, a: string, b: string): boolean {
  let n = 0;
  for (const k in o) {
    if (!Object.hasOwn(o, k)) continue;
    if ((n === 0 && k !== a) || (n === 1 && k !== b) || n > 1) return false;
    n++;
  }
  return n === 2;
}

/** `{lastMs, fired}` (silence) or `{sinceMs, fired}` (threshold), else undefined. */
function flagged(o: unknown, at: 'lastMs' | 'sinceMs'): string | undefined {
  if (typeof o !== 'object' || o === null || !keys2(o, at, 'fired')) return undefined;
  const v = (o as Record<string, unknown>)[at];
  const fired = (o as Record<string, unknown>).fired;
  if (typeof fired !== 'boolean') return undefined;
  if (typeof v === 'number') return `{"${at}":${num(v)},"fired":${fired}}`;
  return v === null && at === 'sinceMs' ? `{"sinceMs":null,"fired":${fired}}` : undefined;
}

/** `{points: [[t, v], …]}` (rate), else undefined. */
function rate(o: unknown): string | undefined {
  if (typeof o !== 'object' || o === null) return undefined;
  let n = 0;
  for (const k in o) if (Object.hasOwn(o, k) && (k !== 'points' || ++n > 1)) return undefined;
  const pts = (o as { points?: unknown }).points;
  if (n !== 1 || !Array.isArray(pts)) return undefined;
  let out = '{"points":[';
  for (let i = 0; i < pts.length; i++) {
    const p: unknown = pts[i];
    if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'number' || typeof p[1] !== 'number')
      return undefined;
    out += `${i ? ',' : ''}[${num(p[0])},${num(p[1])}]`;
  }
  return `${out}]}`;
}

/** The JSON text of `{ s: silence, m: [...metricMs], r: [...rules] }`. */
export function stateJson(
  silence: unknown,
  metricMs: ReadonlyMap<string, number>,
  rules: ReadonlyMap<string, unknown>,
): string {
  let out = `{"s":${flagged(silence, 'lastMs') ?? any(silence)},"m":[`;
  let i = 0;
  for (const [k, v] of metricMs) out += `${i++ ? ',' : ''}[${name(k)},${any(v)}]`;
  out += '],"r":[';
  i = 0;
  for (const [k, v] of rules)
    out += `${i++ ? ',' : ''}[${name(k)},${flagged(v, 'sinceMs') ?? rate(v) ?? any(v)}]`;
  return `${out}]}`;
}

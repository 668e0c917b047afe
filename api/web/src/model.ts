/**
 * The shapes the dashboard reads from the API. Hits, orgs and cameras are the contract and
 * config types themselves (type-only imports, nothing bundled). For the newer endpoints
 * (tasks, cases, stats, route) the readers below accept the documented shape and say
 * clearly when an answer does not fit, rather than guessing.
 */

import type { Camera, OrgNode } from '../../../contracts/config/org.js';
import type { Hit } from '../../../contracts/hit.js';

export type { Camera, Hit, OrgNode };

/** A hit as some answers carry it: vehicle sightings and similarity results have no box. */
export type HitLike = Omit<Hit, 'box'> & { box?: Hit['box'] };

export { COLOURS, EVENT_TYPES, SIGHTING_TYPES } from '../../../contracts/vocabulary.js';
export const TASK_STATES = ['open', 'accepted', 'escalated', 'resolved'] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** Colour swatches for the palette (display only). */
export const SWATCH: Record<string, string> = {
  black: '#111',
  white: '#f5f5f5',
  grey: '#8a8a8a',
  red: '#d33',
  orange: '#f80',
  yellow: '#fd0',
  green: '#2a2',
  blue: '#36f',
  purple: '#93c',
  pink: '#f7a',
  brown: '#853',
  unknown: 'transparent',
};

export interface Principal {
  keyId?: string;
  role?: string;
  org?: string;
}

/** A task (analytics/tasks/model.ts); `status` drives the board. */
export interface Task {
  id: string;
  status: string;
  version?: number;
  title?: string;
  level?: string;
  openedMs?: number;
  acceptedBy?: string | null;
  disposition?: string | null;
  grid?: string;
  org?: string;
  camera?: string;
  rule?: string | null;
  caseId?: string | null;
  type?: string;
  hitIds?: string[];
  /** Newest hits, oldest first: ids with their crop (`snapshot`) and, for events, the whole frame. */
  hits?: Array<{ id: string; tsMs: number; snapshot?: string; frame?: string }>;
  snapshot?: string | null;
  updatedMs?: number;
  deadlineMs?: number | null;
  priority?: string | number;
  note?: string | null;
  [k: string]: unknown;
}

export interface Case {
  id: string;
  title?: string;
  kind?: string;
  status?: string;
  org?: string;
  createdMs?: number;
  [k: string]: unknown;
}

export interface RouteStop {
  tsMs: number;
  camera: string;
  lat: number;
  lon: number;
  hitId?: string;
  id?: string;
  snapshot?: string;
  gapMs?: number;
  [k: string]: unknown;
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The array in an answer: the answer itself, or its first array-valued field among `keys`. */
export function listOf<T>(answer: unknown, ...keys: string[]): T[] {
  if (Array.isArray(answer)) return answer as T[];
  if (isObj(answer)) {
    for (const k of keys) if (Array.isArray(answer[k])) return answer[k] as T[];
  }
  throw new Error(`unexpected answer shape: expected an array or one of ${keys.join(', ')}`);
}

/** An org as `GET /api/v1/orgs` lists it: flat, with its path from the root. */
export interface OrgRow {
  id: string;
  name: string;
  kind: OrgNode['kind'];
  path: string[];
}

/** Builds the tree from the flat list (parents before children is not required). */
export function orgTree(rows: readonly (OrgRow | OrgNode)[]): OrgNode[] {
  if (rows.every((r) => 'children' in r && !('path' in r))) return rows as OrgNode[];
  const nodes = new Map<string, OrgNode>();
  for (const r of rows) nodes.set(r.id, { id: r.id, name: r.name, kind: r.kind, children: [] });
  const roots: OrgNode[] = [];
  for (const r of rows) {
    const path = 'path' in r ? r.path : [r.id];
    const parent = path.length > 1 ? nodes.get(path[path.length - 2]!) : undefined;
    if (parent) parent.children.push(nodes.get(r.id)!);
    else roots.push(nodes.get(r.id)!);
  }
  return roots;
}

/** Flattens an org tree: id → { node, parent, depth }. */
export interface OrgInfo {
  node: OrgNode;
  parent: string | undefined;
  depth: number;
}
export function indexOrgs(roots: readonly OrgNode[]): Map<string, OrgInfo> {
  const m = new Map<string, OrgInfo>();
  const walk = (n: OrgNode, parent: string | undefined, depth: number) => {
    m.set(n.id, { node: n, parent, depth });
    for (const c of n.children ?? []) walk(c, n.id, depth + 1);
  };
  for (const r of roots) walk(r, undefined, 0);
  return m;
}

/** The ancestors of an org, nearest first, itself included. */
export function ancestors(orgs: Map<string, OrgInfo>, id: string): string[] {
  const out: string[] = [];
  for (let cur: string | undefined = id; cur && out.length < 16; cur = orgs.get(cur)?.parent) out.push(cur);
  return out;
}

/** Sums rows by key (stats answers come per bucket). */
export function sumByKey<R extends { key: string; count: number }>(
  rows: readonly R[],
): { key: string; count: number }[] {
  const m = new Map<string, number>();
  for (const r of rows) m.set(r.key, (m.get(r.key) ?? 0) + r.count);
  return [...m].map(([key, count]) => ({ key, count }));
}

export interface StatRow {
  tMs?: number;
  key: string;
  count: number;
}

const num = (v: unknown): number | undefined => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
};

/** Rows of a stats answer: a count, an optional bucket time and the grouping key. */
export function statRows(answer: unknown, key: string): StatRow[] {
  const rows = listOf<Record<string, unknown>>(answer, 'rows', 'stats', 'buckets', 'counts');
  return rows.map((r) => {
    const tMs = num(r.tMs ?? r.bucketMs ?? r.tsMs ?? r.hourMs ?? r.dayMs ?? r.bucket ?? r.t);
    const row: StatRow = { key: String(r[key] ?? r.key ?? ''), count: num(r.count ?? r.hits ?? r.n) ?? 0 };
    if (tMs !== undefined) row.tMs = tMs;
    return row;
  });
}

/**
 * Bucket starts from the first to the last observed one, empty buckets included (they count
 * 0); with `span`, from the bucket holding `fromMs` to the one holding `toMs` (on the
 * observed buckets' grid), so a chart covers the whole range asked for.
 */
export function bucketTimes(
  observed: readonly number[],
  stepMs: number,
  span?: { fromMs: number; toMs: number },
): number[] {
  if (!observed.length) return [];
  let lo = Math.min(...observed);
  let hi = Math.max(...observed);
  if (span) {
    lo = Math.min(lo, lo - Math.ceil((lo - span.fromMs) / stepMs) * stepMs);
    hi = Math.max(hi, hi + Math.floor((span.toMs - hi) / stepMs) * stepMs);
  }
  const out = new Set(observed);
  for (let x = lo; x <= hi && out.size < 10_000; x += stepMs) out.add(x);
  return [...out].sort((a, b) => a - b);
}

/** The board column of a task status (closed as a false positive counts as resolved). */
export function columnOf(state: string): TaskState {
  if ((TASK_STATES as readonly string[]).includes(state)) return state as TaskState;
  return state.startsWith('closed') || state === 'duplicate' ? 'resolved' : 'open';
}

/**
 * Grid tasks (docs/architecture.md#alerts, docs/alerts.md): append-only events, state derived by a pure reducer.
 * `open → accepted → resolved`; `escalated` to the parent org when not accepted within the
 * SLA of the current level (and on request); `closed_false_positive`. Disposition codes are
 * recorded for tuning the rules. No clock, no I/O: times come in on the events.
 */
import type { Priority, SlaLevels } from '../../contracts/config/alerts.js';
import type { OrgKind } from '../../contracts/config/org.js';
import { XlError } from '../../contracts/errors.js';
import type { AlertSource } from '../alerts/matcher.js';

import { DISPOSITIONS, TASK_STATUSES } from '../../contracts/task-notice.js';

export { DISPOSITIONS, TASK_STATUSES };
export type TaskStatus = (typeof TASK_STATUSES)[number];
export type Disposition = (typeof DISPOSITIONS)[number];

/** A hit as a task keeps it: enough to find the row and the snapshot. */
export interface TaskHit {
  id: string;
  tsMs: number;
  snapshot: string;
  /** An event's whole frame with the box and zone drawn (a snapshot id), when the gateway sent one. */
  frame?: string;
}

/** A camera snapshot near a sensor task's place and time (analytics/sensors/fusion.ts). */
export interface NearbySnapshot {
  hitId: string;
  camera: string;
  tsMs: number;
  snapshot: string;
  distanceM: number;
}

/** Nearby snapshots a task keeps at most. */
export const MAX_NEARBY = 50;

export interface Task {
  id: string;
  /** Number of events applied; the store keeps the highest. */
  version: number;
  status: TaskStatus;
  source: AlertSource;
  title: string;
  priority: Priority;
  cooldownKey: string;
  camera: string;
  zone: string;
  /** The grid of the camera and its org path from the city down. */
  grid: string;
  orgPath: string[];
  /** The org that must act now (the grid, or an ancestor after escalation). */
  org: string;
  level: OrgKind;
  slaMs: SlaLevels;
  /** Newest hits (at most `maxHits`), oldest first. */
  hits: TaskHit[];
  hitCount: number;
  firstHitMs: number;
  lastHitMs: number;
  /** Snapshot of the newest hit that has one. */
  snapshot: string;
  openedMs: number;
  updatedMs: number;
  /** When the current level's SLA runs out; null once accepted or closed, or at the top. */
  deadlineMs: number | null;
  escalations: number;
  acceptedBy: string | null;
  disposition: Disposition | null;
  note: string;
  /** Sensor tasks: snapshots of cameras around the sensor at the event's time (docs/iot.md). */
  nearby?: NearbySnapshot[];
}

interface EventBase {
  taskId: string;
  tsMs: number;
  /** Who: an API key id, or `system` (alerts, SLA). */
  by: string;
}

export type TaskEvent =
  | (EventBase & {
      type: 'opened';
      source: AlertSource;
      title: string;
      priority: Priority;
      cooldownKey: string;
      camera: string;
      zone: string;
      grid: string;
      orgPath: string[];
      level: OrgKind;
      slaMs: SlaLevels;
      hits: TaskHit[];
      deadlineMs: number | null;
    })
  | (EventBase & { type: 'hits_added'; hits: TaskHit[] })
  | (EventBase & { type: 'nearby_added'; snapshots: NearbySnapshot[] })
  | (EventBase & { type: 'accepted'; note: string })
  | (EventBase & {
      type: 'escalated';
      note: string;
      toOrg: string;
      toLevel: OrgKind;
      deadlineMs: number | null;
    })
  | (EventBase & { type: 'resolved'; note: string; disposition: Disposition });

export type TaskEventType = TaskEvent['type'];

export const CLOSED: ReadonlySet<TaskStatus> = new Set(['resolved', 'closed_false_positive']);
export const AWAITING: ReadonlySet<TaskStatus> = new Set(['open', 'escalated']);

function bad(t: Task | undefined, e: TaskEvent): never {
  throw new XlError(
    'TASK_BAD_TRANSITION',
    `task ${e.taskId} is ${t ? t.status : 'missing'}: cannot apply ${e.type}`,
    {
      status: t?.status ?? null,
      event: e.type,
    },
  );
}

function addHits(
  t: Task,
  hits: readonly TaskHit[],
  maxHits: number,
): Pick<Task, 'hits' | 'hitCount' | 'firstHitMs' | 'lastHitMs' | 'snapshot'> {
  const all = [...t.hits, ...hits];
  let snapshot = t.snapshot;
  let last = t.lastHitMs;
  let first = t.firstHitMs;
  for (const h of hits) {
    if (h.tsMs >= last) {
      last = h.tsMs;
      if (h.snapshot) snapshot = h.snapshot;
    }
    if (h.tsMs < first) first = h.tsMs;
  }
  return {
    hits: all.slice(Math.max(0, all.length - maxHits)),
    hitCount: t.hitCount + hits.length,
    firstHitMs: first,
    lastHitMs: last,
    snapshot,
  };
}

/** The pure reducer: state after one event. Throws TASK_BAD_TRANSITION on an illegal step. */
export function applyTaskEvent(t: Task | undefined, e: TaskEvent, maxHits = 50): Task {
  if (e.type === 'opened') {
    if (t) bad(t, e);
    const base: Task = {
      id: e.taskId,
      version: 0,
      status: 'open',
      source: e.source,
      title: e.title,
      priority: e.priority,
      cooldownKey: e.cooldownKey,
      camera: e.camera,
      zone: e.zone,
      grid: e.grid,
      orgPath: e.orgPath,
      org: e.grid,
      level: e.level,
      slaMs: e.slaMs,
      hits: [],
      hitCount: 0,
      firstHitMs: Number.POSITIVE_INFINITY,
      lastHitMs: Number.NEGATIVE_INFINITY,
      snapshot: '',
      openedMs: e.tsMs,
      updatedMs: e.tsMs,
      deadlineMs: e.deadlineMs,
      escalations: 0,
      acceptedBy: null,
      disposition: null,
      note: '',
    };
    return { ...base, ...addHits(base, e.hits, maxHits), version: 1 };
  }
  if (!t) bad(t, e);
  const next = { ...t, version: t.version + 1, updatedMs: Math.max(t.updatedMs, e.tsMs) };
  switch (e.type) {
    case 'hits_added':
      if (CLOSED.has(t.status)) bad(t, e);
      return { ...next, ...addHits(t, e.hits, maxHits) };
    case 'nearby_added': {
      // Context, not a change of state: allowed whatever the status; merged by hit id.
      const seen = new Map((t.nearby ?? []).map((n) => [n.hitId, n]));
      for (const n of e.snapshots) seen.set(n.hitId, n);
      const nearby = [...seen.values()].sort((a, b) => a.tsMs - b.tsMs).slice(0, MAX_NEARBY);
      return { ...next, nearby };
    }
    case 'accepted':
      if (!AWAITING.has(t.status)) bad(t, e);
      return { ...next, status: 'accepted', acceptedBy: e.by, deadlineMs: null, note: e.note };
    case 'escalated':
      if (CLOSED.has(t.status)) bad(t, e);
      return {
        ...next,
        status: 'escalated',
        org: e.toOrg,
        level: e.toLevel,
        deadlineMs: e.deadlineMs,
        escalations: t.escalations + 1,
        acceptedBy: null,
        note: e.note,
      };
    case 'resolved':
      if (CLOSED.has(t.status)) bad(t, e);
      return {
        ...next,
        status: e.disposition === 'false_positive' ? 'closed_false_positive' : 'resolved',
        disposition: e.disposition,
        deadlineMs: null,
        note: e.note,
      };
  }
}

/** State from a whole event history (what `task_events` holds for one task). */
export function replayTask(events: readonly TaskEvent[], maxHits = 50): Task | undefined {
  let t: Task | undefined;
  for (const e of events) t = applyTaskEvent(t, e, maxHits);
  return t;
}

/** SLA at a level, or null at the city (nothing above it). */
export function slaAt(level: OrgKind, sla: SlaLevels): number | null {
  switch (level) {
    case 'grid':
      return sla.gridMs;
    case 'village':
      return sla.villageMs;
    case 'town':
      return sla.townMs;
    case 'county':
      return sla.countyMs;
    case 'city':
      return null;
  }
}

/** The org a task climbs to: the parent of its current org on the grid's path, or undefined at the top. */
export function escalationTarget(t: { org: string; orgPath: readonly string[] }): string | undefined {
  const k = t.orgPath.indexOf(t.org);
  return k > 0 ? t.orgPath[k - 1] : undefined;
}

/** Orgs told about a change: the current org and every org below it down to the grid. */
export function audienceOrgs(t: { org: string; orgPath: readonly string[] }): string[] {
  const k = t.orgPath.indexOf(t.org);
  return k < 0 ? [t.orgPath[t.orgPath.length - 1] ?? t.org] : t.orgPath.slice(k);
}

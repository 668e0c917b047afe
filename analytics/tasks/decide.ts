/**
 * What happens to a task, decided without I/O (docs/alerts.md): an API action or an expired SLA
 * becomes the task event to apply — or nothing (an SLA timer that no longer applies). The
 * `escalated` event is built here once, for both. Pure: the caller passes the time.
 */
import type { OrgKind } from '../../contracts/config/org.js';
import { XlError } from '../../contracts/errors.js';
import { deadlineAt } from './alerts-to-tasks.js';
import { AWAITING, type Disposition, escalationTarget, type Task, type TaskEvent } from './model.js';

export type TaskAction = 'accept' | 'resolve' | 'escalate';

/** The kind of an org (the level a task escalated to); unknown orgs count as the city. */
export type KindOf = (org: string) => OrgKind | undefined;

/** The `escalated` event moving `t` to its parent org, or undefined at the top of its path. */
export function escalate(
  t: Task,
  kindOf: KindOf,
  e: { by: string; note: string; tsMs: number },
): Extract<TaskEvent, { type: 'escalated' }> | undefined {
  const to = escalationTarget(t);
  if (!to) return undefined;
  const level = kindOf(to) ?? 'city';
  return {
    type: 'escalated',
    taskId: t.id,
    tsMs: e.tsMs,
    by: e.by,
    note: e.note,
    toOrg: to,
    toLevel: level,
    deadlineMs: deadlineAt(level, t.slaMs, t.orgPath, to, e.tsMs),
  };
}

/** The event of an API action on `t`; escalating a task at the top is `TASK_AT_TOP`. */
export function actionEvent(
  t: Task,
  action: TaskAction,
  a: { by: string; note: string; disposition?: Disposition },
  kindOf: KindOf,
  tsMs: number,
): TaskEvent {
  if (action === 'accept') return { type: 'accepted', taskId: t.id, tsMs, by: a.by, note: a.note };
  if (action === 'resolve')
    return {
      type: 'resolved',
      taskId: t.id,
      tsMs,
      by: a.by,
      note: a.note,
      disposition: a.disposition ?? 'resolved',
    };
  const ev = escalate(t, kindOf, { by: a.by, note: a.note, tsMs });
  if (!ev) throw new XlError('TASK_AT_TOP', `task ${t.id} is at ${t.org}, the top of its org path`);
  return ev;
}

/** What an SLA timer scheduled for the task at `org` after `escalations` steps asks for. */
export interface SlaDue {
  org: string;
  escalations: number;
}

/**
 * The event of an SLA timer that ran out: an escalation when the task still awaits acceptance at
 * the org and step the timer was set for, else null (accepted, closed or moved on since).
 */
export function slaEvent(t: Task, due: SlaDue, kindOf: KindOf, tsMs: number): TaskEvent | null {
  if (!AWAITING.has(t.status) || t.org !== due.org || t.escalations !== due.escalations) return null;
  return (
    escalate(t, kindOf, { by: 'system', note: `not accepted at ${due.org} within its SLA`, tsMs }) ?? null
  );
}

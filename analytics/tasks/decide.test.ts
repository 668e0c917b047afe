import { describe, expect, it } from 'vitest';
import { isXlError } from '../../contracts/errors.js';
import type { OrgKind } from '../../contracts/config/org.js';
import { actionEvent, slaEvent } from './decide.js';
import { applyTaskEvent, type Task, type TaskEvent } from './model.js';

const SLA = { gridMs: 1000, villageMs: 2000, townMs: 3000, countyMs: 4000 };
const PATH = ['city', 'county', 'town', 'village', 'grid'];
const KINDS: Record<string, OrgKind> = {
  city: 'city',
  county: 'county',
  town: 'town',
  village: 'village',
  grid: 'grid',
};
const kindOf = (org: string) => KINDS[org];
const opened: TaskEvent = {
  type: 'opened',
  taskId: 't1',
  tsMs: 100,
  by: 'system',
  source: { kind: 'rule', ruleId: 'park' },
  title: 'Parking',
  priority: 'normal',
  cooldownKey: 'rule:park|cam|z',
  camera: 'cam',
  zone: 'z',
  grid: 'grid',
  orgPath: PATH,
  level: 'grid',
  slaMs: SLA,
  hits: [{ id: 'h1', tsMs: 90, snapshot: 's1' }],
  deadlineMs: 1100,
};
const task = (): Task => applyTaskEvent(undefined, opened);

describe('task decisions (pure)', () => {
  it('turns accept and resolve into their events', () => {
    expect(actionEvent(task(), 'accept', { by: 'k1', note: 'n' }, kindOf, 500)).toEqual({
      type: 'accepted',
      taskId: 't1',
      tsMs: 500,
      by: 'k1',
      note: 'n',
    });
    expect(actionEvent(task(), 'resolve', { by: 'k1', note: '' }, kindOf, 500)).toMatchObject({
      type: 'resolved',
      disposition: 'resolved',
    });
  });

  it('escalates an action to the parent org with that level’s SLA deadline', () => {
    expect(actionEvent(task(), 'escalate', { by: 'k1', note: 'help' }, kindOf, 500)).toEqual({
      type: 'escalated',
      taskId: 't1',
      tsMs: 500,
      by: 'k1',
      note: 'help',
      toOrg: 'village',
      toLevel: 'village',
      deadlineMs: 2500,
    });
  });

  it('builds the same escalation for an expired SLA, by the system', () => {
    const e = slaEvent(task(), { org: 'grid', escalations: 0 }, kindOf, 1100);
    expect(e).toMatchObject({ type: 'escalated', by: 'system', toOrg: 'village', deadlineMs: 3100 });
    expect(e).toMatchObject({ note: 'not accepted at grid within its SLA' });
  });

  it('ignores an SLA timer that no longer applies', () => {
    const accepted = applyTaskEvent(task(), { type: 'accepted', taskId: 't1', tsMs: 200, by: 'k', note: '' });
    expect(slaEvent(accepted, { org: 'grid', escalations: 0 }, kindOf, 1100)).toBeNull();
    expect(slaEvent(task(), { org: 'village', escalations: 0 }, kindOf, 1100)).toBeNull();
    expect(slaEvent(task(), { org: 'grid', escalations: 1 }, kindOf, 1100)).toBeNull();
  });

  it('refuses to escalate past the top of the org path', () => {
    let t = task();
    for (const to of ['village', 'town', 'county', 'city']) {
      const e = actionEvent(t, 'escalate', { by: 'k', note: '' }, kindOf, 600);
      expect(e).toMatchObject({ toOrg: to });
      t = applyTaskEvent(t, e);
    }
    let err: unknown;
    try {
      actionEvent(t, 'escalate', { by: 'k', note: '' }, kindOf, 700);
    } catch (e) {
      err = e;
    }
    expect(isXlError(err, 'TASK_AT_TOP')).toBe(true);
    expect(slaEvent(t, { org: 'city', escalations: t.escalations }, kindOf, 700)).toBeNull();
  });
});

/** Every task change the reducer can produce validates against the wire contract (contracts/task-notice.ts). */
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { describe, expect, it } from 'vitest';
import { TaskNotice } from '../../contracts/task-notice.js';
import { applyTaskEvent, type Task, type TaskEvent } from './model.js';
import { taskNotice } from './notice.js';

const check = TypeCompiler.Compile(TaskNotice);
const SLA = { gridMs: 1000, villageMs: 2000, townMs: 3000, countyMs: 4000 };
const opened = (source: Extract<TaskEvent, { type: 'opened' }>['source']): TaskEvent => ({
  type: 'opened',
  taskId: 't1',
  tsMs: 100,
  by: 'system',
  source,
  title: 'Parking',
  priority: 'high',
  cooldownKey: 'rule:park|cam|z',
  camera: 'cam',
  zone: '',
  grid: 'grid',
  orgPath: ['city', 'county', 'town', 'village', 'grid'],
  level: 'grid',
  slaMs: SLA,
  hits: [{ id: 'h1', tsMs: 90, snapshot: '' }],
  deadlineMs: 1100,
});
const base = { taskId: 't1', by: 'key-1', note: 'on my way' };

describe('task notice', () => {
  it.each<[string, TaskEvent[]]>([
    [
      'rule, accepted, resolved',
      [
        opened({ kind: 'rule', ruleId: 'park' }),
        { ...base, type: 'accepted', tsMs: 200 },
        { ...base, type: 'resolved', tsMs: 300, disposition: 'resolved' },
      ],
    ],
    [
      'watch, more hits, escalated, false positive',
      [
        opened({ kind: 'watch', watchId: 'w1', caseId: 'c1', caseOrg: 'county' }),
        {
          ...base,
          by: 'system',
          type: 'hits_added',
          tsMs: 150,
          hits: [{ id: 'h2', tsMs: 140, snapshot: 's2' }],
        },
        {
          ...base,
          by: 'system',
          type: 'escalated',
          tsMs: 1200,
          toOrg: 'village',
          toLevel: 'village',
          deadlineMs: 3200,
        },
        { ...base, type: 'resolved', tsMs: 1300, disposition: 'false_positive' },
      ],
    ],
  ])('%s: every change validates after a JSON round trip', (_name, events) => {
    let t: Task | undefined;
    for (const e of events) {
      t = applyTaskEvent(t, e);
      const wire = JSON.parse(JSON.stringify(taskNotice({ task: t, event: e })));
      expect([...check.Errors(wire)].map((x) => `${x.path}: ${x.message}`)).toEqual([]);
      expect(wire).toMatchObject({
        v: 1,
        event: e.type,
        by: e.by,
        tsMs: e.tsMs,
        task: { id: 't1', version: t.version },
      });
    }
  });

  it('refuses a notice that is not one', () => {
    const t = applyTaskEvent(undefined, opened({ kind: 'rule', ruleId: 'park' }));
    const n = JSON.parse(
      JSON.stringify(taskNotice({ task: t, event: opened({ kind: 'rule', ruleId: 'park' }) })),
    );
    expect(check.Check({ ...n, event: 'deleted' })).toBe(false);
    expect(check.Check({ ...n, task: { ...n.task, status: 'lost' } })).toBe(false);
    expect(check.Check({ ...n, extra: 1 })).toBe(false);
  });
});

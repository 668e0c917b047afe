import { describe, expect, it } from 'vitest';
import { isXlError } from '../../contracts/errors.js';
import {
  applyTaskEvent,
  audienceOrgs,
  escalationTarget,
  replayTask,
  slaAt,
  type Task,
  type TaskEvent,
} from './model.js';

const SLA = { gridMs: 1000, villageMs: 2000, townMs: 3000, countyMs: 4000 };
const PATH = ['city', 'county', 'town', 'village', 'grid'];
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
const ev = (e: Record<string, unknown>) => ({ taskId: 't1', by: 'k1', note: '', ...e }) as TaskEvent;
const esc = (toOrg: string, toLevel: string, tsMs: number) =>
  ev({ type: 'escalated', by: 'system', toOrg, toLevel, deadlineMs: tsMs + 1, tsMs });

describe('task reducer', () => {
  it('opens at the grid with its first hit and SLA deadline', () => {
    const t = applyTaskEvent(undefined, opened);
    expect(t).toMatchObject({
      status: 'open',
      org: 'grid',
      level: 'grid',
      version: 1,
      hitCount: 1,
      snapshot: 's1',
      deadlineMs: 1100,
    });
  });

  it.each<[string, TaskEvent[], Partial<Task> | string]>([
    [
      'accept',
      [opened, ev({ type: 'accepted', tsMs: 200 })],
      { status: 'accepted', acceptedBy: 'k1', deadlineMs: null },
    ],
    [
      'accept then resolve',
      [
        opened,
        ev({ type: 'accepted', tsMs: 200 }),
        ev({ type: 'resolved', tsMs: 300, disposition: 'resolved' }),
      ],
      { status: 'resolved', disposition: 'resolved' },
    ],
    [
      'false positive',
      [opened, ev({ type: 'resolved', tsMs: 300, disposition: 'false_positive' })],
      { status: 'closed_false_positive', disposition: 'false_positive' },
    ],
    [
      'duplicate',
      [opened, ev({ type: 'resolved', tsMs: 300, disposition: 'duplicate' })],
      { status: 'resolved', disposition: 'duplicate' },
    ],
    [
      'escalate twice',
      [opened, esc('village', 'village', 1100), esc('town', 'town', 3100)],
      { status: 'escalated', org: 'town', level: 'town', escalations: 2 },
    ],
    [
      'accept after escalation',
      [opened, esc('village', 'village', 1100), ev({ type: 'accepted', tsMs: 1200 })],
      { status: 'accepted', org: 'village' },
    ],
    [
      'hits added, newest snapshot',
      [
        opened,
        ev({
          type: 'hits_added',
          tsMs: 150,
          hits: [
            { id: 'h2', tsMs: 140, snapshot: 's2' },
            { id: 'h3', tsMs: 130, snapshot: 's3' },
          ],
        }),
      ],
      { hitCount: 3, snapshot: 's2', lastHitMs: 140, firstHitMs: 90 },
    ],
    [
      'accept twice',
      [opened, ev({ type: 'accepted', tsMs: 200 }), ev({ type: 'accepted', tsMs: 210 })],
      'TASK_BAD_TRANSITION',
    ],
    [
      'resolve a resolved task',
      [
        opened,
        ev({ type: 'resolved', tsMs: 200, disposition: 'resolved' }),
        ev({ type: 'resolved', tsMs: 210, disposition: 'resolved' }),
      ],
      'TASK_BAD_TRANSITION',
    ],
    [
      'hits on a closed task',
      [
        opened,
        ev({ type: 'resolved', tsMs: 200, disposition: 'resolved' }),
        ev({ type: 'hits_added', tsMs: 300, hits: [] }),
      ],
      'TASK_BAD_TRANSITION',
    ],
    ['open twice', [opened, opened], 'TASK_BAD_TRANSITION'],
    ['event before opened', [ev({ type: 'accepted', tsMs: 1 })], 'TASK_BAD_TRANSITION'],
  ])('%s', (_n, events, want) => {
    if (typeof want === 'string') {
      let err: unknown;
      try {
        replayTask(events);
      } catch (e) {
        err = e;
      }
      expect(isXlError(err, want)).toBe(true);
    } else {
      expect(replayTask(events)).toMatchObject({ ...want, version: events.length });
    }
  });

  it('keeps only the newest hits but counts all', () => {
    let t = applyTaskEvent(undefined, opened, 3);
    for (let k = 0; k < 10; k++)
      t = applyTaskEvent(
        t,
        ev({ type: 'hits_added', tsMs: 200 + k, hits: [{ id: `x${k}`, tsMs: 200 + k, snapshot: '' }] }),
        3,
      );
    expect(t.hits.map((h) => h.id)).toEqual(['x7', 'x8', 'x9']);
    expect(t.hitCount).toBe(11);
    expect(t.snapshot).toBe('s1');
  });

  it('does not mutate the previous state', () => {
    const t = applyTaskEvent(undefined, opened);
    const frozen = structuredClone(t);
    applyTaskEvent(t, ev({ type: 'accepted', tsMs: 200 }));
    expect(t).toEqual(frozen);
  });
});

describe('escalation ladder', () => {
  it.each([
    ['grid', 'village'],
    ['village', 'town'],
    ['town', 'county'],
    ['county', 'city'],
    ['city', undefined],
  ])('%s → %s', (org, want) => expect(escalationTarget({ org, orgPath: PATH })).toBe(want));

  it.each([
    ['grid', 1000],
    ['village', 2000],
    ['town', 3000],
    ['county', 4000],
    ['city', null],
  ] as const)('SLA at %s is %s', (level, ms) => expect(slaAt(level, SLA)).toBe(ms));

  it('tells the current org and those below it', () => {
    expect(audienceOrgs({ org: 'grid', orgPath: PATH })).toEqual(['grid']);
    expect(audienceOrgs({ org: 'town', orgPath: PATH })).toEqual(['town', 'village', 'grid']);
  });
});

describe('nearby snapshots (sensor tasks)', () => {
  const snap = (hitId: string, tsMs: number) => ({
    hitId,
    camera: 'cam',
    tsMs,
    snapshot: `s-${hitId}`,
    distanceM: 10,
  });
  it('merges by hit id in time order, whatever the status, without touching the state', () => {
    let t = applyTaskEvent(undefined, opened);
    t = applyTaskEvent(t, ev({ type: 'nearby_added', tsMs: 200, snapshots: [snap('b', 50), snap('a', 40)] }));
    t = applyTaskEvent(t, ev({ type: 'resolved', tsMs: 300, disposition: 'resolved' }));
    t = applyTaskEvent(t, ev({ type: 'nearby_added', tsMs: 400, snapshots: [snap('b', 50), snap('c', 95)] }));
    expect(t.nearby?.map((n) => n.hitId)).toEqual(['a', 'b', 'c']);
    expect(t).toMatchObject({ status: 'resolved', hitCount: 1, version: 4 });
  });

  it('keeps at most 50', () => {
    const many = Array.from({ length: 80 }, (_, i) => snap(`h${i}`, i));
    const t = applyTaskEvent(
      applyTaskEvent(undefined, opened),
      ev({ type: 'nearby_added', tsMs: 200, snapshots: many }),
    );
    expect(t.nearby).toHaveLength(50);
  });
});

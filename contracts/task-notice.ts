/**
 * The task notification (docs/alerts.md): what the alert engine sends for every change of a
 * grid task — on MQTT `xueliang/v1/grid/{org}/tasks` (QoS 1) for each org that must see it, to
 * webhooks (signed), and as the SSE `task` event. The task's state is derived by the reducer in
 * analytics/tasks/model.ts; this is its wire form (analytics/tasks/notice.test.ts checks that
 * the reducer's tasks validate against it). Pure.
 */
import { type Static, type TLiteral, type TUnion, Type as T } from '@sinclair/typebox';
import { PRIORITIES, SlaLevels } from './config/alerts.js';
import { ORG_KINDS } from './config/org.js';

export const TASK_STATUSES = ['open', 'escalated', 'accepted', 'resolved', 'closed_false_positive'] as const;
export const DISPOSITIONS = ['resolved', 'false_positive', 'duplicate'] as const;
export const TASK_EVENT_TYPES = [
  'opened',
  'hits_added',
  'accepted',
  'resolved',
  'escalated',
  'nearby_added',
] as const;

const Id = (description: string) => T.String({ minLength: 1, maxLength: 128, description });
const Ms = (description: string) => T.Integer({ minimum: 0, description: `${description}, epoch ms` });
const OneOf = <S extends readonly string[]>(xs: S, description: string) =>
  T.Union(
    xs.map((x) => T.Literal(x)),
    { description },
  ) as unknown as TUnion<Array<TLiteral<S[number]>>>;

export const TaskSource = T.Union(
  [
    T.Object(
      { kind: T.Literal('rule'), ruleId: Id('Alert rule (city.yaml alerts.rules)') },
      { additionalProperties: false },
    ),
    T.Object(
      {
        kind: T.Literal('watch'),
        watchId: Id('Case watch'),
        caseId: Id('The case the watch belongs to'),
        caseOrg: Id('Org of the case'),
      },
      { additionalProperties: false },
    ),
  ],
  { description: 'What raised the task: an alert rule or a case watch' },
);

export const TaskHitRef = T.Object(
  {
    id: Id('Hit id (GET /api/v1/hits/{id})'),
    tsMs: Ms('When the hit was seen'),
    snapshot: T.String({
      maxLength: 128,
      description: 'Snapshot id (GET /api/v1/snapshots/{id}); empty: none',
    }),
    frame: T.Optional(
      T.String({
        maxLength: 128,
        description: 'Events: the whole frame with the box and zone drawn, a snapshot id',
      }),
    ),
  },
  { additionalProperties: false },
);

export const TaskDoc = T.Object(
  {
    id: Id('Task id'),
    version: T.Integer({
      minimum: 1,
      description: 'Events applied so far; a newer notification has a higher version',
    }),
    status: OneOf(TASK_STATUSES, 'open, escalated, accepted, resolved or closed_false_positive'),
    source: TaskSource,
    title: T.String({ description: 'Rule or watch title' }),
    priority: OneOf(PRIORITIES, 'low, normal, high or urgent'),
    cooldownKey: T.String({
      description: 'Source, camera and zone: later hits with this key within the cooldown update this task',
    }),
    camera: Id('Camera'),
    zone: T.String({ maxLength: 64, description: 'Zone; empty: none' }),
    grid: Id('Grid of the camera'),
    orgPath: T.Array(T.String(), { description: 'Org ids from the city down to the grid' }),
    org: Id('The org that must act now: the grid, or an ancestor after escalation'),
    level: OneOf(ORG_KINDS, 'Kind of that org'),
    slaMs: SlaLevels,
    hits: T.Array(TaskHitRef, { description: 'Newest hits, oldest first' }),
    hitCount: T.Integer({ minimum: 0 }),
    firstHitMs: Ms('First hit'),
    lastHitMs: Ms('Newest hit'),
    snapshot: T.String({
      maxLength: 128,
      description: 'Snapshot of the newest hit that has one; empty: none',
    }),
    openedMs: Ms('Opened'),
    updatedMs: Ms('Last change'),
    deadlineMs: T.Union([Ms('When the current level’s SLA runs out'), T.Null()]),
    escalations: T.Integer({ minimum: 0 }),
    acceptedBy: T.Union([T.String(), T.Null()]),
    disposition: T.Union([OneOf(DISPOSITIONS, 'How it was closed'), T.Null()]),
    note: T.String({ description: 'The latest note of an action' }),
    nearby: T.Optional(
      T.Array(
        T.Object(
          {
            hitId: Id('The camera hit that holds the snapshot'),
            camera: Id('Camera'),
            tsMs: Ms('When the camera saw it'),
            snapshot: T.String({ maxLength: 128, description: 'Snapshot id (GET /api/v1/snapshots/{id})' }),
            distanceM: T.Number({ minimum: 0, description: 'Camera to sensor, metres' }),
          },
          { additionalProperties: false },
        ),
        {
          maxItems: 50,
          description: 'Sensor tasks: snapshots of cameras near the sensor around the event (docs/iot.md)',
        },
      ),
    ),
  },
  { additionalProperties: false, description: 'A grid task as it stands after the change' },
);
export type TaskDoc = Static<typeof TaskDoc>;

export const TaskNotice = T.Object(
  {
    v: T.Literal(1),
    event: OneOf(
      TASK_EVENT_TYPES,
      'The change: opened, hits_added, accepted, resolved, escalated, or nearby_added (camera snapshots attached to a sensor task)',
    ),
    by: T.String({
      maxLength: 128,
      description: 'Who: an API key id, or `system` (alert rules, SLA escalation)',
    }),
    tsMs: Ms('When the change happened'),
    task: TaskDoc,
  },
  { additionalProperties: false, description: 'One change of a grid task' },
);
export type TaskNotice = Static<typeof TaskNotice>;

/**
 * Alert rules, case-watch defaults, SLAs and webhooks (docs/architecture.md#alerts, docs/alerts.md). Part of
 * city.yaml as `alerts`. A rule maps hits to tasks for the grid of the camera; a task not
 * accepted within the SLA of its current level climbs to the parent org.
 */
import { type Static, Type as T } from '@sinclair/typebox';
import { Channel, checkChannels } from './channels.js';
import type { ConfigProblem } from './load.js';
import type { OrgNode } from './org.js';

const Id = (description: string) =>
  T.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$', description });

const Ms = (def: number, description: string) =>
  T.Integer({ minimum: 100, maximum: 30 * 86_400_000, default: def, description });

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];
const PriorityT = (def: Priority) =>
  T.Union(
    PRIORITIES.map((p) => T.Literal(p)),
    { default: def, description: 'Task priority: low, normal, high or urgent' },
  );

/** How long a task may wait unaccepted at each level before it climbs to the parent org. */
export const SlaLevels = T.Object(
  {
    gridMs: Ms(15 * 60_000, 'At the grid, ms'),
    villageMs: Ms(30 * 60_000, 'At the village or community, ms'),
    townMs: Ms(60 * 60_000, 'At the town, ms'),
    countyMs: Ms(120 * 60_000, 'At the county, ms (the city level does not escalate further)'),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'SLA per level: time to accept before escalation',
  },
);
export type SlaLevels = Static<typeof SlaLevels>;

const HHMM = (def: string, description: string) =>
  T.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$', default: def, description });

export const RuleMatch = T.Object(
  {
    kinds: T.Array(T.Union([T.Literal('sighting'), T.Literal('event')]), {
      default: [],
      maxItems: 2,
      description: 'Hit kinds that match (sighting, event); empty: any',
    }),
    types: T.Array(T.String({ minLength: 1, maxLength: 64 }), {
      default: [],
      maxItems: 64,
      description: 'Hit types (illegal_parking, person, …); empty: any',
    }),
    labels: T.Array(T.String({ minLength: 1, maxLength: 64 }), {
      default: [],
      maxItems: 64,
      description: 'Detector labels (car, truck, …); empty: any',
    }),
    zones: T.Array(T.String({ minLength: 1, maxLength: 64 }), {
      default: [],
      maxItems: 256,
      description: 'Zone names; empty: any zone or none',
    }),
    orgs: T.Array(T.String({ minLength: 1, maxLength: 64 }), {
      default: [],
      maxItems: 256,
      description: 'Org ids: the camera must lie in the subtree of one of them; empty: anywhere',
    }),
    hours: T.Object(
      {
        from: HHMM('00:00', 'Start of the daily window, HH:MM local time (city.timezone)'),
        to: HHMM(
          '24:00',
          'End of the daily window, HH:MM local time; before `from`: the window wraps midnight',
        ),
      },
      { additionalProperties: false, default: {}, description: 'Time of day the rule applies' },
    ),
    minScore: T.Number({
      minimum: 0,
      maximum: 1,
      default: 0,
      description: 'Lowest detector score that matches',
    }),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'What a hit must be to match (all conditions hold)',
  },
);

export const AlertRule = T.Object(
  {
    id: Id('Rule id (tasks and cooldowns are keyed by it)'),
    title: T.String({ maxLength: 128, default: '', description: 'Shown on the task (default: the rule id)' }),
    enabled: T.Boolean({ default: true, description: 'false: the rule is ignored' }),
    match: RuleMatch,
    cooldownMs: Ms(
      10 * 60_000,
      'Same rule, camera and zone within this long after the last hit: the open task is updated instead of a new one, ms',
    ),
    priority: PriorityT('normal'),
    slaMs: SlaLevels,
  },
  { additionalProperties: false },
);
export type AlertRule = Static<typeof AlertRule>;

export const Webhook = T.Object(
  {
    id: Id('Webhook id'),
    org: Id('Org whose subtree this webhook covers: it receives every change of a task there'),
    url: T.String({ pattern: '^https?://', maxLength: 2048, description: 'Receiver URL (POST, JSON)' }),
    secret: T.String({
      minLength: 16,
      maxLength: 256,
      description: 'Shared secret for the `X-Xueliang-Signature` header (HMAC-SHA256 of `timestamp.body`)',
    }),
    enabled: T.Boolean({ default: true, description: 'false: nothing is sent' }),
  },
  { additionalProperties: false },
);
export type Webhook = Static<typeof Webhook>;

export const AlertsSection = T.Object(
  {
    enabled: T.Boolean({ default: true, description: 'false: hits are stored but never matched' }),
    rules: T.Array(AlertRule, {
      default: [],
      maxItems: 10_000,
      description: 'Alert rules: which hits open tasks',
    }),
    watches: T.Object(
      {
        cooldownMs: Ms(
          10 * 60_000,
          'Same watch, camera and zone within this long: the open task is updated, ms',
        ),
        priority: PriorityT('high'),
        slaMs: SlaLevels,
        reloadMs: Ms(
          30_000,
          'How often the open watches are re-read from the store (changes made in other processes), ms',
        ),
      },
      {
        additionalProperties: false,
        default: {},
        description: 'Tasks raised by case watches (plates, clothing colours)',
      },
    ),
    maxHitsPerTask: T.Integer({
      minimum: 1,
      maximum: 1000,
      default: 50,
      description: 'Hit ids kept on a task (the newest); the count keeps growing',
    }),
    webhooks: T.Array(Webhook, { default: [], maxItems: 1000, description: 'Webhooks per org' }),
    channels: T.Array(Channel, {
      default: [],
      maxItems: 1000,
      description:
        'DingTalk (incl. 浙政钉) and WeCom group robots per org; retried and dead-lettered like webhooks',
    }),
    webhookAttempts: T.Integer({
      minimum: 1,
      maximum: 50,
      default: 8,
      description: 'Delivery attempts before a webhook call (or a robot message) becomes a dead letter',
    }),
    webhookBackoffMs: T.Integer({
      minimum: 10,
      maximum: 600_000,
      default: 1000,
      description: 'First retry delay of a webhook call (or a robot message); doubles per attempt, ms',
    }),
    webhookTimeoutMs: T.Integer({
      minimum: 100,
      maximum: 60_000,
      default: 5000,
      description: 'Time a receiver has to answer, ms',
    }),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'Alerts and grid tasks (docs/architecture.md#alerts)',
  },
);
export type AlertsSection = Static<typeof AlertsSection>;

/** Cross-references of the alerts section: duplicate ids, unknown orgs. */
export function checkAlerts(alerts: AlertsSection, orgIds: ReadonlySet<string>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const rules = new Set<string>();
  alerts.rules.forEach((r, k) => {
    if (rules.has(r.id))
      problems.push({ path: `/alerts/rules/${k}/id`, message: `rule id '${r.id}' appears twice` });
    rules.add(r.id);
    r.match.orgs.forEach((o, j) => {
      if (!orgIds.has(o))
        problems.push({ path: `/alerts/rules/${k}/match/orgs/${j}`, message: `no org '${o}' in /orgs` });
    });
  });
  const hooks = new Set<string>();
  alerts.webhooks.forEach((w, k) => {
    if (hooks.has(w.id))
      problems.push({ path: `/alerts/webhooks/${k}/id`, message: `webhook id '${w.id}' appears twice` });
    hooks.add(w.id);
    if (!orgIds.has(w.org))
      problems.push({ path: `/alerts/webhooks/${k}/org`, message: `no org '${w.org}' in /orgs` });
  });
  problems.push(...checkChannels(alerts.channels, orgIds));
  return problems;
}

/** Helper for callers holding the tree rather than a set of ids. */
export function orgIdSet(orgs: readonly OrgNode[]): Set<string> {
  const ids = new Set<string>();
  const visit = (ns: readonly OrgNode[]) => {
    for (const n of ns) {
      ids.add(n.id);
      visit(n.children);
    }
  };
  visit(orgs);
  return ids;
}

/**
 * Zones, lines and behaviour rules of one camera (docs/architecture.md#edge-agent), as TypeBox schemas: the
 * gateway config embeds {@link CameraRules}; the edge agent's rule engine consumes the
 * static types. All geometry is normalised to 0..1 of the frame, image coordinates
 * (x to the right, y down); objects are placed by their bottom-centre anchor.
 */
import { type Static, Type as T, type TSchema } from '@sinclair/typebox';
import type { ConfigProblem } from './load.js';

const NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:-]*$';
const Name = (description: string, def: string) =>
  T.String({ minLength: 1, maxLength: 64, pattern: NAME_PATTERN, description, default: def });

const Unit = (description: string) => T.Number({ minimum: 0, maximum: 1, description });
const PointNorm = (description: string, def: [number, number]) =>
  T.Tuple([Unit('x, 0..1 of the frame width'), Unit('y, 0..1 of the frame height')], {
    description,
    default: def,
  });

/** A named polygon on the image. */
export const Zone = T.Object(
  {
    id: Name('Zone name, reported in events as `zone`', 'zone-1'),
    polygon: T.Array(PointNorm('Vertex [x, y]', [0, 0]), {
      minItems: 3,
      maxItems: 64,
      description:
        'Polygon vertices in order, normalised 0..1; an object is inside when its bottom-centre is',
      default: [
        [0, 0],
        [1, 0],
        [1, 1],
        [0, 1],
      ],
    }),
    direction: T.Union(
      [T.Tuple([T.Number({ minimum: -1, maximum: 1 }), T.Number({ minimum: -1, maximum: 1 })]), T.Null()],
      {
        description:
          'Legal direction of travel [dx, dy] in image coordinates ([0, -1] = up the image); wrong_way needs it',
        default: null,
      },
    ),
  },
  { additionalProperties: false, description: 'A zone: a named polygon' },
);
export type Zone = Static<typeof Zone>;

/** A named directed segment for line crossing. */
export const Line = T.Object(
  {
    id: Name('Line name, reported in events as `zone`', 'line-1'),
    from: PointNorm('Start of the segment', [0, 0.5]),
    to: PointNorm('End of the segment', [1, 0.5]),
  },
  {
    additionalProperties: false,
    description:
      'A directed segment. Crossing from its left-hand side to its right-hand side (facing from→to, y down) is `in`: ' +
      'for a line drawn left to right, moving down the image is `in`. Swap from/to to flip',
  },
);
export type Line = Static<typeof Line>;

const VEHICLES = ['car', 'bus', 'truck', 'motorcycle'];
const BAGS = ['backpack', 'handbag', 'suitcase'];

/** Fields every rule has. */
function common<K extends string>(type: K, defaults: { classes: string[]; cooldownMs: number }) {
  return {
    id: Name('Rule name, reported in events as `rule`', type.replace(/_/g, '-')),
    type: T.Literal(type, { description: 'Rule type', default: type }),
    enabled: T.Boolean({ description: 'Whether the rule runs', default: true }),
    classes: T.Array(T.String({ minLength: 1, maxLength: 64 }), {
      minItems: 1,
      maxItems: 80,
      description: 'Detector labels the rule applies to (COCO names, e.g. person, car)',
      default: defaults.classes,
    }),
    cooldownMs: T.Integer({
      minimum: 0,
      maximum: 86_400_000,
      description:
        'After a track fires, it may fire again only on a fresh episode at least this much later, ms',
      default: defaults.cooldownMs,
    }),
    inertiaFrames: T.Integer({
      minimum: 1,
      maximum: 100,
      description:
        'Consecutive frames a condition must hold (or stop holding) before it changes; absorbs jitter',
      default: 3,
    }),
  };
}

const zoneRef = T.String({
  minLength: 1,
  maxLength: 64,
  description: 'Zone id this rule watches',
  default: 'zone-1',
});
const minDuration = (def: number, what: string) =>
  T.Integer({ minimum: 0, maximum: 7 * 86_400_000, description: `${what}, ms`, default: def });
const maxMove = (def: number) =>
  T.Number({
    minimum: 0,
    maximum: 10,
    description: 'Largest movement of the anchor still counted as stationary, in box heights (scale-free)',
    default: def,
  });
const object = <P extends Record<string, TSchema>>(props: P, description: string) =>
  T.Object(props, { additionalProperties: false, description });

export const ZoneIntrusionRule = object(
  {
    ...common('zone_intrusion', { classes: ['person'], cooldownMs: 60_000 }),
    zone: zoneRef,
    minDurationMs: minDuration(1_000, 'Time inside the zone before it fires'),
  },
  'Fires when an object of the given classes stays inside the zone',
);

export const IllegalParkingRule = object(
  {
    ...common('illegal_parking', { classes: VEHICLES, cooldownMs: 600_000 }),
    zone: zoneRef,
    minDurationMs: minDuration(60_000, 'Time stationary inside the zone before it fires'),
    maxMoveBoxHeights: maxMove(0.25),
  },
  'Fires when a vehicle stands still inside the zone',
);

export const LineCrossingRule = object(
  {
    ...common('line_crossing', { classes: ['person', ...VEHICLES, 'bicycle'], cooldownMs: 10_000 }),
    line: T.String({
      minLength: 1,
      maxLength: 64,
      description: 'Line id this rule watches',
      default: 'line-1',
    }),
    direction: T.Union([T.Literal('in'), T.Literal('out'), T.Literal('both')], {
      description: 'Which crossings fire (all are counted)',
      default: 'both',
    }),
  },
  'Counts crossings of a directed line and fires on each (per track, with cooldown)',
);

export const RedLightRule = object(
  {
    ...common('red_light', { classes: ['person', 'bicycle', ...VEHICLES], cooldownMs: 10_000 }),
    line: T.String({
      minLength: 1,
      maxLength: 64,
      description: 'Line id: the stop line of the approach',
      default: 'line-1',
    }),
    direction: T.Union([T.Literal('in'), T.Literal('out'), T.Literal('both')], {
      description: 'Which crossings count (the direction of travel into the junction)',
      default: 'in',
    }),
    controller: T.String({
      minLength: 1,
      maxLength: 64,
      pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$',
      description: 'Signal controller id (its phases arrive on xueliang/v1/signal/{controller}/phase)',
      default: 'signal-1',
    }),
    approach: T.String({
      pattern: '^[a-z0-9][a-z0-9_-]{0,31}$',
      description: "The controller's approach this line belongs to",
      default: 'main',
    }),
    maxPhaseAgeMs: T.Integer({
      minimum: 100,
      maximum: 600_000,
      description: 'A phase not re-sent for this long is unknown, and nothing fires (ms)',
      default: 5_000,
    }),
  },
  'Fires when the line is crossed in the given direction while the controller shows red for the approach (docs/iot.md)',
);

export const WrongWayRule = object(
  {
    ...common('wrong_way', { classes: [...VEHICLES, 'bicycle'], cooldownMs: 300_000 }),
    zone: zoneRef,
    minFrames: T.Integer({
      minimum: 1,
      maximum: 1000,
      description: 'Consecutive frames moving against the zone direction before it fires',
      default: 5,
    }),
    maxAngleDeg: T.Number({
      minimum: 0,
      maximum: 90,
      description: 'Largest angle between the motion and the reversed zone direction that counts as against',
      default: 60,
    }),
    minSpeedBoxHeights: T.Number({
      minimum: 0,
      maximum: 100,
      description: 'Slowest speed that counts as moving, box heights per second (ignores jitter)',
      default: 0.3,
    }),
  },
  'Fires when an object moves against the zone direction',
);

export const CrowdingRule = object(
  {
    ...common('crowding', { classes: ['person'], cooldownMs: 300_000 }),
    zone: zoneRef,
    minCount: T.Integer({
      minimum: 1,
      maximum: 10_000,
      description: 'Objects inside the zone at once',
      default: 10,
    }),
    minDurationMs: minDuration(10_000, 'Time the count stays at or above minCount'),
  },
  'Fires when many objects are in the zone for a while (a zone-level event, no track)',
);

export const LoiteringRule = object(
  {
    ...common('loitering', { classes: ['person'], cooldownMs: 600_000 }),
    zone: zoneRef,
    minDurationMs: minDuration(60_000, 'Time inside the zone before it fires'),
  },
  'Fires when a person stays in the zone for long',
);

export const AbandonedObjectRule = object(
  {
    ...common('abandoned_object', { classes: BAGS, cooldownMs: 600_000 }),
    zone: zoneRef,
    ownerClasses: T.Array(T.String({ minLength: 1, maxLength: 64 }), {
      minItems: 1,
      description: 'Labels that count as an attendant nearby',
      default: ['person'],
    }),
    ownerRadius: T.Number({
      minimum: 0,
      maximum: 2,
      description:
        'An attendant closer than this (anchor to anchor, normalised frame units) keeps the object attended',
      default: 0.1,
    }),
    maxMoveBoxHeights: maxMove(0.25),
    minDurationMs: minDuration(30_000, 'Time stationary and unattended before it fires'),
  },
  'Fires when a bag or suitcase stands still with nobody near',
);

/** Any rule, discriminated by `type`. */
export const Rule = T.Union(
  [
    ZoneIntrusionRule,
    IllegalParkingRule,
    LineCrossingRule,
    RedLightRule,
    WrongWayRule,
    CrowdingRule,
    LoiteringRule,
    AbandonedObjectRule,
  ],
  { description: 'A behaviour rule' },
);
export type Rule = Static<typeof Rule>;
export type ZoneIntrusionRule = Static<typeof ZoneIntrusionRule>;
export type IllegalParkingRule = Static<typeof IllegalParkingRule>;
export type LineCrossingRule = Static<typeof LineCrossingRule>;
export type RedLightRule = Static<typeof RedLightRule>;
export type WrongWayRule = Static<typeof WrongWayRule>;
export type CrowdingRule = Static<typeof CrowdingRule>;
export type LoiteringRule = Static<typeof LoiteringRule>;
export type AbandonedObjectRule = Static<typeof AbandonedObjectRule>;
export type RuleType = Rule['type'];

/** A camera's zones, lines and rules. */
export const CameraRules = T.Object(
  {
    zones: T.Array(Zone, { description: 'Named polygons', default: [] }),
    lines: T.Array(Line, { description: 'Named directed segments', default: [] }),
    rules: T.Array(Rule, { description: 'Behaviour rules over the zones and lines', default: [] }),
  },
  { additionalProperties: false, description: 'Zones, lines and behaviour rules of one camera', default: {} },
);
export type CameraRules = Static<typeof CameraRules>;

/**
 * Cross-references the schema cannot check: rule → zone/line ids, unique ids, a direction on
 * wrong_way zones, and (when `labels` is given) that every class name is a detector label.
 * Paths are relative to the {@link CameraRules} object.
 */
export function checkCameraRules(c: CameraRules, labels?: readonly string[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const zones = new Map(c.zones.map((z) => [z.id, z]));
  const lines = new Set(c.lines.map((l) => l.id));
  const dup = (ids: string[], path: string): void => {
    const seen = new Set<string>();
    ids.forEach((id, k) => {
      if (seen.has(id)) problems.push({ path: `/${path}/${k}/id`, message: `id '${id}' appears twice` });
      seen.add(id);
    });
  };
  dup(
    c.zones.map((z) => z.id),
    'zones',
  );
  dup(
    c.lines.map((l) => l.id),
    'lines',
  );
  dup(
    c.rules.map((r) => r.id),
    'rules',
  );
  const known = labels ? new Set(labels) : undefined;
  c.rules.forEach((r, k) => {
    const at = `/rules/${k}`;
    if (r.type === 'line_crossing' || r.type === 'red_light') {
      if (!lines.has(r.line)) problems.push({ path: `${at}/line`, message: `no line '${r.line}' in /lines` });
    } else {
      const z = zones.get(r.zone);
      if (!z) problems.push({ path: `${at}/zone`, message: `no zone '${r.zone}' in /zones` });
      else if (
        r.type === 'wrong_way' &&
        (z.direction === null || Math.hypot(z.direction[0], z.direction[1]) === 0)
      ) {
        problems.push({
          path: `${at}/zone`,
          message: `wrong_way needs a non-zero direction on zone '${r.zone}'`,
        });
      }
    }
    const names = r.type === 'abandoned_object' ? [...r.classes, ...r.ownerClasses] : r.classes;
    for (const name of names) {
      if (known && !known.has(name))
        problems.push({ path: `${at}/classes`, message: `'${name}' is not a detector label` });
    }
  });
  return problems;
}

/**
 * Sensors in city.yaml (docs/iot.md): sensor kinds (metrics with their units, retention, the
 * rules that turn readings into tasks) and the sensors themselves (kind, grid, position,
 * owning gateway). Checked like cameras (contracts/config/city-checks.ts): a gateway may
 * forward only its own sensors' readings, in the units named here.
 */
import { type Static, Type as T } from '@sinclair/typebox';
import { SENSOR_ALARMS } from '../vocabulary.js';
import { PRIORITIES, type Priority, SlaLevels } from './alerts.js';

const Id = (description: string) =>
  T.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$', description });

const Ms = (def: number, description: string) =>
  T.Integer({ minimum: 0, maximum: 30 * 86_400_000, default: def, description });

const Days = (def: number, description: string) =>
  T.Integer({ minimum: 1, maximum: 3650, default: def, description });

export const SensorMetric = T.Object(
  {
    metric: T.String({
      minLength: 1,
      maxLength: 32,
      pattern: '^[a-z][a-z0-9_]*$',
      description: 'Metric name, e.g. level',
    }),
    unit: T.String({
      minLength: 1,
      maxLength: 16,
      pattern: '^[A-Za-z0-9%/._°-]+$',
      description: 'The only unit accepted for it (a reading in another unit is quarantined)',
    }),
    min: T.Number({
      default: -1e9,
      description: 'Lowest plausible value; below it the reading is quarantined',
    }),
    max: T.Number({
      default: 1e9,
      description: 'Highest plausible value; above it the reading is quarantined',
    }),
  },
  { additionalProperties: false },
);
export type SensorMetric = Static<typeof SensorMetric>;

export const SENSOR_RULE_TYPES = ['threshold', 'rate', 'alarm', 'silence'] as const;
export type SensorRuleType = (typeof SENSOR_RULE_TYPES)[number];

export const SensorRule = T.Object(
  {
    id: Id(
      'Rule id: unique in the city among sensor rules and alert rules (tasks and cooldowns are keyed by it)',
    ),
    type: T.Union(
      SENSOR_RULE_TYPES.map((t) => T.Literal(t)),
      {
        description:
          'threshold: value above/below a level for forMs (with hysteresis); rate: rise or fall by an amount within withinMs; alarm: device alarms; silence: no reading for afterMs',
      },
    ),
    title: T.String({ maxLength: 128, default: '', description: 'Shown on the task (default: the rule id)' }),
    metric: T.String({
      maxLength: 32,
      default: '',
      description: 'threshold, rate: the metric the rule watches',
    }),
    above: T.Optional(T.Number({ description: 'threshold: fires when the value stays above this' })),
    below: T.Optional(T.Number({ description: 'threshold: fires when the value stays below this' })),
    hysteresis: T.Number({
      minimum: 0,
      default: 0,
      description: 'threshold: the condition clears only this far back across the level (no flapping)',
    }),
    forMs: Ms(0, 'threshold: how long the condition must hold before it fires, ms'),
    rise: T.Optional(
      T.Number({
        exclusiveMinimum: 0,
        description: 'rate: fires when the value rose by at least this within withinMs',
      }),
    ),
    fall: T.Optional(
      T.Number({
        exclusiveMinimum: 0,
        description: 'rate: fires when the value fell by at least this within withinMs',
      }),
    ),
    withinMs: Ms(5 * 60_000, 'rate: the window the change is measured over, ms'),
    afterMs: Ms(15 * 60_000, 'silence: no reading for this long means the sensor is offline, ms'),
    alarms: T.Array(T.Union(SENSOR_ALARMS.map((a) => T.Literal(a))), {
      default: [],
      description: 'alarm: the device alarms that open a task (empty: all)',
    }),
    cooldownMs: Ms(
      10 * 60_000,
      'Same rule and sensor within this long: the open task is updated instead of a new one, ms',
    ),
    priority: T.Union(
      PRIORITIES.map((p) => T.Literal(p)),
      { default: 'normal' satisfies Priority, description: 'Task priority: low, normal, high or urgent' },
    ),
    slaMs: SlaLevels,
  },
  {
    additionalProperties: false,
    description: 'A rule that turns readings or alarms into tasks for the sensor’s grid',
  },
);
export type SensorRule = Static<typeof SensorRule>;

export const SensorKind = T.Object(
  {
    id: Id('Kind id, e.g. water_level, smoke, manhole_tilt, noise, air_quality'),
    name: T.String({ maxLength: 128, default: '', description: 'Display name' }),
    metrics: T.Array(SensorMetric, {
      default: [],
      maxItems: 64,
      description: 'What sensors of this kind measure',
    }),
    rawDays: Days(30, 'How long raw readings are kept, days'),
    minuteDays: Days(90, 'How long 1-minute rollups are kept, days'),
    hourDays: Days(730, 'How long 1-hour rollups are kept, days'),
    rules: T.Array(SensorRule, {
      default: [],
      maxItems: 64,
      description: 'Rules for every sensor of this kind',
    }),
  },
  { additionalProperties: false },
);
export type SensorKind = Static<typeof SensorKind>;

export const Sensor = T.Object(
  {
    id: Id('Sensor id, unique in the city among sensors and cameras'),
    name: T.String({ maxLength: 128, default: '', description: 'Display name' }),
    kind: Id('Its kind (sensorKinds)'),
    grid: Id('Org id of the grid this sensor belongs to (tasks go there)'),
    gateway: Id('Gateway that may forward its readings'),
    lat: T.Number({ minimum: -90, maximum: 90, description: 'Latitude, WGS-84 degrees' }),
    lon: T.Number({ minimum: -180, maximum: 180, description: 'Longitude, WGS-84 degrees' }),
    rules: T.Array(SensorRule, {
      default: [],
      maxItems: 64,
      description:
        'Rules of this sensor only; one with the id of a kind rule replaces it (e.g. its own threshold)',
    }),
  },
  { additionalProperties: false },
);
export type Sensor = Static<typeof Sensor>;

export const FusionSection = T.Object(
  {
    cameraRadiusM: T.Number({
      minimum: 0,
      maximum: 10_000,
      default: 300,
      description: 'A sensor task carries snapshots of cameras within this distance, metres (0: none)',
    }),
    windowMs: Ms(2 * 60_000, 'Snapshots taken this long before or after the sensor event, ms'),
    maxSnapshots: T.Integer({
      minimum: 0,
      maximum: 50,
      default: 6,
      description: 'Snapshots attached to one task at most',
    }),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'Sensor tasks with nearby camera snapshots (docs/iot.md)',
  },
);
export type FusionSection = Static<typeof FusionSection>;

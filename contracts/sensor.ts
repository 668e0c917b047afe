/**
 * The sensor contract, v1 (docs/iot.md): readings and device alarms a gateway forwards from
 * its LoRa / NB-IoT / RS-485 devices on `xueliang/v1/gw/{gateway}/sensors`, batched in an
 * envelope with a message id, spooled, acked and quarantined exactly like hits
 * (docs/ingest.md). Times are UTC epoch milliseconds. Values are finite numbers: JSON has no
 * NaN, and `1e999` parses to Infinity, which the schema refuses.
 */
import { type Static, Type as T } from '@sinclair/typebox';
import { SENSOR_ALARMS, type SensorAlarm } from './vocabulary.js';

export const SENSOR_VERSION = 1 as const;

export const SENSOR_LIMITS = Object.freeze({
  idChars: 64,
  metricChars: 32,
  unitChars: 16,
  readingsPerEnvelope: 10_000,
  eventsPerEnvelope: 1_000,
  /** Largest sensors message accepted on the wire, bytes. */
  envelopeBytes: 4 * 1024 * 1024,
  /** Largest magnitude of a value: beyond it a reading is a fault, not a measurement. */
  absValueMax: 1e9,
});

const Name = (description: string, maxLength: number = SENSOR_LIMITS.idChars) =>
  T.String({ minLength: 1, maxLength, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$', description });

const TsMs = T.Integer({
  minimum: 946684800000,
  maximum: 4102444800000,
  description: 'When it was measured, UTC epoch ms',
});

/** A metric name: `level`, `pm2_5`, `noise_db`, … */
export const MetricName = T.String({
  minLength: 1,
  maxLength: SENSOR_LIMITS.metricChars,
  pattern: '^[a-z][a-z0-9_]*$',
  description: 'Metric name, e.g. level, pm2_5, noise',
});

/** A unit as configured for the metric: `cm`, `ug/m3`, `dB`, `deg`, `%`, `V`, … */
export const UnitName = T.String({
  minLength: 1,
  maxLength: SENSOR_LIMITS.unitChars,
  pattern: '^[A-Za-z0-9%/._°-]+$',
  description: 'Unit of the value; must be the unit city.yaml names for the metric',
});

export const SensorReading = T.Object(
  {
    sensor: Name('Sensor id (city.yaml sensors)'),
    tsMs: TsMs,
    metric: MetricName,
    value: T.Number({
      minimum: -SENSOR_LIMITS.absValueMax,
      maximum: SENSOR_LIMITS.absValueMax,
      description: 'Measured value, a finite number in the unit',
    }),
    unit: UnitName,
    quality: T.Optional(
      T.Union([T.Literal('good'), T.Literal('uncertain'), T.Literal('bad')], {
        description:
          'The device’s own judgement of the value; `bad` readings are stored but never fire rules',
      }),
    ),
  },
  { additionalProperties: false, description: 'One measurement of one metric' },
);
export type SensorReading = Static<typeof SensorReading>;

export const SensorEvent = T.Object(
  {
    id: Name('Event id (ULID), unique per gateway: it becomes the hit id'),
    sensor: Name('Sensor id (city.yaml sensors)'),
    tsMs: TsMs,
    alarm: T.Unsafe<SensorAlarm>(
      T.Union(
        SENSOR_ALARMS.map((a) => T.Literal(a)),
        { description: 'What the device raised: smoke, tilt, tamper, low_battery, flood, device_fault' },
      ),
    ),
    durationMs: T.Optional(
      T.Integer({
        minimum: 0,
        maximum: 7 * 86_400_000,
        description: 'How long the condition has lasted, ms',
      }),
    ),
  },
  { additionalProperties: false, description: 'An alarm the device raised itself' },
);
export type SensorEvent = Static<typeof SensorEvent>;

/** The message on `xueliang/v1/gw/{gateway}/sensors`. */
export const SensorEnvelope = T.Object(
  {
    v: T.Literal(SENSOR_VERSION),
    msgId: Name('Message id (ULID); acked by ingest, deduplicated within the replay window'),
    gateway: Name('Publishing gateway id'),
    sentMs: T.Integer({ minimum: 0, description: 'When the gateway first sent it, epoch ms' }),
    readings: T.Array(T.Unknown(), {
      default: [],
      maxItems: SENSOR_LIMITS.readingsPerEnvelope,
      description: 'Readings; each validated on its own',
    }),
    events: T.Optional(
      T.Array(T.Unknown(), {
        maxItems: SENSOR_LIMITS.eventsPerEnvelope,
        description: 'Device alarms; each validated on its own',
      }),
    ),
  },
  { additionalProperties: false },
);
export type SensorEnvelope = {
  v: 1;
  msgId: string;
  gateway: string;
  sentMs: number;
  readings: SensorReading[];
  events?: SensorEvent[];
};

/**
 * The contract's closed vocabularies (docs/architecture.md#contracts), with no dependencies so that every tier —
 * including the dashboard bundle and the benchmarks — imports them instead of copying them.
 */

/** Colours from one named palette; `unknown` when a crop is dark or washed out. */
export const COLOURS = [
  'black',
  'white',
  'grey',
  'red',
  'orange',
  'yellow',
  'green',
  'blue',
  'purple',
  'pink',
  'brown',
  'unknown',
] as const;
export type Colour = (typeof COLOURS)[number];

/** The named colours a pixel or a region can take: the palette without `unknown`. */
export const NAMED_COLOURS = COLOURS.filter((c): c is Exclude<Colour, 'unknown'> => c !== 'unknown');
export type NamedColour = Exclude<Colour, 'unknown'>;

/** Alarms a device raises itself (a smoke detector, a manhole-cover tilt sensor, …). */
export const SENSOR_ALARMS = ['smoke', 'tilt', 'tamper', 'low_battery', 'flood', 'device_fault'] as const;
export type SensorAlarm = (typeof SENSOR_ALARMS)[number];
/** Event types the central sensor rules derive from readings (analytics/sensors/rules.ts). */
export const SENSOR_RULE_EVENTS = ['sensor_threshold', 'sensor_rate', 'sensor_offline'] as const;
export type SensorRuleEvent = (typeof SENSOR_RULE_EVENTS)[number];

export const HIT_KINDS = ['sighting', 'event'] as const;
export const SIGHTING_TYPES = ['person', 'vehicle', 'non_motor', 'object'] as const;
export const EVENT_TYPES = [
  'illegal_parking',
  'zone_intrusion',
  'line_crossing',
  'wrong_way',
  'crowding',
  'loitering',
  'abandoned_object',
  // A directed line crossed while the signal controller showed red for that approach
  // (edge-agent/rules, fed by the controller's phase topic; docs/iot.md).
  'red_light',
] as const;
/**
 * Sensor events, stored as hits of kind `event` whose `camera` is the sensor id (docs/iot.md):
 * alarms a device raises itself, and what the central rules derive from its readings.
 */
export const SENSOR_EVENT_TYPES = [...SENSOR_ALARMS, ...SENSOR_RULE_EVENTS] as const;
export type SensorEventType = (typeof SENSOR_EVENT_TYPES)[number];
export type SightingType = (typeof SIGHTING_TYPES)[number];
export type EventType = (typeof EVENT_TYPES)[number];

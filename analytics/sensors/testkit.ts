/**
 * Sensor sections for test cities, benchmarks and the simulator (docs/iot.md): a water-level
 * kind with a threshold, a rate and a silence rule, a smoke kind with an alarm rule, a noise
 * kind without rules; sensors spread over the gateways of a city built by ingest/testkit.ts.
 */
import { ulid } from 'ulid';
import type { SensorEnvelope, SensorEvent, SensorReading } from '../../contracts/sensor.js';

export interface SensorSpec {
  /** Sensors per gateway, cycling through the kinds (water, smoke, noise). */
  perGateway: number;
  gateways: number;
  /** Threshold rule: above this level (cm) for forMs. */
  levelAboveCm?: number;
  forMs?: number;
  silenceMs?: number;
  cooldownMs?: number;
}

export const SENSOR_KINDS = ['water_level', 'smoke', 'noise'] as const;

export function sensorKindsRaw(
  spec: Pick<SensorSpec, 'levelAboveCm' | 'forMs' | 'silenceMs' | 'cooldownMs'>,
) {
  const cooldownMs = spec.cooldownMs ?? 10 * 60_000;
  return [
    {
      id: 'water_level',
      name: 'Water level gauge',
      metrics: [
        { metric: 'level', unit: 'cm', min: -500, max: 5000 },
        { metric: 'battery', unit: 'V', min: 0, max: 15 },
      ],
      rules: [
        {
          id: 'water-high',
          type: 'threshold',
          metric: 'level',
          above: spec.levelAboveCm ?? 300,
          hysteresis: 10,
          forMs: spec.forMs ?? 120_000,
          priority: 'high',
          cooldownMs,
        },
        { id: 'water-rising', type: 'rate', metric: 'level', rise: 1000, withinMs: 300_000, cooldownMs },
        { id: 'gauge-offline', type: 'silence', afterMs: spec.silenceMs ?? 900_000, cooldownMs },
        { id: 'gauge-tamper', type: 'alarm', alarms: ['tamper', 'tilt'], cooldownMs },
      ],
    },
    {
      id: 'smoke',
      name: 'Smoke detector',
      metrics: [{ metric: 'battery', unit: 'V', min: 0, max: 15 }],
      rules: [{ id: 'smoke-alarm', type: 'alarm', alarms: ['smoke'], priority: 'urgent', cooldownMs }],
    },
    {
      id: 'noise',
      name: 'Noise monitor',
      metrics: [{ metric: 'noise', unit: 'dB', min: 0, max: 200 }],
      rules: [],
    },
  ];
}

export function sensorId(g: number, i: number): string {
  return `sen-${String(g).padStart(3, '0')}-${i}`;
}

export function sensorKindOf(i: number): (typeof SENSOR_KINDS)[number] {
  return SENSOR_KINDS[i % SENSOR_KINDS.length]!;
}

/** `sensors` for a test city: grid-g and gw-ggg as in ingest/testkit.ts, positions near 30, 120. */
export function sensorsRaw(spec: SensorSpec) {
  return Array.from({ length: spec.gateways }, (_, g) =>
    Array.from({ length: spec.perGateway }, (_, i) => ({
      id: sensorId(g, i),
      kind: sensorKindOf(i),
      grid: `grid-${g}`,
      gateway: `gw-${String(g).padStart(3, '0')}`,
      lat: 30 + g * 0.01 + i * 0.0001,
      lon: 120 + i * 0.0001,
    })),
  ).flat();
}

/** The unit each metric is configured in by {@link sensorKindsRaw}. */
export const METRIC_UNITS: Readonly<Record<string, string>> = { level: 'cm', battery: 'V', noise: 'dB' };

export function reading(sensor: string, metric: string, value: number, tsMs: number): SensorReading {
  return { sensor, tsMs, metric, value, unit: METRIC_UNITS[metric] ?? 'x' };
}

export function alarm(sensor: string, kind: SensorEvent['alarm'], tsMs: number): SensorEvent {
  return { id: ulid(tsMs), sensor, tsMs, alarm: kind };
}

export function sensorEnvelope(
  gateway: string,
  readings: SensorReading[],
  events: SensorEvent[] = [],
): SensorEnvelope {
  return { v: 1, msgId: ulid(), gateway, sentMs: Date.now(), readings, ...(events.length ? { events } : {}) };
}

/**
 * Sensor rules, the pure core (docs/iot.md): each rule is a step function
 * `(rule, state, input, nowMs) → { state, firing? }` with no clock and no I/O.
 *
 * - threshold: the value crosses `above` (or `below`) and stays across for `forMs`; it fires
 *   once per episode. The episode ends only when the value comes back `hysteresis` beyond the
 *   level, so a gauge hovering at the level does not flap. A brief spike never fires.
 * - rate: the value rose by `rise` (or fell by `fall`) within `withinMs`; after firing the
 *   window restarts, so a steady climb fires once per `rise`, not on every reading.
 * - silence: no reading for `afterMs` → offline; fires once until a reading arrives.
 * - alarm rules are not stepped here: a device alarm is already an event (the task matcher
 *   maps it, analytics/sensors/alerts.ts).
 */
import type { SensorRule } from '../../contracts/config/sensors.js';
import type { SensorRuleEvent } from '../../contracts/vocabulary.js';

export interface Firing {
  rule: SensorRule;
  type: SensorRuleEvent;
  /** When the condition fired (the reading's time, or the silence deadline), epoch ms. */
  tsMs: number;
  /** How long the condition had held when it fired, ms. */
  durationMs: number;
  /** The value that fired it (threshold, rate); NaN for silence. */
  value: number;
  detail: string;
}

export interface ThresholdState {
  /** When the current episode began (the first reading across the level), or null. */
  sinceMs: number | null;
  fired: boolean;
}

export const THRESHOLD_IDLE: ThresholdState = Object.freeze({ sinceMs: null, fired: false });

function across(rule: SensorRule, v: number): boolean {
  return (rule.above !== undefined && v > rule.above) || (rule.below !== undefined && v < rule.below);
}

/** Still inside the episode: not yet `hysteresis` back across the level. */
function stillAcross(rule: SensorRule, v: number): boolean {
  const h = rule.hysteresis;
  return (rule.above !== undefined && v > rule.above - h) || (rule.below !== undefined && v < rule.below + h);
}

export function stepThreshold(
  rule: SensorRule,
  s: ThresholdState,
  tsMs: number,
  value: number,
): { state: ThresholdState; firing?: Firing } {
  const inside = s.sinceMs === null ? across(rule, value) : stillAcross(rule, value);
  if (!inside) return { state: THRESHOLD_IDLE };
  const sinceMs = s.sinceMs ?? tsMs;
  const heldMs = tsMs - sinceMs;
  if (s.fired || heldMs < rule.forMs) return { state: { sinceMs, fired: s.fired } };
  const level =
    rule.above !== undefined && value > rule.above - rule.hysteresis
      ? `above ${rule.above}`
      : `below ${rule.below}`;
  return {
    state: { sinceMs, fired: true },
    firing: {
      rule,
      type: 'sensor_threshold',
      tsMs,
      durationMs: heldMs,
      value,
      detail: `${rule.metric} ${value} ${level} for ${Math.round(heldMs / 1000)} s`,
    },
  };
}

export interface RateState {
  /** (tsMs, value) within the window, oldest first. */
  points: ReadonlyArray<readonly [number, number]>;
}

export const RATE_IDLE: RateState = Object.freeze({ points: [] });
/** Points kept per rate rule and sensor at most (a bound on a chatty device). */
export const RATE_MAX_POINTS = 512;

export function stepRate(
  rule: SensorRule,
  s: RateState,
  tsMs: number,
  value: number,
): { state: RateState; firing?: Firing } {
  const from = tsMs - rule.withinMs;
  // The points within the window, the newest RATE_MAX_POINTS − 1 of them, then this one: one
  // new array a step (this runs for every reading of a sensor with a rate rule).
  const points: Array<readonly [number, number]> = [];
  for (const p of s.points) if (p[0] >= from) points.push(p);
  if (points.length >= RATE_MAX_POINTS) points.splice(0, points.length - RATE_MAX_POINTS + 1);
  points.push([tsMs, value]);
  let lo = points[0]!;
  let hi = points[0]!;
  for (const p of points) {
    if (p[1] < lo[1]) lo = p;
    if (p[1] > hi[1]) hi = p;
  }
  const rose = value - lo[1];
  const fell = hi[1] - value;
  const byRise = rule.rise !== undefined && rose >= rule.rise;
  const byFall = rule.fall !== undefined && fell >= rule.fall;
  if (!byRise && !byFall) return { state: { points } };
  const startMs = byRise ? lo[0] : hi[0];
  const change = byRise ? `rose ${round(rose)}` : `fell ${round(fell)}`;
  return {
    // The window restarts at this reading: the next firing needs another full change.
    state: { points: [[tsMs, value]] },
    firing: {
      rule,
      type: 'sensor_rate',
      tsMs,
      durationMs: tsMs - startMs,
      value,
      detail: `${rule.metric} ${change} in ${Math.round((tsMs - startMs) / 1000)} s (to ${value})`,
    },
  };
}

export interface SilenceState {
  /** Newest reading time seen (any metric, any quality), epoch ms. */
  lastMs: number;
  fired: boolean;
}

/** A reading arrived: the sensor is alive again. */
export function seen(s: SilenceState, tsMs: number): SilenceState {
  return tsMs > s.lastMs ? { lastMs: tsMs, fired: false } : s;
}

export function stepSilence(
  rule: SensorRule,
  s: SilenceState,
  nowMs: number,
): { state: SilenceState; firing?: Firing } {
  const quietMs = nowMs - s.lastMs;
  if (s.fired || quietMs < rule.afterMs) return { state: s };
  return {
    state: { lastMs: s.lastMs, fired: true },
    firing: {
      rule,
      type: 'sensor_offline',
      tsMs: s.lastMs + rule.afterMs,
      durationMs: quietMs,
      value: Number.NaN,
      detail: `no reading for ${Math.round(quietMs / 1000)} s`,
    },
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

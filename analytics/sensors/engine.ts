/**
 * Runs the sensor rules (analytics/sensors/rules.ts) over stored batches of readings and over
 * time (silence), keeping each sensor's rule state. No clock: the caller passes the time.
 *
 * `evaluate` does not change the state: it returns the firings and a `commit`. The ingest
 * worker stores the batch together with the event hits the firings become, and commits only
 * after the INSERT succeeded; a retried job then evaluates against the same state, derives the
 * same event ids and the same dedup token drops what was already stored (ingest/jobs.ts).
 *
 * State is kept only for configured sensors that have rules (the map is bounded by city.yaml;
 * sensors registered under --open have no rules). This engine holds a copy; the shared copy is
 * in Redis (ingest/sensor-state.ts): `changed` lists what a commit would write there, and
 * `set` takes in what another worker wrote (encodeState / decodeState are its wire form).
 */
import type { HitRow } from '../hit-rows.js';
import type { SensorCatalog, SensorInfo } from './catalog.js';
import type { ReadingRow } from './rows.js';
import { sensorEventId, sensorEventRow } from './rows.js';
import {
  type Firing,
  RATE_IDLE,
  type RateState,
  type SilenceState,
  seen,
  stepRate,
  stepSilence,
  stepThreshold,
  THRESHOLD_IDLE,
  type ThresholdState,
} from './rules.js';

/**
 * A sensor's state. The per-metric times and per-rule states are short lists of pairs (a sensor
 * has a few metrics and rules), in their wire form (encodeState): a job's evaluation copies one
 * list per sensor instead of building two Maps, and the encoding spreads nothing. A pair is
 * never changed in place (a copy shares them): a step replaces it.
 */
export interface SensorState {
  silence: SilenceState;
  /** Newest reading time per metric: older readings (out of order) do not step the rules. */
  metricMs: Array<readonly [string, number]>;
  rules: Array<readonly [string, ThresholdState | RateState]>;
}

/** The value of `key` in a list of pairs, or undefined. */
export function pairValue<T>(pairs: ReadonlyArray<readonly [string, T]>, key: string): T | undefined {
  for (const p of pairs) if (p[0] === key) return p[1];
  return undefined;
}

/** Sets `key` to `value` in a list of pairs (a new pair replaces the old one). */
function setPair<T>(pairs: Array<readonly [string, T]>, key: string, value: T): void {
  for (let i = 0; i < pairs.length; i++)
    if (pairs[i]![0] === key) {
      if (pairs[i]![1] !== value) pairs[i] = [key, value];
      return;
    }
  pairs.push([key, value]);
}

export interface EngineFiring extends Firing {
  sensor: SensorInfo;
}

function hasTimedRules(s: SensorInfo): boolean {
  return s.rules.some((r) => r.type !== 'alarm');
}

function clone(s: SensorState): SensorState {
  return { silence: s.silence, metricMs: s.metricMs.slice(), rules: s.rules.slice() };
}

/** A sensor's state as JSON (Redis, ingest/sensor-state.ts). */
export function encodeState(s: SensorState): string {
  return JSON.stringify({ s: s.silence, m: s.metricMs, r: s.rules });
}

/** The inverse of encodeState; undefined for anything else (never throws). */
export function decodeState(text: string): SensorState | undefined {
  try {
    const o = JSON.parse(text) as {
      s?: SilenceState;
      m?: Array<[string, number]>;
      r?: Array<[string, ThresholdState | RateState]>;
    };
    if (!o.s || typeof o.s.lastMs !== 'number' || !Array.isArray(o.m) || !Array.isArray(o.r))
      return undefined;
    if (!o.m.every(isPair) || !o.r.every(isPair)) return undefined;
    return { silence: o.s, metricMs: o.m, rules: o.r };
  } catch {
    return undefined;
  }
}

function isPair(x: unknown): boolean {
  return Array.isArray(x) && x.length === 2 && typeof x[0] === 'string';
}

/** Readings in time order: the same array when they already are (a job's usually are). */
function inTimeOrder(readings: readonly ReadingRow[]): readonly ReadingRow[] {
  for (let i = 1; i < readings.length; i++)
    if (readings[i]!.ts < readings[i - 1]!.ts) return [...readings].sort((a, b) => a.ts - b.ts);
  return readings;
}

export class SensorRuleEngine {
  private readonly states = new Map<string, SensorState>();

  /** `startMs`: when this engine began watching; a sensor never heard from goes silent from then. */
  constructor(
    private readonly catalog: SensorCatalog,
    private readonly startMs: number,
  ) {
    for (const s of catalog.all()) if (hasTimedRules(s)) this.states.set(s.id, this.fresh());
  }

  private fresh(): SensorState {
    return { silence: { lastMs: this.startMs, fired: false }, metricMs: [], rules: [] };
  }

  /** A sensor's current state (undefined: no timed rules, not tracked). */
  get(id: string): SensorState | undefined {
    return this.states.get(id);
  }

  /** Takes in a state written elsewhere (undefined: back to the initial state). Untracked ids are ignored. */
  set(id: string, st: SensorState | undefined): void {
    if (this.states.has(id)) this.states.set(id, st ?? this.fresh());
  }

  /** Ids of the sensors with state. */
  ids(): IterableIterator<string> {
    return this.states.keys();
  }

  /** Sensors with state (for the eviction test: never more than the configured ones with rules). */
  get tracked(): number {
    return this.states.size;
  }

  /** The firings these readings cause, and how to make the new state current. */
  evaluate(readings: readonly ReadingRow[]): {
    firings: EngineFiring[];
    changed: ReadonlyMap<string, SensorState>;
    commit: () => void;
  } {
    const next = new Map<string, SensorState>();
    const firings: EngineFiring[] = [];
    for (const r of inTimeOrder(readings)) {
      const cur = next.get(r.sensor) ?? this.states.get(r.sensor);
      if (!cur) continue;
      const info = this.catalog.get(r.sensor);
      if (!info) continue;
      const st = next.get(r.sensor) ?? clone(cur);
      next.set(r.sensor, st);
      st.silence = seen(st.silence, r.ts);
      if (r.quality === 'bad' || r.ts < (pairValue(st.metricMs, r.metric) ?? -Infinity)) continue;
      setPair(st.metricMs, r.metric, r.ts);
      for (const rule of info.rules) {
        if (rule.metric !== r.metric) continue;
        if (rule.type === 'threshold') {
          const prev = (pairValue(st.rules, rule.id) as ThresholdState | undefined) ?? THRESHOLD_IDLE;
          const out = stepThreshold(rule, prev, r.ts, r.value);
          setPair(st.rules, rule.id, out.state);
          if (out.firing) firings.push({ ...out.firing, sensor: info });
        } else if (rule.type === 'rate') {
          const prev = (pairValue(st.rules, rule.id) as RateState | undefined) ?? RATE_IDLE;
          const out = stepRate(rule, prev, r.ts, r.value);
          setPair(st.rules, rule.id, out.state);
          if (out.firing) firings.push({ ...out.firing, sensor: info });
        }
      }
    }
    return {
      firings,
      changed: next,
      commit: () => {
        for (const [id, st] of next) this.states.set(id, st);
      },
    };
  }

  /** Silence: sensors quiet past a silence rule's `afterMs` at `nowMs`. Same commit contract. */
  tick(nowMs: number): {
    firings: EngineFiring[];
    changed: ReadonlyMap<string, SilenceState>;
    commit: () => void;
  } {
    const next = new Map<string, SilenceState>();
    const firings: EngineFiring[] = [];
    for (const [id, st] of this.states) {
      const info = this.catalog.get(id);
      if (!info) continue;
      let s = st.silence;
      for (const rule of info.rules) {
        if (rule.type !== 'silence') continue;
        // One silence state per sensor: with several silence rules the shortest fires first
        // and the others stay quiet until a reading re-arms them (rarely configured).
        const out = stepSilence(rule, s, nowMs);
        if (out.firing) firings.push({ ...out.firing, sensor: info });
        s = out.state;
      }
      if (s !== st.silence) next.set(id, s);
    }
    return {
      firings,
      changed: next,
      commit: () => {
        for (const [id, s] of next) {
          const st = this.states.get(id);
          // A reading seen meanwhile wins: it proves the sensor alive after the deadline.
          if (st && st.silence.lastMs === s.lastMs) st.silence = s;
        }
      },
    };
  }
}

/** Firings → `hits` rows of kind event (deterministic ids: a re-evaluation yields the same). */
export function firingRows(firings: readonly EngineFiring[]): HitRow[] {
  return firings.map((f) =>
    sensorEventRow({
      id: sensorEventId(f.tsMs, `${f.type}|${f.sensor.id}|${f.rule.id}|${f.tsMs}`),
      sensor: f.sensor,
      gateway: f.sensor.gateway,
      tsMs: f.tsMs,
      type: f.type,
      rule: f.rule.id,
      durationMs: f.durationMs,
    }),
  );
}

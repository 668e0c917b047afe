/**
 * Simulated field devices behind a gateway (docs/iot.md): realistic readings for `xueliang
 * simulate sensors`, `demo` and bench:sensors. Each metric follows a diurnal curve (peak in
 * the local afternoon) with Gaussian noise; water gauges have rain episodes that lift the
 * level over hours; devices occasionally misbehave (a `bad`-quality wild value, a stuck
 * value, a missed reading) and raise alarms (smoke, tilt, tamper, low battery). Pure and
 * seeded: the same seed and times give the same readings; the time is a parameter.
 */
import type { SensorEvent, SensorReading } from '../../contracts/sensor.js';
import type { SensorAlarm } from '../../contracts/vocabulary.js';

export interface SimMetric {
  metric: string;
  unit: string;
  /** Daily mean, amplitude of the daily swing, standard deviation of the noise. */
  base: number;
  amplitude: number;
  noise: number;
  min: number;
  max: number;
}

export interface SimSensor {
  id: string;
  gateway: string;
  kind: string;
  metrics: SimMetric[];
  /** Alarms this device can raise. */
  alarms: SensorAlarm[];
}

export interface SimOptions {
  seed: number;
  /** Local time offset from UTC for the daily curve, minutes (Asia/Shanghai: 480). */
  utcOffsetMin: number;
  /** Chance per reading of a fault (bad value, stuck, missed). */
  faultRate: number;
  /** Chance per sensor and round of an alarm (for sensors that have alarms). */
  alarmRate: number;
  /** Chance per water gauge and round that a rain episode starts. */
  rainRate: number;
}

export const SIM_DEFAULTS: SimOptions = Object.freeze({
  seed: 1,
  utcOffsetMin: 480,
  faultRate: 0.002,
  alarmRate: 0.0005,
  rainRate: 0.001,
});

/** Typical behaviour of known metrics; others take the middle of their configured range. */
const PROFILES: Readonly<Record<string, Omit<SimMetric, 'metric' | 'unit' | 'min' | 'max'>>> = {
  level: { base: 120, amplitude: 8, noise: 1.5 },
  battery: { base: 3.6, amplitude: 0.02, noise: 0.005 },
  noise: { base: 55, amplitude: 12, noise: 3 },
  pm2_5: { base: 35, amplitude: 15, noise: 4 },
  tilt: { base: 0.5, amplitude: 0, noise: 0.1 },
  temperature: { base: 18, amplitude: 6, noise: 0.3 },
};

/** A metric's simulation profile from its configured unit and range. */
export function profileOf(m: { metric: string; unit: string; min: number; max: number }): SimMetric {
  const p = PROFILES[m.metric];
  const lo = Math.max(m.min, -1e6);
  const hi = Math.min(m.max, 1e6);
  const mid = (lo + hi) / 2;
  const span = hi - lo;
  const base = p ? p.base : mid;
  return {
    ...m,
    base: Math.min(hi, Math.max(lo, base)),
    amplitude: p ? p.amplitude : span / 20,
    noise: p ? p.noise : span / 200,
  };
}

/** Alarms a device of this kind raises, by its kind's name. */
export function alarmsOf(kind: string): SensorAlarm[] {
  if (/smoke|fire/.test(kind)) return ['smoke', 'low_battery'];
  if (/manhole|tilt|cover/.test(kind)) return ['tilt', 'tamper'];
  if (/water|level|flood/.test(kind)) return ['tamper', 'low_battery'];
  return ['low_battery'];
}

interface DeviceState {
  last: Map<string, number>;
  /** Extra water level from rain, cm, and how fast it changes per minute. */
  rainCm: number;
  rainPerMin: number;
  alarmSeq: number;
}

/** mulberry32: a small seeded PRNG, good enough for noise. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class SensorSimulator {
  private readonly rand: () => number;
  private readonly state = new Map<string, DeviceState>();
  private readonly o: SimOptions;
  private lastMs: number | undefined;

  constructor(
    readonly sensors: readonly SimSensor[],
    o: Partial<SimOptions> = {},
  ) {
    this.o = { ...SIM_DEFAULTS, ...o };
    this.rand = prng(this.o.seed);
    for (const s of sensors) this.state.set(s.id, { last: new Map(), rainCm: 0, rainPerMin: 0, alarmSeq: 0 });
  }

  private gauss(): number {
    const u = Math.max(1e-12, this.rand());
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.rand());
  }

  /** The daily curve at `tMs`: -1 at 03:00 local, +1 at 15:00. */
  diurnal(tMs: number): number {
    const localMin = (((tMs / 60_000 + this.o.utcOffsetMin) % 1440) + 1440) % 1440;
    return Math.sin((2 * Math.PI * (localMin - 540)) / 1440);
  }

  /** One reading per metric of every sensor (minus faults), and any alarms, at `tMs`. */
  round(tMs: number): { readings: SensorReading[]; events: SensorEvent[] } {
    const stepMin = this.lastMs === undefined ? 1 : Math.max(0, (tMs - this.lastMs) / 60_000);
    this.lastMs = tMs;
    const d = this.diurnal(tMs);
    const readings: SensorReading[] = [];
    const events: SensorEvent[] = [];
    for (const s of this.sensors) {
      const st = this.state.get(s.id)!;
      this.rain(s, st, stepMin);
      for (const m of s.metrics) {
        const r = this.reading(s, m, st, tMs, d);
        if (r) readings.push(r);
      }
      if (s.alarms.length && this.rand() < this.o.alarmRate) {
        const alarm = s.alarms[Math.floor(this.rand() * s.alarms.length)]!;
        events.push({ id: `${s.id}.${tMs}.${st.alarmSeq++}`.slice(-64), sensor: s.id, tsMs: tMs, alarm });
      }
    }
    return { readings, events };
  }

  private rain(s: SimSensor, st: DeviceState, stepMin: number): void {
    if (!s.metrics.some((m) => m.metric === 'level')) return;
    if (st.rainPerMin === 0 && st.rainCm === 0 && this.rand() < this.o.rainRate)
      st.rainPerMin = 2 + this.rand() * 6;
    st.rainCm = Math.max(0, st.rainCm + st.rainPerMin * stepMin);
    // The rain stops after lifting the level 100–300 cm; the water drains slower than it rose.
    if (st.rainPerMin > 0 && st.rainCm > 100 + this.rand() * 200) st.rainPerMin = -1.5;
    if (st.rainPerMin < 0 && st.rainCm === 0) st.rainPerMin = 0;
  }

  private reading(
    s: SimSensor,
    m: SimMetric,
    st: DeviceState,
    tMs: number,
    d: number,
  ): SensorReading | undefined {
    const clamp = (v: number) => Math.min(m.max, Math.max(m.min, v));
    let value = clamp(
      m.base + m.amplitude * d + m.noise * this.gauss() + (m.metric === 'level' ? st.rainCm : 0),
    );
    let quality: SensorReading['quality'];
    if (this.rand() < this.o.faultRate) {
      const f = this.rand();
      if (f < 0.34) return undefined; // a missed reading
      if (f < 0.67)
        value = st.last.get(m.metric) ?? value; // stuck
      else {
        value = clamp(m.base + (this.rand() - 0.5) * (m.max - m.min)); // a wild value the device flags
        quality = 'bad';
      }
    }
    value = Math.round(value * 100) / 100;
    st.last.set(m.metric, value);
    return {
      sensor: s.id,
      tsMs: tMs,
      metric: m.metric,
      value,
      unit: m.unit,
      ...(quality ? { quality } : {}),
    };
  }
}

/** Simulated devices for the sensors of a city.yaml (kinds give the metrics, units and ranges). */
export function simSensorsFromCity(c: {
  sensors: ReadonlyArray<{ id: string; gateway: string; kind: string }>;
  sensorKinds: ReadonlyArray<{
    id: string;
    metrics: ReadonlyArray<{ metric: string; unit: string; min: number; max: number }>;
  }>;
}): SimSensor[] {
  const kinds = new Map(c.sensorKinds.map((k) => [k.id, k]));
  return c.sensors.map((s) => ({
    id: s.id,
    gateway: s.gateway,
    kind: s.kind,
    metrics: (kinds.get(s.kind)?.metrics ?? []).map(profileOf),
    alarms: alarmsOf(s.kind),
  }));
}

import { TypeCompiler } from '@sinclair/typebox/compiler';
import { describe, expect, it } from 'vitest';
import { SensorEvent, SensorReading } from '../../contracts/sensor.js';
import { alarmsOf, profileOf, SensorSimulator, type SimSensor } from './simulate.js';

const HOUR = 3_600_000;
const gauge = (id: string): SimSensor => ({
  id,
  gateway: 'gw-1',
  kind: 'water_level',
  metrics: [profileOf({ metric: 'level', unit: 'cm', min: -500, max: 5000 })],
  alarms: alarmsOf('water_level'),
});
const noise: SimSensor = {
  id: 'n-1',
  gateway: 'gw-1',
  kind: 'noise',
  metrics: [profileOf({ metric: 'noise', unit: 'dB', min: 0, max: 200 })],
  alarms: [],
};
// Local midnight (UTC+8) a few days back: the daily curve is predictable from there.
const DAY0 = Math.floor((Date.now() + 8 * HOUR) / (24 * HOUR)) * 24 * HOUR - 8 * HOUR - 3 * 24 * HOUR;

describe('sensor simulator', () => {
  it('is deterministic for a seed', () => {
    const a = new SensorSimulator([gauge('g-1'), noise], { seed: 7 }).round(DAY0);
    const b = new SensorSimulator([gauge('g-1'), noise], { seed: 7 }).round(DAY0);
    const c = new SensorSimulator([gauge('g-1'), noise], { seed: 8 }).round(DAY0);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('follows a daily curve: noise is louder in the afternoon than before dawn', () => {
    const sim = new SensorSimulator([noise], { seed: 3, faultRate: 0 });
    const mean = (hour: number) => {
      let sum = 0;
      for (let k = 0; k < 60; k++) sum += sim.round(DAY0 + hour * HOUR + k * 60_000).readings[0]!.value;
      return sum / 60;
    };
    expect(mean(15) - mean(3)).toBeGreaterThan(15);
  });

  it('produces only contract-valid readings and events, with faults and alarms when asked', () => {
    const check = { r: TypeCompiler.Compile(SensorReading), e: TypeCompiler.Compile(SensorEvent) };
    const sim = new SensorSimulator([gauge('g-1'), gauge('g-2'), noise], {
      seed: 5,
      faultRate: 0.2,
      alarmRate: 0.05,
    });
    let bad = 0;
    let missed = 0;
    let events = 0;
    for (let k = 0; k < 500; k++) {
      const r = sim.round(DAY0 + k * 60_000);
      missed += 3 - r.readings.length;
      bad += r.readings.filter((x) => x.quality === 'bad').length;
      events += r.events.length;
      for (const x of r.readings) expect(check.r.Check(x)).toBe(true);
      for (const x of r.events) expect(check.e.Check(x)).toBe(true);
    }
    expect(bad).toBeGreaterThan(20);
    expect(missed).toBeGreaterThan(20);
    expect(events).toBeGreaterThan(20);
  });

  it('lifts water levels in rain episodes and lets them drain', () => {
    const sim = new SensorSimulator([gauge('g-1')], { seed: 11, faultRate: 0, rainRate: 1 });
    const levels = Array.from({ length: 400 }, (_, k) => sim.round(DAY0 + k * 60_000).readings[0]!.value);
    expect(Math.max(...levels)).toBeGreaterThan(200);
    expect(levels.slice(-1)[0]!).toBeLessThan(Math.max(...levels));
  });
});

import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { SensorRule } from '../../contracts/config/sensors.js';
import {
  type Firing,
  RATE_IDLE,
  type RateState,
  stepRate,
  stepSilence,
  stepThreshold,
  THRESHOLD_IDLE,
  type ThresholdState,
} from './rules.js';

const rule = (over: Record<string, unknown>): SensorRule =>
  Value.Default(SensorRule, { id: 'r', type: 'threshold', metric: 'level', ...over }) as SensorRule;

/** Runs a series of [tMs, value] through a step function; returns the times it fired at. */
function run<S>(
  step: (r: SensorRule, s: S, t: number, v: number) => { state: S; firing?: Firing },
  r: SensorRule,
  init: S,
  series: ReadonlyArray<readonly [number, number]>,
): number[] {
  let s = init;
  const fired: number[] = [];
  for (const [t, v] of series) {
    const out = step(r, s, t, v);
    s = out.state;
    if (out.firing) fired.push(out.firing.tsMs);
  }
  return fired;
}

const MIN = 60_000;
const every30s = (values: number[]) => values.map((v, i) => [i * 30_000, v] as const);

describe('threshold with hysteresis and minimum duration', () => {
  const high = rule({ above: 300, hysteresis: 10, forMs: 2 * MIN });
  it.each<[string, SensorRule, ReadonlyArray<readonly [number, number]>, number[]]>([
    ['below the level: nothing', high, every30s([100, 200, 299, 300, 250]), []],
    ['a brief spike (30 s) does not fire', high, every30s([100, 350, 100, 100, 100, 100, 100]), []],
    [
      'above for 2 min fires once, at the 2-minute reading',
      high,
      every30s([100, 310, 320, 330, 340, 350, 360, 370]),
      [150_000],
    ],
    [
      'hovering just under the level within the hysteresis stays one episode',
      high,
      every30s([310, 295, 305, 295, 305, 305, 305, 295, 305]),
      [120_000],
    ],
    [
      'falling back past the hysteresis ends the episode; a new one fires again',
      high,
      every30s([310, 310, 310, 310, 310, 280, 310, 310, 310, 310, 310]),
      [120_000, 300_000],
    ],
    [
      'a dip past the hysteresis before forMs restarts the clock',
      high,
      every30s([310, 310, 310, 280, 310, 310, 310, 310, 310]),
      [240_000],
    ],
    [
      'below-rules work the same way down',
      rule({ below: 10, hysteresis: 2, forMs: MIN }),
      every30s([20, 5, 5, 5, 11, 5, 13, 5]),
      [90_000],
    ],
    [
      'forMs 0 fires on the first reading across',
      rule({ above: 1 }),
      [
        [5, 2],
        [6, 3],
      ],
      [5],
    ],
  ])('%s', (_name, r, series, want) => {
    expect(run<ThresholdState>(stepThreshold, r, THRESHOLD_IDLE, series)).toEqual(want);
  });

  it('reports how long the condition held and the value', () => {
    const a = stepThreshold(high, { sinceMs: 0, fired: false }, 150_000, 333);
    expect(a.firing).toMatchObject({
      type: 'sensor_threshold',
      durationMs: 150_000,
      value: 333,
      tsMs: 150_000,
    });
  });
});

describe('rate of change', () => {
  const rising = rule({ type: 'rate', rise: 10, withinMs: 5 * MIN });
  it.each<[string, SensorRule, ReadonlyArray<readonly [number, number]>, number[]]>([
    ['steady: nothing', rising, every30s([100, 101, 100, 101, 100]), []],
    ['rising 10 within 5 min fires', rising, every30s([100, 102, 104, 106, 108, 110]), [150_000]],
    [
      'rising 10 over more than 5 min does not',
      rising,
      [
        [0, 100],
        [4 * MIN, 105],
        [8 * MIN, 109],
        [12 * MIN, 112],
      ],
      [],
    ],
    [
      'a steady climb fires once per rise, not on every reading',
      rising,
      every30s([0, 5, 10, 12, 14, 16, 18, 20, 22]),
      [60_000, 210_000],
    ],
    ['a fall does not fire a rise rule', rising, every30s([120, 110, 100]), []],
    [
      'fall rules fire on a drop',
      rule({ type: 'rate', fall: 5, withinMs: MIN }),
      every30s([50, 48, 44, 44]),
      [60_000],
    ],
  ])('%s', (_name, r, series, want) => {
    expect(run<RateState>(stepRate, r, RATE_IDLE, series)).toEqual(want);
  });

  it('keeps a bounded window', () => {
    let s: RateState = RATE_IDLE;
    const r = rule({ type: 'rate', rise: 1e6, withinMs: 30 * 86_400_000 });
    for (let i = 0; i < 5_000; i++) s = stepRate(r, s, i, 0).state;
    expect(s.points.length).toBeLessThanOrEqual(512);
    // The newest ones, in order.
    expect(s.points.map(([t]) => t)).toEqual(Array.from({ length: 512 }, (_, k) => 5_000 - 512 + k));
  });
});

describe('silence', () => {
  const quiet = rule({ type: 'silence', afterMs: 10 * MIN });
  it.each<[string, number, number, boolean]>([
    ['not yet', 0, 9 * MIN, false],
    ['exactly the limit', 0, 10 * MIN, true],
    ['long after', 0, 99 * MIN, true],
  ])('%s', (_n, lastMs, nowMs, fires) => {
    expect(!!stepSilence(quiet, { lastMs, fired: false }, nowMs).firing).toBe(fires);
  });

  it('fires once until a reading re-arms it; the event time is the deadline', () => {
    const a = stepSilence(quiet, { lastMs: 1_000, fired: false }, 20 * MIN);
    expect(a.firing?.tsMs).toBe(1_000 + 10 * MIN);
    expect(stepSilence(quiet, a.state, 40 * MIN).firing).toBeUndefined();
  });
});

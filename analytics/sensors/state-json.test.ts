import { describe, expect, it } from 'vitest';
import { decodeState, encodeState, type SensorState } from './engine.js';
import { RATE_IDLE, THRESHOLD_IDLE } from './rules.js';
import { stateJson } from './state-json.js';

/** The wire form before state-json.ts: what every stored state was written as. */
const generic = (s: SensorState) => JSON.stringify({ s: s.silence, m: [...s.metricMs], r: [...s.rules] });

/** A small deterministic generator (no clock, no Math.random: a failure replays). */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return x / 2 ** 32;
  };
}

function randomState(r: () => number): SensorState {
  const t = () => Math.floor(r() * 2e12);
  const v = () => (r() < 0.5 ? Math.round(r() * 5000) / 10 : (r() - 0.5) * 1e9);
  const points = Array.from({ length: Math.floor(r() * 7) }, () => [t(), v()] as const);
  return {
    silence: { lastMs: t(), fired: r() < 0.2 },
    metricMs: new Map(r() < 0.1 ? [] : [['level', t()], ...(r() < 0.5 ? [['battery', t()] as const] : [])]),
    rules: new Map<string, SensorState['rules'] extends Map<string, infer V> ? V : never>([
      ['water-high', r() < 0.5 ? THRESHOLD_IDLE : { sinceMs: t(), fired: r() < 0.5 }],
      ['water-rising', r() < 0.1 ? RATE_IDLE : { points }],
    ]),
  };
}

describe('stateJson (the rules state on the wire)', () => {
  it('writes the text JSON.stringify wrote for the states the engine builds', () => {
    const r = rng(7);
    for (let i = 0; i < 2_000; i++) {
      const s = randomState(r);
      const text = encodeState(s);
      expect(text).toBe(generic(s));
      expect(decodeState(text)).toEqual(s);
    }
  });

  it('writes what JSON.stringify writes for other shapes too (states another version wrote)', () => {
    const odd: SensorState[] = [
      { silence: { lastMs: 5, fired: false, extra: 1 } as never, metricMs: new Map(), rules: new Map() },
      { silence: { fired: true, lastMs: 5 } as never, metricMs: new Map([['a"b', 1]]), rules: new Map() },
      {
        silence: { lastMs: Number.NaN, fired: false },
        metricMs: new Map([['level', '7' as never]]),
        rules: new Map<string, never>([
          ['t', { fired: false, sinceMs: null } as never],
          ['p', { points: [[1, 2, 3]] } as never],
          ['q', { points: [[1, Number.POSITIVE_INFINITY]] } as never],
          ['u', { points: [], more: true } as never],
          ['n', { sinceMs: '3', fired: false } as never],
          ['z', null as never],
        ]),
      },
      { silence: { lastMs: -0, fired: true }, metricMs: new Map([['x', 1e21]]), rules: new Map() },
    ];
    for (const s of odd) expect(stateJson(s.silence, s.metricMs, s.rules)).toBe(generic(s));
  });
});

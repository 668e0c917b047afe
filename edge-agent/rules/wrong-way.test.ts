import { describe, expect, it } from 'vitest';
import { isXlError } from '../../contracts/errors.js';
import { RuleEngine } from './engine.js';
import { jitter, LABELS, rect, rulesConfig, runFrames, type SynthTrack } from './testkit.js';

// A one-way lane whose legal direction is up the image.
const LANE = { id: 'lane', polygon: rect(0.3, 0, 0.7, 1), direction: [0, -1] };

function engineFor(rule: Record<string, unknown> = {}): RuleEngine {
  const r = { id: 'one-way', type: 'wrong_way', zone: 'lane', minFrames: 5, ...rule };
  return new RuleEngine(rulesConfig({ zones: [LANE], rules: [r] }), { labels: LABELS });
}

const car =
  (id: number, x: number, y0: number, dy: number, dx = 0) =>
  (f: number): SynthTrack => ({
    id,
    label: 'car',
    x: x + dx * f,
    y: y0 + dy * f,
    h: 0.1,
  });

interface Case {
  name: string;
  rule?: Record<string, unknown>;
  frames: number;
  at: (f: number) => SynthTrack[];
  want: number[];
}

const cases: Case[] = [
  // Latched in the zone at frame 2; moving from frame 1; 5 against-frames → frame 6.
  {
    name: 'driving down a lane whose direction is up fires once',
    frames: 60,
    at: (f) => [car(1, 0.5, 0.1, 0.01)(f)],
    want: [6],
  },
  {
    name: 'driving the right way does not fire',
    frames: 60,
    at: (f) => [car(1, 0.5, 0.9, -0.01)(f)],
    want: [],
  },
  {
    name: 'crossing the lane sideways does not fire',
    frames: 60,
    at: (f) => [car(1, 0.31, 0.5, 0, 0.006)(f)],
    want: [],
  },
  {
    name: 'a parked car jittering does not fire',
    frames: 100,
    at: (f) => [{ id: 1, label: 'car', x: 0.5 + jitter(f, 0.003), y: 0.5 + jitter(f, 0.003, 1), h: 0.1 }],
    want: [],
  },
  {
    name: 'diagonal within maxAngleDeg fires',
    rule: { maxAngleDeg: 45 },
    frames: 60,
    at: (f) => [car(1, 0.4, 0.1, 0.01, 0.005)(f)],
    want: [6],
  },
  { name: 'outside the zone does not fire', frames: 60, at: (f) => [car(1, 0.9, 0.1, 0.01)(f)], want: [] },
  {
    name: 'turning around ends the episode; cooldown blocks a second firing',
    rule: { cooldownMs: 60_000 },
    frames: 90,
    at: (f) => [
      car(1, 0.5, 0.2, f < 30 ? 0.01 : f < 60 ? -0.01 : 0.01)(f < 30 ? f : f < 60 ? 60 - f : f - 60),
    ],
    want: [6],
  },
];

describe('wrong_way', () => {
  it.each(cases)('$name', ({ rule, frames, at, want }) => {
    expect(runFrames(engineFor(rule), frames, at).map((x) => x.frame)).toEqual(want);
  });

  it('reports the against streak', () => {
    const f = runFrames(engineFor(), 20, (k) => [car(3, 0.5, 0.1, 0.01)(k)]);
    expect(f[0]).toMatchObject({
      type: 'wrong_way',
      zone: 'lane',
      trackId: 3,
      label: 'car',
      durationMs: 400,
    });
    expect(f[0]!.details).toEqual({ frames: 5 });
  });

  it('needs a direction on the zone', () => {
    const cfg = rulesConfig({
      zones: [{ id: 'lane', polygon: LANE.polygon }],
      rules: [{ type: 'wrong_way', zone: 'lane' }],
    });
    expect(() => new RuleEngine(cfg, { labels: LABELS })).toThrow(
      expect.objectContaining({ code: 'EDGE_RULES_CONFIG' }),
    );
    try {
      new RuleEngine(cfg, { labels: LABELS });
    } catch (e) {
      expect(isXlError(e, 'EDGE_RULES_CONFIG')).toBe(true);
    }
  });

  it('evicts its per-track history with the tracks', () => {
    const engine = engineFor();
    runFrames(engine, 20, (f) => [car(1, 0.5, 0.1, 0.01)(f), car(2, 0.4, 0.9, -0.01)(f)], {
      ended: (f) => (f === 19 ? [1, 2] : []),
    });
    expect(engine.size).toBe(0);
  });
});

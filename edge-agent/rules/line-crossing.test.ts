import { describe, expect, it } from 'vitest';
import { RuleEngine } from './engine.js';
import { jitter, LABELS, rulesConfig, runFrames, type SynthTrack } from './testkit.js';

// Drawn left to right: moving down the image crosses it `in`.
const LINE = { id: 'gate', from: [0.2, 0.5], to: [0.8, 0.5] };

function engineFor(rule: Record<string, unknown> = {}): RuleEngine {
  const r = { id: 'count', type: 'line_crossing', line: 'gate', cooldownMs: 0, ...rule };
  return new RuleEngine(rulesConfig({ lines: [LINE], rules: [r] }), { labels: LABELS });
}

/** Walks vertically at x from y0 by dy per frame. */
const walker =
  (id: number, x: number, y0: number, dy: number, label = 'person') =>
  (f: number): SynthTrack => ({
    id,
    label,
    x,
    y: y0 + dy * f,
  });

interface Case {
  name: string;
  rule?: Record<string, unknown>;
  frames: number;
  at: (f: number) => SynthTrack[];
  want: Array<[number, string]>;
  counts: { in: number; out: number };
}

const cases: Case[] = [
  {
    name: 'moving down crosses in',
    frames: 40,
    at: (f) => [walker(1, 0.5, 0.3, 0.01)(f)],
    // Below the line from frame 21; latched after 3 frames.
    want: [[23, 'in']],
    counts: { in: 1, out: 0 },
  },
  {
    name: 'moving up crosses out',
    frames: 40,
    at: (f) => [walker(1, 0.5, 0.7, -0.01)(f)],
    want: [[23, 'out']],
    counts: { in: 0, out: 1 },
  },
  {
    name: 'jitter on the line does not count',
    frames: 200,
    at: (f) => [{ id: 1, label: 'person', x: 0.5, y: 0.5 + (f % 2 === 0 ? 0.01 : -0.01) + jitter(f, 0.002) }],
    want: [],
    counts: { in: 0, out: 0 },
  },
  {
    name: 'passing beyond the end of the segment does not count',
    frames: 40,
    at: (f) => [walker(1, 0.9, 0.3, 0.01)(f)],
    want: [],
    counts: { in: 0, out: 0 },
  },
  {
    name: 'direction filter: out is counted but does not fire',
    rule: { direction: 'in' },
    frames: 80,
    at: (f) => [walker(1, 0.5, 0.3, 0.01)(f), walker(2, 0.4, 0.7, -0.01)(f)],
    want: [[23, 'in']],
    counts: { in: 1, out: 1 },
  },
  {
    name: 'back and forth within the cooldown: counted twice, fired once',
    rule: { cooldownMs: 10_000 },
    frames: 80,
    at: (f) => [{ id: 1, label: 'person', x: 0.5, y: f < 40 ? 0.3 + 0.01 * f : 0.7 - 0.01 * (f - 40) }],
    want: [[23, 'in']],
    counts: { in: 1, out: 1 },
  },
  {
    name: 'no cooldown: each crossing fires',
    frames: 80,
    at: (f) => [{ id: 1, label: 'person', x: 0.5, y: f < 40 ? 0.3 + 0.01 * f : 0.7 - 0.01 * (f - 40) }],
    want: [
      [23, 'in'],
      [63, 'out'],
    ],
    counts: { in: 1, out: 1 },
  },
  {
    name: 'a fast object crossing between two frames counts',
    frames: 10,
    at: (f) => [walker(1, 0.5, 0.1, 0.15, 'car')(f)],
    want: [[5, 'in']],
    counts: { in: 1, out: 0 },
  },
  {
    name: 'classes not listed are ignored',
    rule: { classes: ['car'] },
    frames: 40,
    at: (f) => [walker(1, 0.5, 0.3, 0.01)(f)],
    want: [],
    counts: { in: 0, out: 0 },
  },
];

describe('line_crossing', () => {
  it.each(cases)('$name', ({ rule, frames, at, want, counts }) => {
    const engine = engineFor(rule);
    const firings = runFrames(engine, frames, at);
    expect(firings.map((x) => [x.frame, x.details.direction])).toEqual(want);
    expect(engine.lineCounts('count')).toEqual(counts);
  });

  it('reports the running counts and the line as zone', () => {
    const engine = engineFor();
    const f = runFrames(engine, 40, (k) => [walker(1, 0.3, 0.3, 0.01)(k), walker(2, 0.6, 0.32, 0.01)(k)]);
    expect(f.map((x) => x.details)).toEqual([
      { direction: 'in', countIn: 1, countOut: 0 },
      { direction: 'in', countIn: 2, countOut: 0 },
    ]);
    expect(f[0]).toMatchObject({ zone: 'gate', rule: 'count', type: 'line_crossing', trackId: 2 });
    expect(engine.lineCounts('nope')).toBeUndefined();
  });

  it('evicts crossing state when tracks end', () => {
    const engine = engineFor();
    runFrames(engine, 30, (f) => [walker(1, 0.5, 0.3, 0.01)(f), walker(2, 0.3, 0.3, 0.01)(f)], {
      ended: (f) => (f === 29 ? [1, 2] : []),
    });
    expect(engine.size).toBe(0);
    expect(engine.lineCounts('count')).toEqual({ in: 2, out: 0 });
  });
});

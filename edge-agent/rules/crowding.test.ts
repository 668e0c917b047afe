import { describe, expect, it } from 'vitest';
import { RuleEngine } from './engine.js';
import { LABELS, rect, rulesConfig, runFrames, type SynthTrack } from './testkit.js';

const SQUARE = { id: 'square', polygon: rect(0.2, 0.2, 0.8, 0.8) };

function engineFor(rule: Record<string, unknown> = {}): RuleEngine {
  const r = { id: 'crowd', type: 'crowding', zone: 'square', minCount: 5, minDurationMs: 2000, ...rule };
  return new RuleEngine(rulesConfig({ zones: [SQUARE], rules: [r] }), { labels: LABELS });
}

/** `n` people standing inside the square (ids from `firstId`). */
function people(n: number, firstId = 1, label = 'person'): SynthTrack[] {
  return Array.from({ length: n }, (_, k) => ({ id: firstId + k, label, x: 0.3 + 0.05 * k, y: 0.5 }));
}

interface Case {
  name: string;
  rule?: Record<string, unknown>;
  frames: number;
  at: (f: number) => SynthTrack[];
  want: number[];
}

const cases: Case[] = [
  // Members latch at frame 2; crowded latched from frame 2 at frame 4; 2000 ms after frame 2.
  { name: 'five people for 2 s fires once', frames: 100, at: () => people(5), want: [22] },
  { name: 'four people never fire', frames: 100, at: () => people(4), want: [] },
  {
    name: 'people outside the zone do not count',
    frames: 100,
    at: () => people(5).map((p) => ({ ...p, y: 0.9 })),
    want: [],
  },
  { name: 'other classes do not count', frames: 100, at: () => people(5, 1, 'car'), want: [] },
  {
    name: 'a count flickering 4/5 every other frame does not fire',
    frames: 100,
    at: (f) => people(f % 2 === 0 ? 5 : 4, 1).map((p, k) => ({ ...p, id: k === 4 ? 100 + f : p.id })),
    want: [],
  },
  {
    name: 'dispersing and regrouping within the cooldown fires once',
    rule: { cooldownMs: 60_000 },
    frames: 200,
    at: (f) => (f < 50 || f >= 80 ? people(5, f < 50 ? 1 : 11) : people(2)),
    want: [22],
  },
  {
    name: 'regrouping after the cooldown fires again',
    rule: { cooldownMs: 3_000 },
    frames: 200,
    at: (f) => (f < 50 || f >= 80 ? people(5, f < 50 ? 1 : 11) : people(2)),
    want: [22, 102],
  },
];

describe('crowding', () => {
  it.each(cases)('$name', ({ rule, frames, at, want }) => {
    expect(runFrames(engineFor(rule), frames, at).map((x) => x.frame)).toEqual(want);
  });

  it('fires a zone-level event with the count and the union box', () => {
    const [f] = runFrames(engineFor(), 30, () => people(6));
    expect(f).toMatchObject({
      type: 'crowding',
      zone: 'square',
      trackId: null,
      classId: null,
      label: 'person',
    });
    expect(f!.details).toEqual({ count: 6 });
    expect(f!.box[0]).toBeCloseTo(0.25, 5);
    expect(f!.box[2]).toBeCloseTo(0.6, 5);
  });

  it('evicts member state with the tracks', () => {
    const engine = engineFor();
    runFrames(engine, 10, () => people(7), { ended: (f) => (f === 9 ? [1, 2, 3, 4, 5, 6, 7] : []) });
    expect(engine.size).toBe(0);
  });
});

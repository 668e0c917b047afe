import { describe, expect, it } from 'vitest';
import { RuleEngine } from './engine.js';
import { jitter, LABELS, T0_MS, rect, rulesConfig, runFrames, type SynthTrack } from './testkit.js';

const ZONE = { id: 'plaza', polygon: rect(0.4, 0.4, 0.6, 0.6) };

function engineFor(rule: Record<string, unknown>): RuleEngine {
  return new RuleEngine(rulesConfig({ zones: [ZONE], rules: [{ zone: 'plaza', ...rule }] }), {
    labels: LABELS,
  });
}

/** A person who walks in from the left, standing still inside from frame `arriveFrame` until `leaveFrame`. */
function visitor(id: number, label: string, arriveFrame: number, leaveFrame: number) {
  return (f: number): SynthTrack => {
    if (f < arriveFrame) return { id, label, x: 0.2 + (0.3 * f) / arriveFrame, y: 0.5 };
    if (f < leaveFrame) return { id, label, x: 0.5, y: 0.5 };
    return { id, label, x: Math.min(0.95, 0.5 + 0.02 * (f - leaveFrame)), y: 0.5 };
  };
}

interface Case {
  name: string;
  rule: Record<string, unknown>;
  frames: number;
  at: (f: number) => SynthTrack[];
  /** Frames at which the rule fires. */
  want: number[];
}

const cases: Case[] = [
  {
    name: 'zone_intrusion fires once after minDurationMs inside',
    rule: { type: 'zone_intrusion', minDurationMs: 1000 },
    frames: 80,
    at: (f) => [visitor(1, 'person', 10, 100)(f)],
    // Inside from about frame 7 (x crosses 0.4); latched at frame 7; 1000 ms later.
    want: [17],
  },
  {
    name: 'zone_intrusion ignores classes not listed',
    rule: { type: 'zone_intrusion', minDurationMs: 1000 },
    frames: 80,
    at: (f) => [visitor(1, 'car', 10, 100)(f)],
    want: [],
  },
  {
    name: 'zone_intrusion: a short visit does not fire',
    rule: { type: 'zone_intrusion', minDurationMs: 2000 },
    frames: 60,
    at: (f) => [visitor(1, 'person', 10, 12)(f)],
    want: [],
  },
  {
    name: 'zone_intrusion: jitter across the border never fires',
    rule: { type: 'zone_intrusion', minDurationMs: 500, inertiaFrames: 3 },
    frames: 200,
    at: (f) => [{ id: 1, label: 'person', x: f % 2 === 0 ? 0.39 : 0.41, y: 0.5 }],
    want: [],
  },
  {
    name: 'zone_intrusion: cooldown blocks a quick second visit, a late one fires again',
    rule: { type: 'zone_intrusion', minDurationMs: 500, cooldownMs: 5000 },
    frames: 200,
    at: (f) => {
      const inside = (f >= 0 && f < 20) || (f >= 30 && f < 50) || (f >= 120 && f < 150);
      return [{ id: 1, label: 'person', x: inside ? 0.5 : 0.8, y: 0.5 }];
    },
    // Episode 1 latched at f=0 → fires at 5; episode 2 at f=30 is within 5 s; episode 3 fires at 125.
    want: [5, 125],
  },
  {
    name: 'zone_intrusion: each track fires on its own',
    rule: { type: 'zone_intrusion', minDurationMs: 500 },
    frames: 30,
    at: () => [
      { id: 1, label: 'person', x: 0.45, y: 0.5 },
      { id: 2, label: 'person', x: 0.55, y: 0.5 },
    ],
    want: [5, 5],
  },
  {
    name: 'loitering fires once after a long stay',
    rule: { type: 'loitering', minDurationMs: 30_000 },
    frames: 600,
    at: (f) => [{ id: 1, label: 'person', x: 0.5 + jitter(f, 0.03), y: 0.5 + jitter(f, 0.03, 1) }],
    want: [300],
  },
  {
    name: 'loitering: passing through does not fire',
    rule: { type: 'loitering', minDurationMs: 5000 },
    frames: 200,
    at: (f) => [{ id: 1, label: 'person', x: 0.1 + 0.006 * f, y: 0.5 }],
    want: [],
  },
  {
    name: 'illegal_parking fires once when a car stands still',
    rule: { type: 'illegal_parking', minDurationMs: 5000 },
    frames: 300,
    at: (f) => [visitor(1, 'car', 20, 1000)(f)],
    // The last approach steps (0.015 per frame) are within the 0.05 tolerance of where it
    // stops, so the still spell dates from frame 18; 5000 ms later.
    want: [68],
  },
  {
    name: 'illegal_parking: jitter below the tolerance still counts as stationary',
    rule: { type: 'illegal_parking', minDurationMs: 5000, maxMoveBoxHeights: 0.25 },
    frames: 100,
    at: (f) => [{ id: 1, label: 'car', x: 0.5 + jitter(f, 0.02), y: 0.5 + jitter(f, 0.02, 2), h: 0.2 }],
    want: [50],
  },
  {
    name: 'illegal_parking: a single-frame detector glitch does not reset the timer',
    rule: { type: 'illegal_parking', minDurationMs: 5000 },
    frames: 100,
    at: (f) => [{ id: 1, label: 'car', x: f === 30 ? 0.58 : 0.5, y: 0.5, h: 0.1 }],
    want: [50],
  },
  {
    name: 'illegal_parking: a car creeping through the zone never fires',
    rule: { type: 'illegal_parking', minDurationMs: 3000 },
    frames: 200,
    at: (f) => [{ id: 1, label: 'car', x: 0.41 + 0.001 * f, y: 0.5, h: 0.05 }],
    want: [],
  },
  {
    name: 'illegal_parking: a stationary car outside the zone does not fire',
    rule: { type: 'illegal_parking', minDurationMs: 1000 },
    frames: 100,
    at: () => [{ id: 1, label: 'car', x: 0.8, y: 0.5 }],
    want: [],
  },
  {
    name: 'illegal_parking: a person standing still is not a vehicle',
    rule: { type: 'illegal_parking', minDurationMs: 1000 },
    frames: 100,
    at: () => [{ id: 1, label: 'person', x: 0.5, y: 0.5 }],
    want: [],
  },
  {
    name: 'abandoned_object fires once the owner has left for minDurationMs',
    rule: { type: 'abandoned_object', minDurationMs: 3000, ownerRadius: 0.1 },
    frames: 150,
    at: (f) => [
      { id: 1, label: 'suitcase', x: 0.5, y: 0.5, h: 0.06 },
      { id: 2, label: 'person', x: f < 40 ? 0.53 : Math.min(0.95, 0.53 + 0.01 * (f - 40)), y: 0.5 },
    ],
    // The owner is > 0.1 away from frame 48; unattended latched there; 3000 ms later.
    want: [78],
  },
  {
    name: 'abandoned_object: an attended bag never fires',
    rule: { type: 'abandoned_object', minDurationMs: 2000 },
    frames: 150,
    at: () => [
      { id: 1, label: 'backpack', x: 0.5, y: 0.5, h: 0.05 },
      { id: 2, label: 'person', x: 0.55, y: 0.52 },
    ],
    want: [],
  },
  {
    name: 'abandoned_object: a carried bag (moving) never fires',
    rule: { type: 'abandoned_object', minDurationMs: 2000 },
    frames: 150,
    at: (f) => [{ id: 1, label: 'handbag', x: 0.4 + 0.0013 * f, y: 0.5, h: 0.05 }],
    want: [],
  },
  {
    name: 'abandoned_object: an owner flickering out of detection for one frame keeps it attended',
    rule: { type: 'abandoned_object', minDurationMs: 2000 },
    frames: 150,
    at: (f) => [
      { id: 1, label: 'suitcase', x: 0.5, y: 0.5, h: 0.05 },
      ...(f % 5 === 0 ? [] : [{ id: 2, label: 'person', x: 0.55, y: 0.5 }]),
    ],
    want: [],
  },
];

describe('dwell rules', () => {
  it.each(cases)('$name', ({ rule, frames, at, want }) => {
    const firings = runFrames(engineFor(rule), frames, at);
    expect(firings.map((x) => x.frame)).toEqual(want);
  });

  it('reports rule, zone, track, class, duration and box', () => {
    const f = runFrames(
      engineFor({ id: 'no-stopping', type: 'illegal_parking', minDurationMs: 2000 }),
      40,
      () => [{ id: 9, label: 'truck', x: 0.5, y: 0.55, h: 0.1 }],
    );
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({
      rule: 'no-stopping',
      type: 'illegal_parking',
      zone: 'plaza',
      trackId: 9,
      classId: 7,
      label: 'truck',
      durationMs: 2000,
    });
    expect(f[0]!.box[3]).toBeCloseTo(0.55, 5);
    expect(f[0]!.tsMs - f[0]!.durationMs).toBe(T0_MS);
  });

  it('evicts a track on ended and when stale', () => {
    const engine = engineFor({ type: 'zone_intrusion', minDurationMs: 500 });
    runFrames(engine, 10, () => [
      { id: 1, label: 'person', x: 0.5, y: 0.5 },
      { id: 2, label: 'person', x: 0.5, y: 0.5 },
    ]);
    expect(engine.size).toBe(2);
    runFrames(engine, 1, () => [{ id: 2, label: 'person', x: 0.5, y: 0.5 }], {
      t0Ms: T0_MS + 1000,
      ended: () => [1],
    });
    expect(engine.size).toBe(1);
    // Nothing seen for more than staleTrackMs (60 s default).
    runFrames(engine, 1, () => [], { t0Ms: T0_MS + 100_000 });
    expect(engine.size).toBe(0);
  });
});

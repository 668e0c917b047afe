import { describe, expect, it } from 'vitest';
import { Detections } from '../../models/detections.js';
import { RuleEngine } from './engine.js';
import { LABELS, rect, rulesConfig, runFrames, type SynthTrack, T0_MS } from './testkit.js';
import { endEpisode, newGate, newLatch, observeLatch, passGate } from './types.js';

const ALL_RULES = {
  zones: [
    { id: 'all', polygon: rect(0, 0, 1, 1), direction: [0, -1] },
    { id: 'centre', polygon: rect(0.3, 0.3, 0.7, 0.7) },
  ],
  lines: [{ id: 'mid', from: [0, 0.5], to: [1, 0.5] }],
  rules: [
    { type: 'zone_intrusion', zone: 'centre', minDurationMs: 100 },
    { type: 'illegal_parking', zone: 'all', minDurationMs: 100 },
    { type: 'line_crossing', line: 'mid' },
    { type: 'wrong_way', zone: 'all', minFrames: 2 },
    { type: 'crowding', zone: 'all', minCount: 2, minDurationMs: 100 },
    { type: 'loitering', zone: 'centre', minDurationMs: 100 },
    { type: 'abandoned_object', zone: 'all', minDurationMs: 100 },
  ],
};

describe('RuleEngine', () => {
  it.each<[string, unknown, RegExp]>([
    ['unknown zone', { rules: [{ type: 'loitering', zone: 'nowhere' }] }, /no zone 'nowhere'/],
    ['unknown line', { rules: [{ type: 'line_crossing', line: 'nope' }] }, /no line 'nope'/],
    [
      'unknown label',
      { zones: [{ id: 'zone-1' }], rules: [{ type: 'loitering', classes: ['unicorn'] }] },
      /'unicorn' is not a detector label/,
    ],
    [
      'unknown owner label',
      { zones: [{ id: 'zone-1' }], rules: [{ type: 'abandoned_object', ownerClasses: ['ghost'] }] },
      /'ghost'/,
    ],
    [
      'duplicate rule ids',
      { zones: [{ id: 'zone-1' }], rules: [{ type: 'loitering' }, { type: 'loitering' }] },
      /id 'loitering' appears twice/,
    ],
    ['duplicate zone ids', { zones: [{ id: 'a' }, { id: 'a' }] }, /id 'a' appears twice/],
  ])('rejects %s with EDGE_RULES_CONFIG', (_n, cfg, msg) => {
    expect(() => new RuleEngine(rulesConfig(cfg), { labels: LABELS })).toThrow(msg);
    expect(() => new RuleEngine(rulesConfig(cfg), { labels: LABELS })).toThrow(
      expect.objectContaining({ code: 'EDGE_RULES_CONFIG' }),
    );
  });

  it('runs every rule type together and every per-track map empties when the tracks end', () => {
    const engine = new RuleEngine(rulesConfig(ALL_RULES), { labels: LABELS });
    const at = (f: number): SynthTrack[] => [
      { id: 1, label: 'person', x: 0.5, y: 0.5 },
      { id: 2, label: 'person', x: 0.45, y: 0.2 + 0.02 * f },
      { id: 3, label: 'car', x: 0.2, y: 0.3 + 0.01 * f, h: 0.1 },
      { id: 4, label: 'suitcase', x: 0.9, y: 0.9, h: 0.05 },
    ];
    const firings = runFrames(engine, 30, at, { ended: (f) => (f === 29 ? [1, 2, 3, 4] : []) });
    const types = new Set(firings.map((x) => x.type));
    expect([...types].sort()).toEqual(
      [
        'abandoned_object',
        'crowding',
        'illegal_parking',
        'line_crossing',
        'loitering',
        'wrong_way',
        'zone_intrusion',
      ].sort(),
    );
    expect(engine.size).toBe(0);
  });

  it('skips disabled rules and detections without track ids', () => {
    const cfg = rulesConfig({
      zones: [{ id: 'zone-1' }],
      rules: [{ type: 'loitering', minDurationMs: 0, enabled: false }],
    });
    const engine = new RuleEngine(cfg, { labels: LABELS });
    expect(runFrames(engine, 10, () => [{ id: 1, label: 'person', x: 0.5, y: 0.5 }])).toEqual([]);
    const on = new RuleEngine(
      rulesConfig({ zones: [{ id: 'zone-1' }], rules: [{ type: 'loitering', minDurationMs: 0 }] }),
      {
        labels: LABELS,
      },
    );
    const untracked = Detections.fromRows([{ box: [0.4, 0.4, 0.5, 0.6], score: 0.9, classId: 0 }]);
    for (let f = 0; f < 10; f++) expect(on.update({ detections: untracked, tsMs: f * 100 })).toEqual([]);
    expect(on.size).toBe(0);
  });

  it('evicts stale tracks after staleTrackMs even without ended events', () => {
    const engine = new RuleEngine(rulesConfig(ALL_RULES), { labels: LABELS, staleTrackMs: 1000 });
    runFrames(engine, 5, () => [{ id: 1, label: 'person', x: 0.5, y: 0.5 }]);
    expect(engine.size).toBeGreaterThan(0);
    runFrames(engine, 1, () => [], { t0Ms: T0_MS + 2000 });
    expect(engine.size).toBe(0);
  });
});

describe('latch and gate', () => {
  it.each<[string, boolean[], number, boolean[]]>([
    ['inertia 1 follows the input', [true, false, true], 1, [true, false, true]],
    [
      'inertia 3 needs three in a row',
      [true, true, false, true, true, true, false],
      3,
      [false, false, false, false, false, true, true],
    ],
    [
      'alternating never flips',
      [true, false, true, false, true, false],
      2,
      [false, false, false, false, false, false],
    ],
  ])('%s', (_n, input, k, want) => {
    const l = newLatch();
    const got = input.map((v, f) => {
      observeLatch(l, v, f * 100, k);
      return l.on;
    });
    expect(got).toEqual(want);
  });

  it('dates the latch from the first frame of the streak', () => {
    const l = newLatch();
    for (const [v, t] of [
      [true, 100],
      [true, 200],
      [true, 300],
    ] as const)
      observeLatch(l, v, t, 3);
    expect(l.sinceMs).toBe(100);
  });

  it('gate: once per episode, then cooldown', () => {
    const g = newGate();
    expect(passGate(g, 0, 1000)).toBe(true);
    expect(passGate(g, 5000, 1000)).toBe(false); // same episode
    endEpisode(g);
    expect(passGate(g, 500, 1000)).toBe(false); // cooldown
    expect(passGate(g, 1000, 1000)).toBe(true);
  });
});

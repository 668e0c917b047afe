import { describe, expect, it } from 'vitest';
import type { Phase, SignalPhase } from '../../contracts/signal.js';
import { parseSignalPhase } from '../../contracts/signal.js';
import { RuleEngine } from './engine.js';
import { LABELS, rulesConfig, runFrames, type SynthTrack } from './testkit.js';
import { SignalPhases } from './red-light.js';

// Drawn left to right: walking down the image crosses it `in`, at frame 23 (2.3 s in).
const LINE = { id: 'stop', from: [0.2, 0.5], to: [0.8, 0.5] };
const T0 = Date.now() - 60_000;
const CROSS_MS = T0 + 2_300;
const walker = (f: number): SynthTrack[] => [{ id: 1, label: 'person', x: 0.5, y: 0.3 + 0.01 * f }];
const msg = (tsMs: number, approaches: Record<string, Phase>, controller = 'sig-1'): SignalPhase => ({
  v: 1,
  controller,
  tsMs,
  approaches,
});

function run(messages: SignalPhase[], rule: Record<string, unknown> = {}) {
  const phases = new SignalPhases(['sig-1']);
  for (const m of messages) phases.update(m);
  const r = {
    id: 'ped-red',
    type: 'red_light',
    line: 'stop',
    controller: 'sig-1',
    approach: 'north',
    cooldownMs: 0,
    ...rule,
  };
  const engine = new RuleEngine(rulesConfig({ lines: [LINE], rules: [r] }), { labels: LABELS, phases });
  return runFrames(engine, 40, walker, { t0Ms: T0 });
}

describe('red_light', () => {
  it.each<[string, SignalPhase[], number]>([
    ['crossing during red fires', [msg(T0, { north: 'red' }), msg(T0 + 2_000, { north: 'red' })], 1],
    ['crossing during green does not', [msg(T0, { north: 'green' }), msg(T0 + 2_000, { north: 'green' })], 0],
    ['amber does not', [msg(T0 + 2_000, { north: 'amber' })], 0],
    [
      'red that turned green before the crossing does not',
      [msg(T0, { north: 'red' }), msg(T0 + 2_000, { north: 'green' })],
      0,
    ],
    [
      'green that turned red before the crossing fires',
      [msg(T0, { north: 'green' }), msg(T0 + 2_200, { north: 'red' })],
      1,
    ],
    [
      'a phase that turns red after the crossing does not',
      [msg(T0, { north: 'green' }), msg(CROSS_MS + 50, { north: 'red' })],
      0,
    ],
    ['red on another approach does not', [msg(T0 + 2_000, { north: 'green', east: 'red' })], 0],
    ['a stale red (not re-sent for 5 s) does not', [msg(T0 - 10_000, { north: 'red' })], 0],
    ['no phase at all does not', [], 0],
    ['another controller is ignored', [msg(T0 + 2_000, { north: 'red' }, 'sig-2')], 0],
  ])('%s', (_n, messages, want) => {
    const fired = run(messages);
    expect(fired.length).toBe(want);
    for (const f of fired)
      expect(f).toMatchObject({
        type: 'red_light',
        rule: 'ped-red',
        zone: 'stop',
        tsMs: CROSS_MS,
        details: { phase: 'red', approach: 'north' },
      });
  });

  it('only counts the configured direction', () => {
    expect(run([msg(T0 + 2_000, { north: 'red' })], { direction: 'out' })).toHaveLength(0);
    expect(run([msg(T0 + 2_000, { north: 'red' })], { direction: 'both' })).toHaveLength(1);
  });

  it('keeps a bounded history per controller and refuses older messages', () => {
    const p = new SignalPhases(['sig-1']);
    for (let i = 0; i < 100; i++)
      expect(p.update(msg(T0 + i * 1000, { north: i % 2 ? 'red' : 'green' }))).toBe(true);
    expect(p.update(msg(T0, { north: 'red' }))).toBe(false);
    expect(p.phaseAt('sig-1', 'north', T0 + 99_500, 5_000)).toBe('red');
    expect(p.phaseAt('sig-1', 'north', T0 + 98_500, 5_000)).toBe('green');
    // Older than the kept history: unknown rather than a guess.
    expect(p.phaseAt('sig-1', 'north', T0 + 10_000, 5_000)).toBe('unknown');
  });

  it('parses phase messages and refuses anything else', () => {
    const ok = msg(T0, { north: 'red' });
    expect(parseSignalPhase(Buffer.from(JSON.stringify(ok)), 'sig-1')).toEqual(ok);
    expect(parseSignalPhase(Buffer.from(JSON.stringify(ok)), 'sig-2')).toBeUndefined();
    expect(
      parseSignalPhase(Buffer.from(JSON.stringify({ ...ok, approaches: { north: 'purple' } })), 'sig-1'),
    ).toBeUndefined();
    expect(parseSignalPhase(Buffer.from('{"v":1'), 'sig-1')).toBeUndefined();
    expect(
      parseSignalPhase(Buffer.from(JSON.stringify({ ...ok, approaches: { 'North Gate!': 'red' } })), 'sig-1'),
    ).toBeUndefined();
  });
});

import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { AlertRule, AlertsSection } from '../../contracts/config/alerts.js';
import { makeHit } from '../../contracts/testkit.js';
import { inDailyWindow, LocalClock, parseHhmm } from './clock.js';
import { AlertMatcher } from './matcher.js';
import { RuleSet, ruleMatches } from './rules.js';

const rule = (over: Record<string, unknown>): AlertRule =>
  Value.Default(AlertRule, structuredClone({ id: 'r1', ...over })) as AlertRule;
const PATH = ['city', 'county-a', 'town-a', 'village-a', 'grid-a'];
// Today at 03:00 UTC = 11:00 in Asia/Shanghai (UTC+8 all year): relative to the clock, so the
// fixture is as recent on any date the suite runs.
const DAY_MS = 86_400_000;
const T11 = Math.floor(Date.now() / DAY_MS) * DAY_MS + 3 * 3_600_000;
const parking = makeHit({
  kind: 'event',
  type: 'illegal_parking',
  label: 'car',
  zone: 'bus-stop',
  rule: 'p1',
  score: 0.7,
  tsMs: T11,
});

describe('rules', () => {
  it.each([
    ['matches any hit with no conditions', {}, true],
    ['kind', { match: { kinds: ['event'] } }, true],
    ['other kind', { match: { kinds: ['sighting'] } }, false],
    ['type', { match: { types: ['illegal_parking', 'crowding'] } }, true],
    ['other type', { match: { types: ['crowding'] } }, false],
    ['label', { match: { labels: ['car'] } }, true],
    ['other label', { match: { labels: ['truck'] } }, false],
    ['zone', { match: { zones: ['bus-stop'] } }, true],
    ['other zone', { match: { zones: ['gate'] } }, false],
    ['org subtree', { match: { orgs: ['town-a'] } }, true],
    ['other org', { match: { orgs: ['town-b'] } }, false],
    ['min score met', { match: { minScore: 0.7 } }, true],
    ['min score not met', { match: { minScore: 0.71 } }, false],
    ['inside hours', { match: { hours: { from: '10:00', to: '12:00' } } }, true],
    ['outside hours', { match: { hours: { from: '12:00', to: '18:00' } } }, false],
    ['wrapping midnight, outside', { match: { hours: { from: '22:00', to: '06:00' } } }, false],
    ['wrapping midnight, inside', { match: { hours: { from: '10:30', to: '06:00' } } }, true],
    ['disabled', { enabled: false }, false],
  ])('%s', (_n, over, want) => {
    const r = rule(over);
    const set = new RuleSet([r], 'Asia/Shanghai');
    expect(set.match(parking, PATH).length === 1).toBe(want);
    expect(ruleMatches(r, parking, PATH, set.clock)).toBe(want);
  });

  it('reads local time in the city timezone', () => {
    const c = new LocalClock('Asia/Shanghai');
    expect(c.minuteOfDay(T11)).toBe(11 * 60);
    expect(new LocalClock('UTC').minuteOfDay(T11)).toBe(3 * 60);
    // New York is UTC-5 in winter, UTC-4 in summer: 22:00 or 23:00 the day before.
    expect([22 * 60, 23 * 60]).toContain(new LocalClock('America/New_York').minuteOfDay(T11));
  });

  it('bounds its offset cache', () => {
    const c = new LocalClock('Asia/Shanghai');
    for (let h = 0; h < 5000; h++) c.minuteOfDay(T11 + h * 3_600_000);
    expect(c.cached).toBeLessThanOrEqual(4096);
  });

  it.each([
    [parseHhmm('08:00'), 480, 1020, true],
    [parseHhmm('17:00'), 480, 1020, false],
    [0, 1320, 360, true],
    [720, 1320, 360, false],
    [720, 0, 1440, true],
  ])('daily window: minute %i in [%i, %i) → %s', (m, f, t, want) =>
    expect(inDailyWindow(m, f, t)).toBe(want),
  );
});

describe('AlertMatcher', () => {
  const alerts = Value.Default(AlertsSection, {
    rules: [{ id: 'park', match: { types: ['illegal_parking'] }, cooldownMs: 60_000 }],
  }) as AlertsSection;
  const placements = new Map([['cam-0001', { grid: 'grid-a', orgPath: PATH }]]);

  it('keys cooldowns by (rule, camera, zone) and skips unplaced cameras', () => {
    const m = new AlertMatcher({ alerts, timezone: 'Asia/Shanghai', placements });
    const [a] = m.match(parking);
    expect(a).toMatchObject({
      cooldownKey: 'rule:park|cam-0001|bus-stop',
      cooldownMs: 60_000,
      placement: { grid: 'grid-a' },
    });
    expect(m.match({ ...parking, camera: 'cam-9999' })).toEqual([]);
    expect(m.unplaced).toBe(1);
  });

  it('raises watch alerts bound to the case', () => {
    const m = new AlertMatcher({ alerts, timezone: 'Asia/Shanghai', placements });
    m.watches.add({
      id: 'w1',
      caseId: 'case-7',
      caseOrg: 'county-a',
      kind: 'plate',
      pattern: '浙H12345',
      mode: 'fuzzy',
      area: null,
      fromMs: null,
      toMs: null,
    });
    const out = m.match(makeHit({ attrs: { plate: '浙H1Z345' } }));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      source: { kind: 'watch', caseId: 'case-7' },
      cooldownKey: 'watch:w1|cam-0001|',
      priority: 'high',
    });
  });
});

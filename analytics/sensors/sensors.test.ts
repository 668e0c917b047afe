import { describe, expect, it } from 'vitest';
import { ConfigError, loadCityConfig } from '../../contracts/config/index.js';
import { parseSensorsMessage } from '../../contracts/sensor-validate.js';
import { intakeSensors } from '../../ingest/sensor-intake.js';
import { testCityRaw } from '../../ingest/testkit.js';
import { rowToHit } from '../hit-rows.js';
import { SensorAlerts } from './alerts.js';
import { SensorCatalog } from './catalog.js';
import { camerasNear } from './fusion.js';
import { decodeState, encodeState, firingRows, SensorRuleEngine } from './engine.js';
import { blockToReadings } from './reading-block.js';
import { decodeReadings, encodeReadings, readingToRow } from './rows.js';
import { alarm, reading, sensorEnvelope, sensorKindsRaw, sensorsRaw } from './testkit.js';

const raw = () => ({
  ...testCityRaw({ gateways: 2, camerasPerGateway: 1 }),
  sensorKinds: sensorKindsRaw({ forMs: 60_000, silenceMs: 600_000 }),
  sensors: sensorsRaw({ gateways: 2, perGateway: 3 }),
});
const city = loadCityConfig(undefined, {}, raw());
const GW = 'gw-000';
const WATER = 'sen-000-0';
const SMOKE = 'sen-000-1';
const T0 = Date.now() - 3_600_000;

function problems(over: (c: ReturnType<typeof raw>) => void): string[] {
  const c = raw();
  over(c);
  try {
    loadCityConfig(undefined, {}, c);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => `${p.path}: ${p.message}`);
    throw e;
  }
}

describe('sensors in city.yaml', () => {
  it('loads kinds and sensors with defaults', () => {
    expect(city.sensors).toHaveLength(6);
    expect(city.sensorKinds[0]?.rawDays).toBe(30);
    expect(city.fusion.cameraRadiusM).toBe(300);
  });

  it.each<[string, (c: ReturnType<typeof raw>) => void, RegExp]>([
    [
      'unknown kind',
      (c) => {
        c.sensors[0]!.kind = 'lava' as never;
      },
      /\/sensors\/0\/kind: no sensor kind 'lava'/,
    ],
    [
      'unknown grid',
      (c) => {
        c.sensors[0]!.grid = 'nowhere';
      },
      /\/sensors\/0\/grid: no org 'nowhere'/,
    ],
    [
      'unknown gateway',
      (c) => {
        c.sensors[0]!.gateway = 'gw-x';
      },
      /\/sensors\/0\/gateway: no gateway 'gw-x'/,
    ],
    [
      'duplicate sensor',
      (c) => {
        c.sensors[1]!.id = c.sensors[0]!.id;
      },
      /\/sensors\/1\/id: sensor id .* appears twice/,
    ],
    [
      'sensor id of a camera',
      (c) => {
        c.sensors[0]!.id = 'cam-000-0';
      },
      /also a camera id/,
    ],
    [
      'threshold on a metric the kind lacks',
      (c) => {
        (c.sensorKinds[0]!.rules[0] as Record<string, unknown>).metric = 'depth';
      },
      /\/sensorKinds\/0\/rules\/0\/metric: kind 'water_level' has no metric 'depth'/,
    ],
    [
      'threshold without a level',
      (c) => void delete (c.sensorKinds[0]!.rules[0] as Record<string, unknown>).above,
      /needs `above` or `below`/,
    ],
    [
      'rate without rise or fall',
      (c) => void delete (c.sensorKinds[0]!.rules[1] as Record<string, unknown>).rise,
      /needs `rise` or `fall`/,
    ],
    [
      'a rule id used by two kinds',
      (c) => {
        c.sensorKinds[1]!.rules[0]!.id = 'water-high';
      },
      /\/sensorKinds\/1\/rules\/0\/id: rule id 'water-high' is also used by sensor kind 'water_level'/,
    ],
    [
      'min not under max',
      (c) => {
        c.sensorKinds[0]!.metrics[0]!.min = 9999;
      },
      /`min` must be under `max`/,
    ],
  ])('refuses %s', (_n, over, want) => {
    expect(problems(over).join('\n')).toMatch(want);
  });

  it('lets a sensor override a rule of its kind by id', () => {
    const c = raw();
    (c.sensors[0] as Record<string, unknown>).rules = [
      { id: 'water-high', type: 'threshold', metric: 'level', above: 50 },
    ];
    const cat = new SensorCatalog(loadCityConfig(undefined, {}, c));
    const rules = cat.get(WATER)!.rules.filter((r) => r.id === 'water-high');
    expect(rules).toHaveLength(1);
    expect(rules[0]?.above).toBe(50);
  });
});

describe('sensor messages', () => {
  const cat = new SensorCatalog(city);
  const bytes = (v: unknown) => Buffer.from(JSON.stringify(v));
  it('keeps valid readings and alarms, rejects each bad one with its reason', () => {
    const env = sensorEnvelope(GW, [reading(WATER, 'level', 120, T0)], [alarm(SMOKE, 'smoke', T0)]);
    const text = JSON.stringify({
      ...env,
      readings: [
        ...env.readings,
        { ...reading(WATER, 'level', 1, T0), value: 'NaN' },
        { ...reading(WATER, 'level', 1, T0), value: null },
        { ...reading(WATER, 'level', 1, T0), extra: 1 },
        { ...reading(WATER, 'level', 1, T0), sensor: 'x'.repeat(100_000) },
        { ...reading(WATER, 'level', 1, T0), unit: 'm' },
        { ...reading(WATER, 'depth', 1, T0), unit: 'cm' },
        reading(WATER, 'level', 99_999, T0),
        reading('sen-nowhere', 'level', 1, T0),
        reading('sen-001-0', 'level', 1, T0),
      ],
    }).replace('"value":120', '"value":1e999');
    const parsed = parseSensorsMessage(Buffer.from(text), GW);
    expect(parsed.readings.length + parsed.rejected.length).toBe(10);
    // 1e999 parses to Infinity: not a finite number.
    expect(parsed.rejected[0]?.reason).toBe('INGEST_BAD_READING');
    const intake = intakeSensors(cat, GW, `xueliang/v1/gw/${GW}/sensors`, Buffer.from(text), 4096, T0);
    expect(intake.rejected).toEqual([
      'INGEST_BAD_READING',
      'INGEST_BAD_READING',
      'INGEST_BAD_READING',
      'INGEST_BAD_READING',
      'INGEST_BAD_READING',
      'INGEST_BAD_UNIT',
      'INGEST_BAD_UNIT',
      'INGEST_BAD_READING',
      'INGEST_UNKNOWN_SENSOR',
      'INGEST_UNKNOWN_SENSOR',
    ]);
    expect(intake.part.readings?.rows ?? 0).toBe(0);
    expect(intake.part.hits).toHaveLength(1);
    expect(intake.part.quarantine.every((q) => q.raw.length <= 4096)).toBe(true);
    expect(intake.ackId).toBe(env.msgId);
  });

  it.each<[string, unknown, string]>([
    ['a wrong version', { ...sensorEnvelope(GW, []), v: 2 }, 'INGEST_BAD_VERSION'],
    ['another gateway', sensorEnvelope('gw-001', []), 'INGEST_WRONG_GATEWAY'],
    ['no message id', { ...sensorEnvelope(GW, []), msgId: undefined }, 'INGEST_BAD_ENVELOPE'],
    [
      'too many readings',
      sensorEnvelope(GW, Array(10_001).fill(reading(WATER, 'level', 1, T0))),
      'INGEST_BAD_ENVELOPE',
    ],
  ])('refuses a whole message with %s', (_n, v, reason) => {
    expect(parseSensorsMessage(bytes(v), GW).rejected.map((r) => r.reason)).toEqual([reason]);
  });

  it('under --open registers unknown sensors, bounded, and accepts any metric', () => {
    const open = new SensorCatalog(city, true);
    const i = intakeSensors(
      open,
      GW,
      't',
      bytes(sensorEnvelope(GW, [reading('dev-new', 'pm2_5', 33, T0)])),
      1024,
      T0,
    );
    expect(i.rejected).toEqual([]);
    expect(blockToReadings(i.part.readings!)[0]?.sensor).toBe('dev-new');
    expect(open.registered).toBe(1);
  });
});

describe('rule engine and sensor alerts', () => {
  const rows = (sensor: string, series: Array<[number, number]>) =>
    series.map(([t, v]) =>
      readingToRow(reading(sensor, 'level', v, T0 + t), new SensorCatalog(city).get(sensor)!, GW),
    );

  it('fires a threshold across batches once, after its duration; a retry-free commit contract', () => {
    const cat = new SensorCatalog(city);
    const e = new SensorRuleEngine(cat, T0);
    const a = e.evaluate(
      rows(WATER, [
        [0, 310],
        [30_000, 320],
      ]),
    );
    expect(a.firings).toEqual([]);
    // Not committed: evaluating the next batch starts from the old state.
    expect(e.evaluate(rows(WATER, [[60_000, 330]])).firings).toEqual([]);
    a.commit();
    const b = e.evaluate(
      rows(WATER, [
        [60_000, 330],
        [90_000, 340],
      ]),
    );
    expect(b.firings.map((f) => [f.rule.id, f.tsMs - T0])).toEqual([['water-high', 60_000]]);
    b.commit();
    expect(e.evaluate(rows(WATER, [[120_000, 350]])).firings).toEqual([]);
    // Same firing → same event id (a retried job stores nothing twice).
    expect(firingRows(b.firings)[0]?.id).toBe(firingRows(b.firings)[0]?.id);
  });

  it('keeps the state wire form of before (pairs lists) and steps a batch in time order', () => {
    const cat = new SensorCatalog(city);
    const e = new SensorRuleEngine(cat, T0);
    // Out of order within the batch: stepped as 0, 30 s, 60 s, so the threshold has held 60 s.
    const x = e.evaluate(
      rows(WATER, [
        [60_000, 330],
        [0, 310],
        [30_000, 320],
      ]),
    );
    expect(x.firings.map((f) => [f.rule.id, f.tsMs - T0])).toEqual([['water-high', 60_000]]);
    x.commit();
    const text = encodeState(e.get(WATER)!);
    const o = JSON.parse(text) as { m: unknown; r: Array<[string, unknown]> };
    expect(o.m).toEqual([['level', T0 + 60_000]]);
    expect(o.r.map(([id]) => id).sort()).toEqual(['water-high', 'water-rising']);
    expect(decodeState(text)).toEqual(e.get(WATER));
    expect(encodeState(decodeState(text)!)).toBe(text);
    expect(decodeState('{"s":{"lastMs":1,"fired":false},"m":[1],"r":[]}')).toBeUndefined();
  });

  it('ignores bad-quality and out-of-order readings for rules, but they count as signs of life', () => {
    const cat = new SensorCatalog(city);
    const e = new SensorRuleEngine(cat, T0);
    const bad = rows(WATER, [
      [0, 900],
      [61_000, 900],
    ]).map((r) => ({ ...r, quality: 'bad' }));
    const x = e.evaluate(bad);
    x.commit();
    expect(x.firings).toEqual([]);
    const t = e.tick(T0 + 600_000);
    expect(t.firings.filter((f) => f.sensor.id === WATER)).toEqual([]);
  });

  it('silence fires once per sensor with a silence rule, tracked state bounded by the config', () => {
    const cat = new SensorCatalog(city);
    const e = new SensorRuleEngine(cat, T0);
    expect(e.tracked).toBe(2); // the water gauges (one per gateway); smoke has only an alarm rule
    e.evaluate(rows(WATER, [[200_000, 100]])).commit();
    const t = e.tick(T0 + 600_000);
    expect(t.firings.map((f) => f.sensor.id)).toEqual(['sen-001-0']);
    t.commit();
    expect(e.tick(T0 + 700_000).firings).toEqual([]);
    expect(e.tick(T0 + 1_200_000).firings.map((f) => f.sensor.id)).toEqual([WATER]);
  });

  it('turns derived events and covered device alarms into alerts for the sensor grid', () => {
    const cat = new SensorCatalog(city);
    const alerts = new SensorAlerts(cat);
    const e = new SensorRuleEngine(cat, T0);
    const fired = e.evaluate(
      rows(WATER, [
        [0, 400],
        [70_000, 400],
      ]),
    ).firings;
    const derived = rowToHit({ ...firingRows(fired)[0]!, ts_ms: T0 + 70_000 });
    const a = alerts.match(derived, []);
    expect(a.map((x) => [x.source, x.placement.grid, x.cooldownKey, x.priority])).toEqual([
      [{ kind: 'rule', ruleId: 'water-high' }, 'grid-0', `rule:water-high|${WATER}|`, 'high'],
    ]);
    const intake = intakeSensors(
      cat,
      GW,
      't',
      Buffer.from(
        JSON.stringify(sensorEnvelope(GW, [], [alarm(SMOKE, 'smoke', T0), alarm(SMOKE, 'low_battery', T0)])),
      ),
      1024,
      T0,
    );
    const hits = intake.part.hits.map((h) => rowToHit({ ...h, ts_ms: h.ts }));
    expect(hits.map((h) => [h.type, alerts.match(h, []).map((x) => x.source)])).toEqual([
      ['smoke', [{ kind: 'rule', ruleId: 'smoke-alarm' }]],
      ['low_battery', []],
    ]);
  });
});

describe('readings in queue jobs', () => {
  it('encode to columns and decode to the same rows', () => {
    const cat = new SensorCatalog(city);
    const rows = [
      readingToRow(reading(WATER, 'level', 12.5, T0), cat.get(WATER)!, GW),
      readingToRow({ ...reading(WATER, 'battery', 3.61, T0 + 1), quality: 'bad' }, cat.get(WATER)!, GW),
      readingToRow(reading('sen-001-2', 'noise', 0, T0 + 2), cat.get('sen-001-2')!, 'gw-001'),
    ];
    const cols = JSON.parse(JSON.stringify(encodeReadings(rows)));
    expect(decodeReadings(cols)).toEqual(rows);
    expect(cols.strings.length).toBeLessThan(rows.length * 7);
  });
});

describe('cameras near a sensor', () => {
  it('keeps those within the radius, nearest first', () => {
    const cams = [
      { id: 'far', lat: 30.01, lon: 120 },
      { id: 'near', lat: 30.0005, lon: 120 },
      { id: 'here', lat: 30, lon: 120 },
    ];
    expect(camerasNear({ lat: 30, lon: 120 }, cams, 300)).toEqual([
      { id: 'here', distanceM: 0 },
      { id: 'near', distanceM: 56 },
    ]);
    expect(camerasNear({ lat: 30, lon: 120 }, cams, 0)).toEqual([{ id: 'here', distanceM: 0 }]);
  });
});

import { describe, expect, it } from 'vitest';
import { loadCityConfig } from '../../contracts/config/index.js';
import type { SensorReading } from '../../contracts/sensor.js';
import { testCityRaw } from '../../ingest/testkit.js';
import { blockBytes } from '../row-block.js';
import { SensorCatalog } from './catalog.js';
import {
  blockReadingsOf,
  blockToReadings,
  ReadingLineEncoder,
  readingLine,
  readingsToBlock,
} from './reading-block.js';
import { readingToRow } from './rows.js';
import { reading, sensorKindsRaw, sensorsRaw } from './testkit.js';

const city = loadCityConfig(
  undefined,
  {},
  {
    ...testCityRaw({ gateways: 2, camerasPerGateway: 1 }),
    sensorKinds: sensorKindsRaw({}),
    sensors: sensorsRaw({ gateways: 2, perGateway: 3 }),
  },
);
const GW = 'gw-000';
const T0 = Date.now() - 3_600_000;

describe('sensor readings as row blocks', () => {
  const cat = new SensorCatalog(city);
  const cases: Array<[SensorReading, string]> = [
    [reading('sen-000-0', 'level', 12.5, T0), GW],
    [{ ...reading('sen-000-0', 'battery', 3.61, T0 + 1), quality: 'bad' }, GW],
    [{ ...reading('sen-000-0', 'level', -0.000123, T0 + 2), quality: 'uncertain' }, GW],
    [reading('sen-001-2', 'noise', 0, T0 + 3), 'gw-001'],
    [reading('sen-000-0', 'level', 1e9, T0 + 4), GW],
  ];

  it('the intake encoder writes the lines readingLine writes for the same rows, byte for byte', () => {
    const enc = new ReadingLineEncoder();
    // Twice: the second pass runs on the kept per-sensor and per-metric parts.
    for (let pass = 0; pass < 2; pass++)
      for (const [r, gw] of cases)
        expect(enc.line(r, cat.get(r.sensor)!, gw)).toBe(
          readingLine(readingToRow(r, cat.get(r.sensor)!, gw)),
        );
  });

  it('so do sensors registered under --open, whose ids, metrics and units come from the message', () => {
    const open = new SensorCatalog(city, true);
    const enc = new ReadingLineEncoder();
    const r: SensorReading = { sensor: 'dev-"q"\\', tsMs: T0, metric: 'pm2_5', value: 33.25, unit: 'µg/m³' };
    const s = open.forGateway(r.sensor, GW);
    if (typeof s === 'string') throw new Error(s);
    expect(enc.line(r, s, GW)).toBe(readingLine(readingToRow(r, s, GW)));
    // The same sensor info under another gateway does not reuse the first gateway's parts.
    expect(enc.line(r, s, 'gw-001')).toBe(readingLine(readingToRow(r, s, 'gw-001')));
  });

  it('decode, from text or from the bytes Redis gives back, to the rows encoded', () => {
    const rows = cases.map(([r, gw]) => readingToRow(r, cat.get(r.sensor)!, gw));
    const block = readingsToBlock(rows);
    expect(block.rows).toBe(rows.length);
    expect(blockToReadings(block)).toEqual(rows);
    expect(blockToReadings({ data: blockBytes(block) })).toEqual(rows);
    expect(blockToReadings({ data: '' })).toEqual([]);
  });

  it('the rules read only the lines of the sensors asked for, parsed like the whole block', () => {
    const open = new SensorCatalog(city, true);
    const odd = open.forGateway('dev-"q"\\', GW);
    const near = open.forGateway('sen-000-01', GW);
    if (typeof odd === 'string' || typeof near === 'string') throw new Error('not registered');
    const rows = [
      ...cases.map(([r, gw]) => readingToRow(r, cat.get(r.sensor)!, gw)),
      readingToRow(reading('dev-"q"\\', 'pm2_5', 3, T0 + 5), odd, GW),
      readingToRow(reading('sen-000-01', 'level', 4, T0 + 6), near, GW),
    ];
    const block = readingsToBlock(rows);
    const want = rows.filter((r) => r.sensor === 'sen-000-0');
    expect(want).toHaveLength(4);
    expect(blockReadingsOf(block, new Set(['"sen-000-0"']))).toEqual(want);
    expect(blockReadingsOf({ data: blockBytes(block) }, new Set(['"sen-000-0"']))).toEqual(want);
    // An id that needs escaping (never a city.yaml id, so never one with rules) is cut at its
    // backslash: it matches no id without one.
    expect(blockReadingsOf(block, new Set([JSON.stringify('dev-"q"\\'), '"dev-"']))).toEqual([]);
    expect(blockReadingsOf(block, new Set())).toEqual([]);
    expect(blockReadingsOf({ data: '' }, new Set(['"sen-000-0"']))).toEqual([]);
  });
});

/**
 * Second candidate colours on real chDB: a hit whose second upper clothing (or body) colour is
 * the one asked for is found by the persons (and vehicles) search; a colour that is neither
 * the first nor the second is not; a hit without second colours (contract v1 before them)
 * is stored and found as before.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hit } from '../contracts/hit.js';
import { makeHit } from '../contracts/testkit.js';
import { HIT_COLUMNS, hitToRow, rowToHit } from './hit-rows.js';
import { migrate } from './migrate.js';
import { searchHits } from './queries.js';
import { openStore, type Store } from './store.js';
import { searchVehiclesByAttrs } from './vehicles.js';

let store: Store;
const t0 = Date.now() - 3_600_000;
const PLACE = { grid: 'grid-xh-01', orgPath: ['hz', 'xihu', 'grid-xh-01'] };
const denim = makeHit({
  camera: 'cam-c2',
  tsMs: t0,
  type: 'person',
  label: 'person',
  attrs: { upperColor: 'grey', upperColor2: 'blue', lowerColor: 'black', lowerColor2: 'grey' },
});
const plain = makeHit({
  camera: 'cam-c2',
  tsMs: t0 + 1,
  type: 'person',
  label: 'person',
  attrs: { upperColor: 'red', lowerColor: 'black' },
});
const van = makeHit({
  camera: 'cam-c2',
  tsMs: t0 + 2,
  attrs: { vehicleType: 'car', color: 'white', color2: 'grey' },
});

beforeAll(async () => {
  store = await openStore({ url: `chdb://${mkdtempSync(join(tmpdir(), 'xl-colour2-'))}` });
  await migrate(store, { hitsDays: 30, snapshotsDays: 7, quarantineDays: 14 });
  await store.insert(
    'hits',
    [denim, plain, van].map((h) => hitToRow(h, PLACE)),
  );
});
afterAll(async () => store?.close());

const persons = (over: { upper?: string; lower?: string }) =>
  searchHits(store, {
    fromMs: t0 - 1000,
    toMs: t0 + 60_000,
    scope: [],
    districts: [],
    kind: 'sighting',
    type: 'person',
    limit: 100,
    ...over,
  }).then((rows) => rows.map((r) => r.id).sort());

const vehicles = (color: string) =>
  searchVehiclesByAttrs(store, {
    fromMs: t0 - 1000,
    toMs: t0 + 60_000,
    scope: [],
    districts: [],
    color,
    vehicleType: '',
    limit: 100,
  }).then((rows) => rows.map((r) => r.id));

describe('second candidate colours', () => {
  it('are optional in the contract: a hit without them stays valid', () => {
    expect(Value.Check(Hit, plain)).toBe(true);
    expect(Value.Check(Hit, denim)).toBe(true);
    expect(Value.Check(Hit, { ...denim, attrs: { upperColor2: 'denim' } })).toBe(false);
  });

  it('a search for blue upper clothing finds the hit whose second upper colour is blue', async () => {
    expect(await persons({ upper: 'blue' })).toEqual([denim.id]);
    expect(await persons({ upper: 'grey' })).toEqual([denim.id]);
    expect(await persons({ upper: 'red' })).toEqual([plain.id]);
  });

  it('a colour that is neither the first nor the second finds nothing', async () => {
    expect(await persons({ upper: 'green' })).toEqual([]);
    expect(await persons({ lower: 'blue' })).toEqual([]);
    expect(await persons({ upper: 'blue', lower: 'white' })).toEqual([]);
  });

  it('both filters may match through second colours', async () => {
    expect(await persons({ upper: 'blue', lower: 'grey' })).toEqual([denim.id]);
    expect(await persons({ lower: 'black' })).toEqual([denim.id, plain.id].sort());
  });

  it('the vehicles search by colour matches the second body colour too', async () => {
    expect(await vehicles('grey')).toEqual([van.id]);
    expect(await vehicles('white')).toEqual([van.id]);
    expect(await vehicles('red')).toEqual([]);
  });

  it('round-trips through the store in the contract shape', async () => {
    const rows = await store.query<Parameters<typeof rowToHit>[0]>(
      `SELECT ${HIT_COLUMNS} FROM hits WHERE camera = 'cam-c2' ORDER BY ts`,
    );
    expect(rows.map(rowToHit)).toEqual([denim, plain, van]);
  });
});

/**
 * The store's contract suite: every connection (embedded chDB, a ClickHouse server) must
 * pass it. Called from store.int.test.ts once per engine.
 */
import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { makeHit } from '../contracts/testkit.js';
import { blockToHits, hitsToBlock } from './hit-block.js';
import { HIT_COLUMNS, hitToRow, rowToHit } from './hit-rows.js';
import { migrate } from './migrate.js';
import type { Store } from './store.js';

export const MIGRATION_VARS = { hitsDays: 30, snapshotsDays: 7, quarantineDays: 14 };

const HOSTILE = [
  "'",
  "\\'",
  "'; DROP TABLE hits; --",
  'a\u0000b',
  '\\',
  '%_%',
  '{x:String}',
  `浙${'A'.repeat(3)}${'藏'.repeat(400)}`,
  '\u202eevil\u202c',
];

export function storeContract(name: string, open: () => Promise<Store>): void {
  describe(`store contract: ${name}`, () => {
    let store: Store;
    it('applies migrations once (idempotent DDL)', async () => {
      store = await open();
      const first = await migrate(store, MIGRATION_VARS);
      const again = await migrate(store, MIGRATION_VARS);
      expect(again).toEqual([]);
      const tables = await store.query<{ name: string }>(
        'SELECT name FROM system.tables WHERE database = currentDatabase()',
      );
      expect(tables.map((t) => t.name)).toEqual(
        expect.arrayContaining(['hits', 'quarantine', 'schema_migrations']),
      );
      expect(first.length + again.length).toBeGreaterThanOrEqual(0);
    });

    it('inserts hits and reads them back in the contract shape', async () => {
      const camera = `cam-${ulid()}`;
      const t = Date.now() - 3_600_000;
      const hits = [
        makeHit({ camera, tsMs: t + 123 }),
        makeHit({
          camera,
          tsMs: t + 456,
          attrs: { upperColor: 'red', upperColor2: 'pink', lowerColor: 'blue' },
          kind: 'sighting',
          type: 'person',
          label: 'person',
          snapshot: '01JDSNAP',
          snapshotCrop: [0.1, 0.25, 0.5, 0.875],
        }),
      ];
      await store.insert(
        'hits',
        hits.map((h) => hitToRow(h, { grid: 'g1', orgPath: ['city', 'g1'] })),
      );
      const rows = await store.query<Parameters<typeof rowToHit>[0]>(
        `SELECT ${HIT_COLUMNS} FROM hits WHERE camera = {camera:String} ORDER BY ts`,
        { camera },
      );
      expect(rows.map(rowToHit)).toEqual(hits);
    });

    it('stores one copy of an insert repeated with the same dedup token', async () => {
      const camera = `cam-${ulid()}`;
      const rows = [makeHit({ camera }), makeHit({ camera })].map((h) => hitToRow(h, undefined));
      const token = `job-${ulid()}`;
      await store.insert('hits', rows, { dedupToken: token });
      await store.insert('hits', rows, { dedupToken: token });
      await store.insert('hits', rows.slice(0, 1), { dedupToken: `${token}-other` });
      const [r] = await store.query<{ n: string }>(
        'SELECT count() AS n FROM hits WHERE camera = {camera:String}',
        { camera },
      );
      expect(Number(r?.n)).toBe(3);
    });

    it('does not carry a dedup token over to the next insert', async () => {
      const camera = `cam-${ulid()}`;
      await store.insert('hits', [hitToRow(makeHit({ camera }), undefined)], { dedupToken: `t-${ulid()}` });
      await store.insert('hits', [hitToRow(makeHit({ camera }), undefined)]);
      await store.query('SELECT 1', {}, { settings: { max_threads: 1 } });
      await store.insert('hits', [hitToRow(makeHit({ camera }), undefined)]);
      const [r] = await store.query<{ n: string; t: string }>(
        "SELECT count() AS n, getSetting('max_threads') AS t FROM hits WHERE camera = {camera:String}",
        { camera },
      );
      expect(Number(r?.n)).toBe(3);
    });

    it('stores a row block as the rows it encodes, once per dedup token', async () => {
      const camera = `cam-${ulid()}`;
      const hits = HOSTILE.slice(0, 6).map((p, i) =>
        makeHit({
          camera,
          tsMs: Date.now() - i,
          attrs: { plate: p.slice(0, 16), plateScore: 0.5, color: 'white' },
        }),
      );
      const rows = hits.map((h) => hitToRow(h, { grid: 'g1', orgPath: ['city', "it's\\g1"] }));
      const block = hitsToBlock(rows);
      expect(blockToHits(block)).toEqual(rows);
      const token = `blk-${ulid()}`;
      await store.insertBlock('hits', block, { dedupToken: token });
      // The same block as bytes (as the worker reads it from Redis) is the same insert.
      const bytes = { ...block, data: Buffer.from(block.data) };
      expect(blockToHits(bytes)).toEqual(rows);
      await store.insertBlock('hits', bytes, { dedupToken: token });
      // No token carried over: a block without one after a deduplicated insert is stored.
      await store.insertBlock('hits', hitsToBlock(rows.slice(0, 1)));
      const got = await store.query<Parameters<typeof rowToHit>[0] & { org_path: string[] }>(
        `SELECT ${HIT_COLUMNS}, org_path FROM hits WHERE camera = {camera:String} ORDER BY ts DESC, id`,
        { camera },
      );
      expect(got).toHaveLength(rows.length + 1);
      const byId = new Map(got.map((g) => [g.id, g]));
      for (const h of hits) expect(rowToHit(byId.get(h.id)!)).toEqual(h);
      expect(got[0]?.org_path).toEqual(['city', "it's\\g1"]);
    });

    it('passes hostile parameter values as data, never as SQL', async () => {
      const camera = `cam-${ulid()}`;
      const rows = HOSTILE.map((plate) =>
        hitToRow(makeHit({ camera, attrs: { plate: plate.slice(0, 16) } }), undefined),
      );
      await store.insert('hits', rows);
      for (const plate of HOSTILE) {
        const want = rows.filter((r) => r.plate === plate.slice(0, 16)).length;
        const got = await store.query<{ plate: string }>(
          'SELECT plate FROM hits WHERE camera = {camera:String} AND plate = {plate:String}',
          { camera, plate: plate.slice(0, 16) },
        );
        expect(got.length, JSON.stringify(plate)).toBe(want);
        expect(got.every((g) => g.plate === plate.slice(0, 16))).toBe(true);
        const none = await store.query(
          'SELECT 1 FROM hits WHERE camera = {camera:String} AND plate = {plate:String}',
          { camera, plate },
        );
        if (plate.length > 16) expect(none).toHaveLength(0);
      }
      const [t] = await store.query<{ n: string }>(
        "SELECT count() AS n FROM system.tables WHERE name = 'hits' AND database = currentDatabase()",
      );
      expect(Number(t?.n)).toBe(1);
    });

    it('keeps milliseconds of epoch-ms parameters', async () => {
      const camera = `cam-${ulid()}`;
      const t = Date.now() - (Date.now() % 1000) - 1;
      await store.insert('hits', [hitToRow(makeHit({ camera, tsMs: t }), undefined)]);
      const got = await store.query(
        "SELECT id FROM hits WHERE camera = {camera:String} AND ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC')",
        {
          camera,
          from: t,
        },
      );
      expect(got).toHaveLength(1);
      const none = await store.query(
        "SELECT id FROM hits WHERE camera = {camera:String} AND ts > fromUnixTimestamp64Milli({from:Int64}, 'UTC')",
        {
          camera,
          from: t,
        },
      );
      expect(none).toHaveLength(0);
      await store.close();
    });
  });
}

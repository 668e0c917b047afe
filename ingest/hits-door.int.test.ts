/**
 * Which table a job's hits block goes into (BundleJob.hitsVia, ingest/job-data.ts): a retry is
 * deduplicated only through the table the first INSERT used, so a job queued before hits_intake
 * (no `hitsVia`) keeps to `hits` and a new one to hits_intake, on chDB.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HIT_BLOCK_TABLE, hitsToBlock } from '../analytics/hit-block.js';
import { hitToRow } from '../analytics/hit-rows.js';
import { migrate } from '../analytics/migrate.js';
import { openStore, type Store } from '../analytics/store.js';
import { makeHit } from '../contracts/testkit.js';
import { type BundleJob, writeHits } from './job-data.js';

let store: Store;
beforeAll(async () => {
  store = await openStore({ url: `chdb://${mkdtempSync(join(tmpdir(), 'xl-door-'))}` });
  await migrate(store, { hitsDays: 30, snapshotsDays: 7, quarantineDays: 14 });
});
afterAll(async () => store?.close());

const job = (over: Partial<BundleJob> = {}): BundleJob => ({
  v: 1,
  hits: [],
  snapshots: [],
  quarantine: [],
  keys: [],
  firstMs: Date.now(),
  ...over,
});
const block = (camera: string) =>
  hitsToBlock([makeHit({ camera }), makeHit({ camera })].map((h) => hitToRow(h, undefined)));
const stored = async (camera: string) =>
  Number(
    (
      await store.query<{ n: string }>('SELECT count() AS n FROM hits WHERE camera = {camera:String}', {
        camera,
      })
    )[0]?.n,
  );

describe('the hits door of a job', () => {
  it('a job queued before hits_intake: retried after an INSERT straight into hits, stored once', async () => {
    const b = block('cam-door-old');
    // What the worker before hits_intake did with this job (same token, same settings).
    await store.insertBlock('hits', b, {
      dedupToken: 'door-old',
      settings: { deduplicate_blocks_in_dependent_materialized_views: 1 },
    });
    await writeHits(store, job(), 'door-old', b);
    expect(await stored('cam-door-old')).toBe(2);
  });

  it('a new job goes through hits_intake, and its retry is dropped', async () => {
    const b = block('cam-door-new');
    const j = job({ hitsVia: HIT_BLOCK_TABLE });
    await writeHits(store, j, 'door-new', b);
    await writeHits(store, j, 'door-new', b);
    expect(await stored('cam-door-new')).toBe(2);
    // Through hits_intake indeed: the same token straight into hits is another block to the store.
    await store.insertBlock('hits', b, {
      dedupToken: 'door-new',
      settings: { deduplicate_blocks_in_dependent_materialized_views: 1 },
    });
    expect(await stored('cam-door-new')).toBe(4);
  });
});

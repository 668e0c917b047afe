/**
 * The cluster store as far as this machine can take it (no ClickHouse server here, and chDB
 * has no cluster: docs/deploy.md#clickhouse-cluster says what stays untested). The insert
 * router picks one stable shard per job and writes `<t>_local`; on chDB, the cluster DDL with
 * its Keeper paths removed and `Merge` standing in for `Distributed` (both read the local table
 * under the single-box name) builds every table and view, and the analytics queries answer
 * against the Distributed names from rows the router inserted.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHit } from '../contracts/testkit.js';
import { renderClusterParts } from './cluster.js';
import { hitToRow } from './hit-rows.js';
import { readMigrations } from './migrate.js';
import { searchHits, statsCounts } from './queries.js';
import { clusterStore, shardOf } from './shard-router.js';
import { openStore, type Store } from './store.js';

const VARS = { hitsDays: 30, snapshotsDays: 7, quarantineDays: 14 };
let store: Store;

/** The cluster DDL for one chDB node: no ON CLUSTER, no Keeper path, Merge for Distributed. */
function singleNode(stmt: string): string {
  return stmt
    .replace(/ ON CLUSTER 'xl'/g, '')
    .replace(/Replicated(\w*MergeTree)\('[^']*', '\{replica\}'(?:, )?/, '$1(')
    .replace(
      /ENGINE = Distributed\('xl', 'default', '(\w+)', [^;]*\);$/,
      (_m, local: string) => `ENGINE = Merge(currentDatabase(), '^${local}$');`,
    )
    .replace(/\bdefault\./g, '')
    .replace(/;$/, '');
}

beforeAll(async () => {
  store = await openStore({ url: `chdb://${mkdtempSync(join(tmpdir(), 'xl-cluster-'))}` });
  const parts = renderClusterParts(readMigrations(undefined, VARS), {
    cluster: 'xl',
    database: 'default',
    vars: VARS,
  });
  for (const p of parts) for (const s of p.statements) await store.command(singleNode(s));
}, 60_000);
afterAll(async () => store?.close());

describe('insert router', () => {
  it('sends a job to the same shard every time, and spreads jobs over the shards', () => {
    const ids = Array.from({ length: 3000 }, (_, i) => `01JOB${String(i).padStart(8, '0')}`);
    for (const n of [1, 2, 3, 7]) {
      const first = ids.map((id) => shardOf(id, n));
      expect(ids.map((id) => shardOf(id, n))).toEqual(first); // a retry reaches the same shard
      const per = Array.from({ length: n }, (_, s) => first.filter((x) => x === s).length);
      for (const c of per) expect(Math.abs(c - ids.length / n)).toBeLessThan((ids.length / n) * 0.15);
    }
    expect(shardOf('01JOB-fixed', 4)).toBe(shardOf('01JOB-fixed', 4));
    expect(() => shardOf('x', 0)).toThrow(RangeError);
  });

  it('inserts into the local tables, and the queries read the Distributed names', async () => {
    // Two "shards" on one chDB: each insert lands in hits_local; the view tables fill on the shard.
    const routed = clusterStore({ query: store, shards: [store, store] });
    const t = Date.now() - 3_600_000;
    const place = { grid: 'grid-1', orgPath: ['city', 'county', 'grid-1'] };
    const jobs = ['01JOBA', '01JOBB', '01JOBC'].map((job, j) => ({
      job,
      rows: [0, 1].map((i) =>
        hitToRow(
          makeHit({ camera: `cam-${j}`, tsMs: t + j * 1000 + i, type: 'vehicle', label: 'car' }),
          place,
        ),
      ),
    }));
    for (const { job, rows } of jobs) await routed.insert('hits', rows, { dedupToken: job });
    expect(Number((await store.query<{ n: string }>('SELECT count() AS n FROM hits_local'))[0]!.n)).toBe(6);
    const found = await searchHits(routed, {
      fromMs: t - 60_000,
      toMs: t + 60_000,
      scope: [],
      districts: [],
      limit: 100,
    });
    expect(found.map((r) => r.id).sort()).toEqual(jobs.flatMap((j) => j.rows.map((r) => r.id)).sort());
    const stats = await statsCounts(routed, {
      fromMs: t - 3_600_000,
      toMs: t + 3_600_000,
      scope: [],
      districts: [],
      org: '',
      cameras: [],
      type: 'vehicle',
      bucket: 'hour',
      tz: 'UTC',
      by: 'camera',
      level: 1,
    });
    expect(stats.reduce((s, r) => s + Number(r.n), 0)).toBe(6);
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHit } from '../contracts/testkit.js';
import { hitToRow } from '../analytics/hit-rows.js';
import { migrate } from '../analytics/migrate.js';
import { openStore, type Store } from '../analytics/store.js';
import { MIGRATION_VARS } from '../analytics/store.contract.js';
import { orphanSlice, sweepOrphanSnapshots } from './orphans.js';

let store: Store;
let redis: Redis;
const prefix = `xltest-orphans-${ulid()}`;

beforeAll(async () => {
  store = await openStore({ url: `chdb://${mkdtempSync(join(tmpdir(), 'xl-orphans-'))}` });
  await migrate(store, MIGRATION_VARS);
  redis = new Redis('redis://127.0.0.1:6379');
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await store.close();
});

describe('orphan snapshot sweep', () => {
  it('slices time into whole slices that ended a grace period ago', () => {
    expect(orphanSlice(10_000_000, 600_000, 60_000)).toEqual({ fromMs: 9_300_000, toMs: 9_360_000 });
  });

  it('moves a snapshot no hit names to the quarantine table, keeps the named ones (snapshot and frame), once', async () => {
    const now = Date.now();
    const { fromMs } = orphanSlice(now, 600_000, 60_000);
    const [named, frame, orphan] = [ulid(), ulid(), ulid()];
    const snap = (id: string) => ({
      id,
      gateway: 'gw-test-01',
      ts: fromMs + 1000,
      bytes: 4,
      jpeg_base64: '/9j/AA==',
    });
    await store.insert('snapshots', [snap(named), snap(frame), snap(orphan)]);
    // An event names its crop as `snapshot` and its whole frame as `frame`: both are kept.
    await store.insert('hits', [
      hitToRow(makeHit({ tsMs: fromMs + 900, snapshot: named, frame }), undefined),
    ]);
    const opts = { store, redis, prefix, graceMs: 600_000, sliceMs: 60_000 };
    expect(await sweepOrphanSnapshots(opts, now)).toBe(true);
    expect(await sweepOrphanSnapshots(opts, now)).toBe(false);
    const left = await store.query<{ id: string }>(
      'SELECT id FROM snapshots WHERE id IN {ids:Array(String)} ORDER BY id',
      { ids: [named, frame, orphan] },
    );
    expect(left.map((r) => r.id)).toEqual([named, frame].sort());
    const q = await store.query<{ reason: string; topic: string }>(
      "SELECT reason, topic FROM quarantine WHERE reason = 'INGEST_ORPHAN_SNAPSHOT'",
    );
    expect(q).toEqual([
      { reason: 'INGEST_ORPHAN_SNAPSHOT', topic: `xueliang/v1/gw/gw-test-01/snap/${orphan}` },
    ]);
  });
});

/**
 * Retention you can prove (docs/privacy.md), on real chDB: time is moved forward by writing
 * rows whose times lie N days before now (all relative to Date.now(); ClickHouse's TTL compares
 * with the server's now()), then applying the tables' TTL at once (`ALTER TABLE … MATERIALIZE
 * TTL`, synchronous) instead of waiting for a background merge. Hits, snapshots, quarantine and
 * audit rows leave exactly when their TTL says; a snapshot goes before the hit that names it;
 * an audit chain whose oldest rows expired still verifies, while rows deleted elsewhere do not.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHit } from '../contracts/testkit.js';
import { AuditLog, verifyAudit } from './audit.js';
import { hitToRow } from './hit-rows.js';
import { migrate } from './migrate.js';
import { openStore, type Store } from './store.js';

const DAY = 86_400_000;
const VARS = { hitsDays: 30, snapshotsDays: 7, quarantineDays: 14, auditDays: 180 };
const PLACE = {
  grid: 'grid-xh-01',
  orgPath: ['hz', 'xihu', 'xihu-lingyin', 'xihu-lingyin-maojiabu', 'grid-xh-01'],
};
/** Ages, days before now, straddling every TTL (an hour either side of each edge). */
const AGES = [1, 6.9, 7.1, 13.9, 14.1, 29.9, 30.1, 179.9, 180.1];
let store: Store;

beforeAll(async () => {
  store = await openStore({ url: `chdb://${mkdtempSync(join(tmpdir(), 'xl-retention-'))}` });
  await migrate(store, VARS);
});
afterAll(async () => store?.close());

const ids = async (q: string) => (await store.query<{ id: string }>(q)).map((r) => r.id).sort();
const materialize = async (table: string) =>
  store.command(`ALTER TABLE ${table} MATERIALIZE TTL SETTINGS mutations_sync = 2`);

describe('retention by TTL', () => {
  it('hits, snapshots, quarantine and audit rows leave when their TTL says; snapshots before their hits', async () => {
    const now = Date.now();
    const tag = (age: number) => `age${String(age).replace('.', '_')}`;
    const hits = AGES.map((age) =>
      makeHit({
        id: `H${tag(age)}`.padEnd(26, '0').slice(0, 26),
        camera: 'cam-xh-0001',
        tsMs: now - age * DAY,
        snapshot: `S${tag(age)}`,
      }),
    );
    await store.insert(
      'hits',
      hits.map((h) => hitToRow(h, PLACE)),
    );
    await store.insert(
      'snapshots',
      AGES.map((age) => ({
        id: `S${tag(age)}`,
        gateway: 'gw-xihu-01',
        ts: now - age * DAY,
        bytes: 3,
        jpeg_base64: 'AAAA',
      })),
    );
    await store.insert(
      'quarantine',
      AGES.map((age) => ({
        ts: now - age * DAY,
        gateway: 'gw-xihu-01',
        topic: `q/${tag(age)}`,
        reason: 'INGEST_BAD_HIT',
        detail: '',
        raw: '',
        raw_bytes: 0,
      })),
    );
    const keyring = { current: 'k1', keys: new Map([['k1', randomBytes(32)]]) };
    const log = new AuditLog(store, 'retention', { keyring });
    // The chain is written in time order, oldest first (a process's rows are).
    for (const age of [...AGES].sort((a, b) => b - a))
      await log.append({
        tsMs: now - age * DAY,
        keyId: 'k',
        role: 'analyst',
        org: 'xihu',
        method: 'GET',
        endpoint: `GET /${tag(age)}`,
        filters: {},
        caseId: '',
        resultCount: 0,
        status: 200,
      });

    for (const t of ['hits', 'snapshots', 'quarantine', 'audit_log']) await materialize(t);

    const kept = (days: number) =>
      AGES.filter((a) => a < days)
        .map(tag)
        .sort();
    expect(await ids('SELECT substring(id, 2) AS id FROM snapshots')).toEqual(kept(VARS.snapshotsDays));
    // hits drop whole day partitions (ttl_only_drop_parts, analytics/migrations/001_hits.sql): a
    // hit leaves with the last hit of its UTC day, at most a day after its own TTL. Which ages
    // share a day depends on the time of day the test runs, so the expectation says so.
    const utcDay = (age: number) => Math.floor((now - age * DAY) / DAY);
    const keptHits = AGES.filter((a) => AGES.some((b) => b < VARS.hitsDays && utcDay(b) === utcDay(a)));
    expect((await ids('SELECT id FROM hits')).map((id) => id.slice(1).replace(/0+$/, ''))).toEqual(
      keptHits
        .map(tag)
        .sort()
        .map((t) => t.replace(/0+$/, '')),
    );
    expect(keptHits.every((a) => a < VARS.hitsDays + 1)).toBe(true);
    expect(await ids('SELECT substring(topic, 3) AS id FROM quarantine')).toEqual(kept(VARS.quarantineDays));
    expect(await ids("SELECT substring(endpoint, 6) AS id FROM audit_log WHERE chain = 'retention'")).toEqual(
      kept(VARS.auditDays),
    );

    // Snapshots go first: every snapshot still stored is named by a stored hit, and hits 7–30
    // days old remain while their snapshots are gone.
    const orphans = await store.query<{ n: string }>(
      'SELECT count() AS n FROM snapshots WHERE id NOT IN (SELECT snapshot FROM hits)',
    );
    expect(Number(orphans[0]?.n)).toBe(0);
    const bare = await store.query<{ n: string }>(
      'SELECT count() AS n FROM hits WHERE snapshot NOT IN (SELECT id FROM snapshots)',
    );
    expect(Number(bare[0]?.n)).toBe(keptHits.filter((a) => a >= VARS.snapshotsDays).length);

    // The audit chain lost its oldest row to the TTL and still verifies…
    const v = await verifyAudit(store, { keyring, retention: { auditDays: VARS.auditDays, nowMs: now } });
    expect(v).toMatchObject({ ok: true, expiredRows: 1, broken: [] });
    // …but not when its oldest remaining rows are deleted too: the new oldest row is far from the edge.
    await store.command(
      "ALTER TABLE audit_log DELETE WHERE chain = 'retention' AND seq <= 3 SETTINGS mutations_sync = 1",
    );
    const w = await verifyAudit(store, { keyring, retention: { auditDays: VARS.auditDays, nowMs: now } });
    expect(w.ok).toBe(false);
    expect(w.broken[0]).toMatchObject({
      chain: 'retention',
      seq: 4,
      reason: expect.stringContaining('missing'),
    });
  }, 120_000);

  it('city.yaml refuses snapshots that would outlive their hits', async () => {
    const { loadCityConfig } = await import('../contracts/config/index.js');
    const { writeFileSync } = await import('node:fs');
    const f = join(mkdtempSync(join(tmpdir(), 'xl-ret-cfg-')), 'city.yaml');
    writeFileSync(f, 'retention: { hitsDays: 5, snapshotsDays: 7 }\n');
    expect(() => loadCityConfig(f)).toThrow(/snapshotsDays/);
  });
});

/**
 * The schema's promises, on real chDB: retried inserts (same dedup token) count once in every
 * materialized view; the audit chain detects edits, deletions and reordering; the cluster
 * rendering of the same migrations parses.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHit } from '../contracts/testkit.js';
import { projectRoot } from '../contracts/testdata.js';
import { AuditLog, verifyAudit } from './audit.js';
import { renderCluster } from './cluster.js';
import { HIT_BLOCK_COLUMNS, HIT_BLOCK_TABLE, hitsToBlock } from './hit-block.js';
import { hitToRow } from './hit-rows.js';
import { migrate, readMigrations } from './migrate.js';
import { openStore, type Store } from './store.js';

const VARS = { hitsDays: 30, snapshotsDays: 7, quarantineDays: 14 };
let store: Store;

beforeAll(async () => {
  store = await openStore({ url: `chdb://${mkdtempSync(join(tmpdir(), 'xl-schema-'))}` });
  await migrate(store, VARS);
});
afterAll(async () => store?.close());

const count = async (q: string) => Number((await store.query<{ n: string }>(q))[0]?.n ?? 0);

describe('materialized views', () => {
  it('count a retried insert (same dedup token) once in every view', async () => {
    const t = Date.now() - 7_200_000;
    const place = {
      grid: 'grid-xh-01',
      orgPath: ['hz', 'xihu', 'xihu-lingyin', 'xihu-lingyin-maojiabu', 'grid-xh-01'],
    };
    const hits = [
      makeHit({
        camera: 'cam-dedup',
        tsMs: t,
        type: 'vehicle',
        label: 'car',
        attrs: { plate: '浙A0DUP1', color: 'red' },
      }),
      makeHit({
        camera: 'cam-dedup',
        tsMs: t + 1,
        type: 'person',
        label: 'person',
        attrs: { upperColor: 'red', lowerColor: 'blue' },
        appearance: Buffer.alloc(32, 7).toString('base64'),
      }),
    ];
    const rows = hits.map((h) => hitToRow(h, place));
    for (let i = 0; i < 3; i++) await store.insert('hits', rows, { dedupToken: 'job-42' });
    await store.insert('hits', rows.slice(0, 1), { dedupToken: 'job-43' }); // a different job: counts
    expect(await count("SELECT count() AS n FROM hits WHERE camera = 'cam-dedup'")).toBe(3);
    expect(await count("SELECT sum(n) AS n FROM stats_hourly WHERE camera = 'cam-dedup'")).toBe(3);
    expect(await count("SELECT count() AS n FROM plate_sightings WHERE plate = '浙A0DUP1'")).toBe(2);
    expect(await count("SELECT sum(n) AS n FROM plates WHERE plate = '浙A0DUP1'")).toBe(2);
    expect(await count("SELECT count() AS n FROM appearances WHERE camera = 'cam-dedup'")).toBe(1);
    const [a] = await store.query<{ vec: number[]; district: string }>(
      "SELECT vec, district FROM appearances WHERE camera = 'cam-dedup'",
    );
    expect(a).toEqual({ vec: Array(32).fill(7), district: 'xihu' });
  });
});

describe('hits_intake (the door of ingest hits blocks)', () => {
  const place = { grid: 'grid-in-01', orgPath: ['hz', 'xihu', 'grid-in-01'] };
  const rowsOf = (camera: string) =>
    [
      makeHit({ camera, type: 'vehicle', label: 'car', attrs: { plate: '浙A0INT1', color: 'red' } }),
      makeHit({
        camera,
        type: 'person',
        label: 'person',
        zone: 'z1',
        attrs: { upperColor: 'red', lowerColor: 'blue', color2: 'white' },
        appearance: Buffer.alloc(32, 9).toString('base64'),
        snapshotCrop: [0.1, 0.2, 0.3, 0.4],
      }),
    ].map((h) => hitToRow(h, place));
  const dedup = { deduplicate_blocks_in_dependent_materialized_views: 1 } as const;

  it('has the block columns, with the types of hits without LowCardinality', async () => {
    const cols = async (t: string) =>
      store.query<{ name: string; type: string }>(
        'SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = {t:String} ORDER BY position',
        { t },
      );
    const intake = await cols(HIT_BLOCK_TABLE);
    expect(intake.map((c) => c.name)).toEqual([...HIT_BLOCK_COLUMNS]);
    const hitTypes = new Map((await cols('hits')).map((c) => [c.name, c.type]));
    for (const c of intake)
      expect(c.type, c.name).toBe(hitTypes.get(c.name)!.replace(/LowCardinality\((\w+)\)/g, '$1'));
  });

  it('stores a block in hits as the direct INSERT does, and a retry once in every view', async () => {
    const direct = rowsOf('cam-in-direct');
    const via = rowsOf('cam-in-via');
    await store.insertBlock('hits', hitsToBlock(direct), { dedupToken: 'in-direct', settings: dedup });
    for (let i = 0; i < 3; i++)
      await store.insertBlock(HIT_BLOCK_TABLE, hitsToBlock(via), { dedupToken: 'in-via', settings: dedup });
    const read = async (camera: string) =>
      store.query<Record<string, unknown>>(
        `SELECT * EXCEPT (id, camera, ts, ingested_at), district, toUnixTimestamp64Milli(ts) - {t0:Int64} AS dt
         FROM hits WHERE camera = {camera:String} ORDER BY type`,
        { camera, t0: direct[0]!.ts },
      );
    const [a, b] = [await read('cam-in-direct'), await read('cam-in-via')];
    expect(b).toHaveLength(2);
    expect(b.map((r) => ({ ...r, dt: 0 }))).toEqual(a.map((r) => ({ ...r, dt: 0 })));
    expect(b[0]!.district).toBe('xihu');
    const n = async (q: string) => count(q.replaceAll('CAM', "'cam-in-via'"));
    expect(await n('SELECT sum(n) AS n FROM stats_hourly WHERE camera = CAM')).toBe(2);
    expect(await n('SELECT count() AS n FROM plate_sightings WHERE camera = CAM')).toBe(1);
    expect(await n('SELECT count() AS n FROM appearances WHERE camera = CAM')).toBe(1);
    expect(await count("SELECT sum(n) AS n FROM plates WHERE plate = '浙A0INT1'")).toBe(2);
  });
});

describe('audit chain', () => {
  it('verifies an intact chain and finds edited, deleted and forged rows', async () => {
    const keyring = { current: 'k1', keys: new Map([['k1', randomBytes(32)]]) };
    const log = new AuditLog(store, 'unit', { keyring });
    for (let i = 0; i < 6; i++) {
      await log.append({
        tsMs: Date.now() - 60_000 + i,
        keyId: 'k',
        role: 'analyst',
        org: 'xihu',
        method: 'GET',
        endpoint: 'GET /vehicles',
        filters: { plate: `浙A${i}` },
        caseId: 'C1',
        resultCount: i,
        status: 200,
      });
    }
    // A second writer of the same chain (a restart) continues it.
    await new AuditLog(store, 'unit', { keyring }).append({
      tsMs: Date.now(),
      keyId: 'k',
      role: 'analyst',
      org: 'xihu',
      method: 'GET',
      endpoint: 'GET /hits',
      filters: {},
      caseId: '',
      resultCount: 0,
      status: 200,
    });
    expect(await verifyAudit(store, { keyring })).toMatchObject({ ok: true, rows: 7, broken: [] });
    const mutate = (q: string) => store.command(`${q} SETTINGS mutations_sync = 1`);
    await mutate(
      'ALTER TABLE audit_log UPDATE filters = \'{"plate":"浙B9"}\' WHERE chain = \'unit\' AND seq = 3',
    );
    expect((await verifyAudit(store, { keyring })).broken).toEqual([
      { chain: 'unit', seq: 3, reason: expect.stringContaining('edited') },
    ]);
    await mutate("ALTER TABLE audit_log DELETE WHERE chain = 'unit' AND seq = 3");
    expect((await verifyAudit(store, { keyring })).broken[0]).toMatchObject({
      seq: 4,
      reason: expect.stringContaining('missing'),
    });
    // Cutting the tail leaves a valid prefix: without a checkpoint only the reported head shows it
    // (api/audit-chain.int.test.ts shows the signed checkpoints catching it).
    await mutate("ALTER TABLE audit_log DELETE WHERE chain = 'unit' AND seq >= 4");
    const v = await verifyAudit(store, { keyring });
    expect(v).toMatchObject({ ok: true, heads: [{ chain: 'unit', seq: 2 }] });
  });
});

describe('cluster rendering', () => {
  it('turns every table into Replicated *_local + Distributed, views onto locals, and parses', async () => {
    const text = renderCluster(readMigrations(undefined, VARS), {
      cluster: 'xl',
      database: 'xueliang',
      vars: VARS,
    });
    for (const t of [
      'hits',
      'plate_sightings',
      'plates',
      'stats_hourly',
      'appearances',
      'cases',
      'audit_log',
    ]) {
      expect(text).toMatch(
        new RegExp(
          `CREATE TABLE IF NOT EXISTS xueliang\\.${t}_local ON CLUSTER 'xl'[^;]*ENGINE = Replicated\\w*MergeTree\\('/clickhouse/tables/\\{shard\\}/xueliang/${t}_local', '\\{replica\\}'`,
        ),
      );
      expect(text).toContain(
        `CREATE TABLE IF NOT EXISTS xueliang.${t} ON CLUSTER 'xl' AS xueliang.${t}_local ENGINE = Distributed('xl', 'xueliang', '${t}_local'`,
      );
    }
    expect(text).toMatch(
      /MATERIALIZED VIEW IF NOT EXISTS xueliang\.stats_hourly_mv ON CLUSTER 'xl' TO xueliang\.stats_hourly_local AS SELECT[^;]*FROM xueliang\.hits_local/,
    );
    expect(text).not.toContain('non_replicated_deduplication_window');
    for (const t of ['task_events', 'hits']) {
      // Added columns reach the replicated local table (where rows live) and the Distributed one.
      const local = text.indexOf(`ALTER TABLE xueliang.${t}_local ON CLUSTER 'xl' ADD COLUMN`);
      expect(local).toBeGreaterThan(0);
      expect(text.indexOf(`ALTER TABLE xueliang.${t} ON CLUSTER 'xl' ADD COLUMN`)).toBeGreaterThan(local);
    }
    const statements = text
      .split(/;\n/)
      .map((s) => s.replace(/^--.*$/gm, '').trim())
      .filter(Boolean);
    expect(statements.length).toBeGreaterThan(20);
    for (const s of statements)
      await expect(store.query(`EXPLAIN AST ${s}`), s.slice(0, 120)).resolves.toBeDefined();
  });

  it('deploy/clickhouse-cluster/schema.sql is the rendering of the current migrations (run `npx tsx analytics/cluster.ts`)', () => {
    const committed = readFileSync(join(projectRoot, 'deploy', 'clickhouse-cluster', 'schema.sql'), 'utf8');
    expect(committed).toBe(
      renderCluster(readMigrations(undefined, VARS), {
        cluster: 'xueliang',
        database: 'xueliang',
        vars: VARS,
      }),
    );
  });
});

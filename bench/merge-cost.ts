/**
 * What the store's merges cost (docs/ingest.md, "Merges"): --rows hits INSERTed as blocks of
 * --batch rows into a fresh embedded store with every view, then the CPU until no merge has run
 * for 3 s, by chDB thread name (`MergeMutate` = merges, `ThreadPool` = the INSERTs), and the
 * active parts left per table. --set applies a MergeTree setting to every MergeTree table first
 * (after the migrations, so it overrides theirs), to compare merge policies in turns:
 *
 *   npx tsx bench/merge-cost.ts --rows 2000000 --batch 10000 --set "merge_selector_base=5"
 *
 * One JSON line on stdout.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { monotonicFactory } from 'ulid';
import { HIT_BLOCK_TABLE, hitsToBlock } from '../analytics/hit-block.js';
import { hitToRow } from '../analytics/hit-rows.js';
import { migrate } from '../analytics/migrate.js';
import { openStore } from '../analytics/store.js';
import { makeHit } from '../contracts/testkit.js';
import { cpuByName, threadCpu } from './thread-cpu.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '300000' },
    batch: { type: 'string', default: '10000' },
    set: { type: 'string', default: '' },
  },
});
const N = Number(values.rows);
const B = Number(values.batch);
const id = monotonicFactory();

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'xl-merge-'));
  const store = await openStore({ url: `chdb://${join(dir, 'ch')}` });
  await migrate(store, { hitsDays: 3650, snapshotsDays: 7, quarantineDays: 14 });
  if (values.set) {
    const tables = await store.query<{ name: string }>(
      "SELECT name FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree'",
    );
    for (const t of tables) await store.command(`ALTER TABLE ${t.name} MODIFY SETTING ${values.set}`);
  }
  const blocks = [];
  for (let done = 0; done < N; done += B) {
    const rows = Array.from({ length: Math.min(B, N - done) }, (_, j) => {
      const v = j % 3;
      return hitToRow(
        makeHit({
          id: id(),
          gateway: `gw-${j % 200}`,
          camera: `cam-${j % 200}`,
          type: v ? 'vehicle' : 'person',
          label: v ? 'car' : 'person',
          attrs: v
            ? { color: 'white', plate: `浙A${10000 + (j % 5000)}`, plateScore: 0.9, vehicleType: 'car' }
            : { upperColor: 'red', lowerColor: 'black' },
          model: 'm',
        }),
        { grid: `grid-${j % 200}`, orgPath: ['city', 'county', `grid-${j % 200}`] },
      );
    });
    blocks.push(hitsToBlock(rows));
  }
  const t0 = threadCpu();
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  let k = 0;
  for (const b of blocks) await store.insertBlock(HIT_BLOCK_TABLE, b, { dedupToken: `t-${k++}` });
  const insertWall = performance.now() - w0;
  const cIns = process.cpuUsage(c0);
  let idle = 0;
  for (;;) {
    const [r] = await store.query<{ n: number }>('SELECT count() AS n FROM system.merges');
    if (Number(r?.n ?? 0) > 0) idle = 0;
    else idle ||= Date.now();
    if (idle && Date.now() - idle > 3000) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const c1 = process.cpuUsage(c0);
  const parts = await store.query<{ table: string; n: number }>(
    'SELECT table, count() AS n FROM system.parts WHERE active AND database = currentDatabase() GROUP BY table ORDER BY n DESC',
  );
  const byName = cpuByName(t0, threadCpu());
  console.log(
    JSON.stringify({
      set: values.set,
      rows: N,
      batch: B,
      insertWallMs: Math.round(insertWall),
      insertCpuMs: Math.round((cIns.user + cIns.system) / 1000),
      totalCpuMsDrained: Math.round((c1.user + c1.system) / 1000),
      usPerRow: Math.round(((c1.user + c1.system) / N) * 10) / 10,
      byName,
      parts: Object.fromEntries(parts.map((p) => [p.table, Number(p.n)])),
    }),
  );
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
void main();

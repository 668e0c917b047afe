import { mkdtempSync } from 'node:fs';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hitToRow, type HitRow } from '../analytics/hit-rows.js';
import { migrate } from '../analytics/migrate.js';
import { openStore } from '../analytics/store.js';
import { makeHit } from '../contracts/testkit.js';

const B = Number(process.env.B ?? 10000), K = Number(process.env.K ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'x16-'));
const store = await openStore({ url: `chdb://${dir}` });
await migrate(store, { hitsDays: 3650, snapshotsDays: 7, quarantineDays: 14 });
if (process.env.NOVIEWS) for (const v of ['plate_sightings_mv','plates_mv','stats_hourly_mv','appearances_mv']) await store.command(`DROP VIEW ${v}`);
const ext = (store.client as any).connection.chdb;
const mk = (tag: string) => Array.from({ length: B }, (_, j) => hitToRow(makeHit({ gateway: `gw-${j % 200}`, camera: `cam-${j%200}`, model: tag }), { grid: `grid-${j % 200}`, orgPath: ['city', 'county', `grid-${j % 200}`] }));
const needs = /[\\\t\n]/;
const esc = (s: string) => needs.test(s) ? s.replace(/[\\\t\n]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : '\\n')) : s;
const arrS = (a: readonly string[]) => `[${a.map((s) => `'${s.replace(/[\\']/g, (c) => '\\' + c)}'`).join(',')}]`;
const COLS = ['id','ts','gateway','camera','grid','org_path','kind','type','label','score','box','track','zone','rule','duration_ms','color','upper_color','lower_color','vehicle_type','plate','plate_score','direction','appearance','snapshot','snapshot_crop','frame','model'];
function tsv(rows: HitRow[]): string {
  let out = '';
  for (const r of rows) {
    out += `${esc(r.id)}\t${r.ts}\t${esc(r.gateway)}\t${esc(r.camera)}\t${esc(r.grid)}\t${esc(arrS(r.org_path))}\t${esc(r.kind)}\t${esc(r.type)}\t${esc(r.label)}\t${r.score}\t[${r.box.join(',')}]\t${r.track}\t${esc(r.zone)}\t${esc(r.rule)}\t${r.duration_ms}\t${esc(r.color)}\t${esc(r.upper_color)}\t${esc(r.lower_color)}\t${esc(r.vehicle_type)}\t${esc(r.plate)}\t${r.plate_score}\t${esc(r.direction)}\t${esc(r.appearance)}\t${esc(r.snapshot)}\t[${r.snapshot_crop.join(',')}]\t${esc(r.frame)}\t${esc(r.model)}\n`;
  }
  return out;
}
const jsonc = (rows: HitRow[]) => { let o=''; for (const r of rows) o += JSON.stringify([r.id,r.ts,r.gateway,r.camera,r.grid,r.org_path,r.kind,r.type,r.label,r.score,r.box,r.track,r.zone,r.rule,r.duration_ms,r.color,r.upper_color,r.lower_color,r.vehicle_type,r.plate,r.plate_score,r.direction,r.appearance,r.snapshot,r.snapshot_crop,r.frame,r.model]) + '\n'; return o; };
const S = { deduplicate_blocks_in_dependent_materialized_views: 1 } as const;
let n = 0;
const raw = (extra: Record<string, number>) => async (rows: HitRow[]) => { await ext.rawInsert({ table: 'hits', columns: COLS, values: Buffer.from(jsonc(rows)), format: 'JSONCompactEachRow', settings: { insert_deduplication_token: `t${n++}`, ...S, ...extra } }); };
const V: Record<string, (rows: HitRow[]) => Promise<void>> = {
  json: (rows) => store.insert('hits', rows, { dedupToken: `t${n++}`, settings: S }),
  jsoncRaw: raw({}),
  noParallel: raw({ input_format_parallel_parsing: 0 }),
  noPar1T: raw({ input_format_parallel_parsing: 0, max_insert_threads: 1, max_threads: 1 }),
  noParallel2: raw({ input_format_parallel_parsing: 0 }),
  noDedup: async (rows) => { await ext.rawInsert({ table: 'hits', columns: COLS, values: Buffer.from(jsonc(rows)), format: 'JSONCompactEachRow', settings: { } }); },
};
const only = process.env.ONLY?.split(',');
const tot: Record<string, number> = {};
for (let k = 0; k < K; k++) for (const [name, f] of Object.entries(V)) {
  if (only && !only.includes(name)) continue;
  const rows = mk(name);
  const t = performance.now();
  await f(rows);
  tot[name] = (tot[name] ?? 0) + performance.now() - t;
}
for (const [k, ms] of Object.entries(tot)) console.log(k, Math.round(B * K / (ms / 1000)), 'rows/s', (ms / K).toFixed(0), 'ms/batch');
const rows = mk('x');
for (const [nm, f] of [['tsv', tsv], ['jsonc', jsonc], ['json', (r: HitRow[]) => r.map((x) => JSON.stringify(x)).join('\n')]] as const) { const t = performance.now(); for (let i=0;i<5;i++) (f as any)(rows); console.log('encode', nm, ((performance.now()-t)/5).toFixed(1), 'ms'); }
console.log(await store.query<any>("SELECT model, count() n, uniqExact(id) u FROM hits GROUP BY model"));
await store.close();

/**
 * Query benchmark (docs/analytics.md): p50/p95 latency of each query family over repeated runs with
 * varied parameters, and the same question answered without its index or view (the baseline),
 * measured in the same run on the same data.
 *
 *   npm run bench:queries -- --hits 100000000 [--days 30] [--runs 30] [--db DIR] [--only a,b] [--json]
 *
 * Seeds `--hits` synthetic hits (xueliang seed's generator) into a chDB folder (default
 * /tmp/xueliang-bench-queries-<hits>) unless it already holds that many, then measures:
 *   search        hits of one camera in one hour (time-first key, explicit hour bound)
 *                 baseline: the same SQL without the hour bound (the key cannot prune)
 *   plateExact    a plate's sightings over the whole range (plate_sightings by (plate, ts))
 *                 baseline: the hits table filtered by plate
 *   plateWildcard `浙H*12?4`-style pattern: candidates from the plates table, then sightings
 *                 baseline: LIKE over the hits table
 *   plateFuzzy    one OCR-confusable character changed: every plate in reach listed and looked up
 *                 in plates (regex when the list is too long), ranked, then sightings
 *                 baseline: the regex over the hits table
 *   route         a plate's sightings in time order with positions (plate_sightings)
 *                 baseline: the hits table filtered by plate, ordered by time
 *   persons       upper/lower colours, one day, one district (hits, time-first key)
 *                 baseline: without the hour bound
 *   similar       nearest 20 descriptors to a person's, one day, city-wide (appearances table,
 *                 distances only in the query's dominant colour cells; extra.similarRecallAt20
 *                 compares with the exhaustive scan of the same table)
 *                 baseline: descriptors decoded from the hits table
 *   stats         one county, 30 days, per day and camera (stats_hourly view)
 *                 baseline: count() over hits
 * plus extra.plateSubstring (a 4-character substring on plates: text index, baseline = skip indexes
 * off) and extra.plateSubstringNgrambf (the same on a copy with an ngrambf_v1 index instead).
 * Prints one JSON object as the last line.
 */
import { type CityConfig, loadCityConfig } from '../contracts/config/index.js';
import { COLOURS } from '../contracts/hit.js';
import { projectRoot } from '../contracts/paths.js';
import { probeBins } from '../analytics/appearance.js';
import { migrate } from '../analytics/migrate.js';
import { OrgTree } from '../contracts/org-tree.js';
import { CONFUSABLE_GROUPS, fuzzyRegex, wildcardToLike } from '../analytics/plates/pattern.js';
import { seedHits, tzOffsetMinutes } from '../analytics/seed.js';
import { sql } from '../analytics/sql.js';
import { openStore, type Store } from '../analytics/store.js';
import { searchVehicles, vehicleRoute } from '../analytics/vehicles.js';
import { benchArgs } from './args.js';

const values = benchArgs(
  'queries',
  'Analyst queries (search, plates, routes, persons, similar, stats) on seeded data: p50/p95 against baselines',
  {
    hits: { type: 'string', default: '1000000', description: 'Hits to seed' },
    days: { type: 'string', default: '30', description: 'Days to spread them over' },
    runs: { type: 'string', default: '30', description: 'Timed runs per query' },
    'baseline-runs': { type: 'string', default: '5', description: 'Runs of each baseline query' },
    db: { type: 'string', description: 'Reuse this chDB folder (seeded before) instead of a new one' },
    only: { type: 'string', description: 'Comma-separated families to run (default: all)' },
    json: { type: 'boolean', default: false, description: 'Print one JSON object as the last line' },
  },
);
const N = Number(values.hits);
const DAYS = Number(values.days);
const RUNS = Number(values.runs);
const BASE_RUNS = Number(values['baseline-runs']);
const log = (s: string) => process.stderr.write(`${s}\n`);

/** Deterministic pseudo-random numbers (mulberry32) so runs pick the same parameters. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! * 10) / 10;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

interface Family {
  name: string;
  run: (i: number) => Promise<unknown>;
  baseline: (i: number) => Promise<unknown>;
}

/** The benchmark store, seeded with --hits hits unless it holds them already. */
async function openSeeded(config: CityConfig): Promise<{ store: Store; db: string }> {
  const db = values.db ?? `/tmp/xueliang-bench-queries-${N}`;
  const store: Store = await openStore({ url: `chdb://${db}` });
  await migrate(store, { hitsDays: 400, snapshotsDays: 7, quarantineDays: 14 });
  const [{ n: have } = { n: '0' }] = await store.query<{ n: string }>('SELECT count() AS n FROM hits');
  if (Number(have) >= N) {
    log(`reusing ${Number(have).toLocaleString('en')} hits in ${db}`);
    return { store, db };
  }
  if (Number(have) > 0)
    throw new Error(`${db} holds ${have} hits, fewer than --hits ${N}: remove it or pass another --db`);
  log(`seeding ${N.toLocaleString('en')} hits over ${DAYS} days into ${db} …`);
  const now = Date.now();
  let lastTenth = -1;
  const r = await seedHits(store, config, {
    hits: N,
    days: DAYS,
    endMs: now,
    tzOffsetMin: tzOffsetMinutes(config.city.timezone, now),
    onProgress: (d, t) => {
      if (Math.floor((d / t) * 10) !== lastTenth) {
        lastTenth = Math.floor((d / t) * 10);
        log(`  ${d.toLocaleString('en')}/${t.toLocaleString('en')}`);
      }
    },
  });
  log(`seeded in ${(r.ms / 1000).toFixed(1)} s`);
  return { store, db };
}

type Person = { id: string; vec: number[]; ts_ms: string };

/** The stored time range and sample plates and persons the queries ask about. */
async function samplesOf(store: Store) {
  // Merges settle first so runs measure steady-state parts, as a running city would have.
  const [range] = await store.query<{ lo: string; hi: string; hits: string }>(
    'SELECT toUnixTimestamp64Milli(min(ts)) AS lo, toUnixTimestamp64Milli(max(ts)) AS hi, count() AS hits FROM hits',
  );
  const lo = Number(range!.lo);
  const hi = Number(range!.hi);
  const total = Number(range!.hits);
  // Plates seen a handful of times to a few hundred: the usual investigation target.
  const plates = (
    await store.query<{ plate: string }>(
      'SELECT plate FROM (SELECT plate, sum(n) AS n FROM plates GROUP BY plate) WHERE n BETWEEN 5 AND 300 ORDER BY cityHash64(plate) LIMIT 200',
    )
  ).map((r) => r.plate);
  const persons = await store.query<Person>(
    "SELECT id, vec, toUnixTimestamp64Milli(ts) AS ts_ms FROM appearances WHERE ts >= fromUnixTimestamp64Milli({t:Int64}, 'UTC') ORDER BY cityHash64(id) LIMIT 100",
    { t: hi - 86_400_000 * 3 },
  );
  if (plates.length < 10 || persons.length < 10)
    throw new Error('too little data to benchmark: seed more hits');
  log(`${total.toLocaleString('en')} hits; ${plates.length} sample plates; ${persons.length} sample persons`);
  return { lo, hi, total, plates, persons };
}

/** A plate with one OCR-confusable character swapped (or its last character missing). */
function confuse(p: string, r: number): string {
  const chars = [...p];
  const at = chars
    .map((c, i) => [c, i] as const)
    .filter(([c, i]) => i >= 2 && CONFUSABLE_GROUPS.some((g) => g.includes(c)));
  if (at.length === 0) return chars.slice(0, -1).join(''); // one missing character instead
  const [c, i] = at[Math.floor(r * at.length)]!;
  const g = CONFUSABLE_GROUPS.find((x) => x.includes(c))!;
  chars[i] = [...g].find((x) => x !== c)!;
  return chars.join('');
}

function wildcardOf(p: string): string {
  const chars = [...p];
  const tail = chars.slice(-3);
  tail[1] = '?';
  return `${chars[0]}${chars[1]}*${tail.join('')}`; // e.g. 浙H*1?4
}

const noHourBound = (text: string) =>
  text.replace(/^\s*(WHERE|AND) toStartOfHour\(ts\) [<>]=.*$/gm, (_m, kw: string) =>
    kw === 'WHERE' ? 'WHERE 1' : '',
  );

const similarArgs = (p: Person) => {
  const t = Number(p.ts_ms);
  return {
    vec: p.vec,
    from: t - 86_400_000,
    to: t,
    scope: [],
    districts: [],
    cameras: [],
    excludeId: p.id,
    limit: 20,
  };
};

/** The hits_search parameters of a camera-hour search, or of a county-day person search. */
function hitSearchParams(
  p: { hour: number; cam: string; county: string; upper: string; lower: string },
  idx: OrgTree,
  person: boolean,
) {
  return {
    from: person ? p.hour - 23 * 3_600_000 : p.hour,
    to: p.hour + 3_600_000,
    scope: person ? [p.county] : [],
    // The API passes the named cameras' districts (api/context.ts districtsFor).
    districts: person ? [p.county] : [idx.placement(p.cam)!.orgPath[1]!],
    org: '',
    cameras: person ? [] : [p.cam],
    kind: person ? 'sighting' : '',
    type: person ? 'person' : '',
    label: '',
    zone: '',
    color: '',
    upper: person ? p.upper : '',
    lower: person ? p.lower : '',
    cursorTs: 0,
    cursorId: '',
    limit: 100,
  };
}

/** The plate families (exact, wildcard, fuzzy, route, substring) against scans of `hits`. */
function plateFamilies(o: {
  store: Store;
  idx: OrgTree;
  P: (i: number) => { plate: string; r: number };
  lo: number;
  hi: number;
}): Family[] {
  const { store, idx, P, lo, hi } = o;
  const full = { fromMs: lo, toMs: hi + 1 };
  const plateFromHits = (where: string, asc = false) =>
    `SELECT id, toUnixTimestamp64Milli(ts) AS ts_ms, plate, camera, color FROM hits WHERE ${where} AND ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({to:Int64}, 'UTC') ORDER BY ts ${asc ? 'ASC' : 'DESC'} LIMIT {limit:UInt32}`;
  const vq = (plate: string, mode: 'exact' | 'wildcard' | 'fuzzy') =>
    searchVehicles(store, { plate, mode, ...full, scope: [], color: '', vehicleType: '', limit: 100 });

  return [
    {
      name: 'plateExact',
      run: (i) => vq(P(i).plate, 'exact'),
      baseline: (i) =>
        store.query(plateFromHits('plate = {plate:String}'), {
          plate: P(i).plate,
          from: lo,
          to: hi + 1,
          limit: 100,
        }),
    },
    {
      name: 'plateWildcard',
      run: (i) => vq(wildcardOf(P(i).plate), 'wildcard'),
      baseline: (i) =>
        store.query(plateFromHits('plate LIKE {like:String}'), {
          like: wildcardToLike(wildcardOf(P(i).plate)),
          from: lo,
          to: hi + 1,
          limit: 100,
        }),
    },
    {
      name: 'plateFuzzy',
      run: (i) => vq(confuse(P(i).plate, P(i).r), 'fuzzy'),
      baseline: (i) =>
        store.query(plateFromHits('match(plate, {re:String})'), {
          re: fuzzyRegex(confuse(P(i).plate, P(i).r)),
          from: lo,
          to: hi + 1,
          limit: 100,
        }),
    },
    {
      name: 'route',
      run: (i) =>
        vehicleRoute(store, { plate: P(i).plate, ...full, scope: [], limit: 1000, cameras: idx.cameras }),
      baseline: (i) =>
        store.query(plateFromHits('plate = {plate:String}', true), {
          plate: P(i).plate,
          from: lo,
          to: hi + 1,
          limit: 1000,
        }),
    },
    {
      name: 'plateSubstring',
      run: (i) =>
        store.query(sql('plates_like'), {
          like: `%${[...P(i).plate].slice(2, 6).join('')}%`,
          ...{ from: lo, to: hi + 1 },
          limit: 200,
        }),
      baseline: (i) =>
        store.query(
          sql('plates_like'),
          { like: `%${[...P(i).plate].slice(2, 6).join('')}%`, from: lo, to: hi + 1, limit: 200 },
          { settings: { use_skip_indexes: 0 } },
        ),
    },
  ];
}

/** The query families: each the API's query and the baseline it is compared with. */
function familiesOf(
  store: Store,
  config: CityConfig,
  idx: OrgTree,
  s: { lo: number; hi: number; plates: string[]; persons: Person[] },
): { list: Family[]; P: (i: number) => { plate: string } } {
  const { lo, hi, plates, persons } = s;
  const rand = rng(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const hourStart = () => lo + Math.floor(rand() * ((hi - lo - 3_600_000) / 3_600_000)) * 3_600_000;
  const cams = [...idx.cameras.keys()];
  const counties = [...idx.orgs.values()].filter((o) => o.path.length === 2).map((o) => o.id);

  const hitsSearch = sql('hits_search');
  const similarSql = sql('appearance_similar');
  const similarFromHits = similarSql
    .replace('FROM appearances', 'FROM hits')
    .replace(
      /L2Distance\(vec,/,
      "L2Distance(CAST(arrayMap(c -> reinterpretAsUInt8(c), splitByString('', base64Decode(appearance))) AS Array(UInt8)),",
    )
    .replace(
      /AND length\(vec\) = length\(\{vec:Array\(UInt8\)\}\)/,
      "AND type = 'person' AND length(appearance) = 44",
    )
    .replace(/^.*(upper_bin|lower_bin).*$/gm, '');
  const statsSql = sql('stats_counts');
  const params = Array.from({ length: RUNS + 2 }, () => ({
    hour: hourStart(),
    cam: pick(cams),
    plate: pick(plates),
    county: pick(counties),
    upper: pick(COLOURS.slice(0, 11)),
    lower: pick(['black', 'blue', 'grey', 'white', 'brown'] as const),
    person: pick(persons),
    r: rand(),
  }));
  const P = (i: number) => params[i % params.length]!;
  const searchParams = (i: number, person = false) => hitSearchParams(P(i), idx, person);

  const families: Family[] = [
    {
      name: 'search',
      run: (i) => store.query(hitsSearch, searchParams(i)),
      baseline: (i) => store.query(noHourBound(hitsSearch), searchParams(i)),
    },
    ...plateFamilies({ store, idx, P, lo, hi }),
    {
      name: 'persons',
      run: (i) => store.query(hitsSearch, searchParams(i, true)),
      baseline: (i) => store.query(noHourBound(hitsSearch), searchParams(i, true)),
    },
    {
      name: 'similar',
      run: (i) => {
        const p = P(i).person;
        return store.query(similarSql, {
          ...similarArgs(p),
          upperBins: probeBins(new Uint8Array(p.vec), 0),
          lowerBins: probeBins(new Uint8Array(p.vec), 1),
        });
      },
      baseline: (i) => {
        const p = P(i).person;
        return store.query(similarFromHits, { ...similarArgs(p), upperBins: [], lowerBins: [] });
      },
    },
    {
      name: 'stats',
      run: (i) =>
        store.query(statsSql, {
          from: hi - 30 * 86_400_000,
          to: hi + 1,
          scope: [P(i).county],
          districts: [P(i).county],
          org: '',
          cameras: [],
          type: '',
          bucket: 'day',
          tz: config.city.timezone,
          by: 'camera',
          level: 3,
        }),
      baseline: (i) =>
        store.query(
          `SELECT toStartOfDay(ts, {tz:String}) AS d, camera, count() AS n FROM hits
           WHERE ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({to:Int64}, 'UTC')
             AND hasAny(org_path, {scope:Array(String)}) GROUP BY d, camera ORDER BY d, camera`,
          { from: hi - 30 * 86_400_000, to: hi + 1, scope: [P(i).county], tz: config.city.timezone },
        ),
    },
  ];

  return { list: families, P };
}

/** The same substring search on a copy of plates with an ngrambf_v1 index (dropped at the end). */
async function addNgrambf(
  store: Store,
  families: Family[],
  P: (i: number) => { plate: string },
): Promise<void> {
  // The same substring search on a copy of plates with an ngrambf_v1 index instead (docs/architecture.md#store
  // compared the two); built here from the plates table, dropped at the end.
  await store.command('DROP TABLE IF EXISTS bench_plates_ngrambf');
  await store.command(
    `CREATE TABLE bench_plates_ngrambf (plate String, n UInt64, INDEX plate_ngram plate TYPE ngrambf_v1(3, 65536, 3, 0) GRANULARITY 1)
     ENGINE = MergeTree ORDER BY plate SETTINGS index_granularity = 1024`,
  );
  await store.command('INSERT INTO bench_plates_ngrambf SELECT plate, sum(n) FROM plates GROUP BY plate');
  await store.command('OPTIMIZE TABLE bench_plates_ngrambf FINAL');
  const substr = (i: number) => `%${[...P(i).plate].slice(2, 6).join('')}%`;
  families.push({
    name: 'plateSubstringNgrambf',
    run: (i) =>
      store.query(
        'SELECT plate, n FROM bench_plates_ngrambf WHERE plate LIKE {like:String} ORDER BY n DESC LIMIT 200',
        { like: substr(i) },
      ),
    baseline: (i) =>
      store.query(
        'SELECT plate, n FROM bench_plates_ngrambf WHERE plate LIKE {like:String} ORDER BY n DESC LIMIT 200',
        { like: substr(i) },
        { settings: { use_skip_indexes: 0 } },
      ),
  });
}

async function measure(families: readonly Family[]) {
  const queries: Record<
    string,
    { p50: number; p95: number; baselineP95: number; baselineP50: number; runs: number }
  > = {};
  const only = values.only ? new Set(values.only.split(',')) : undefined;
  for (const f of families) {
    if (only && !only.has(f.name)) continue;
    await f.run(RUNS); // warm-up (parameters outside the measured set)
    await f.run(RUNS + 1);
    const ms: number[] = [];
    for (let i = 0; i < RUNS; i++) ms.push(await time(() => f.run(i)));
    await f.baseline(RUNS);
    const base: number[] = [];
    for (let i = 0; i < BASE_RUNS; i++) base.push(await time(() => f.baseline(i)));
    queries[f.name] = {
      p50: pct(ms, 50),
      p95: pct(ms, 95),
      baselineP50: pct(base, 50),
      baselineP95: pct(base, 95),
      runs: RUNS,
    };
    log(
      `${f.name.padEnd(15)} p50 ${pct(ms, 50)} ms  p95 ${pct(ms, 95)} ms   baseline p50 ${pct(base, 50)} ms  p95 ${pct(base, 95)} ms`,
    );
  }
  return queries;
}

async function similarRecall(store: Store, persons: readonly Person[]): Promise<number | null> {
  // Recall of the bin prefilter: the share of the exhaustive top 20 (same table, no prefilter)
  // that the prefiltered query returns, over 20 sample persons.
  let found = 0;
  let wanted = 0;
  for (const p of persons.slice(0, 20)) {
    const args = similarArgs(p);
    const exact = await store.query<{ id: string }>(sql('appearance_similar'), {
      ...args,
      upperBins: [],
      lowerBins: [],
    });
    const fast = await store.query<{ id: string }>(sql('appearance_similar'), {
      ...args,
      upperBins: probeBins(new Uint8Array(p.vec), 0),
      lowerBins: probeBins(new Uint8Array(p.vec), 1),
    });
    const got = new Set(fast.map((r) => r.id));
    wanted += exact.length;
    found += exact.filter((r) => got.has(r.id)).length;
  }
  return wanted ? Math.round((found / wanted) * 1000) / 1000 : null;
}

async function main(): Promise<void> {
  const config = loadCityConfig(`${projectRoot}/deploy/city.yaml`);
  const idx = new OrgTree(config);
  const { store, db } = await openSeeded(config);
  const { lo, hi, total, plates, persons } = await samplesOf(store);
  const families = familiesOf(store, config, idx, { lo, hi, plates, persons });
  await addNgrambf(store, families.list, families.P);
  const queries = await measure(families.list);
  const similarRecallAt20 = await similarRecall(store, persons);
  log(`similar recall@20 of the bin prefilter vs exhaustive: ${similarRecallAt20}`);
  const { plateSubstring, plateSubstringNgrambf, ...core } = queries;
  const [plateCount] = await store.query<{ n: string }>('SELECT uniqExact(plate) AS n FROM plates');
  const out = {
    hits: total,
    engine: 'chdb',
    db,
    queries: core,
    extra: { plates: Number(plateCount?.n), similarRecallAt20, plateSubstring, plateSubstringNgrambf },
  };
  await store.command('DROP TABLE IF EXISTS bench_plates_ngrambf');
  await store.close();
  if (values.json) process.stdout.write(`${JSON.stringify(out)}\n`);
  else process.stdout.write(`${JSON.stringify(out, null, 2)}\n${JSON.stringify(out)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`BENCH_FAILED: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});

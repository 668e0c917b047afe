/**
 * `npm run bench:alerts [-- --json] [--watches N] [--rate HITS_PER_S] [--seconds S]
 *  [--mqtt-url URL] [--with-hit-inserts] [--matcher-only]`
 *
 * 1. Matcher: N open case watches (fuzzy, exact and wildcard plates, clothing with areas and
 *    windows) and 50 rules; random hits through `AlertMatcher.match`; hits/s (wall clock and
 *    per CPU-second: the box is shared), median of 5 rounds of 200,000 hits, and a
 *    brute-force comparison on a sample (every hit against every watch).
 * 2. End to end at RATE hits/s through the real task path: hits arrive spread over 200 ms
 *    bundles (as the ingest tier bundles them) and each bundle is handed to the alert engine
 *    (`onHits`, as the ingest worker does after its insert; `--with-hit-inserts` also inserts
 *    the bundle into chDB first, in this process), which opens/updates tasks in Redis, stores
 *    events in chDB (write-behind), schedules escalations in BullMQ and publishes on MQTT
 *    (in-process aedes, or `--mqtt-url`). Latency is from a hit's arrival (its `tsMs`, so the
 *    wait for its bundle counts) to the task change carrying it being emitted.
 *
 * Last line: `{ watches, matcherHitsPerSec, p99HitToTaskMs, … }`.
 */
import { loadavg } from 'node:os';
import { Value } from '@sinclair/typebox/value';
import { Registry } from 'prom-client';
import { AlertMatcher } from '../analytics/alerts/matcher.js';
import { type Watch, watchMatches } from '../analytics/alerts/watches.js';
import { hitToRow } from '../analytics/hit-rows.js';
import { createAlertEngine } from '../analytics/tasks/service.js';
import { alertCity, dropPrefix, startBroker, TEST_REDIS_URL, tempStore } from '../analytics/tasks/testkit.js';
import { AlertsSection } from '../contracts/config/alerts.js';
import { NAMED_COLOURS } from '../contracts/vocabulary.js';
import type { Colour, Hit } from '../contracts/hit.js';
import { silentLogger } from '../contracts/log.js';
import { benchArgs } from './args.js';

const values = benchArgs(
  'alerts',
  'Alert matcher throughput and hit-to-task latency with many case watches',
  {
    json: { type: 'boolean', default: false, description: 'Print one JSON object as the last line' },
    watches: {
      type: 'string',
      default: '10000',
      description: 'Active case watches (plate patterns and clothing) to match against',
    },
    rate: { type: 'string', default: '20000', description: 'Hits per second offered to the matcher' },
    seconds: { type: 'string', default: '20', description: 'How long to offer hits' },
    'with-hit-inserts': {
      type: 'boolean',
      default: false,
      description: 'Also insert the hits into the store while matching',
    },
    'matcher-only': {
      type: 'boolean',
      default: false,
      description: 'Measure the pure matcher alone (no Redis, MQTT or store)',
    },
    'mqtt-url': {
      type: 'string',
      description: 'Send task notifications to this broker (default: an embedded one)',
    },
  },
);
const WATCHES = Number(values.watches);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const BUNDLE_MS = 200;
const say = (s: string) => process.stderr.write(`${s}\n`);

// Deterministic random numbers (a benchmark should be repeatable).
let seed = 42;
const rnd = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const PROV = [...'京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼'];
const LET = [...'ABCDEFGHJKLMNPQRSTUVWXYZ'];
const ALNUM = [...'0123456789ABCDEFGHJKLMNPQRSTUVWXYZ'];
const COLOURS: Colour[] = [...NAMED_COLOURS];
const CONFUSE: Record<string, string> = {
  '0': 'D',
  D: '0',
  '8': 'B',
  B: '8',
  '1': '7',
  '7': '1',
  '2': 'Z',
  Z: '2',
  '5': 'S',
  S: '5',
  '6': 'G',
  G: '6',
};
const plate = () => pick(PROV) + pick(LET) + Array.from({ length: 5 }, () => pick(ALNUM)).join('');
// A city of 4 towns × 5 villages × 10 grids, 5 cameras per grid (1,000 cameras).
const TOWNS = 4;
const VILLAGES = 5;
const GRIDS = 10;
const CAMS = 5;
const ORGS = [
  {
    id: 'city',
    name: 'City',
    kind: 'city',
    children: [
      {
        id: 'county-a',
        name: 'County',
        kind: 'county',
        children: Array.from({ length: TOWNS }, (_, t) => ({
          id: `t${t}`,
          name: `t${t}`,
          kind: 'town',
          children: Array.from({ length: VILLAGES }, (_, v) => ({
            id: `t${t}v${v}`,
            name: `t${t}v${v}`,
            kind: 'village',
            children: Array.from({ length: GRIDS }, (_, g) => ({
              id: `t${t}v${v}g${g}`,
              name: `g${g}`,
              kind: 'grid',
              children: [],
            })),
          })),
        })),
      },
    ],
  },
];
const GRID_IDS: string[] = [];
const PATHS = new Map<string, string[]>();
for (let t = 0; t < TOWNS; t++)
  for (let v = 0; v < VILLAGES; v++)
    for (let g = 0; g < GRIDS; g++) {
      const id = `t${t}v${v}g${g}`;
      GRID_IDS.push(id);
      PATHS.set(id, ['city', 'county-a', `t${t}`, `t${t}v${v}`, id]);
    }
const CAMERA_LIST = GRID_IDS.flatMap((g) =>
  Array.from({ length: CAMS }, (_, c) => ({ id: `${g}c${c}`, grid: g, gateway: 'gw-1', lat: 30, lon: 120 })),
);
const CAMERAS = CAMERA_LIST.map((c) => c.id);
const PLACEMENTS = new Map(CAMERA_LIST.map((c) => [c.id, { grid: c.grid, orgPath: PATHS.get(c.grid)! }]));
// Missing-person watches name an area (a village or a grid); plate watches are city-wide or a town.
const villageOf = (g: string) => g.replace(/g\d+$/, '');

/**
 * The open watches of a city: mostly vehicles (hit-and-run and wanted plates: 70 % fuzzy,
 * 17 % exact, 10 % wildcard), 3 % missing persons (both colours, a grid or village, a window
 * around now).
 */
function makeWatches(n: number): Watch[] {
  const out: Watch[] = [];
  const now = Date.now();
  for (let k = 0; k < n; k++) {
    const x = k % 100;
    const g = pick(GRID_IDS);
    const common = { id: `w${k}`, caseId: `case-${k % 500}`, caseOrg: 'county-a' };
    if (x >= 97) {
      out.push({
        ...common,
        kind: 'clothing',
        upper: pick(COLOURS),
        lower: pick(COLOURS),
        area: rnd() < 0.5 ? g : villageOf(g),
        fromMs: now - 7_200_000,
        toMs: now + 7_200_000,
      });
      continue;
    }
    const base = {
      ...common,
      area: rnd() < 0.8 ? null : `t${Math.floor(rnd() * TOWNS)}`,
      fromMs: null,
      toMs: null,
    };
    if (x < 70) out.push({ ...base, kind: 'plate', mode: 'fuzzy', pattern: plate() });
    else if (x < 87) out.push({ ...base, kind: 'plate', mode: 'exact', pattern: plate() });
    else {
      const p = [...plate()];
      p[3] = '*';
      p[5] = '?';
      out.push({ ...base, kind: 'plate', mode: 'wildcard', pattern: p.join('') });
    }
  }
  return out;
}

/** A stream of hits: 60 % vehicles with plates (1 in 500 a confusable read of a watched plate), 39 % persons, 1 % events. */
let hitSeq = 0;
// Not contracts/fixtures makeHit: its default id calls ulid(), ~190 µs a call on this box.
const makeHit = (over: Partial<Hit> & Pick<Hit, 'id' | 'camera' | 'tsMs'>): Hit => ({
  v: 1,
  gateway: 'gw-1',
  kind: 'sighting',
  type: 'vehicle',
  label: 'car',
  score: 0.8,
  box: [0.1, 0.2, 0.3, 0.4],
  zone: null,
  rule: null,
  ...over,
});
function makeHits(n: number, watches: readonly Watch[], tsMs: (k: number) => number): Hit[] {
  const plates = watches
    .filter((w) => w.kind === 'plate' && w.mode === 'fuzzy')
    .map((w) => (w as { pattern: string }).pattern);
  const hits: Hit[] = [];
  for (let k = 0; k < n; k++) {
    const camera = pick(CAMERAS);
    const x = rnd();
    const common = { id: `h${hitSeq++}`, gateway: 'gw-1', camera, tsMs: tsMs(k) };
    if (x < 0.6) {
      let p = plate();
      if (rnd() < 0.002 && plates.length) {
        const cs = [...pick(plates)];
        const i = 2 + Math.floor(rnd() * 5);
        cs[i] = CONFUSE[cs[i]!] ?? cs[i]!;
        p = cs.join('');
      }
      hits.push(makeHit({ ...common, attrs: { plate: p, color: pick(COLOURS) } }));
    } else if (x < 0.99) {
      hits.push(
        makeHit({
          ...common,
          type: 'person',
          label: 'person',
          attrs: { upperColor: pick(COLOURS), lowerColor: pick(COLOURS) },
        }),
      );
    } else {
      hits.push(
        makeHit({
          ...common,
          kind: 'event',
          type: pick(['illegal_parking', 'zone_intrusion', 'crowding', 'loitering'] as const),
          zone: `z${Math.floor(rnd() * 20)}`,
        }),
      );
    }
  }
  return hits;
}

function rules(n: number) {
  const types = [
    'illegal_parking',
    'zone_intrusion',
    'crowding',
    'loitering',
    'wrong_way',
    'line_crossing',
    'abandoned_object',
  ];
  return Array.from({ length: n }, (_, k) => ({
    id: `rule-${k}`,
    match: { types: [types[k % types.length]], zones: k < 7 ? [] : [`z${k % 20}`], minScore: 0.5 },
    cooldownMs: 600_000,
  }));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

// --- 1. matcher -----------------------------------------------------------------------------
const city = alertCity({ rules: rules(50) }, { orgs: ORGS, cameras: CAMERA_LIST });
const watches = makeWatches(WATCHES);
const matcher = new AlertMatcher({
  alerts: Value.Default(AlertsSection, { rules: rules(50) }) as AlertsSection,
  timezone: 'Asia/Shanghai',
  placements: PLACEMENTS,
});
for (const w of watches) matcher.watches.add(w);
const sample = makeHits(200_000, watches, () => Date.now());
const rounds: number[] = [];
const cpuRounds: number[] = [];
let alertsPerRound = 0;
for (let r = 0; r < 5; r++) {
  const out: unknown[] = [];
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (const h of sample) matcher.match(h, out as never);
  const c = process.cpuUsage(c0);
  const s = (performance.now() - t0) / 1000;
  rounds.push(sample.length / s);
  // Per CPU-second too: the box is shared, and wall time counts other processes' turns.
  cpuRounds.push(sample.length / ((c.user + c.system) / 1e6));
  alertsPerRound = out.length;
}
const matcherHitsPerSec = Math.round(median(rounds));
const matcherHitsPerCpuSec = Math.round(median(cpuRounds));
// Brute force on a sample: every hit against every watch.
const bruteN = 200;
const tb = performance.now();
let bruteMatches = 0;
for (const h of sample.slice(0, bruteN)) {
  const path = PLACEMENTS.get(h.camera)!.orgPath;
  for (const w of watches) if (watchMatches(w, h, path)) bruteMatches++;
}
const bruteHitsPerSec = Math.round(bruteN / ((performance.now() - tb) / 1000));
say(
  `matcher: ${watches.length} watches + 50 rules: ${matcherHitsPerSec} hits/s wall, ${matcherHitsPerCpuSec} per CPU-second (medians of 5 × ${sample.length}); ${alertsPerRound} alerts per round; brute force ${bruteHitsPerSec} hits/s (${bruteMatches} matches in ${bruteN})`,
);

if (values['matcher-only']) {
  process.stdout.write(
    `${JSON.stringify({ watches: watches.length, matcherHitsPerSec, matcherHitsPerCpuSec, bruteForceHitsPerSec: bruteHitsPerSec })}\n`,
  );
  process.exit(0);
}

// --- 2. end to end ---------------------------------------------------------------------------
const ts = await tempStore(city);
// Task notifications go to an existing broker (--mqtt-url, e.g. Mosquitto) or an in-process aedes.
const broker = values['mqtt-url']
  ? { url: values['mqtt-url'], close: async () => undefined }
  : await startBroker();
const engine = await createAlertEngine({
  config: city,
  store: ts.store,
  redisUrl: TEST_REDIS_URL,
  log: silentLogger(),
  registry: new Registry(),
  mqtt: { url: broker.url },
});
for (const w of watches) engine.matcher.watches.add(w);
const lat: number[] = [];
let changes = 0;
let opened = 0;
engine.subscribe({
  task: (c) => {
    const now = Date.now();
    changes++;
    if (c.event.type === 'opened') opened++;
    if (c.event.type === 'opened' || c.event.type === 'hits_added')
      for (const h of c.event.hits) lat.push(now - h.tsMs);
  },
});
const perBundle = Math.round((RATE * BUNDLE_MS) / 1000);
const bundles = Math.round((SECONDS * 1000) / BUNDLE_MS);
say(
  `end to end: ${RATE} hits/s for ${SECONDS} s in ${BUNDLE_MS} ms bundles of ${perBundle}${values['with-hit-inserts'] ? ' (each inserted into chDB first, in the same process)' : ''} …`,
);
const inflight: Promise<void>[] = [];
let sent = 0;
const tStart = Date.now();
let lagMax = 0;
const insertMs: number[] = [];
const engineMs: number[] = [];
for (let b = 0; b < bundles; b++) {
  const due = tStart + (b + 1) * BUNDLE_MS;
  const wait = due - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  lagMax = Math.max(lagMax, Date.now() - due);
  const start = due - BUNDLE_MS;
  const hits = makeHits(perBundle, watches, (k) => start + Math.floor((k * BUNDLE_MS) / perBundle));
  sent += hits.length;
  const run = (async () => {
    const t1 = performance.now();
    if (values['with-hit-inserts'])
      await ts.store.insert(
        'hits',
        hits.map((h) => hitToRow(h, PLACEMENTS.get(h.camera))),
        { dedupToken: `b${b}` },
      );
    const t2 = performance.now();
    await engine.onHits(hits);
    insertMs.push(t2 - t1);
    engineMs.push(performance.now() - t2);
  })();
  inflight.push(run);
  // Like the ingest worker (concurrency 1): the next bundle is written after this one.
  await run;
}
await Promise.all(inflight);
const elapsedS = (Date.now() - tStart) / 1000;
await new Promise((r) => setTimeout(r, 500));
const st = engine.stats();
const result = {
  watches: watches.length,
  rules: 50,
  matcherHitsPerSec,
  matcherHitsPerCpuSec,
  bruteForceHitsPerSec: bruteHitsPerSec,
  p99HitToTaskMs: Math.round(pct(lat, 99)),
  p50HitToTaskMs: Math.round(pct(lat, 50)),
  e2eHitsPerSec: Math.round(sent / elapsedS),
  targetHitsPerSec: RATE,
  hits: sent,
  alertedHits: lat.length,
  taskChanges: changes,
  tasksOpened: opened,
  maxScheduleLagMs: lagMax,
  bundleInsertMsMedian: Math.round(median(insertMs)),
  bundleEngineMsMedian: Math.round(median(engineMs)),
  bundleEngineMsP99: Math.round(pct(engineMs, 99)),
  hitInserts: Boolean(values['with-hit-inserts']),
  loadAverage1m: Math.round(loadavg()[0]! * 10) / 10,
  broker: values['mqtt-url'] ? 'external' : 'aedes in-process',
  engineStageMsPerBatch: Object.fromEntries(
    Object.entries(st.stageMs).map(([k, v]) => [k, Math.round(v / Math.max(1, st.batches))]),
  ),
};
say(
  `end to end: ${result.e2eHitsPerSec} hits/s sustained, ${lat.length} alerted hits → ${opened} tasks opened, ${changes} task changes; hit→task p50 ${result.p50HitToTaskMs} ms, p99 ${result.p99HitToTaskMs} ms`,
);
await engine.close();
await broker.close();
await ts.close();
await dropPrefix(TEST_REDIS_URL, city.redis.prefix);
process.stdout.write(`${values.json ? JSON.stringify(result) : JSON.stringify(result, null, 2)}\n`);
process.exit(0);

/**
 * bench:ingest (docs/ingest.md): simulated gateways (real spool publishers, in a worker thread)
 * publish hits in envelopes through the real path — the embedded aedes endpoint, or a
 * running Mosquitto with --mode broker — into Redis (AOF, appendfsync always) and chDB.
 *
 *   npm run bench:ingest -- --hits 1000000 --gateways 200 [--mode embedded|broker] [--json]
 *
 * Phase 1 publishes --hits as fast as acks allow: hitsPerSec = hits / (first hand-over →
 * last hit stored), the first hand-over once every gateway is logged in (hitsPerSecWithLogins
 * counts from the publishers' start, as bench:sensors does). Phase 2 publishes at --latency-rate hits/s for --latency-seconds:
 * publishToQueryableMs = time from a hit's hand-over to the publisher until the INSERT
 * holding it returned (it is queryable then); latencyStages splits it by stage along the chain
 * (bench/ingest-stages.ts: the slowest 1 % stage by stage, event-loop delay, GC, Redis's own
 * stalls). The same kind of rows are inserted (half
 * before phase 1, half after phase 2: the shared box's load drifts) straight into the same table (with the views it feeds) in INSERTs of the same size, by
 * today's JSONEachRow path (rawStoreBaselineHitsPerSec) and the block path ingest uses (through
 * hits_intake, HIT_BLOCK_TABLE)
 * (rawStoreHitsPerSec), in turns; ratio = hitsPerSec / rawStoreHitsPerSec. lost and duplicated are counted in the store by hit id.
 * The last line is one JSON object.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { monotonicFactory } from 'ulid';
import { HIT_BLOCK_TABLE, hitsToBlock } from '../analytics/hit-block.js';
import { hitToRow } from '../analytics/hit-rows.js';
import { migrate } from '../analytics/migrate.js';
import { openStore, type Store } from '../analytics/store.js';
import { loadCityConfig } from '../contracts/config/index.js';
import { makeHit } from '../contracts/testkit.js';
import { rootLogger, setLogLevel } from '../contracts/log.js';
import type { BundleJob } from '../ingest/jobs.js';
import { startIngest } from '../ingest/service.js';
import { cameraId, gatewayId, gatewayPassword, testCityRaw } from '../ingest/testkit.js';
import { redisProc, runGateways, waitFor } from './ingest-kit.js';
import { benchArgs } from './args.js';
import { cpuByName, pidCpu, threadCpu } from './thread-cpu.js';
import { redisStalls, StageRecorder, watchRedisLatency } from './ingest-stages.js';

const values = benchArgs(
  'ingest',
  'Hits through the real MQTT → Redis → ClickHouse chain: throughput, latency, loss, against the raw store rate',
  {
    hits: { type: 'string', default: '100000', description: 'Hits to publish in the throughput phase' },
    gateways: { type: 'string', default: '50', description: 'Simulated gateways (real spool publishers)' },
    mode: {
      type: 'string',
      default: 'embedded',
      description: 'embedded (aedes endpoint) or broker (a running Mosquitto)',
    },
    'broker-url': {
      type: 'string',
      default: 'mqtt://127.0.0.1:1883',
      description: 'The broker for --mode broker',
    },
    'latency-rate': { type: 'string', default: '5000', description: 'Hits per second in the latency phase' },
    'latency-seconds': { type: 'string', default: '20', description: 'Length of the latency phase, seconds' },
    'raw-rows': {
      type: 'string',
      default: '500000',
      description: 'Rows inserted straight into the store for the raw baseline',
    },
    'worker-concurrency': {
      type: 'string',
      default: '',
      description: 'ingest.workerConcurrency (default: the config default)',
    },
    'coalesce-rows': {
      type: 'string',
      default: '',
      description:
        'ingest.coalesceMaxRows: held jobs stored by one INSERT up to this many rows (default: the config default)',
    },
    'coalesce-jobs': {
      type: 'string',
      default: '',
      description: 'ingest.coalesceJobs: jobs a worker holds while coalescing (default: the config default)',
    },
    json: { type: 'boolean', default: false, description: 'Print one JSON object as the last line' },
  },
);
const N = Number(values.hits);
const G = Number(values.gateways);
const mode = values.mode === 'broker' ? 'broker' : 'embedded';
const latRate = Number(values['latency-rate']);
const latSeconds = Number(values['latency-seconds']);
const say = (s: string) => process.stderr.write(`${s}\n`);

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

// makeHit's plain ulid() draws crypto randomness per character: 11.6 s of CPU for 100,000 raw
// rows in a profile of this bench (outside the clocks, but beside the chain's phase).
const rawId = monotonicFactory();

/** Time (ms) and process CPU (ms) the raw-store INSERTs took, by path; rows inserted by each. */
interface RawTimes {
  rows: number;
  baseMs: number;
  blockMs: number;
  blockCpuMs: number;
}

/**
 * The store's own rate: rows straight into hits (with its views), one bundle per INSERT, the
 * same rows through today's path (JSONEachRow objects, `Store.insert`) and the block path
 * (`hitsToBlock` + `Store.insertBlock` into HIT_BLOCK_TABLE, as the worker does), batch by batch in turns (which goes first alternates),
 * so both see the same load. Encoding is timed with each. Called for rows [from, to) of the
 * --raw-rows: half before phase 1 and half after the chain (the box is shared and its load
 * drifts; the ratio should compare like with like, as bench:sensors does).
 */
async function rawStoreRates(
  store: Store,
  batch: number,
  gws: readonly string[],
  from: number,
  to: number,
  t: RawTimes,
): Promise<void> {
  say(`raw store: ${to - from} rows straight into hits (with its views), ${batch} per INSERT, both paths`);
  const settings = { deduplicate_blocks_in_dependent_materialized_views: 1 } as const;
  for (let done = from, k = Math.floor(from / batch); done < to; done += batch, k++) {
    const rows = Array.from({ length: Math.min(batch, to - done) }, (_, j) =>
      hitToRow(
        makeHit({ id: rawId(), gateway: gws[j % G]!, camera: cameraId(j % G, 0), model: 'bench-raw' }),
        {
          grid: `grid-${j % G}`,
          orgPath: ['city', 'county', `grid-${j % G}`],
        },
      ),
    );
    const base = async () => {
      const t0 = performance.now();
      await store.insert('hits', rows, { dedupToken: `raw-base-${k}`, settings });
      t.baseMs += performance.now() - t0;
    };
    const block = async () => {
      const t0 = performance.now();
      const c = process.cpuUsage();
      await store.insertBlock(HIT_BLOCK_TABLE, hitsToBlock(rows), { dedupToken: `raw-block-${k}`, settings });
      t.blockMs += performance.now() - t0;
      const d = process.cpuUsage(c);
      t.blockCpuMs += (d.user + d.system) / 1000;
    };
    if (k % 2) {
      await base();
      await block();
    } else {
      await block();
      await base();
    }
    t.rows += rows.length;
  }
}

/**
 * Waits until the store has run no merge for a second (at most 60 s): phase 1 is not charged
 * with merging the raw measure's parts made just before it.
 */
async function mergesDrained(store: Store): Promise<void> {
  let idleSince = 0;
  await waitFor(
    async () => {
      const [r] = await store.query<{ n: number }>('SELECT count() AS n FROM system.merges');
      if (Number(r?.n ?? 0) > 0) idleSince = 0;
      else idleSince ||= Date.now();
      return idleSince > 0 && Date.now() - idleSince >= 1_000;
    },
    60_000,
    200,
  );
}

interface InsertTimes {
  ms: number;
  n: number;
  lastEnd: number;
  gaps: number[];
}

/** The bench city: G gateways of one camera each, on the bench's own Redis. */
function benchCity(redisUrl: string) {
  const raw = testCityRaw({ gateways: G, camerasPerGateway: 1, prefix: 'bench' });
  const wc = {
    ...(values['worker-concurrency'] ? { workerConcurrency: Number(values['worker-concurrency']) } : {}),
    ...(values['coalesce-rows'] ? { coalesceMaxRows: Number(values['coalesce-rows']) } : {}),
    ...(values['coalesce-jobs'] ? { coalesceJobs: Number(values['coalesce-jobs']) } : {}),
  };
  return loadCityConfig(
    undefined,
    {},
    { ...raw, redis: { url: redisUrl, prefix: 'bench' }, ingest: { ...(raw.ingest ?? {}), ...wc } },
  );
}

/** The simulated gateways' settings (bench/ingest-kit.ts). */
function simOf(url: string, gws: string[]) {
  return {
    url,
    gateways: gws,
    passwords: gws.map(gatewayPassword),
    cameras: gws.map((_, i) => cameraId(i, 0)),
    flushMs: 200,
    ackTimeoutMs: 15_000,
    logLevel: 'warn',
    waitLogins: true,
  };
}

/** The store with its hits INSERTs timed into `t`. */
function timedStore(store: Store, t: InsertTimes): Store {
  return Object.assign(Object.create(store) as Store, {
    insertBlock: async (...a: Parameters<Store['insertBlock']>) => {
      const s = performance.now();
      if (t.lastEnd) t.gaps.push(s - t.lastEnd);
      await store.insertBlock(...a);
      t.lastEnd = performance.now();
      t.ms += t.lastEnd - s;
      t.n++;
    },
  });
}

/** Rows and distinct ids stored under a bench tag. */
async function verifyTag(store: Store, tag: string): Promise<{ rows: number; unique: number }> {
  const [r] = await store.query<{ n: number; u: number }>(
    'SELECT count() AS n, uniqExact(id) AS u FROM hits WHERE model = {tag:String}',
    { tag },
  );
  return { rows: Number(r?.n ?? 0), unique: Number(r?.u ?? 0) };
}

type Sim = Omit<Parameters<typeof runGateways>[0], 'hits' | 'ratePerSec' | 'tag'>;

/** Phase 1: N hits as fast as acks allow; `progress` reads the stored count and its last time. */
async function phaseOne(
  sim: Sim,
  redisUrl: string,
  redisPid: number | undefined,
  inserts: InsertTimes,
  progress: () => { stored: number; lastStoredMs: number },
  watch: { redisCli: Redis; stages: StageRecorder },
) {
  const startMs = Date.now();
  watch.stages.jobTally();
  let last = 0;
  // Queue depth, sampled (is the worker waiting for jobs, or jobs for the worker?).
  let waiting = 0;
  const depth = new Redis(redisUrl);
  const sampler = setInterval(() => {
    depth.llen('bench:{hits}:wait').then(
      (n) => {
        waiting = n;
      },
      () => undefined,
    );
  }, 250);
  // CPU is read from the first hand-over, like the clock: the gateways' logins before it (a
  // scrypt check each, on libuv's pool) are not phase work (docs/ingest.md, bench:ingest).
  let cpu0 = process.cpuUsage();
  let threads0 = threadCpu();
  let redis0 = pidCpu(redisPid);
  const p1 = runGateways(
    { ...sim, hits: N, ratePerSec: 0, tag: 'bench-tp' },
    (p) => {
      const stored = progress().stored;
      say(
        `  handed ${p.handedOver}, acked msgs ${p.acked}, stored ${stored} (+${stored - last}/s), jobs waiting ${waiting}`,
      );
      last = stored;
    },
    () => {
      cpu0 = process.cpuUsage();
      threads0 = threadCpu();
      redis0 = pidCpu(redisPid);
    },
  );
  const r1 = await p1.done;
  // The gateway thread's last reading: its thread is gone after stop().
  const threadsAtDone = threadCpu();
  await p1.stop();
  await waitFor(() => progress().stored >= N, 120_000);
  const tpEnd = progress().lastStoredMs;
  const hitsPerSec = N / ((tpEnd - r1.firstMs) / 1000);
  const cpu1 = process.cpuUsage(cpu0);
  // The split by thread; threads gone since (the gateway thread) count as last read.
  const threads = cpuByName(threads0, new Map([...threadsAtDone, ...threadCpu()]));
  const redisCpuMs = pidCpu(redisPid) - redis0;
  clearInterval(sampler);
  depth.disconnect();
  const phase1 = {
    wallMs: tpEnd - r1.firstMs,
    insertMs: Math.round(inserts.ms),
    inserts: inserts.n,
    /** Between one INSERT's return and the next one's start: median and largest, ms. */
    insertGapMs: { p50: Math.round(pct(inserts.gaps, 50)), max: Math.round(Math.max(0, ...inserts.gaps)) },
    processCpuMs: Math.round((cpu1.user + cpu1.system) / 1000),
    /** Process CPU by thread (bench/thread-cpu.ts) and the Redis child's CPU, ms. */
    threadCpuMs: threads,
    redisCpuMs,
    // Redis's own stalls (fsync, fork) and the jobs queued over phase 1 (bench/ingest-stages.ts).
    redisStalls: await redisStalls(watch.redisCli, startMs, Date.now()),
    queuedJobs: watch.stages.jobTally(),
  };
  return { r1, hitsPerSec, tpEnd, phase1 };
}

/**
 * Phase 2: hits at --latency-rate for --latency-seconds; `stored` reads how many are stored. Its
 * stage breakdown from `stages` and Redis's stalls over it (bench/ingest-stages.ts).
 */
async function phaseTwo(sim: Sim, stages: StageRecorder, redisCli: Redis, stored: () => number) {
  const latN = latRate * latSeconds;
  say(`phase 2: ${latRate} hits/s for ${latSeconds} s`);
  const p2Start = Date.now();
  stages.start();
  const p2 = runGateways({ ...sim, hits: latN, ratePerSec: latRate, tag: 'bench-lat' });
  const r2 = await p2.done;
  await p2.stop();
  await waitFor(() => stored() >= latN, 60_000);
  const achievedRate = latN / ((r2.lastHandedMs - r2.firstMs) / 1000);
  const latencyStages = { ...stages.summary(), redis: await redisStalls(redisCli, p2Start, Date.now()) };
  return { r2, achievedRate, latencyStages };
}

/** What the stored-jobs listener counts: hits per tag, the latency phase's latencies. */
interface Tally {
  counts: Record<string, number>;
  phase: 'bench-tp' | 'bench-lat';
  lastStoredMs: number;
  latencies: number[];
}

function newTally(): Tally {
  return { counts: {}, phase: 'bench-tp', lastStoredMs: 0, latencies: [] };
}

/**
 * The `onStored` listener: phase 1 only counts (its hits are not decoded: a listener's cost, not
 * the chain's; phase 2 starts once all are stored); phase 2 times each hit and its stages.
 */
function storedListener(t: Tally, stages: StageRecorder) {
  return (job: BundleJob, jobId: string) => {
    const now = Date.now();
    if (t.phase === 'bench-tp')
      t.counts[t.phase] = (t.counts[t.phase] ?? 0) + (job.hitCount ?? job.hits.length);
    else {
      for (const h of job.hits) {
        t.counts[h.model] = (t.counts[h.model] ?? 0) + 1;
        if (h.model === 'bench-lat') t.latencies.push(now - h.ts);
      }
      stages.stored(job, jobId, now, 'bench-lat');
    }
    t.lastStoredMs = now;
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'xl-bench-ingest-'));
  const redis = await redisProc(join(dir, 'redis'));
  await redis.start();
  const redisCli = new Redis(redis.url);
  await watchRedisLatency(redisCli);
  setLogLevel('warn');
  const log = rootLogger();
  say(`hashing ${G} gateway passwords (scrypt)…`);
  const config = benchCity(redis.url);
  const store = await openStore({ url: `chdb://${join(dir, 'ch')}` });
  await migrate(store, { hitsDays: 3650, snapshotsDays: 7, quarantineDays: 14 });
  // The worker's hits INSERTs, timed: how much of phase 1 the store itself took.
  const inserts: InsertTimes = { ms: 0, n: 0, lastEnd: 0, gaps: [] };
  const tally = newTally();
  // Stage timestamps of the latency phase's hits (bench/ingest-stages.ts).
  const stages = new StageRecorder();
  const ingest = await startIngest({
    trace: stages.trace,
    config,
    store: timedStore(store, inserts),
    redisUrl: redis.url,
    log,
    registry: new Registry(),
    open: false,
    mqtt:
      mode === 'embedded'
        ? { mode: 'embedded', host: '127.0.0.1', port: 0 }
        : { mode: 'broker', url: values['broker-url'] as string },
    onStored: storedListener(tally, stages),
  });
  const gws = Array.from({ length: G }, (_, i) => gatewayId(i));
  const rawT: RawTimes = { rows: 0, baseMs: 0, blockMs: 0, blockCpuMs: 0 };
  const batch = config.ingest.bundleMaxHits;
  const rawRows = Math.min(N, Number(values['raw-rows']));
  await rawStoreRates(store, batch, gws, 0, Math.floor(rawRows / 2 / batch) * batch, rawT);
  await mergesDrained(store);
  const sim = simOf(ingest.mqttUrl, gws);

  say(`phase 1: ${N} hits from ${G} gateways, ${mode}, as fast as acks allow`);
  const progress = () => ({ stored: tally.counts['bench-tp'] ?? 0, lastStoredMs: tally.lastStoredMs });
  const watch = { redisCli, stages };
  const { r1, hitsPerSec, tpEnd, phase1 } = await phaseOne(
    sim,
    redis.url,
    redis.pid?.(),
    inserts,
    progress,
    watch,
  );
  say(`  ${Math.round(hitsPerSec)} hits/s (published ${r1.published} messages, resent ${r1.resent})`);
  say(`  ${JSON.stringify(phase1)}`);

  tally.phase = 'bench-lat';
  const stored = () => tally.counts['bench-lat'] ?? 0;
  const { r2, achievedRate, latencyStages } = await phaseTwo(sim, stages, redisCli, stored);
  redisCli.disconnect();

  const stats = ingest.stats();
  await ingest.close();
  const v1 = await verifyTag(store, 'bench-tp');
  const v2 = await verifyTag(store, 'bench-lat');

  await rawStoreRates(store, batch, gws, Math.floor(rawRows / 2 / batch) * batch, rawRows, rawT);
  const raws = { baseline: rawT.rows / (rawT.baseMs / 1000), block: rawT.rows / (rawT.blockMs / 1000) };
  const rawStoreHitsPerSec = raws.block;
  await store.close();
  await redis.stop('SIGTERM');
  rmSync(dir, { recursive: true, force: true });

  const published = r1.handedOver + r2.handedOver;
  const unique = v1.unique + v2.unique;
  const result = {
    mode,
    gateways: G,
    hits: N,
    workerConcurrency: config.ingest.workerConcurrency,
    coalesceMaxRows: config.ingest.coalesceMaxRows,
    coalesceJobs: config.ingest.coalesceJobs,
    hitsPerSec: Math.round(hitsPerSec),
    /** The same from the publishers' start, the 200 gateways' logins (scrypt) included. */
    hitsPerSecWithLogins: Math.round(N / ((tpEnd - r1.startMs) / 1000)),
    publishToQueryableMs: {
      p50: pct(tally.latencies, 50),
      p99: pct(tally.latencies, 99),
      rateHitsPerSec: Math.round(achievedRate),
      samples: tally.latencies.length,
    },
    /** Where the latency goes, stage by stage (bench/ingest-stages.ts). */
    latencyStages,
    published,
    stored: unique,
    lost: published - unique,
    duplicated: v1.rows + v2.rows - unique,
    rawStoreBaselineHitsPerSec: Math.round(raws.baseline),
    rawStoreHitsPerSec: Math.round(rawStoreHitsPerSec),
    rawStoreBlock: {
      rows: rawT.rows,
      wallMs: Math.round(rawT.blockMs),
      processCpuMs: Math.round(rawT.blockCpuMs),
    },
    rawStoreSpeedup: Math.round((raws.block / raws.baseline) * 100) / 100,
    ratio: Math.round((hitsPerSec / rawStoreHitsPerSec) * 1000) / 1000,
    phase1,
    messagesResent: r1.resent + r2.resent,
    duplicatesDropped: stats.duplicatesDropped,
    rejected: stats.rejected,
  };
  if (!values.json) say(JSON.stringify(result, null, 2));
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});

/**
 * bench:sensors (docs/iot.md): simulated sensors (default 10,000 on 20 gateways; real spool
 * publishers in a worker thread) send readings through the real path — the embedded aedes
 * endpoint, Redis (AOF, appendfsync always), the ingest workers with the sensor rules, chDB
 * with the 1-minute and 1-hour rollups — and the alert engine turns alarms into tasks.
 *
 *   npm run bench:sensors -- [--sensors 10000] [--gateways 20] [--rounds 10] [--warmup-rounds 1] [--json]
 *
 * Phase 1 sends --rounds readings of every sensor as fast as the acks allow: readingsPerSec =
 * readings / (first hand-over → last reading stored), the clock starting once every gateway is
 * logged in (readingsPerSecWithLogins counts from the publishers' start, logins included), and
 * after --warmup-rounds rounds sent and stored before it. Phase 1's CPU figures are read from
 * the same instant (phase1CpuSecWithLogins from the gateways' thread's start). Phase 2 sends --steady-rate readings/s
 * for --steady-seconds with a smoke alarm every --alarm-every-ms: alarmToTaskP99Ms is the time
 * from an alarm's hand-over to its task change being applied and sent. Then the same rows are
 * inserted straight into sensor_readings (with its rollups) in INSERTs of the bundle size, by the
 * chain's store path (a JSONCompactEachRow block as bytes through Store.insertBlock, encoded
 * before each INSERT is timed): rawStoreReadingsPerSec, ratio = readingsPerSec / rawStoreReadingsPerSec;
 * in turns with it, the JSONEachRow objects path readings took before (Store.insert):
 * rawStoreJsonEachRowReadingsPerSec and ratioToJsonEachRow, to compare with earlier runs. lost and duplicated
 * are counted in the store by (sensor, metric, ts). The last line is one JSON object.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { Registry } from 'prom-client';
import { migrate } from '../analytics/migrate.js';
import { SensorCatalog } from '../analytics/sensors/catalog.js';
import { blockBytes } from '../analytics/row-block.js';
import { readingsToBlock } from '../analytics/sensors/reading-block.js';
import { readingToRow } from '../analytics/sensors/rows.js';
import { sensorKindsRaw, sensorsRaw } from '../analytics/sensors/testkit.js';
import { openStore } from '../analytics/store.js';
import { createAlertEngine } from '../analytics/tasks/service.js';
import { loadCityConfig } from '../contracts/config/index.js';
import { rootLogger, setLogLevel } from '../contracts/log.js';
import { simSensorsFromCity } from '../edge-agent/sensors/simulate.js';
import { SensorSimulator } from '../edge-agent/sensors/simulate.js';
import { startIngest } from '../ingest/service.js';
import { gatewayId, gatewayPassword, testCityRaw } from '../ingest/testkit.js';
import { redisProc, waitFor } from './ingest-kit.js';
import type { SensorSimResult, SensorSimWork } from './sensors-gateways.js';
import { cpuByName, pidCpu, threadCpu } from './thread-cpu.js';

const { values } = parseArgs({
  options: {
    sensors: { type: 'string', default: '10000' },
    gateways: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '10' },
    /**
     * Rounds through the whole chain, stored before phase 1's clock starts: the first use of its
     * code and its first INSERT are a start-up cost, not a reading's (docs/iot.md).
     */
    'warmup-rounds': { type: 'string', default: '1' },
    'steady-rate': { type: 'string', default: '2000' },
    'steady-seconds': { type: 'string', default: '15' },
    'alarm-every-ms': { type: 'string', default: '100' },
    'fusion-radius-m': { type: 'string', default: '300' },
    'worker-concurrency': { type: 'string', default: '' },
    /** ingest.coalesceMaxRows (docs/ingest.md#several-jobs-one-insert); default: the config default. */
    'coalesce-rows': { type: 'string', default: '' },
    json: { type: 'boolean', default: false },
  },
});
const S = Number(values.sensors);
const G = Number(values.gateways);
const ROUNDS = Number(values.rounds);
const WARMUP = Number(values['warmup-rounds']);
const say = (s: string) => process.stderr.write(`${s}\n`);
const MIN = 60_000;

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** The gateways' thread's result, with every thread's CPU read before it ends (bench/thread-cpu.ts). */
function runThread(
  work: SensorSimWork,
  hooks: { started?: () => void; warm?: (readings: number) => Promise<unknown> } = {},
): Promise<SensorSimResult & { threads: ReturnType<typeof threadCpu> }> {
  const entry = new URL('./sensors-gateways.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(entry)}); })`;
  const w = new Worker(boot, { eval: true, workerData: work });
  return new Promise((resolve, reject) => {
    w.on('message', (m: { type: string; result: SensorSimResult; readings: number }) => {
      if (m.type === 'started') hooks.started?.();
      if (m.type === 'warm')
        void (hooks.warm?.(m.readings) ?? Promise.resolve()).then(() => w.postMessage('go'), reject);
      if (m.type === 'done') {
        resolve({ ...m.result, threads: threadCpu() });
        void w.terminate();
      }
    });
    w.on('error', reject);
  });
}

/** The benchmark city (G gateways, S sensors) and a migrated store in `dir`. */
async function benchCity(redisUrl: string, dir: string) {
  say(`hashing ${G} gateway passwords (scrypt)…`);
  const per = Math.ceil(S / G);
  const config = loadCityConfig(
    undefined,
    {},
    {
      ...testCityRaw({ gateways: G, camerasPerGateway: 1, prefix: 'bench' }),
      redis: { url: redisUrl, prefix: 'bench' },
      ingest: {
        ...(values['worker-concurrency'] ? { workerConcurrency: Number(values['worker-concurrency']) } : {}),
        ...(values['coalesce-rows'] ? { coalesceMaxRows: Number(values['coalesce-rows']) } : {}),
      },
      sensorKinds: sensorKindsRaw({}),
      sensors: sensorsRaw({ gateways: G, perGateway: per }).slice(0, S),
    },
  );
  const store = await openStore({ url: `chdb://${join(dir, 'ch')}` });
  await migrate(store, { hitsDays: 3650, snapshotsDays: 7, quarantineDays: 14 });
  return { config, store };
}

/** The simulated sensors and the raw-store rows (stamped before `t0`, generated before the clock starts). */
function rawReadings(config: ReturnType<typeof loadCityConfig>, t0: number) {
  const cat = new SensorCatalog(config);
  const sims = simSensorsFromCity(config);
  const sim = new SensorSimulator(sims, { seed: 99, faultRate: 0 });
  const raw: ReturnType<typeof readingToRow>[] = [];
  for (let r = 0; r < ROUNDS; r++)
    for (const x of sim.round(t0 - (ROUNDS + 5 - r) * MIN).readings)
      raw.push(readingToRow(x, cat.get(x.sensor)!, cat.get(x.sensor)!.gateway));
  return { sims, raw };
}

/** The store with each sensor_readings INSERT's start (epoch ms) and time reported (the workers insert blocks). */
function timedStore(
  store: Awaited<ReturnType<typeof openStore>>,
  took: (ms: number, startMs: number) => void,
): typeof store {
  return Object.assign(Object.create(store) as typeof store, {
    insertBlock: async (...a: Parameters<typeof store.insertBlock>) => {
      const startMs = Date.now();
      const t = performance.now();
      await store.insertBlock(...a);
      if (a[0] === 'sensor_readings') took(performance.now() - t, startMs);
    },
  });
}

/**
 * CPU seconds used so far by this process (every thread: receiver, workers, rules, the simulated
 * gateways' thread and chDB's) and by the Redis child: figures a neighbour's load moves far
 * less than rates. Synchronous, so it can be read at the instant the clock starts.
 */
function cpuSec(redisPid: number | undefined): { proc: number; redis: number } {
  const u = process.cpuUsage();
  return { proc: (u.user + u.system) / 1e6, redis: pidCpu(redisPid) / 1000 };
}

/** Readings stored since `t0`: rows, and distinct (sensor, metric, ts). */
async function countReadings(store: Awaited<ReturnType<typeof openStore>>, t0: number) {
  const [v] = await store.query<{ n: string; u: string }>(
    'SELECT count() AS n, uniqExact(sensor, metric, ts) AS u FROM sensor_readings WHERE ts >= fromUnixTimestamp64Milli({t0:Int64})',
    { t0 },
  );
  return { rows: Number(v?.n ?? 0), unique: Number(v?.u ?? 0) };
}

interface RunFigures {
  readings: number;
  warmupReadings: number;
  resent: number;
  dropped: number;
  alarms: number;
  startMs: number;
  firstMs: number;
  lastHandedMs: number;
}

function printResult(x: {
  r1: RunFigures;
  r2: RunFigures;
  readingsPerSec: number;
  rawStoreReadingsPerSec: number;
  rawStoreJsonEachRowReadingsPerSec: number;
  rows: number;
  unique: number;
  alarmLatencies: number[];
  alarmStored: number[];
  lastPhase1Ms: number;
  /** CPU seconds: phase 1 in this process (gateway logins included) and in Redis; the raw block INSERTs. */
  cpu: { chain: number; redis: number; raw: number; rawRows: number };
  /** Phase 1's CPU by thread (bench/thread-cpu.ts), ms. */
  threadCpuMs: Record<string, number>;
  /** Phase 1's wall ms, its readings INSERTs (count, ms, the first one's start after the first hand-over). */
  phase1: {
    wallMs: number;
    inserts: number;
    insertMs: number;
    firstInsertMs: number;
    cpuWithLoginsSec: number;
  };
}): void {
  const { r1, r2, readingsPerSec, rawStoreReadingsPerSec } = x;
  const published = r1.warmupReadings + r1.readings + r2.readings;
  const result = {
    sensors: S,
    gateways: G,
    readings: published,
    warmupReadings: r1.warmupReadings,
    readingsPerSec: Math.round(readingsPerSec),
    readingsPerSecWithLogins: Math.round(r1.readings / ((x.lastPhase1Ms - r1.startMs) / 1000)),
    rawStoreReadingsPerSec: Math.round(rawStoreReadingsPerSec),
    ratio: Math.round((readingsPerSec / rawStoreReadingsPerSec) * 1000) / 1000,
    rawStoreJsonEachRowReadingsPerSec: Math.round(x.rawStoreJsonEachRowReadingsPerSec),
    ratioToJsonEachRow: Math.round((readingsPerSec / x.rawStoreJsonEachRowReadingsPerSec) * 1000) / 1000,
    lost: published - x.unique,
    duplicated: x.rows - x.unique,
    alarms: r2.alarms,
    alarmToTaskP50Ms: pct(x.alarmLatencies, 50),
    alarmToTaskP99Ms: pct(x.alarmLatencies, 99),
    alarmToStoredP50Ms: pct(x.alarmStored, 50),
    steadyReadingsPerSec: Math.round(r2.readings / ((r2.lastHandedMs - r2.firstMs) / 1000)),
    phase1WallMs: x.phase1.wallMs,
    phase1Inserts: x.phase1.inserts,
    phase1InsertMs: x.phase1.insertMs,
    phase1FirstInsertMs: x.phase1.firstInsertMs,
    phase1CpuSec: Math.round(x.cpu.chain * 10) / 10,
    phase1CpuSecWithLogins: Math.round(x.phase1.cpuWithLoginsSec * 10) / 10,
    phase1RedisCpuSec: Math.round(x.cpu.redis * 10) / 10,
    phase1CpuUsPerReading: Math.round(((x.cpu.chain + x.cpu.redis) * 1e6) / r1.readings),
    rawStoreCpuUsPerReading: Math.round((x.cpu.raw * 1e6) / x.cpu.rawRows),
    messagesResent: r1.resent + r2.resent,
    droppedBySpool: r1.dropped + r2.dropped,
    phase1ThreadCpuMs: x.threadCpuMs,
  };
  if (!values.json) say(JSON.stringify(result, null, 2));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/**
 * Raw rows [from, to) straight into sensor_readings (with its rollups), `batch` per INSERT: by
 * the chain's path (a block, `blockMs`) and, in turns, by the JSONEachRow objects path readings
 * took before the block path (`jsonMs`, for comparison with earlier runs; docs/iot.md).
 */
async function insertRaw(
  store: Awaited<ReturnType<typeof openStore>>,
  raw: ReturnType<typeof rawReadings>['raw'],
  from: number,
  to: number,
  batch: number,
  t: { blockMs: number; jsonMs: number; blockCpuSec: number },
): Promise<void> {
  say(
    `raw store: ${Math.round(to - from)} rows straight into sensor_readings (with its rollups), ${batch} per INSERT, both paths`,
  );
  const settings = { deduplicate_blocks_in_dependent_materialized_views: 1 as const };
  for (let k = Math.round(from); k < to; k += batch) {
    const rows = raw.slice(k, Math.min(to, k + batch));
    // The chain's store path: a block encoded once (by the receiver there), handed over as bytes.
    const text = readingsToBlock(rows);
    const block = { ...text, data: blockBytes(text) };
    let t0 = performance.now();
    const cpu0 = process.cpuUsage();
    await store.insertBlock('sensor_readings', block, { dedupToken: `raw-${k}`, settings });
    t.blockMs += performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    t.blockCpuSec += (cpu.user + cpu.system) / 1e6;
    t0 = performance.now();
    await store.insert('sensor_readings', rows, { dedupToken: `raw-json-${k}`, settings });
    t.jsonMs += performance.now() - t0;
  }
}

/** The gateways' thread's work: phase 1 (ROUNDS rounds as fast as acks allow) or phase 2 (steady, with alarms). */
function phaseWork(
  base: Pick<SensorSimWork, 'url' | 'gateways' | 'passwords' | 'sensors' | 'maxSpooled' | 'alarmSensors'>,
  phase: SensorSimWork['phase'],
  t0: number,
): SensorSimWork {
  const steady = phase === 'steady';
  return {
    ...base,
    phase,
    rounds: steady ? 0 : ROUNDS,
    warmupRounds: steady ? 0 : WARMUP,
    t0,
    stepMs: MIN,
    ratePerSec: steady ? Number(values['steady-rate']) : 0,
    seconds: steady ? Number(values['steady-seconds']) : 0,
    alarmEveryMs: steady ? Number(values['alarm-every-ms']) : 0,
  };
}

/** Smoke alarms' hand-over → task change applied, ms, into `out`. */
function recordAlarmLatencies(alerts: Awaited<ReturnType<typeof createAlertEngine>>, out: number[]): void {
  alerts.subscribe({
    task: (c) => {
      if (c.event.type !== 'opened' && c.event.type !== 'hits_added') return;
      if (c.task.source.kind !== 'rule' || c.task.source.ruleId !== 'smoke-alarm') return;
      const now = Date.now();
      for (const h of c.event.hits) out.push(now - h.tsMs);
    },
  });
}

/** What the chain stored and its readings INSERTs, counted by main's listeners. */
interface Tally {
  stored: number;
  jobs: number;
  insertMs: number;
  inserts: number;
  /** When the first readings INSERT of the phase started, epoch ms (0: none yet). */
  firstInsertStartMs: number;
  lastStoredMs: number;
}

/**
 * Phase 1: the warm-up rounds, stored before the clock, then ROUNDS rounds as fast as acks
 * allow. CPU is read from the first hand-over, like the clock (bench:ingest does the same): the
 * gateways' thread start-up, its rounds' generation and the logins' scrypt come before it; the
 * figure from the thread's start, logins included, is kept beside it.
 */
async function phaseOne(
  base: Parameters<typeof phaseWork>[0],
  t0: number,
  redisPid: number | undefined,
  tally: Tally,
) {
  say(`phase 1: ${ROUNDS} rounds of ${S} sensors, as fast as acks allow (${WARMUP} warm-up rounds first)`);
  const cpuWithLogins0 = cpuSec(redisPid);
  let cpu0 = cpuWithLogins0;
  let threads0 = threadCpu();
  let storedBefore = 0;
  const r1 = await runThread(phaseWork(base, 'throughput', t0), {
    warm: (n) => waitFor(() => tally.stored >= n, 120_000),
    started: () => {
      cpu0 = cpuSec(redisPid);
      threads0 = threadCpu();
      storedBefore = tally.stored;
      Object.assign(tally, { jobs: 0, inserts: 0, insertMs: 0, firstInsertStartMs: 0 });
    },
  });
  await waitFor(() => tally.stored - storedBefore >= r1.readings, 120_000);
  const cpu1 = cpuSec(redisPid);
  const threadCpuMs = cpuByName(threads0, new Map([...r1.threads, ...threadCpu()]));
  const wallMs = tally.lastStoredMs - r1.firstMs;
  const readingsPerSec = r1.readings / (wallMs / 1000);
  const phase1 = {
    wallMs,
    inserts: tally.inserts,
    insertMs: Math.round(tally.insertMs),
    firstInsertMs: tally.firstInsertStartMs ? tally.firstInsertStartMs - r1.firstMs : Number.NaN,
    cpuWithLoginsSec: cpu1.proc - cpuWithLogins0.proc,
  };
  say(
    `  ${Math.round(readingsPerSec)} readings/s (${r1.readings} readings, resent ${r1.resent} messages), ${tally.jobs} jobs, ${Math.round((tally.stored - storedBefore) / tally.jobs)} readings a job, ${tally.inserts} INSERTs took ${phase1.insertMs} of ${wallMs} ms, the first starting ${phase1.firstInsertMs} ms in`,
  );
  return {
    r1,
    readingsPerSec,
    threadCpuMs,
    phase1,
    cpu: { chain: cpu1.proc - cpu0.proc, redis: cpu1.redis - cpu0.redis },
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'xl-bench-sensors-'));
  const redis = await redisProc(join(dir, 'redis'));
  await redis.start();
  setLogLevel('warn');
  const log = rootLogger();
  const { config, store } = await benchCity(redis.url, dir);
  const tally: Tally = {
    stored: 0,
    jobs: 0,
    insertMs: 0,
    inserts: 0,
    firstInsertStartMs: 0,
    lastStoredMs: 0,
  };
  // The workers' store, timed: how much of phase 1 the readings INSERTs took.
  const timed = timedStore(store, (ms, startMs) => {
    tally.insertMs += ms;
    tally.inserts++;
    if (!tally.firstInsertStartMs) tally.firstInsertStartMs = startMs;
  });
  const alarmLatencies: number[] = [];
  const alarmStored: number[] = [];
  let alerts: Awaited<ReturnType<typeof createAlertEngine>> | undefined;
  const ingest = await startIngest({
    config,
    store: timed,
    redisUrl: redis.url,
    log,
    registry: new Registry(),
    open: false,
    mqtt: { mode: 'embedded', host: '127.0.0.1', port: 0 },
    onStored: (job) => {
      const n = job.readingCount ?? job.readings?.length ?? 0;
      tally.stored += n;
      if (n) tally.jobs++;
      tally.lastStoredMs = Date.now();
      // This job's stored time, not the one before it.
      for (const h of job.hits) if (h.type === 'smoke') alarmStored.push(tally.lastStoredMs - h.ts);
      if (job.hits.length) void alerts?.onRows(job.hits);
    },
  });
  alerts = await createAlertEngine({ config, store, redisUrl: redis.url, log, registry: new Registry() });
  recordAlarmLatencies(alerts, alarmLatencies);
  // Raw store: the same kind of rows straight into sensor_readings (and its rollups), in
  // INSERTs of the bundle size, generated before the clock starts, stamped before t0 (so they
  // are not counted as the pipeline's). Half before phase 1 and half after it: the box is
  // shared and its load drifts, and the ratio should compare like with like.
  const t0 = Date.now() - (ROUNDS + 60) * MIN;
  const { sims, raw } = rawReadings(config, t0);
  const batch = config.ingest.bundleMaxHits;
  const rawT = { blockMs: 0, jsonMs: 0, blockCpuSec: 0 };
  await insertRaw(store, raw, 0, raw.length / 2, batch, rawT);
  const rawBeforeMs = rawT.blockMs;
  const gws = Array.from({ length: G }, (_, i) => gatewayId(i));
  const base = {
    url: ingest.mqttUrl,
    gateways: gws,
    passwords: gws.map(gatewayPassword),
    sensors: sims,
    maxSpooled: 8,
    alarmSensors: config.sensors.filter((s) => s.kind === 'smoke').map((s) => s.id),
  };

  const progress = setInterval(() => say(`  stored ${tally.stored} readings`), 2_000);
  const { r1, readingsPerSec, threadCpuMs, phase1, cpu } = await phaseOne(base, t0, redis.pid?.(), tally);
  const lastPhase1Ms = tally.lastStoredMs;

  const rate = Number(values['steady-rate']);
  const secs = Number(values['steady-seconds']);
  say(`phase 2: ${rate} readings/s for ${secs} s, a smoke alarm every ${values['alarm-every-ms']} ms`);
  const before = tally.stored;
  const r2 = await runThread(phaseWork(base, 'steady', t0 + (WARMUP + ROUNDS + 1) * MIN));
  await waitFor(() => tally.stored - before >= r2.readings && alarmLatencies.length >= r2.alarms, 60_000);
  clearInterval(progress);
  await alerts.close();
  await ingest.close();

  const { rows, unique } = await countReadings(store, t0);

  await insertRaw(store, raw, raw.length / 2, raw.length, batch, rawT);
  say(
    `  raw halves: before phase 1 ${Math.round(rawBeforeMs)} ms, after phase 2 ${Math.round(rawT.blockMs - rawBeforeMs)} ms`,
  );
  const rawStoreReadingsPerSec = raw.length / (rawT.blockMs / 1000);
  const rawStoreJsonEachRowReadingsPerSec = raw.length / (rawT.jsonMs / 1000);
  await store.close();
  await redis.stop('SIGTERM');
  rmSync(dir, { recursive: true, force: true });

  printResult({
    r1,
    r2,
    lastPhase1Ms,
    readingsPerSec,
    rawStoreReadingsPerSec,
    rawStoreJsonEachRowReadingsPerSec,
    rows,
    unique,
    alarmLatencies,
    alarmStored,
    threadCpuMs,
    phase1,
    cpu: {
      ...cpu,
      raw: rawT.blockCpuSec,
      rawRows: raw.length,
    },
  });
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});

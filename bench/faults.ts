/**
 * bench:faults (docs/ingest.md): while simulated gateways (real spool publishers on disk) publish
 * at a steady rate, inject one fault per run and check afterwards, in the store, that every
 * hit handed over was stored exactly once.
 *
 *   npm run bench:faults [-- --rate 2000 --seconds 12 --gateways 10 --json]
 *
 * (a) kill -9 the ingest worker process and start a new one; (b) kill -9 the ingest
 * (receiver) process and restart it; (c) kill -9 Redis (AOF, appendfsync always) and
 * restart it; (f) the worker kills itself (SIGKILL) right after an insert, before the batch
 * is matched, and a new one starts — the gateways also send zone events that an alert rule
 * turns into one task per camera: each must open once (`alertTasks`); (d) kill -9 the broker
 * (Mosquitto, broker mode) and restart it; (e) the store fails every insert for a while (a
 * worker in this process over a failing store wrapper).
 * Ingest runs as `xueliang ingest --role receiver|worker` child processes on one Redis and
 * one chDB folder, in the form a deployment runs (deploy/Dockerfile): the compiled CLI, which
 * the bench builds first into dist/ (`npm run build`'s tsc step; a dist/ it made is removed
 * when it exits); `--source` runs the TypeScript through tsx instead.
 * recoveredMs: from the fault until every gateway is connected, its oldest unacked message
 * younger than 1.5 s again, and the queue backlog back to its level before the fault; restartMs: how long
 * the fault and the restart of what it killed took. The last line is one JSON object.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { stringify } from 'yaml';
import { migrate } from '../analytics/migrate.js';
import { openStore, type Store } from '../analytics/store.js';
import { storedFeedKey } from '../analytics/stored-feed.js';
import { type CityConfig, loadCityConfig } from '../contracts/config/index.js';
import { silentLogger } from '../contracts/log.js';
import { projectRoot } from '../contracts/paths.js';
import { openQueue } from '../ingest/jobs.js';
import { startIngest } from '../ingest/service.js';
import { cameraId, gatewayId, gatewayPassword, testCityRaw } from '../ingest/testkit.js';
import { benchArgs } from './args.js';
import {
  freePort,
  type GatewayProgress,
  mosquittoProc,
  type Proc,
  redisProc,
  runGateways,
  waitFor,
} from './ingest-kit.js';

const values = benchArgs(
  'faults',
  'Kill or stop each part of the chain under load; recovery time, lost and duplicated hits',
  {
    rate: { type: 'string', default: '2000', description: 'Hits per second offered during each fault' },
    seconds: { type: 'string', default: '12', description: 'Seconds of load per fault' },
    gateways: { type: 'string', default: '10', description: 'Simulated gateways' },
    only: { type: 'string', description: 'Comma-separated faults to run (default: all)' },
    json: { type: 'boolean', default: false, description: 'Print one JSON object as the last line' },
    trace: {
      type: 'boolean',
      default: false,
      description: "Print the gateways' backlog and the queue every 0.1 s from the fault on",
    },
    source: {
      type: 'boolean',
      default: false,
      description: 'Run ingest from the TypeScript sources through tsx (default: build dist/ and run it)',
    },
  },
);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const G = Number(values.gateways);
const say = (s: string) => process.stderr.write(`${s}\n`);

const dir = mkdtempSync(join(tmpdir(), 'xl-faults-'));
const chPath = join(dir, 'ch');
const cityFile = join(dir, 'city.yaml');
const PREFIX = 'faults';
/** Oldest unacked message age below which a run counts as caught up, ms. */
const RECOVERED_AGE_MS = 1_500;
/** Longest an ingest child may take to say it is up, ms. */
const START_TIMEOUT_MS = 180_000;
/** Fault f: one hit in this many is a zone event that opens (or adds to) its camera's task. */
const ALERT_EVERY = 50;

/** A `xueliang ingest` child process that can be killed and started again. */
function ingestProc(
  args: string[],
  env: Record<string, string> = {},
): Proc & { exited(ms: number): Promise<boolean> } {
  let child: ChildProcess | undefined;
  return {
    exited: (ms) => waitFor(() => !child || child.exitCode !== null || child.signalCode !== null, ms, 20),
    url: '',
    port: 0,
    async start() {
      const c = spawn(
        process.execPath,
        [
          ...(values.source ? ['--import', 'tsx'] : []),
          join(projectRoot, 'bin/xueliang.js'),
          'ingest',
          ...args,
          '--config',
          cityFile,
          '--data',
          dir,
          '--log-level',
          'warn',
          // No metrics server: several ingest processes run here at once (and a fixed port may be taken).
          '--metrics-port',
          '0',
        ],
        {
          cwd: projectRoot,
          stdio: ['ignore', 'pipe', 'inherit'],
          env: { ...process.env, XUELIANG_FROM_SOURCE: values.source ? '1' : '', ...env },
        },
      );
      child = c;
      let out = '';
      c.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
      });
      // Generous: on a box loaded by other work a start took over 60 s (docs/ingest.md).
      if (!(await waitFor(() => out.includes('is up'), START_TIMEOUT_MS)))
        throw new Error(`ingest ${args.join(' ')} did not start`);
    },
    async stop(signal: NodeJS.Signals = 'SIGKILL') {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill(signal);
      });
    },
  };
}

/** --trace: one line per gateway progress report (every 100 ms) from the fault on. */
async function traceLine(p: GatewayProgress, faultAt: number, backlog: () => Promise<number>): Promise<void> {
  const queued = await backlog().catch(() => -1);
  say(
    `    +${p.atMs - faultAt} ms: connected ${p.connected}, spooled ${p.spooled}, acked ${p.acked}, ` +
      `published ${p.published} (resent ${p.resent}), oldest unacked ${p.oldestUnackedMs} ms, queue ${queued}`,
  );
}

interface FaultResult {
  fault: string;
  recoveredMs: number;
  restartMs: number;
  published: number;
  stored: number;
  lost: number;
  duplicated: number;
  resent: number;
}

interface RunCtx {
  gws: string[];
  /** Jobs not yet stored. */
  backlog: () => Promise<number>;
  /** Per fault: hits handed over, messages resent, time to recover. */
  handed: Record<string, Handed>;
}

interface Handed {
  published: number;
  resent: number;
  recoveredMs: number;
  restartMs: number;
}

/** One run: steady publishing, the fault at 1/3 of the run, wait until all acked and stored. */
async function runFault(
  ctx: RunCtx,
  fault: string,
  mqttUrl: string,
  inject: () => Promise<void>,
  extra: { alertEvery?: number } = {},
): Promise<void> {
  const { gws, backlog, handed } = ctx;
  say(`fault ${fault}: ${RATE} hits/s for ${SECONDS} s`);
  let latest: GatewayProgress | undefined;
  let faultAt = 0;
  const sim = runGateways(
    {
      url: mqttUrl,
      gateways: gws,
      passwords: gws.map(gatewayPassword),
      cameras: gws.map((_, i) => cameraId(i, 0)),
      hits: RATE * SECONDS,
      ratePerSec: RATE,
      flushMs: 200,
      ackTimeoutMs: 5_000,
      tag: `fault-${fault}`,
      spoolDir: join(dir, 'spools', fault),
      progressMs: 100,
      logLevel: 'warn',
      ...extra,
    },
    (p) => {
      latest = p;
      if (values.trace && faultAt) void traceLine(p, faultAt, backlog);
    },
  );
  // A failure of the gateway thread must end the run, not leave it waiting.
  let simError: unknown;
  let drained = false;
  sim.done.then(
    () => {
      drained = true;
    },
    (e: unknown) => {
      simError = e;
    },
  );
  // The clock of the run starts once every gateway is connected and acked: on a loaded box the
  // gateway thread alone took over 4 s to start, and the fault then came before any traffic.
  await waitFor(
    () => simError !== undefined || drained || (latest?.connected === G && latest.acked > 0),
    120_000,
    20,
  );
  await new Promise((r) => setTimeout(r, (SECONDS * 1000) / 3));
  const before = { queue: await backlog() };
  const t0 = Date.now();
  faultAt = t0;
  await inject();
  const injectedMs = Date.now() - t0;
  // Caught up: every gateway's oldest unacked message is younger than RECOVERED_AGE_MS again
  // (normally flushMs plus the ack round trip), and the queue is back to its earlier level.
  await waitFor(
    async () => {
      if (simError) return true; // ends the wait; thrown below
      // The gateways stop reporting once every message is acked (the run ended before the
      // recovery): then nothing is unacked any more. Every gateway must be connected again: a
      // restart shorter than RECOVERED_AGE_MS would otherwise count as recovered at once.
      const caughtUp =
        drained ||
        ((latest?.atMs ?? 0) > t0 &&
          latest?.connected === G &&
          (latest?.oldestUnackedMs ?? 1e9) < RECOVERED_AGE_MS);
      return Date.now() - t0 > 300 && caughtUp && (await backlog()) <= before.queue + 1;
    },
    300_000,
    50,
  );
  if (simError) throw simError;
  say(`  fault injected and restarted in ${injectedMs} ms`);
  const recoveredMs = Date.now() - t0;
  const r = await sim.done;
  await sim.stop();
  await waitFor(async () => (await backlog()) === 0, 180_000);
  handed[fault] = { published: r.handedOver, resent: r.resent, recoveredMs, restartMs: injectedMs };
  say(`  recovered in ${recoveredMs} ms; ${r.handedOver} hits handed over, ${r.resent} messages resent`);
}

/** Fault e: the worker in this process, over a store whose inserts fail during the fault window. */
async function faultStoreDown(
  run: (fault: string, url: string, inject: () => Promise<void>) => Promise<void>,
  config: CityConfig,
  redisUrl: string,
  receiver: Proc,
  embeddedUrl: string,
): Promise<void> {
  // The worker in this process, over a store whose inserts fail during the fault window.
  const real = await openStore({ url: `chdb://${chPath}` });
  let failing = false;
  const flaky: Store = {
    ...real,
    async insert(table, rows, o) {
      if (failing) throw new Error('injected: store unavailable');
      return real.insert(table, rows, o);
    },
    async insertBlock(table, block, o) {
      if (failing) throw new Error('injected: store unavailable');
      return real.insertBlock(table, block, o);
    },
  };
  const w = await startIngest({
    config,
    store: flaky,
    redisUrl,
    log: silentLogger(),
    registry: new Registry(),
    open: false,
    role: 'worker',
    mqtt: { mode: 'embedded', host: '127.0.0.1', port: 0 },
  });
  await receiver.start();
  await run('e', embeddedUrl, async () => {
    failing = true;
    await new Promise((r) => setTimeout(r, 3_000));
    failing = false;
  });
  await receiver.stop('SIGTERM');
  await w.close();
  await real.close();
}

/** Per fault: what was handed over against what was stored (lost, duplicated). */
async function countStored(store: Store, handed: RunCtx['handed']): Promise<FaultResult[]> {
  const results: FaultResult[] = [];
  for (const [fault, h] of Object.entries(handed)) {
    const [r] = await store.query<{ n: number; u: number }>(
      'SELECT count() AS n, uniqExact(id) AS u FROM hits WHERE model = {tag:String}',
      { tag: `fault-${fault}` },
    );
    const n = Number(r?.n ?? 0);
    const u = Number(r?.u ?? 0);
    results.push({
      fault,
      recoveredMs: h.recoveredMs,
      restartMs: h.restartMs,
      published: h.published,
      stored: u,
      lost: h.published - u,
      duplicated: n - u,
      resent: h.resent,
    });
  }
  return results;
}

/** Fault f: kill -9 after an insert and before its batch is matched; every task still opens, once. */
async function faultAlertKill(
  run: (fault: string, url: string, inject: () => Promise<void>, extra?: object) => Promise<void>,
  redis: Redis,
  worker: Proc & { exited(ms: number): Promise<boolean> },
  url: string,
): Promise<void> {
  await run(
    'f',
    url,
    async () => {
      await redis.set(`${PREFIX}:fault:armed`, '1');
      if (!(await worker.exited(60_000))) throw new Error('fault f: the worker did not die after an insert');
      await worker.start();
    },
    { alertEvery: ALERT_EVERY },
  );
  // Every stored batch matched and acknowledged.
  await waitFor(async () => (await redis.xlen(storedFeedKey(PREFIX))) === 0, 60_000);
}

/** Fault f's tasks: every camera's zone events open one task (one cooldown key each), once. */
async function countAlertTasks(store: Store, cameras: number) {
  const rows = await store.query<{ camera: string; tasks: string; opened: string }>(
    `SELECT t.camera AS camera, uniqExact(t.id) AS tasks, sum(e.opened) AS opened
     FROM (SELECT DISTINCT id, camera FROM tasks WHERE rule_id = 'bench-alert') AS t
     LEFT JOIN (SELECT task_id, countIf(type = 'opened') AS opened FROM task_events GROUP BY task_id) AS e
       ON e.task_id = t.id
     GROUP BY camera`,
  );
  const tasks = rows.reduce((n, r) => n + Number(r.tasks), 0);
  const opened = rows.reduce((n, r) => n + Number(r.opened), 0);
  const once = rows.filter((r) => Number(r.tasks) === 1 && Number(r.opened) === 1).length;
  return { cameras, camerasWithTasks: rows.length, tasks, opened, ok: once === cameras && tasks === cameras };
}

/**
 * Builds dist/ once (unless --source): the ingest children run the compiled CLI. A dist/ the
 * bench made is removed when it exits, so `xueliang` in this checkout does not go on running a
 * build of sources edited later; one that was there before (`npm run build`) is rebuilt and kept.
 */
function buildCli(): string {
  if (values.source) return 'source (tsx)';
  const distDir = join(projectRoot, 'dist');
  if (!existsSync(distDir)) process.on('exit', () => rmSync(distDir, { recursive: true, force: true }));
  const t0 = Date.now();
  say('building dist/ (tsc -p tsconfig.build.json): the ingest children run the compiled CLI');
  execFileSync(
    process.execPath,
    [join(projectRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: projectRoot,
      stdio: 'inherit',
    },
  );
  say(`  built in ${Date.now() - t0} ms`);
  return 'compiled (dist/)';
}

/** city.yaml (with fault f's alert rule) and the store's schema; returns the loaded config. */
async function setUpCity(redisUrl: string): Promise<CityConfig> {
  const raw = testCityRaw({
    gateways: G,
    camerasPerGateway: 1,
    prefix: PREFIX,
    ingest: { backoffMs: 200, attempts: 20 },
  });
  // Fault f's rule: zone events open a task per camera, held for the whole run by its cooldown.
  raw.alerts = {
    rules: [
      { id: 'bench-alert', match: { kinds: ['event'], zones: ['bench-alert'] }, cooldownMs: 3_600_000 },
    ],
  };
  writeFileSync(cityFile, stringify({ ...raw, redis: { url: redisUrl, prefix: PREFIX } }));
  // The schema first, from this process; then the folder belongs to one worker at a time.
  const boot = await openStore({ url: `chdb://${chPath}` });
  await migrate(boot, { hitsDays: 3650, snapshotsDays: 7, quarantineDays: 14 });
  await boot.close();
  return loadCityConfig(cityFile);
}

async function main(): Promise<void> {
  const cli = buildCli();
  const redis = await redisProc(join(dir, 'redis'));
  await redis.start();
  const config = await setUpCity(redis.url);

  const qConn = new Redis(redis.url, { maxRetriesPerRequest: null });
  qConn.on('error', () => {});
  const queue = openQueue(qConn, PREFIX);
  const backlog = async () => {
    const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    return Object.values(c).reduce((a, b) => a + b, 0);
  };
  const gws = Array.from({ length: G }, (_, i) => gatewayId(i));
  const handed: Record<string, Handed> = {};

  const ctx: RunCtx = { gws, backlog, handed };
  const run = (fault: string, url: string, inject: () => Promise<void>, extra = {}) =>
    runFault(ctx, fault, url, inject, extra);

  const mqttPort = await freePort();
  const embeddedUrl = `mqtt://127.0.0.1:${mqttPort}`;
  // The worker may be told to kill itself after an insert (analytics/stored-feed.ts, fault f).
  const worker = ingestProc(
    ['--role', 'worker', '--redis-url', redis.url, '--clickhouse', `chdb://${chPath}`],
    { XUELIANG_FAULT_INJECT: 'kill-after-insert' },
  );
  const receiver = ingestProc([
    '--role',
    'receiver',
    '--redis-url',
    redis.url,
    '--mqtt-port',
    String(mqttPort),
  ]);
  const want = (f: string) => !values.only || values.only.split(',').includes(f);
  await worker.start();
  await receiver.start();

  if (want('a'))
    await run('a', embeddedUrl, async () => {
      await worker.stop('SIGKILL');
      await worker.start();
    });
  if (want('b'))
    await run('b', embeddedUrl, async () => {
      await receiver.stop('SIGKILL');
      await receiver.start();
    });
  if (want('c'))
    await run('c', embeddedUrl, async () => {
      await redis.stop('SIGKILL');
      await redis.start();
    });
  if (want('f')) await faultAlertKill(run, qConn, worker, embeddedUrl);
  await receiver.stop('SIGTERM');

  if (want('d')) {
    const mosq: Proc = await mosquittoProc(join(dir, 'mosquitto'));
    await mosq.start();
    const brokerReceiver = ingestProc([
      '--role',
      'receiver',
      '--redis-url',
      redis.url,
      '--mqtt-url',
      mosq.url,
    ]);
    await brokerReceiver.start();
    await run('d', mosq.url, async () => {
      await mosq.stop('SIGKILL');
      await mosq.start();
    });
    await brokerReceiver.stop('SIGTERM');
    await mosq.stop('SIGTERM');
  }
  await worker.stop('SIGTERM');

  if (want('e')) await faultStoreDown(run, config, redis.url, receiver, embeddedUrl);

  await queue.close();
  qConn.disconnect();
  const store = await openStore({ url: `chdb://${chPath}` });
  const results = await countStored(store, handed);
  const alertTasks = want('f') ? await countAlertTasks(store, G) : undefined;
  const quarantined = await store.query<{ n: number }>('SELECT count() AS n FROM quarantine');
  await store.close();
  await redis.stop('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
  const out = {
    rateHitsPerSec: RATE,
    seconds: SECONDS,
    gateways: G,
    cli,
    faults: results,
    ...(alertTasks ? { alertTasks } : {}),
    quarantined: Number(quarantined[0]?.n ?? 0),
  };
  if (!values.json) say(JSON.stringify(out, null, 2));
  process.stdout.write(`${JSON.stringify(out)}\n`);
  const ok = results.every((r) => r.lost === 0 && r.duplicated === 0) && (alertTasks?.ok ?? true);
  process.exit(ok ? 0 : 1);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});

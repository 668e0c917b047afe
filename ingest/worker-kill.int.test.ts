/**
 * kill -9 of an ingest worker process mid-stream (docs/architecture.md#no-loss-chain step 6): a new worker takes over
 * the killed one's job after its lock expires and re-runs it under the same dedup token;
 * every hit queued is stored exactly once. Real parts: `xueliang ingest --role worker` child
 * processes on one chDB folder, a receiver (aedes) in this process, Redis.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { migrate } from '../analytics/migrate.js';
import { openStore } from '../analytics/store.js';
import { loadCityConfig } from '../contracts/config/index.js';
import { silentLogger } from '../contracts/log.js';
import { projectRoot } from '../contracts/testdata.js';
import { makeEnvelope, makeHit } from '../contracts/testkit.js';
import { topics } from '../contracts/topics.js';
import { openQueue } from './jobs.js';
import { noStore } from './no-store.js';
import { doneKey, groupKey } from './queue-keys.js';
import { startIngest } from './service.js';
import {
  cameraId,
  connectGateway,
  dropPrefix,
  gatewayId,
  TEST_REDIS_URL,
  testCityRaw,
  until,
} from './testkit.js';

const dir = mkdtempSync(join(tmpdir(), 'xl-wkill-'));
const children: ChildProcess[] = [];
const prefixes: string[] = [];

/** A city file and chDB folder of its own; `ingest` added to the small bundles every run uses. */
function setup(name: string, ingest: Record<string, number> = {}) {
  const raw = testCityRaw({
    gateways: 1,
    camerasPerGateway: 1,
    ingest: { bundleMaxHits: 500, bundleMaxMs: 20, bundleHoldMs: 20, maxQueuedJobs: 100, ...ingest },
  });
  const cityFile = join(dir, `${name}.yaml`);
  writeFileSync(cityFile, stringify(raw));
  const config = loadCityConfig(cityFile);
  prefixes.push(config.redis.prefix);
  return { cityFile, config, chPath: join(dir, `ch-${name}`) };
}
type Setup = ReturnType<typeof setup>;

function worker(s: Setup, env: Record<string, string> = {}): Promise<ChildProcess> {
  const c = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'bin/xueliang.js',
      'ingest',
      '--role',
      'worker',
      '--config',
      s.cityFile,
      '--redis-url',
      TEST_REDIS_URL,
      '--clickhouse',
      `chdb://${s.chPath}`,
      '--data',
      dir,
      '--log-level',
      'error',
      // No fixed port: another xueliang on this machine may hold the default (9466).
      '--metrics-port',
      '0',
    ],
    { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } },
  );
  children.push(c);
  return new Promise((resolve, reject) => {
    let out = '';
    c.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('is up')) resolve(c);
    });
    c.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
  });
}

const exited = (c: ChildProcess) =>
  new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const p of prefixes) await dropPrefix(TEST_REDIS_URL, p);
  rmSync(dir, { recursive: true, force: true });
});

/** 30 envelopes of 500 hits queued through a receiver before any worker runs: 30 jobs. */
async function queueHits(s: Setup): Promise<string[]> {
  const boot = await openStore({ url: `chdb://${s.chPath}` });
  await migrate(boot, { hitsDays: 3650, snapshotsDays: 7, quarantineDays: 14 });
  await boot.close();
  const receiver = await startIngest({
    config: s.config,
    store: noStore(),
    redisUrl: TEST_REDIS_URL,
    log: silentLogger(),
    registry: new Registry(),
    open: false,
    role: 'receiver',
    mqtt: { mode: 'embedded', host: '127.0.0.1', port: 0 },
  });
  const GW = gatewayId(0);
  const gw = await connectGateway(receiver.mqttUrl, GW);
  const ids: string[] = [];
  for (let i = 0; i < 30; i++) {
    const e = makeEnvelope(
      Array.from({ length: 500 }, () => makeHit({ gateway: GW, camera: cameraId(0, 0) })),
    );
    ids.push(...e.hits.map((h) => h.id));
    await gw.publishAsync(topics.hits(GW), JSON.stringify(e), { qos: 1 });
  }
  await gw.endAsync();
  await receiver.close();
  return ids;
}

/** Jobs waiting, active or delayed. */
function jobsLeft(queue: ReturnType<typeof openQueue>) {
  return async () => {
    const c = await queue.getJobCounts('waiting', 'active', 'delayed');
    return (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0);
  };
}

async function storedHits(s: Setup, ids: string[]) {
  const store = await openStore({ url: `chdb://${s.chPath}` });
  const [r] = await store.query<{ n: number; u: number; k: number }>(
    'SELECT count() AS n, uniqExact(id) AS u, countIf(id IN {ids:Array(String)}) AS k FROM hits',
    { ids },
  );
  await store.close();
  return { rows: Number(r?.n), unique: Number(r?.u), known: Number(r?.k) };
}

describe('worker killed with kill -9', () => {
  it('a new worker finishes the job; every hit stored once', async () => {
    const s = setup('alone');
    const ids = await queueHits(s);
    const conn = new Redis(TEST_REDIS_URL);
    const queue = openQueue(conn, s.config.redis.prefix);
    const left = jobsLeft(queue);
    expect(await left()).toBe(30);
    const first = await worker(s);
    // Kill it while it is writing: some jobs done, one active, the rest waiting.
    expect(await until(async () => (await left()) <= 27, 30_000, 20)).toBe(true);
    first.kill('SIGKILL');
    await exited(first);
    const remaining = await left();
    expect(remaining).toBeGreaterThan(0);
    const second = await worker(s);
    expect(await until(async () => (await left()) === 0, 60_000, 100)).toBe(true);
    second.kill('SIGTERM');
    await exited(second);
    await queue.close();
    conn.disconnect();
    expect(await storedHits(s, ids)).toEqual({ rows: 15_000, unique: 15_000, known: 15_000 });
  }, 150_000);

  it('killed between a group INSERT and its marking: the next worker stores the group again under its token; every hit once', async () => {
    const s = setup('grouped', { coalesceMaxRows: 5_000, coalesceJobs: 12 });
    const prefix = s.config.redis.prefix;
    const ids = await queueHits(s);
    const conn = new Redis(TEST_REDIS_URL);
    const queue = openQueue(conn, prefix);
    const left = jobsLeft(queue);
    await conn.set(`${prefix}:fault:group-armed`, '1');
    // It kills itself (kill -9) right after its first INSERT of two or more jobs.
    const first = await worker(s, { XUELIANG_FAULT_INJECT: 'kill-after-group-insert' });
    await exited(first);
    expect(first.signalCode).toBe('SIGKILL');
    const groups = await conn.keys(`${groupKey(prefix, '')}*`);
    expect(groups).toHaveLength(1);
    const members = (await conn.get(groups[0]!))!.split(' ');
    expect(members.length).toBeGreaterThan(1);
    // The group's hits are in the store, and none of its members is marked stored.
    const before = await storedHits(s, ids);
    expect(before.rows).toBeGreaterThanOrEqual(members.length * 500);
    expect(await conn.exists(...members.map((id) => doneKey(prefix, id)))).toBe(0);
    const second = await worker(s);
    expect(await until(async () => (await left()) === 0, 60_000, 100)).toBe(true);
    second.kill('SIGTERM');
    await exited(second);
    expect(await conn.exists(...members.map((id) => doneKey(prefix, id)))).toBe(members.length);
    expect(await conn.keys(`${groupKey(prefix, '')}*`)).toEqual([]);
    await queue.close();
    conn.disconnect();
    expect(await storedHits(s, ids)).toEqual({ rows: 15_000, unique: 15_000, known: 15_000 });
  }, 150_000);
});

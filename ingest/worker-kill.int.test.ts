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
import { makeEnvelope, makeHit } from '../contracts/testkit.js';
import { silentLogger } from '../contracts/log.js';
import { projectRoot } from '../contracts/testdata.js';
import { topics } from '../contracts/topics.js';
import { openQueue } from './jobs.js';
import { noStore } from './no-store.js';
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
const raw = testCityRaw({
  gateways: 1,
  camerasPerGateway: 1,
  ingest: { bundleMaxHits: 500, bundleMaxMs: 20, bundleHoldMs: 20, maxQueuedJobs: 100 },
});
const cityFile = join(dir, 'city.yaml');
writeFileSync(cityFile, stringify(raw));
const config = loadCityConfig(cityFile);
const chPath = join(dir, 'ch');
const children: ChildProcess[] = [];

function worker(): Promise<ChildProcess> {
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
      cityFile,
      '--redis-url',
      TEST_REDIS_URL,
      '--clickhouse',
      `chdb://${chPath}`,
      '--data',
      dir,
      '--log-level',
      'error',
      // No fixed port: another xueliang on this machine may hold the default (9466).
      '--metrics-port',
      '0',
    ],
    { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'] },
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
  await dropPrefix(TEST_REDIS_URL, config.redis.prefix);
  rmSync(dir, { recursive: true, force: true });
});

describe('worker killed with kill -9', () => {
  it('a new worker finishes the job; every hit stored once', async () => {
    const boot = await openStore({ url: `chdb://${chPath}` });
    await migrate(boot, { hitsDays: 3650, snapshotsDays: 7, quarantineDays: 14 });
    await boot.close();
    const receiver = await startIngest({
      config,
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
    // 30 envelopes of 500 hits: 30 jobs queued before any worker runs.
    for (let i = 0; i < 30; i++) {
      const e = makeEnvelope(
        Array.from({ length: 500 }, () => makeHit({ gateway: GW, camera: cameraId(0, 0) })),
      );
      ids.push(...e.hits.map((h) => h.id));
      await gw.publishAsync(topics.hits(GW), JSON.stringify(e), { qos: 1 });
    }
    await gw.endAsync();
    await receiver.close();
    const conn = new Redis(TEST_REDIS_URL);
    const queue = openQueue(conn, config.redis.prefix);
    const left = async () => {
      const c = await queue.getJobCounts('waiting', 'active', 'delayed');
      return (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0);
    };
    expect(await left()).toBe(30);
    const first = await worker();
    // Kill it while it is writing: some jobs done, one active, the rest waiting.
    expect(await until(async () => (await left()) <= 27, 30_000, 20)).toBe(true);
    first.kill('SIGKILL');
    await exited(first);
    const remaining = await left();
    expect(remaining).toBeGreaterThan(0);
    const second = await worker();
    expect(await until(async () => (await left()) === 0, 60_000, 100)).toBe(true);
    second.kill('SIGTERM');
    await exited(second);
    await queue.close();
    conn.disconnect();
    const store = await openStore({ url: `chdb://${chPath}` });
    const [r] = await store.query<{ n: number; u: number; k: number }>(
      'SELECT count() AS n, uniqExact(id) AS u, countIf(id IN {ids:Array(String)}) AS k FROM hits',
      { ids },
    );
    await store.close();
    expect({ rows: Number(r?.n), unique: Number(r?.u), known: Number(r?.k) }).toEqual({
      rows: 15_000,
      unique: 15_000,
      known: 15_000,
    });
  }, 150_000);
});

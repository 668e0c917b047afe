/**
 * Test helper: a Redis master, its replicas and three sentinels as real `redis-server` and
 * `redis-sentinel` processes on free ports (Debian packages redis-server, redis-sentinel), with
 * passwords on both, AOF on every server and `min-replicas-to-write` on each that may become
 * master (docs/architecture.md#redis-high-availability). Used by bin/redis-failover.int.test.ts
 * and bench/failover.ts.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { RedisSentinels } from '../analytics/redis.js';
import { freePort } from '../contracts/net.js';

export const MASTER_NAME = 'xlmaster';
const PASSWORD = 'redis-test-pw';
const SENTINEL_PASSWORD = 'sentinel-test-pw';

export function hasSentinel(): boolean {
  return spawnSync('sh', ['-c', 'command -v redis-sentinel && command -v redis-server']).status === 0;
}

export interface SentinelSet {
  target: RedisSentinels;
  /** The port of the master the sentinels name now. */
  masterPort(): Promise<number>;
  /** Starts one more replica of the current master; resolves once it is in sync. */
  addReplica(): Promise<number>;
  /** SIGKILLs the current master; resolves with its port. */
  killMaster(): Promise<number>;
  /** Resolves with the new master's port once the sentinels name one other than `oldPort`. */
  promoted(oldPort: number, timeoutMs: number): Promise<number>;
  stop(): Promise<void>;
}

export interface SentinelSetOptions {
  dir: string;
  replicas: number;
  /** A master unreachable this long is down for a sentinel, ms (default 1000). */
  downAfterMs?: number;
  /** Replicas a master needs to accept writes (default 1). */
  minReplicasToWrite?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`sentinel set: timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function ask<T>(port: number, password: string, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis({
    port,
    host: '127.0.0.1',
    password,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

/** Resolves once `n` replicas of the master on `port` are online. */
function inSync(port: number, n: number): Promise<true> {
  return until(
    'the replicas in sync',
    () =>
      ask(port, PASSWORD, async (r) => {
        const info = await r.info('replication');
        return (info.match(/state=online/g) ?? []).length >= n ? true : undefined;
      }),
    20_000,
  );
}

function sentinelConf(port: number, dir: string, master: number, downAfterMs: number): string {
  return [
    `port ${port}`,
    'bind 127.0.0.1',
    `dir ${dir}`,
    `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${master} 2`,
    `sentinel auth-pass ${MASTER_NAME} ${PASSWORD}`,
    `sentinel down-after-milliseconds ${MASTER_NAME} ${downAfterMs}`,
    `sentinel failover-timeout ${MASTER_NAME} 10000`,
    `sentinel parallel-syncs ${MASTER_NAME} 1`,
    `requirepass ${SENTINEL_PASSWORD}`,
    `sentinel sentinel-pass ${SENTINEL_PASSWORD}`,
    '',
  ].join('\n');
}

/** Waits until the sentinel on `port` knows the other two and `replicas` replicas. */
function sentinelsMeet(port: number, replicas: number): Promise<unknown> {
  return until(
    'the sentinels to meet',
    () =>
      ask(port, SENTINEL_PASSWORD, async (r) => {
        const m = (await r.call('SENTINEL', 'MASTER', MASTER_NAME)) as string[];
        const f = new Map<string, string>();
        for (let i = 0; i + 1 < m.length; i += 2) f.set(m[i]!, m[i + 1]!);
        return Number(f.get('num-other-sentinels')) >= 2 && Number(f.get('num-slaves')) >= replicas
          ? true
          : undefined;
      }),
    30_000,
  );
}

export async function startSentinelSet(o: SentinelSetOptions): Promise<SentinelSet> {
  const procs = new Map<number, ChildProcess>();
  // Killed with this process too: a test that times out never reaches its `stop()`.
  const killAll = () => {
    for (const p of procs.values()) p.kill('SIGKILL');
  };
  process.once('exit', killAll);
  const sentinelPorts: number[] = [];
  const minReplicas = o.minReplicasToWrite ?? 1;
  const server = async (replicaOf?: number) => {
    const port = await freePort();
    const dir = join(o.dir, `redis-${port}`);
    mkdirSync(dir, { recursive: true });
    // biome-ignore format: one flag and its value per pair
    const args = [
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
      '--appendonly', 'yes', '--appendfsync', 'always',
      '--requirepass', PASSWORD, '--masterauth', PASSWORD,
      '--min-replicas-to-write', String(minReplicas), '--min-replicas-max-lag', '10',
      '--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0',
      ...(replicaOf ? ['--replicaof', '127.0.0.1', String(replicaOf)] : []),
    ];
    procs.set(port, spawn('redis-server', args, { stdio: 'ignore' }));
    return port;
  };
  try {
    const master = await server();
    await until('the master', () => ask(master, PASSWORD, (r) => r.ping()), 10_000);
    for (let i = 0; i < o.replicas; i++) await server(master);
    await inSync(master, o.replicas);
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const conf = join(o.dir, `sentinel-${port}.conf`);
      writeFileSync(conf, sentinelConf(port, o.dir, master, o.downAfterMs ?? 1000));
      procs.set(port, spawn('redis-sentinel', [conf], { stdio: 'ignore' }));
      sentinelPorts.push(port);
    }
    // Each sentinel must know the replicas and the other two before a failover can be agreed.
    for (const port of sentinelPorts) await sentinelsMeet(port, o.replicas);
  } catch (e) {
    killAll();
    process.off('exit', killAll);
    throw e;
  }
  const masterPort = async () => {
    for (const port of sentinelPorts) {
      const addr = await ask(port, SENTINEL_PASSWORD, (r) =>
        r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME),
      ).catch(() => undefined);
      if (Array.isArray(addr)) return Number(addr[1]);
    }
    throw new Error('no sentinel answers');
  };
  return {
    target: {
      sentinels: sentinelPorts.map((p) => `127.0.0.1:${p}`),
      masterName: MASTER_NAME,
      password: PASSWORD,
      sentinelPassword: SENTINEL_PASSWORD,
    },
    masterPort,
    async addReplica() {
      const master = await masterPort();
      const have = await ask(master, PASSWORD, (r) => r.info('replication'));
      const port = await server(master);
      await inSync(master, (have.match(/state=online/g) ?? []).length + 1);
      return port;
    },
    async killMaster() {
      const port = await masterPort();
      procs.get(port)?.kill('SIGKILL');
      return port;
    },
    promoted: (oldPort, timeoutMs) =>
      until(
        'a promoted replica',
        async () => {
          const p = await masterPort();
          return p !== oldPort ? p : undefined;
        },
        timeoutMs,
      ),
    async stop() {
      const exits = [...procs.values()].map(
        (p) =>
          new Promise<void>((r) =>
            p.exitCode !== null || p.signalCode !== null ? r() : p.once('exit', () => r()),
          ),
      );
      killAll();
      process.off('exit', killAll);
      await Promise.all(exits);
    },
  };
}

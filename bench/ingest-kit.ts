/**
 * Shared parts of bench:ingest and bench:faults: a Redis child (AOF, appendfsync always,
 * noeviction — docs/architecture.md#no-loss-chain) on a fixed port so it can be restarted, a Mosquitto child, and
 * simulated gateways running the real spool publisher in a worker thread (the second core).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Redis } from 'ioredis';

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

export async function waitFor(
  fn: () => Promise<boolean> | boolean,
  timeoutMs: number,
  stepMs = 50,
): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (
      await Promise.resolve()
        .then(fn)
        .catch(() => false)
    )
      return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return false;
}

export interface Proc {
  url: string;
  port: number;
  start(): Promise<void>;
  /** SIGKILL by default (a crash); SIGTERM for a clean stop. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** The running child's pid. */
  pid?(): number | undefined;
}

function procOf(spawnIt: () => ChildProcess, ready: () => Promise<boolean>, url: string, port: number): Proc {
  let child: ChildProcess | undefined;
  return {
    url,
    port,
    pid: () => child?.pid,
    async start() {
      child = spawnIt();
      if (!(await waitFor(ready, 15_000))) throw new Error(`${url} did not start`);
    },
    async stop(signal: NodeJS.Signals = 'SIGKILL') {
      const c = child;
      if (!c || c.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill(signal);
      });
    },
  };
}

/** A Redis child; `extraArgs` come last and override (bench:replay turns AOF off: memory only). */
export async function redisProc(dir: string, extraArgs: readonly string[] = []): Promise<Proc> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
    '--save',
    '',
    '--maxmemory-policy',
    'noeviction',
    '--logfile',
    'redis.log',
    ...extraArgs,
  ];
  const ping = async () => {
    const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on('error', () => {});
    try {
      await r.connect();
      return (await r.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      r.disconnect();
    }
  };
  return procOf(() => spawn('redis-server', args, { stdio: 'ignore' }), ping, url, port);
}

export async function mosquittoProc(dir: string): Promise<Proc> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  // Persistence on, so a restart keeps the ingest's persistent session; saved on shutdown only.
  writeFileSync(
    conf,
    `${process.getuid?.() === 0 ? 'user root\n' : ''}listener ${port} 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location ${dir}/\nmax_queued_messages 1000\n`,
  );
  const ready = () =>
    new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(true)); // port taken: mosquitto is listening
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)));
    });
  return procOf(
    () => spawn('mosquitto', ['-c', conf], { stdio: 'ignore' }),
    ready,
    `mqtt://127.0.0.1:${port}`,
    port,
  );
}

export interface GatewaySimOptions {
  url: string;
  gateways: string[];
  passwords: string[];
  cameras: string[];
  /** Hits in all. */
  hits: number;
  /** Hits per second in all; 0: as fast as acks allow. */
  ratePerSec: number;
  flushMs: number;
  ackTimeoutMs: number;
  /** Model tag on every hit (identifies a phase in the store). */
  tag: string;
  /** Every this many hits one is a zone event (zone `bench-alert`) that an alert rule matches; 0: none. */
  alertEvery?: number;
  /** Disk spools under this folder (else memory spools). */
  spoolDir?: string;
  /** Unacked spooled messages a gateway may have before the generator waits (as fast as possible mode). */
  maxSpooled?: number;
  progressMs?: number;
  /** Publisher log level on stderr (default silent). */
  logLevel?: string;
  /** Start handing hits over only once every gateway is logged in (at most 30 s). */
  waitLogins?: boolean;
}

export interface GatewayProgress {
  handedOver: number;
  acked: number;
  /** Unacked messages in all spools. */
  spooled: number;
  /** Age of the oldest unacked message over all gateways, ms. */
  oldestUnackedMs: number;
  /** Gateways connected to the endpoint. */
  connected: number;
  /** Messages published (resends included), and of them resent. */
  published: number;
  resent: number;
  atMs: number;
}

export interface GatewaySimResult {
  handedOver: number;
  published: number;
  resent: number;
  acked: number;
  droppedHits: number;
  /** When the publishers were started. */
  startMs: number;
  /** The first hand-over (after every login with `waitLogins`). */
  firstMs: number;
  lastHandedMs: number;
  drainedMs: number;
}

/** Runs simulated gateways in a worker thread until every hit is acked (or `timeoutMs`). */
export function runGateways(
  o: GatewaySimOptions,
  onProgress?: (p: GatewayProgress) => void,
  onStarted?: () => void,
): { done: Promise<GatewaySimResult>; stop(): Promise<void> } {
  // The thread runs TypeScript through tsx's loader, like the benchmark itself (Node 20
  // cannot start a worker from a .ts URL even with --import tsx).
  const entry = new URL('./ingest-gateways.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(entry)}); })`;
  const w = new Worker(boot, { eval: true, workerData: o });
  const done = new Promise<GatewaySimResult>((resolve, reject) => {
    w.on('message', (m: { type: string } & Record<string, unknown>) => {
      if (m.type === 'progress') onProgress?.(m as unknown as GatewayProgress);
      if (m.type === 'started') onStarted?.();
      if (m.type === 'done') resolve(m.result as GatewaySimResult);
    });
    w.on('error', reject);
    w.on('exit', (code) => reject(new Error(`gateway thread exited (${code})`)));
  });
  return {
    done,
    stop: async () => {
      await w.terminate();
    },
  };
}

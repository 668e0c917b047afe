/**
 * A `redis-server` child for the embedded stack: a free port on 127.0.0.1, its folder under
 * the data dir, AOF with `appendfsync always` and `noeviction` (DESIGN §6), stopped with
 * the parent. This is an adapter: it spawns a process.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { XlError } from '../contracts/errors.js';

export interface RedisChild {
  url: string;
  stop(): Promise<void>;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export function redisServerPath(): string | undefined {
  const r = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

export async function startRedisChild(dir: string): Promise<RedisChild> {
  const bin = redisServerPath();
  if (!bin) {
    throw new XlError(
      'UP_NO_REDIS',
      'redis-server is not installed. Install it (Debian/Ubuntu: `sudo apt-get install redis-server`) or pass --redis-url redis://host:6379',
    );
  }
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const child: ChildProcess = spawn(
    bin,
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--maxmemory-policy', 'noeviction', '--daemonize', 'no', '--logfile', 'redis.log'],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (exited) throw new XlError('UP_REDIS_FAILED', `redis-server exited at start; see ${dir}/redis.log`);
    const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on('error', () => {}); // refused while redis-server is still starting: retried below
    try {
      await r.connect();
      await r.ping();
      r.disconnect();
      break;
    } catch {
      r.disconnect();
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new XlError('UP_REDIS_FAILED', `redis-server did not answer on ${url} within 10 s`);
      }
      await new Promise((res) => setTimeout(res, 50));
    }
  }
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

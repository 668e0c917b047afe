/**
 * A `redis-server` child for the embedded stack: a free port on 127.0.0.1, its folder under
 * the data dir, AOF with `appendfsync always` and `noeviction` (docs/architecture.md#no-loss-chain), stopped with
 * the parent. This is an adapter: it spawns a process.
 *
 * The child runs in its own process group: Ctrl-C in a terminal (or `timeout`, or a service
 * manager signalling the group) must not stop Redis before ingest has drained its queue into
 * ClickHouse — the stack stops it last. It is killed if this process exits any other way,
 * and a child left behind by a process that was SIGKILLed (its pid in `<dir>/owner.pid`) is
 * stopped at the next start, so two servers never share one AOF folder.
 *
 * Only this process may use it (docs/security.md): it listens on 127.0.0.1, which every local
 * user can reach, so it requires a password — random, made on first start and kept in
 * `<dir>/password` (0600), given to redis-server in a 0600 config file rather than on its
 * command line (which `ps` shows). The folder itself is 0700.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../contracts/net.js';
import { Redis } from 'ioredis';
import { XlError } from '../contracts/errors.js';

export interface RedisChild {
  url: string;
  stop(): Promise<void>;
}

export { freePort } from '../contracts/net.js';

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
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const pidFile = join(dir, 'owner.pid');
  await stopLeftover(pidFile);
  const password = redisPassword(dir);
  const conf = join(dir, 'redis.conf');
  writeFileSync(conf, `requirepass ${password}\n`, { mode: 0o600 });
  chmodSync(conf, 0o600);
  const port = await freePort();
  const child: ChildProcess = spawn(
    bin,
    [
      conf,
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
      '--daemonize',
      'no',
      '--logfile',
      'redis.log',
    ],
    { stdio: 'ignore', detached: true },
  );
  if (child.pid) writeFileSync(pidFile, `${child.pid}\n`);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const url = `redis://:${password}@127.0.0.1:${port}`;
  let exited = false;
  child.once('exit', () => {
    exited = true;
    process.off('exit', killOnExit);
    rmSync(pidFile, { force: true });
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
        throw new XlError('UP_REDIS_FAILED', `redis-server did not answer on 127.0.0.1:${port} within 10 s`);
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

/** The child's password: `<dir>/password` (0600), made on first start. Base64url: safe in a URL. */
export function redisPassword(dir: string): string {
  const file = join(dir, 'password');
  if (existsSync(file)) {
    const pw = readFileSync(file, 'utf8').trim();
    if (/^[A-Za-z0-9_-]{32,}$/.test(pw)) {
      chmodSync(file, 0o600);
      return pw;
    }
  }
  const pw = randomBytes(32).toString('base64url');
  writeFileSync(file, `${pw}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return pw;
}

/** Stops a redis-server a killed predecessor left running on this folder (its pid file). */
async function stopLeftover(pidFile: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  rmSync(pidFile, { force: true });
  if (!Number.isInteger(pid) || pid <= 1) return;
  const isRedis = () => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server');
    } catch {
      return false;
    }
  };
  if (!isRedis()) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && isRedis(); i++) await new Promise((r) => setTimeout(r, 50));
  if (isRedis()) process.kill(pid, 'SIGKILL');
}

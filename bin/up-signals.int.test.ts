/**
 * `xueliang up` and signals: Ctrl-C in a terminal signals the whole process group, the
 * redis-server child included; the child runs in its own group so the stack drains and
 * stops it last, and `up` (here `demo`, whose edge agent keeps ingest busy) exits 0 promptly. A redis-server left running by an `up` that was
 * SIGKILLed is stopped by the next `up` on the same data folder.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot, testDataDir } from '../contracts/testdata.js';
import { freePort } from './redis-child.js';

const data = testDataDir();
const video = data ? join(data, 'video', 'campus_pedestrians.mp4') : undefined;
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

const alive = (pid: number): boolean => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server');
  } catch {
    return false;
  }
};

/**
 * Starts `up` (or `demo`) as the leader of its own process group; resolves when it is ready,
 * or (`until`) once its stderr shows that text.
 */
async function up(
  dataDir: string,
  command: string[] = ['up'],
  o: { logLevel?: string; until?: string } = {},
): Promise<{ child: ChildProcess; redisPid: number; err: () => string }> {
  const [port, mqttPort] = [await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    [
      'bin/xueliang.js',
      ...command,
      ...['--port', String(port), '--mqtt-port', String(mqttPort), '--data', dataDir],
      ...['--log-level', o.logLevel ?? 'warn'],
    ],
    { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const deadline = Date.now() + 60_000;
  while (o.until ? !err.includes(o.until) : !out.includes('Ctrl-C stops everything')) {
    if (child.exitCode !== null) throw new Error(`up exited ${child.exitCode}: ${err}`);
    if (Date.now() > deadline) throw new Error(`up did not start: ${out}\n${err}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const redisPid = Number(readFileSync(join(dataDir, 'redis', 'owner.pid'), 'utf8'));
  return { child, redisPid, err: () => err };
}

const exited = (c: ChildProcess) =>
  new Promise<number | null>((r) =>
    c.exitCode !== null ? r(c.exitCode) : c.once('exit', (code) => r(code)),
  );

describe('xueliang up and signals', () => {
  // The demo has an edge agent publishing into ingest, so stopping needs Redis to the end.
  it.skipIf(!video)(
    'Ctrl-C to the whole process group: drains, stops Redis last, exits 0 within 10 s',
    async () => {
      const dir = join(mkdtempSync(join(tmpdir(), 'xl-sig-')), 'data');
      const u = await up(dir, ['demo', '--source', video!, '--metrics-port', '0']);
      expect(alive(u.redisPid)).toBe(true);
      await new Promise((r) => setTimeout(r, 3000)); // hits flowing
      const t0 = Date.now();
      process.kill(-u.child.pid!, 'SIGINT'); // what a terminal does on Ctrl-C
      const code = await exited(u.child);
      expect(code, u.err()).toBe(0);
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(u.err()).not.toMatch(/ECONNREFUSED|timed out/);
      expect(alive(u.redisPid)).toBe(false);
      expect(existsSync(join(dir, 'redis', 'owner.pid'))).toBe(false);
    },
    90_000,
  );

  // Ending a detector worker inside onnxruntime's session create aborts the process
  // (models/worker-pool.ts): a Ctrl-C while the demo's agent starts must let it finish first.
  it.skipIf(!video)(
    'Ctrl-C while the edge agent loads its detector: waits for it, then exits 0',
    async () => {
      const dir = join(mkdtempSync(join(tmpdir(), 'xl-sig-')), 'data');
      const u = await up(dir, ['demo', '--source', video!, '--metrics-port', '0'], {
        logLevel: 'info',
        until: 'starting detector workers',
      });
      const t0 = Date.now();
      process.kill(-u.child.pid!, 'SIGINT');
      const code = await exited(u.child);
      expect(code, u.err().slice(-2000)).toBe(0);
      expect(u.err()).not.toContain('terminate called');
      expect(u.err()).toContain('edge agent stopped'); // its start finished, then it stopped
      expect(Date.now() - t0).toBeLessThan(15_000);
      expect(alive(u.redisPid)).toBe(false);
    },
    90_000,
  );

  // GNU timeout signals its child, then its own process group (the child's too): the same
  // SIGINT twice, a moment apart — one request to stop, not a second Ctrl-C.
  it('the same signal again within a second (GNU timeout sends two) is not a second Ctrl-C', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'xl-sig-')), 'data');
    const u = await up(dir, ['up'], { logLevel: 'info' });
    process.kill(u.child.pid!, 'SIGINT');
    while (!u.err().includes('"msg":"stopping"')) await new Promise((r) => setTimeout(r, 5));
    process.kill(-u.child.pid!, 'SIGINT'); // while it stops
    expect(await exited(u.child), u.err()).toBe(0); // a second Ctrl-C would exit 130 at once
    expect(u.err()).not.toContain('second signal');
    expect(alive(u.redisPid)).toBe(false);
  }, 90_000);

  it('a redis-server left behind by a SIGKILLed up is stopped by the next up', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'xl-sig-')), 'data');
    const first = await up(dir);
    first.child.kill('SIGKILL');
    await exited(first.child);
    expect(alive(first.redisPid)).toBe(true); // its own process group: it outlived its parent
    const second = await up(dir);
    expect(alive(first.redisPid)).toBe(false);
    expect(second.redisPid).not.toBe(first.redisPid);
    second.child.kill('SIGTERM');
    expect(await exited(second.child)).toBe(0);
    expect(alive(second.redisPid)).toBe(false);
  }, 120_000);
});

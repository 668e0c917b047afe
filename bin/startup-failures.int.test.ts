/**
 * Start-up failures a user meets on a real machine: a port already taken, a data folder held by
 * another process, a city without an org tree. Each command must exit non-zero within 10 s with
 * a coded message that says what to do — never hang, never print an `XL_INTERNAL` stack — and
 * leave nothing running (no redis-server child, no workers logging connection errors).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../contracts/net.js';
import { projectRoot } from '../contracts/testdata.js';

const EXIT_WITHIN_MS = 10_000;

interface Exited {
  code: number | null;
  ms: number;
  stdout: string;
  stderr: string;
}

/** Runs `xueliang ARGS` and waits for it to exit (killing it after `limitMs`). */
async function run(args: string[], limitMs = 60_000): Promise<Exited> {
  const t0 = Date.now();
  const child = spawn(process.execPath, ['bin/xueliang.js', ...args], {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  clearTimeout(killer);
  return { code, ms: Date.now() - t0, stdout, stderr };
}

/** Processes whose command line names `needle` (a data folder: the redis-server child has --dir there). */
function processesNaming(needle: string): string[] {
  let out = '';
  try {
    out = execFileSync('pgrep', ['-af', needle], { encoding: 'utf8' });
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
  return out.split('\n').filter((l) => l.trim() && !l.includes('pgrep'));
}

function holdPort(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

/**
 * The bound is 10 s on top of what loading the same command costs on this box right now
 * (its `--help`, measured just before): a loaded CI box takes seconds just to load the
 * modules, and that is not the hang this guards against.
 */
const loadMs = new Map<string, number>();
async function measureLoad(cmd: string): Promise<void> {
  loadMs.set(cmd, (await run([cmd, '--help'])).ms);
}

function expectCleanFailure(r: Exited, code: string, mentions: string[], cmd = 'up'): void {
  expect(r.code, r.stderr).not.toBe(0);
  expect(r.code).not.toBeNull();
  expect(r.stderr).toMatch(new RegExp(`^${code}: `, 'm'));
  for (const m of mentions) expect(r.stderr).toContain(m);
  expect(r.stderr).not.toContain('XL_INTERNAL');
  expect(r.ms, `exited after ${r.ms} ms; loading '${cmd}' took ${loadMs.get(cmd)} ms`).toBeLessThan(
    EXIT_WITHIN_MS + (loadMs.get(cmd) ?? 0),
  );
}

const tmp = mkdtempSync(join(tmpdir(), 'xl-startfail-'));
const held: Server[] = [];
afterAll(async () => {
  for (const s of held) await new Promise((r) => s.close(r));
});

beforeAll(async () => {
  await run(['up', '--help']); // warms the TypeScript loader's cache
  for (const cmd of ['up', 'seed', 'edge']) await measureLoad(cmd);
}, 120_000);

describe('start-up failures exit at once with a coded message and leave nothing behind', {
  timeout: 120_000,
}, () => {
  it('up: the MQTT port is taken', async () => {
    const mqttPort = await freePort();
    held.push(await holdPort(mqttPort));
    const data = join(tmp, 'mqtt-taken');
    const r = await run([
      'up',
      '--port',
      String(await freePort()),
      '--mqtt-port',
      String(mqttPort),
      '--data',
      data,
    ]);
    expectCleanFailure(r, 'NET_PORT_IN_USE', [String(mqttPort), 'MQTT', '--mqtt-port']);
    expect(r.stderr).not.toMatch(/ECONNREFUSED/);
    expect(processesNaming(data)).toEqual([]);
  });

  it('up: the HTTP port is taken', async () => {
    const port = await freePort();
    held.push(await holdPort(port));
    const data = join(tmp, 'http-taken');
    const r = await run([
      'up',
      '--port',
      String(port),
      '--mqtt-port',
      String(await freePort()),
      '--data',
      data,
    ]);
    expectCleanFailure(r, 'NET_PORT_IN_USE', [String(port), 'HTTP', '--port']);
    expect(processesNaming(data)).toEqual([]);
  });

  describe('while an up holds a data folder', () => {
    const data = join(tmp, 'held');
    let first: ChildProcess;
    let api = '';

    beforeAll(async () => {
      const port = await freePort();
      api = `http://127.0.0.1:${port}`;
      first = spawn(
        process.execPath,
        [
          'bin/xueliang.js',
          'up',
          '--port',
          String(port),
          '--mqtt-port',
          String(await freePort()),
          '--data',
          data,
          '--log-level',
          'warn',
        ],
        { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      first.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      const deadline = Date.now() + 60_000;
      while (!out.includes('Ctrl-C stops everything')) {
        if (first.exitCode !== null || Date.now() > deadline)
          throw new Error(`first up did not start: ${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }, 90_000);

    afterAll(async () => {
      first.kill('SIGTERM');
      await new Promise((r) => first.once('exit', r));
    });

    it('a second up on the same --data says the folder is in use', async () => {
      const r = await run([
        'up',
        '--port',
        String(await freePort()),
        '--mqtt-port',
        String(await freePort()),
        '--data',
        data,
      ]);
      expectCleanFailure(r, 'STORE_LOCKED', [join(data, 'clickhouse'), '--data']);
      // The first is untouched.
      expect((await fetch(`${api}/healthz`)).status).toBe(200);
    });

    it('seed on the folder up holds says so', async () => {
      const r = await run(['seed', '--hits', '10', '--clickhouse', `chdb://${join(data, 'clickhouse')}`]);
      expectCleanFailure(r, 'STORE_LOCKED', [join(data, 'clickhouse')], 'seed');
      expect((await fetch(`${api}/healthz`)).status).toBe(200);
    });
  });

  it('edge: the metrics port is taken', async () => {
    const metricsPort = await freePort();
    held.push(await holdPort(metricsPort));
    const dir = join(tmp, 'edge');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'gateway.yaml');
    writeFileSync(
      file,
      [
        'gateway: { id: gw-startfail }',
        `mqtt: { url: "mqtt://127.0.0.1:${await freePort()}" }`,
        `spool: { dir: "${join(dir, 'spool')}" }`,
        `metricsPort: ${metricsPort}`,
        'cameras: []',
        '',
      ].join('\n'),
    );
    const r = await run(['edge', '--config', file]);
    expectCleanFailure(r, 'NET_PORT_IN_USE', [String(metricsPort), 'metrics'], 'edge');
  });

  it('up: a city.yaml without an org tree is refused, naming the file and path', async () => {
    const file = join(tmp, 'empty-city.yaml');
    writeFileSync(file, '');
    const data = join(tmp, 'empty-city');
    const r = await run(['up', '--config', file, '--port', String(await freePort()), '--data', data]);
    expectCleanFailure(r, 'CONFIG_INVALID', [file, '/orgs']);
    const check = await run(['config', 'check', file]);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain('/orgs');
    expect(processesNaming(data)).toEqual([]);
  });
});
